package mmsim.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import mmsim.explore.Budget;
import mmsim.explore.ExplorationResult;
import mmsim.explore.ExploreOptions;
import mmsim.explore.Explorer;
import mmsim.explore.Failure;
import mmsim.explore.Outcome;
import mmsim.explore.ProgressListener;
import mmsim.explore.ReductionMode;
import mmsim.explore.Shard;
import mmsim.explore.Strategy;
import mmsim.kernel.Kernel;
import mmsim.scenario.Scenario.Expect;
import mmsim.scenario.Scenario.Variant;

/**
 * Explores one scenario under one variant and grades the result against the declarations.
 *
 * <p>Phase 1 stops at the first outcome that is not ACCEPTABLE. When that outcome is only
 * INTERESTING, phase 2 explores again stopping only at FORBIDDEN or EXPECTED outcomes, so an
 * interesting outcome found early never hides a forbidden one.
 */
public final class ScenarioRunner {
    private ScenarioRunner() { }

    /** How one variant behaved relative to its declarations; {@link #exitCode()} in the kselftest manner. */
    public enum Status {
        OK(0), VIOLATED(1), INCOMPLETE(4);
        public final int exit;
        Status(int exit) { this.exit = exit; }
    }

    /**
     * Exploration settings: the file's, overridden by the command line. {@code stepLimit} bounds
     * the scheduling steps of one execution; 0 derives it from the scenario ({@link #stepLimitOf}).
     * {@code reduction}: how the DFS prunes reorderings (by default DPOR with sleep sets; a shard
     * runs sleep sets alone, {@link mmsim.explore.ExploreOptions#dpor}); {@code all}: keep exploring after the
     * first failure and report each distinct one (by kind and location), not only the first;
     * {@code shard}: explore only this part of the DFS (null: all of it).
     */
    public record Settings(Strategy strategy, int bound, long maxExecutions, Duration timeBudget, long seed, int stepLimit,
                           ReductionMode reduction, boolean all, Shard shard) {
        /** The whole search, not a shard of it. */
        public Settings(Strategy strategy, int bound, long maxExecutions, Duration timeBudget, long seed, int stepLimit,
                        ReductionMode reduction, boolean all) {
            this(strategy, bound, maxExecutions, timeBudget, seed, stepLimit, reduction, all, null);
        }

        /** With partial-order reduction (the default), stopping at the first failure, the step limit derived. */
        public Settings(Strategy strategy, int bound, long maxExecutions, Duration timeBudget, long seed) {
            this(strategy, bound, maxExecutions, timeBudget, seed, 0);
        }

        /** With partial-order reduction (the default), stopping at the first failure. */
        public Settings(Strategy strategy, int bound, long maxExecutions, Duration timeBudget, long seed, int stepLimit) {
            this(strategy, bound, maxExecutions, timeBudget, seed, stepLimit, ReductionMode.DPOR, false);
        }

        /** The same settings with the default reduction (DPOR with sleep sets) or none. */
        public Settings reduction(boolean on) {
            return reduction(on ? ReductionMode.DPOR : ReductionMode.NONE);
        }

        /** The same settings with this reduction. */
        public Settings reduction(ReductionMode mode) {
            return new Settings(strategy, bound, maxExecutions, timeBudget, seed, stepLimit, mode, all, shard);
        }

        /** The same settings reporting every distinct failure ({@code --all}) or only the first. */
        public Settings all(boolean on) {
            return new Settings(strategy, bound, maxExecutions, timeBudget, seed, stepLimit, reduction, on, shard);
        }

        /** The same settings with this step limit per execution. */
        public Settings stepLimit(int limit) {
            return new Settings(strategy, bound, maxExecutions, timeBudget, seed, limit, reduction, all, shard);
        }

        /** The same settings exploring one shard of the DFS ({@code --shard I/N}); null: all of it. */
        public Settings shard(Shard part) {
            return new Settings(strategy, bound, maxExecutions, timeBudget, seed, stepLimit, reduction, all, part);
        }

        public static Settings of(Scenario s) {
            return new Settings(Strategy.valueOf(s.strategy().toUpperCase(java.util.Locale.ROOT)), s.bound(),
                    s.budgetExecutions(), s.budgetTime(), s.seed(), s.stepLimit(), ReductionMode.DPOR, s.reportAll());
        }
    }

    /** The least step limit: what every catalogue scenario ran with before limits were derived. */
    public static final int MIN_STEP_LIMIT = 100_000;

