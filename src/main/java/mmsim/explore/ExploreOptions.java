package mmsim.explore;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Options of one exploration, immutable: each {@code name(value)} returns a changed copy, each
 * {@code name()} reads. Start from {@link #defaults()}.
 *
 * <pre>
 *   ExploreOptions.defaults().strategy(Strategy.DFS).preemptionBound(3)
 *   ExploreOptions.defaults().strategy(Strategy.PCT).seed(7).maxExecutions(10_000)
 * </pre>
 */
public final class ExploreOptions {
    /** Budget of random and PCT when neither executions nor time are given. */
    public static final long DEFAULT_RANDOM_EXECUTIONS = 10_000;

    private Strategy strategy = Strategy.DFS;
    private int preemptionBound = 2;
    private long maxExecutions = 0; // 0: the strategy's default
    private Duration timeBudget = null;
    private long seed = 0;
    private int pctDepth = 3;
    private int stepLimit = 100_000;
    private boolean stopAtFirstFailure = true;
    private Predicate<Outcome> isFailure = o -> o.verdictKind() != Verdict.Kind.PASSED;
    private ProgressListener progress = ProgressListener.NONE;
    private boolean minimize = true;
    private long minimizeBudget = 20_000;
    private boolean minimizeByCaps = true;
    private Carrier.Kind carrier = null; // null: the fastest available
    private Budget budget = null; // null: one from maxExecutions and timeBudget per exploration
    private boolean reduction = true;
    private boolean dpor = true;
    private java.util.function.Consumer<String> footprintCheck = null;   // null: off
    private Shard shard = null; // null: the whole tree

    private ExploreOptions() { }

    private ExploreOptions copy() {
        ExploreOptions o = new ExploreOptions();
        o.strategy = strategy;
        o.preemptionBound = preemptionBound;
        o.maxExecutions = maxExecutions;
        o.timeBudget = timeBudget;
        o.seed = seed;
        o.pctDepth = pctDepth;
        o.stepLimit = stepLimit;
        o.stopAtFirstFailure = stopAtFirstFailure;
        o.isFailure = isFailure;
        o.progress = progress;
        o.minimize = minimize;
        o.minimizeBudget = minimizeBudget;
        o.minimizeByCaps = minimizeByCaps;
        o.carrier = carrier;
        o.budget = budget;
        o.reduction = reduction;
        o.dpor = dpor;
        o.footprintCheck = footprintCheck;
        o.shard = shard;
        return o;
    }

    public static ExploreOptions defaults() { return new ExploreOptions(); }

    public Strategy strategy() { return strategy; }
    public ExploreOptions strategy(Strategy s) { var o = copy(); o.strategy = java.util.Objects.requireNonNull(s); return o; }

    /** Most preemptions per execution the DFS explores (default 2). Unused by random and PCT. */
    public int preemptionBound() { return preemptionBound; }
    public ExploreOptions preemptionBound(int b) {
        if (b < 0) throw new IllegalArgumentException("preemption bound must be >= 0, got " + b);
        var o = copy(); o.preemptionBound = b; return o;
    }

    /** Execution budget: unlimited for DFS by default, {@value #DEFAULT_RANDOM_EXECUTIONS} for random and PCT without a time budget. */
    public long maxExecutions() {
        if (maxExecutions > 0) return maxExecutions;
        return strategy == Strategy.DFS || timeBudget != null ? Long.MAX_VALUE : DEFAULT_RANDOM_EXECUTIONS;
    }
    public ExploreOptions maxExecutions(long n) {
        if (n <= 0) throw new IllegalArgumentException("execution budget must be > 0, got " + n);
        var o = copy(); o.maxExecutions = n; return o;
    }

    public Optional<Duration> timeBudget() { return Optional.ofNullable(timeBudget); }
    public ExploreOptions timeBudget(Duration d) {
        if (d != null && (d.isNegative() || d.isZero())) throw new IllegalArgumentException("time budget must be positive, got " + d);
        var o = copy(); o.timeBudget = d; return o;
    }

    public long seed() { return seed; }
    public ExploreOptions seed(long s) { var o = copy(); o.seed = s; return o; }

    /** PCT's bug depth d: d-1 priority change points per execution (default 3). */
    public int pctDepth() { return pctDepth; }
    public ExploreOptions pctDepth(int d) {
        if (d < 1) throw new IllegalArgumentException("PCT depth must be >= 1, got " + d);
        var o = copy(); o.pctDepth = d; return o;
    }

    /** Most scheduling steps per execution before the step_limit verdict (default 100,000). */
    public int stepLimit() { return stepLimit; }
    public ExploreOptions stepLimit(int n) {
        if (n < 1) throw new IllegalArgumentException("step limit must be >= 1, got " + n);
        var o = copy(); o.stepLimit = n; return o;
    }

    public boolean stopAtFirstFailure() { return stopAtFirstFailure; }
    public ExploreOptions stopAtFirstFailure(boolean b) { var o = copy(); o.stopAtFirstFailure = b; return o; }

    /** Which outcomes count as failures (default: every verdict but passed). */
    public Predicate<Outcome> isFailure() { return isFailure; }
    public ExploreOptions isFailure(Predicate<Outcome> p) { var o = copy(); o.isFailure = java.util.Objects.requireNonNull(p); return o; }

    public ProgressListener progress() { return progress; }
    public ExploreOptions progress(ProgressListener p) { var o = copy(); o.progress = p == null ? ProgressListener.NONE : p; return o; }

    /** Whether a failure is minimised (fewest preemptions, then fewest steps) before it is traced (default true). */
    public boolean minimize() { return minimize; }
    public ExploreOptions minimize(boolean b) { var o = copy(); o.minimize = b; return o; }

    /** Executions the minimiser may spend (default 20,000). */
    public long minimizeBudget() { return minimizeBudget; }
    public ExploreOptions minimizeBudget(long n) { var o = copy(); o.minimizeBudget = n; return o; }

    /**
     * Whether minimisation first probes for a short failure and searches each bound capped at
     * its length (default true), or searches each bound uncapped (false: the earlier search, for
     * benchmarks and tests comparing the two). Both keep the same schedule.
     */
    public boolean minimizeByCaps() { return minimizeByCaps; }
    public ExploreOptions minimizeByCaps(boolean b) { var o = copy(); o.minimizeByCaps = b; return o; }

    /** The CPU carrier; empty means the fastest one this JVM supports. */
    public Optional<Carrier.Kind> carrier() { return Optional.ofNullable(carrier); }
    public ExploreOptions carrier(Carrier.Kind k) { var o = copy(); o.carrier = k; return o; }

    /**
     * A budget shared with other explorations of the same run (search, second phase,
     * minimisation all count against it); when set, {@link #maxExecutions()} and
     * {@link #timeBudget()} are not used.
     */
    public Optional<Budget> budget() { return Optional.ofNullable(budget); }
    public ExploreOptions budget(Budget b) { var o = copy(); o.budget = b; return o; }

    /**
     * Partial-order reduction of the DFS (default on): schedules that only reorder independent
     * steps of an explored one are skipped, by source-set DPOR with sleep sets unless
     * {@link #reduction(ReductionMode)} asks for sleep sets alone. Off, the DFS runs every schedule
     * within the bound, as it did before (reproducible counts: {@code --no-reduction}).
     */
    public boolean reduction() { return reduction; }
    public ExploreOptions reduction(boolean on) { var o = copy(); o.reduction = on; return o; }

    /**
     * Source-set DPOR on top of the sleep sets ({@link ReductionMode#DPOR}, the default): at each
     * node only the CPUs a race of an explored execution asks for are tried. Only for an unsharded
     * DFS with {@link #reduction()} on: a shard of the search runs sleep sets alone (its races
     * would ask for other shards' subtrees), as minimisation does.
     */
    public boolean dpor() { return dpor && reduction && shard == null && strategy == Strategy.DFS; }

    /**
     * The footprint check (a debug mode, off by default): the model reports its raw memmap and
     * page-table accesses and each one the running step's point did not announce is handed to {@code sink}
     * as "'point label' (ACCESS location) -> ACCESS location". What DPOR needs to be sound.
     */
    public ExploreOptions footprintCheck(java.util.function.Consumer<String> sink) { var o = copy(); o.footprintCheck = sink; return o; }
    java.util.function.Consumer<String> footprintCheck() { return footprintCheck; }

    /** The reduction the search runs, as one mode. */
    public ReductionMode reductionMode() { return !reduction ? ReductionMode.NONE : dpor() ? ReductionMode.DPOR : ReductionMode.SLEEP; }

    /** {@link #reduction(boolean)} and {@link #dpor()} from one mode. */
    public ExploreOptions reduction(ReductionMode m) { var o = copy(); o.reduction = m != ReductionMode.NONE; o.dpor = m == ReductionMode.DPOR; return o; }

    /**
     * The part of a DFS this exploration runs ({@link Shard}); empty: all of it. The result then
     * carries a {@link ShardTally} from which the shards' results add up to the unsharded one.
     */
    public Optional<Shard> shard() { return Optional.ofNullable(shard); }
    public ExploreOptions shard(Shard s) { var o = copy(); o.shard = s; return o; }

    /** The budget this exploration spends: the shared one, or a fresh one from the limits. */
    Budget budgetForRun() {
        return budget != null ? budget : Budget.of(maxExecutions(), timeBudget);
    }

    @Override
    public String toString() {
        return "ExploreOptions[" + strategy.lower() + (strategy == Strategy.DFS ? " bound " + preemptionBound : " seed " + seed)
                + (strategy == Strategy.PCT ? " depth " + pctDepth : "")
                + (maxExecutions > 0 ? ", max " + maxExecutions : "") + (timeBudget != null ? ", time " + timeBudget : "")
                + ", step limit " + stepLimit + "]";
    }
}