    /**
     * The step limit of a scenario that sets none: four times the steps of its one execution
     * without preemptions (CPU 0's program, then CPU 1's, ...), and at least {@link #MIN_STEP_LIMIT}.
     * A preempted execution takes about as many steps, as waiting is no step; the margin is for
     * retry loops (offline_pages' -EBUSY retries, lock waits) that preemption makes longer. So
     * onlining a 128 MiB block in v4.6 (a step per page) fits, and only a livelock reaches it.
     */
    public static int stepLimitOf(ScenarioProgram program) {
        ExplorationResult serial = Explorer.explore(program, ExploreOptions.defaults().strategy(Strategy.DFS).preemptionBound(0)
                .maxExecutions(1).stepLimit(50_000_000).isFailure(o -> false));
        return (int) Math.min(Integer.MAX_VALUE, Math.max(MIN_STEP_LIMIT, 4 * serial.points() + 10_000));
    }

    /** A graded failure (or interesting outcome) with its declaration. */
    public record Finding(Failure failure, OutcomeClass cls, Expect declaration) { }

    /**
     * The result of one scenario × variant.
     * @param verdict   the one-line title of the first finding, or "holds", or "not reached: PATTERN"
     * @param note      why the status is what it is, one line
     * @param sharded   a shard's account for {@code mmsim merge} ({@link Settings#shard}), else null
     */
    public record VariantResult(Scenario scenario, Variant variant, Settings settings, Status status, String verdict,
                                String note, List<Finding> findings, long executions, boolean exhausted,
                                boolean budgetCut, Duration elapsed, Map<Outcome, Long> outcomes,
                                ExplorationResult.Reduction reduction, ShardedRun sharded) {
        public String coverage() {
            if (exhausted) return "exhaustive (bound " + settings.bound() + ")";
            if (budgetCut) return "budget cut";
            return findings.isEmpty() ? "stopped" : "stopped at find";
        }
    }

    /**
     * Checks what the parser cannot: the layout, and (booting each variant's machine once and
     * running setup) that setup succeeds. Throws {@link ScenarioError}.
     */
    public static void validate(Scenario scenario) {
        for (Variant v : scenario.variants()) {
            ScenarioProgram p = new ScenarioProgram(scenario, v);
            p.validate();
        }
    }

    /**
     * What a caller that analyses runs (the locks command) adds to one: a look at each execution's
     * kernel once setup is done ({@link Kernel#recordLockUsage}), and whether a failure found is
     * minimised before it is traced (the explorer's default) or traced as found.
     */
    public record Hooks(Consumer<Kernel> onExecution, boolean minimize) {
        public static final Hooks NONE = new Hooks(k -> { }, true);
    }

    /** Runs {@code variant} of {@code scenario}. */
    public static VariantResult run(Scenario scenario, Variant variant, Settings st, ProgressListener progress) {
        return run(scenario, variant, st, progress, Hooks.NONE);
    }

    /** Runs {@code variant} of {@code scenario} with {@code hooks}. */
    public static VariantResult run(Scenario scenario, Variant variant, Settings st, ProgressListener progress, Hooks hooks) {
        Grader grader = new Grader(scenario);
        ScenarioProgram program = new ScenarioProgram(scenario, variant, hooks.onExecution());
        if (st.stepLimit() == 0) st = st.stepLimit(stepLimitOf(program));
        String v = variant.name();
        List<Finding> findings = new ArrayList<>();
        Map<Outcome, Long> outcomes = new LinkedHashMap<>();
        // one budget for the run: both phases and every minimisation spend it, and the progress
        // line counts on across them
        Budget budget = budget(st);

        ExplorationResult r = Explorer.explore(program, options(st, budget, progress, hooks,
                o -> grader.classify(v, o.verdictKind(), o.observed()) != OutcomeClass.ACCEPTABLE));
        List<ShardedRun.Phase> phases = new ArrayList<>();
        phase(phases, r, grader, v);
        if (st.all()) return graded(scenario, variant, st, grader, r, sharded(st, grader, v, phases));
        long executions = r.executions();
        ExplorationResult.Reduction reduction = r.reduction();
        Duration elapsed = r.elapsed();
        merge(outcomes, r.outcomes());
        Optional<Failure> f = r.failure();
        if (f.isPresent() && classOf(grader, v, f.get()) == OutcomeClass.INTERESTING) {
            findings.add(finding(grader, v, f.get()));
            r = budget.spent() ? cutBefore(r) : Explorer.explore(program, options(st, budget, progress, hooks, o -> {
                OutcomeClass c = grader.classify(v, o.verdictKind(), o.observed());
                return c == OutcomeClass.FORBIDDEN || c == OutcomeClass.EXPECTED;
            }));
            phase(phases, r, grader, v);
            executions += r.executions();
            reduction = new ExplorationResult.Reduction(reduction.on(), reduction.redundant() + r.reduction().redundant(),
                    reduction.pruned() + r.reduction().pruned());
            elapsed = elapsed.plus(r.elapsed());
            merge(outcomes, r.outcomes());
            f = r.failure();
        }
        f.ifPresent(x -> findings.add(finding(grader, v, x)));
        RowGrade g = RowGrade.first(findings.stream().map(RowGrade.Graded::of).toList(), firstExpected(grader, v), r.exhausted(),
                st.bound(), st.stepLimit(), st.shard());
        return new VariantResult(scenario, variant, st, g.status(), g.verdict(), g.note(), List.copyOf(findings), executions,
                r.exhausted(), r.budgetCut(), elapsed, outcomes, reduction, sharded(st, grader, v, phases));
    }

    /**
     * {@code --all}: one exploration that went on past every failure; each distinct failure is a
     * finding, graded by {@link RowGrade#all}.
     */
    private static VariantResult graded(Scenario scenario, Variant variant, Settings st, Grader grader, ExplorationResult r,
                                        ShardedRun sharded) {
        String v = variant.name();
        List<Finding> findings = r.failures().stream().map(x -> finding(grader, v, x)).toList();
        RowGrade g = RowGrade.all(findings.stream().map(RowGrade.Graded::of).toList(), firstExpected(grader, v), r.exhausted(), st.bound(), st.shard());
        return new VariantResult(scenario, variant, st, g.status(), g.verdict(), g.note(), findings, r.executions(), r.exhausted(),
                r.budgetCut(), r.elapsed(), new LinkedHashMap<>(r.outcomes()), r.reduction(), sharded);
    }

    private static String firstExpected(Grader g, String variant) {
        List<Expect> expected = g.expected(variant);
        return expected.isEmpty() ? null : expected.get(0).pattern();
    }

    /** A search phase for a sharded run's account (its tally is null when the budget ran out before it began). */
    private static void phase(List<ShardedRun.Phase> phases, ExplorationResult r, Grader grader, String v) {
        phases.add(new ShardedRun.Phase(r.shard(), r.failures().stream().map(x -> finding(grader, v, x)).toList(), r.exhausted(),
                r.budgetCut()));
    }

    private static ShardedRun sharded(Settings st, Grader grader, String v, List<ShardedRun.Phase> phases) {
        return st.shard() == null ? null : new ShardedRun(st.shard(), st.all(), firstExpected(grader, v), st.stepLimit(), phases);
    }

    private static OutcomeClass classOf(Grader g, String v, Failure f) {
        return g.classify(v, f.verdict().kind(), f.observed());
    }

    private static Finding finding(Grader g, String v, Failure f) {
        return new Finding(f, classOf(g, v, f), g.match(v, f.verdict().kind(), f.observed()));
    }

    private static void merge(Map<Outcome, Long> into, Map<Outcome, Long> from) {
        from.forEach((k, n) -> into.merge(k, n, Long::sum));
    }

    private static ExploreOptions options(Settings st, Budget budget, ProgressListener progress, Hooks hooks,
                                          java.util.function.Predicate<Outcome> isFailure) {
        ExploreOptions o = ExploreOptions.defaults().strategy(st.strategy()).preemptionBound(st.bound()).seed(st.seed())
                .stepLimit(st.stepLimit()).shard(st.shard())
                .stopAtFirstFailure(!st.all()).isFailure(isFailure).progress(progress).budget(budget).reduction(st.reduction());
        return hooks.minimize() ? o : o.minimize(false);
    }

    /** The run's budget from the settings: the executions and time given, else the strategy's default. */
    static Budget budget(Settings st) {
        ExploreOptions o = ExploreOptions.defaults().strategy(st.strategy());
        if (st.maxExecutions() > 0) o = o.maxExecutions(st.maxExecutions());
        if (st.timeBudget() != null) o = o.timeBudget(st.timeBudget());
        return Budget.of(o.maxExecutions(), st.timeBudget());
    }

    /** The second phase when the first spent the whole budget finding the INTERESTING outcome: a cut, no execution. */
    private static ExplorationResult cutBefore(ExplorationResult first) {
        return new ExplorationResult(first.strategy(), first.bound(), 0, 0, false, true, Optional.empty(), Map.of(), Duration.ZERO,
                first.seed());
    }
}
