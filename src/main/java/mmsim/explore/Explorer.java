package mmsim.explore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The concurrency explorer: runs a {@link Program} under many schedules and reports the first
 * failing one as a minimised, traced, replayable {@link Failure}.
 *
 * <p>Contract, after Lincheck: explore cheaply (no tracing), and explain only on failure. A
 * failing schedule is minimised (fewest preemptions first, then fewest steps, by bounded
 * searches for the same verdict), then re-run with tracing on. Same program and options give
 * the same executions in the same order on any machine. The explorer assumes sequential
 * consistency (see the package documentation).
 */
public final class Explorer {
    private static final long PROGRESS_NANOS = 250_000_000L;

    private Explorer() { }

    public static ExplorationResult explore(Program program, ExploreOptions o) {
        return explore(program, o, null);
    }

    /** As {@link #explore(Program, ExploreOptions)}, handing every execution's schedule to {@code schedules} (tests). */
    static ExplorationResult explore(Program program, ExploreOptions o, java.util.function.Consumer<String> schedules) {
        return exploreSeeing(program, o, schedules == null ? null : e -> schedules.accept(Schedule.encode(e.chosen, e.steps)));
    }

    /** As {@link #explore(Program, ExploreOptions)}, showing {@code eachExecution} the engine after every execution run to its end. */
    static ExplorationResult exploreSeeing(Program program, ExploreOptions o, java.util.function.Consumer<Engine> eachExecution) {
        Carrier carrier = o.carrier().map(Carrier::of).orElseGet(Carrier::best);
        if (carrier.kind() == Carrier.Kind.VIRTUAL_THREAD && !Thread.currentThread().isVirtual()) {
            // Hand-offs between virtual threads stay in the scheduler; a platform-thread engine would park in the OS.
            return onVirtualThread(() -> exploreSeeing(program, o, eachExecution));
        }
        Engine engine = new Engine(carrier, o.stepLimit()).checkingFootprints(o.footprintCheck()).observingAccesses(o.dpor());
        long start = System.nanoTime();
        Budget budget = o.budgetForRun();
        Strategy strategy = o.strategy();
        Shard shard = o.shard().orElse(null);
        if (shard != null && strategy != Strategy.DFS) throw new IllegalArgumentException("only the dfs strategy can be sharded, not " + strategy.lower());
        DfsSearch.Split split = shard == null ? null
                : ShardSplit.split(program, engine, o.preemptionBound(), o.reduction(), shard);
        DfsSearch dfs = strategy == Strategy.DFS ? new DfsSearch(o.preemptionBound(), o.reduction() ? engine : null, split, o.dpor()) : null;
        Tally tally = shard == null ? null : new Tally();
        long redundant = 0;
        RandomWalk random = strategy == Strategy.RANDOM ? new RandomWalk(o.seed()) : null;
        Pct pct = strategy == Strategy.PCT ? new Pct(o.seed(), o.pctDepth()) : null;
        Map<Outcome, Long> outcomes = new LinkedHashMap<>();
        Failure failure = null;
        List<Failure> failures = new ArrayList<>();
        Set<String> failedAs = new HashSet<>();
        long executions = 0, points = 0;
        boolean exhausted = false, cut = false;
        long lastProgress = start;
        while (true) {
            if (budget.spent()) {
                cut = true;
                break;
            }
            Engine.Chooser chooser = switch (strategy) {
                case DFS -> dfs;
                case RANDOM -> random.forExecution(executions);
                case PCT -> pct.forExecution(executions);
            };
            Engine.Run run = engine.run(program.instantiate(), chooser, false);
            budget.spend();
            if (run.redundant || (dfs != null && !dfs.mine())) {
                // every runnable CPU was asleep: an explored execution reordered; no verdict. Or
                // another shard's: a subtree it owns (skipped where the split cuts it), or one above the cut
                boolean counted = run.redundant && !dfs.skipped() && dfs.mine();
                if (counted) redundant++;
                long pruned = dfs.pruned(), segment = dfs.segment();
                boolean more = dfs.advance(engine);
                if (tally != null) tally.add(segment, 0, counted ? 1 : 0, dfs.pruned() - pruned, null);
                if (!more) {
                    exhausted = true;
                    break;
                }
                continue;
            }
            executions++;
            points += engine.points;
            if (eachExecution != null) eachExecution.accept(engine);
            Outcome outcome = new Outcome(run.verdict.kind(), run.observed);
            outcomes.merge(outcome, 1L, Long::sum);
            byte[] failing = null;
            int failingPreemptions = 0;
            String key = o.isFailure().test(outcome) ? distinct(run) : null;
            if (key != null && failedAs.add(key)) {
                failing = Arrays.copyOf(engine.chosen, engine.steps);
                failingPreemptions = engine.preemptions;
            }
            boolean more = true;
            if (tally != null) {
                long pruned = dfs.pruned(), segment = dfs.segment();
                if (failing != null) {
                    tally.failureSegments.add(segment);
                    tally.failureKeys.add(key);
                }
                more = dfs.advance(engine);
                tally.add(segment, 1, 0, dfs.pruned() - pruned, outcome);
            } else if (dfs != null) {
                more = dfs.advance(engine);
            }
            if (pct != null) pct.observe(engine.steps);
            if (failing != null) {
                Failure found = failureOf(program, o, carrier, run, failing, failingPreemptions, budget);
                if (failure == null) failure = found;
                failures.add(found);
                if (o.stopAtFirstFailure()) break;
            }
            if (!more) {
                exhausted = true;
                break;
            }
            if (o.progress() != ProgressListener.NONE && (executions & 63) == 0) {
                long now = System.nanoTime();
                if (now - lastProgress >= PROGRESS_NANOS) {
                    lastProgress = now;
                    o.progress().progress(progress(o, dfs, budget, points, start, now, false));
                }
            }
        }
        long end = System.nanoTime();
        if (o.progress() != ProgressListener.NONE) {
            o.progress().progress(progress(o, dfs, budget, points, start, end, true));
        }
        ExplorationResult.Reduction reduction = dfs != null && o.reduction()
                ? new ExplorationResult.Reduction(true, redundant, dfs.pruned()) : ExplorationResult.Reduction.OFF;
        return new ExplorationResult(strategy, o.preemptionBound(), executions, points, exhausted, cut && failure == null,
                Optional.ofNullable(failure), Collections.unmodifiableMap(outcomes), Duration.ofNanos(end - start), o.seed(), reduction,
                failures, tally == null ? null : new ShardTally(shard, split.length() + "/" + split.cpus() + "/" + split.limit(), dfs.subtrees(), tally.segments(), tally.failureSegments, tally.failureKeys));
    }

    /** A sharded search's figures per segment of the DFS order ({@link ShardTally}). */
    private static final class Tally {
        final List<ShardTally.Segment> segments = new ArrayList<>();
        final List<Long> failureSegments = new ArrayList<>();
        final List<String> failureKeys = new ArrayList<>();
        private long index = -1, executions, redundant, pruned;
        private Map<Outcome, Long> outcomes = new LinkedHashMap<>();

        /** Segments arrive in DFS order, so one is open at a time; figures of another shard's are all zero. */
        void add(long segment, long execution, long redundantOne, long prunedHere, Outcome outcome) {
            if (segment != index) {
                close();
                index = segment;
            }
            executions += execution;
            redundant += redundantOne;
            pruned += prunedHere;
            if (outcome != null) outcomes.merge(outcome, 1L, Long::sum);
        }

        List<ShardTally.Segment> segments() {
            close();
            return segments;
        }

        private void close() {
            if (executions + redundant + pruned > 0) segments.add(new ShardTally.Segment(index, executions, redundant, pruned, outcomes));
            executions = redundant = pruned = 0;
            outcomes = new LinkedHashMap<>();
        }
    }

    /**
     * The progress line's figures. Executions and time count from the start of the budget, so a
     * second phase or a minimisation under a shared budget continues the count instead of
     * restarting it.
     */
    private static ProgressListener.Progress progress(ExploreOptions o, DfsSearch dfs, Budget budget, long points,
                                                      long start, long now, boolean done) {
        long executions = budget.used();
        long begun = Math.min(start, budget.start());
        double secs = Math.max(1e-9, (now - begun) / 1e9);
        long max = budget.maxExecutions();
        double coverage = dfs != null ? dfs.coverage() : max == Long.MAX_VALUE ? 0 : (double) executions / max;
        if (dfs == null && budget.timed()) {
            coverage = Math.max(coverage, Math.min(1, (now - budget.start()) / (double) (budget.deadline() - budget.start())));
        }
        Optional<Duration> left = budget.timed() ? Optional.of(Duration.ofNanos(Math.max(0, budget.deadline() - now))) : Optional.empty();
        return new ProgressListener.Progress(o.strategy(), o.preemptionBound(), executions, points, executions / secs,
                done && dfs != null ? 1 : coverage, left, Duration.ofNanos(now - begun), done);
    }

    /**
     * What makes two failures distinct: the verdict's kind and title (the title names the
     * function, e.g. "BUG: unable to handle kernel paging request in stable_page_flags"); for an outcome
     * that failed on its observed values alone, those values.
     */
    private static String distinct(Engine.Run run) {
        String key = run.verdict.kind() + "\n" + run.verdict.title();
        return run.verdict.failed() ? key : key + "\n" + run.observed;
    }

    /** Minimises a failing schedule, then re-runs it with tracing. */
    private static Failure failureOf(Program program, ExploreOptions o, Carrier carrier, Engine.Run run, byte[] schedule, int preemptions,
                                     Budget budget) {
        Predicate<Engine.Run> same = r -> r.verdict.kind() == run.verdict.kind() && r.verdict.title().equals(run.verdict.title())
                && o.isFailure().test(new Outcome(r.verdict.kind(), r.observed));
        byte[] best = o.minimize() ? minimize(program, carrier, o.stepLimit(), same, schedule, preemptions, o.minimizeBudget(), budget, o.reduction(), o.minimizeByCaps(), null) : schedule;
        boolean limit = run.verdict instanceof Verdict.StepLimit;
        String text = Schedule.encode(best, best.length) + (limit ? STEP_LIMIT_MARK : "");
        Engine engine = new Engine(carrier, limit ? best.length : Math.max(o.stepLimit(), best.length + 1));
        Engine.Run traced = engine.run(program.instantiate(), new ReplayChooser(text, best), true);
        return new Failure(text, traced.verdict, traced.trace, traced.observed, engine.preemptions, engine.steps);
    }

    /**
     * Fewest preemptions first, then fewest steps: bounded DFS with bound 0, 1, ... up to the
     * failure's own count, looking for the same verdict; the first bound that has one is
     * explored for the shortest (with sleep sets when the run has them: an execution and its
     * reorderings have the same length). The result is the first failure, in that bound's DFS
     * order, of the least length L found there.
     *
     * <p>No execution longer than L can change that result, so each bound is searched under a
     * <em>length cap</em>: every execution is abandoned where it would grow longer than the cap
     * (and with it every schedule that shares the prefix), and once a failure is found the cap
     * drops to one step below it. Abandoning deeper steps leaves the search tree above the cap
     * as it was (the alternatives, their CPU order and the sleep sets flow from the root down),
     * so a search whose cap is at least L meets the same failures of length up to L in the same
     * order and returns the same schedule. Without a better cap, a bound is searched uncapped
     * (at the failure's own preemption count: capped one step below its length, as nothing as
     * long replaces it). A cheap {@link #probe} first looks for a short failure; a bound that
     * allows the probed one's preemptions is searched first capped at its length: when that
     * finds a failure, L is at most the cap and the answer is exact; when not (the probed
     * schedule is not in the bound's tree, which sleep sets or the bound may prune, and nothing as
     * short is), the uncapped search follows. Where L is a fraction of the first failure's length
     * (scenario 000d v4.6: 452 of 2,512 steps) the capped tree is a fraction of the whole
     * and its executions are as short.
     *
     * <p>{@code byCaps} false skips the probe (the search before it, kept for the benchmark and
     * the tests that compare the two); {@code executions} (may be null) gets the executions
     * spent in its first element. Gives up (keeping the best so far) after {@code limit}
     * executions or when the run's {@code budget} is spent; every execution, probes included,
     * counts against both.
     */
    static byte[] minimize(Program program, Carrier carrier, int stepLimit, Predicate<Engine.Run> same,
                           byte[] schedule, int preemptions, long limit, Budget budget, boolean reduce,
                           boolean byCaps, long[] executions) {
        Best best = new Best(schedule, preemptions);
        Engine e = new Engine(carrier, stepLimit);
        long[] used = executions != null ? executions : new long[1];
        Best probed = byCaps ? probe(program, e, same, best, limit, used, budget) : null;
        if (byCaps && probed == null) return best.schedule;
        for (int b = 0; b <= best.preemptions; b++) {
            // at the failure's own count only a shorter failure replaces it
            int last = b == best.preemptions ? best.schedule.length - 1 : Integer.MAX_VALUE;
            // a probed failure within this bound caps the search first: it then finds the same
            // answer, unless its tree (sleep sets, the bound) holds no failure as short: then the uncapped search runs
            boolean first = probed != null && probed.preemptions <= b && probed.schedule.length < last;
            for (int cap : first ? new int[] {probed.schedule.length, last} : new int[] {last}) {
                Boolean found = capped(program, e, b, cap, same, best, limit, used, budget, reduce);
                if (found == null || found) return best.schedule;
            }
        }
        return best.schedule;
    }

    /** The failure kept so far. */
    private static final class Best {
        byte[] schedule;
        int preemptions;

        Best(byte[] schedule, int preemptions) {
            this.schedule = schedule;
            this.preemptions = preemptions;
        }
    }

    /** Probing spends at most one execution per this many steps of the failure's schedule. */
    static final int STEPS_PER_PROBE = 32;

    /**
     * A short failure found cheaply, as an upper bound for {@link #minimize} (its schedule need not
     * be in the bounded search's tree): executions with one preemption, at step k of a geometric
     * grid (1, 2, 3, ..., each about 19 % past the last), ascending, for each first CPU and each
     * CPU switched to (the search's default everywhere else: the current CPU while runnable, else the
     * lowest), each abandoned where it grows as long as the shortest failure so far. A failure
     * preempted at k has more than k steps, so the grid stops where k reaches the shortest. At
     * most one execution per {@value #STEPS_PER_PROBE} steps of the failure (none below that):
     * the probes cost a few per cent of the search they may shorten. {@code failing} itself
     * when none is shorter; null when the limit or the budget ran out.
     */
    private static Best probe(Program program, Engine e, Predicate<Engine.Run> same, Best failing,
                              long limit, long[] used, Budget budget) {
        Best best = new Best(failing.schedule, failing.preemptions);
        int cpus = 0;
        for (byte c : failing.schedule) cpus = Math.max(cpus, c + 1);
        long probes = failing.schedule.length / STEPS_PER_PROBE;
        for (int k = 1; k < best.schedule.length - 1 && probes > 0; k = Math.max(k + 1, k * 19 / 16)) {
            for (int first = 0; first < cpus; first++) {
                for (int to = 0; to < cpus; to++) {
                    if (to == first || probes-- <= 0 || k >= best.schedule.length - 1) continue;
                    if (used[0]++ >= limit || budget.spent()) return null;
                    Engine.Run r = e.run(program.instantiate(), preempting(first, k, to, best.schedule.length - 1), false);
                    budget.spend();
                    if (!r.redundant && same.test(r) && e.preemptions <= best.preemptions && e.steps < best.schedule.length) {
                        best.schedule = Arrays.copyOf(e.chosen, e.steps);
                        best.preemptions = e.preemptions;
                    }
                }
            }
        }
        return best;
    }

    /**
     * Starts CPU {@code first} (abandons the execution when it cannot run), switches to {@code to}
     * at step {@code k} when both can run, else keeps the current CPU while it can run, else takes
     * the lowest; abandons the execution where it would take more than {@code keep} steps.
     */
    private static Engine.Chooser preempting(int first, int k, int to, int keep) {
        return (step, cur, en) -> {
            if (step >= keep) return Engine.REDUNDANT;
            if (step == 0) return (en & (1L << first)) != 0 ? first : Engine.REDUNDANT;
            if (step == k && (en & (1L << to)) != 0) return to;
            return cur >= 0 && (en & (1L << cur)) != 0 ? cur : Long.numberOfTrailingZeros(en);
        };
    }

    /**
     * One bounded DFS at bound {@code b} keeping executions of at most {@code cap} steps (the cap drops
     * below each failure found): true when it found the same failure with fewer preemptions
     * than {@code best} or as many and fewer steps (then in {@code best}), false when none, null when the
     * limit or the budget ran out.
     */
    private static Boolean capped(Program program, Engine e, int b, int cap, Predicate<Engine.Run> same, Best best,
                                  long limit, long[] used, Budget budget, boolean reduce) {
        DfsSearch d = new DfsSearch(b, reduce ? e : null);
        boolean found = false;
        int[] keep = {cap};
        // an execution about to take a step past the cap cannot be kept: abandon it there
        Engine.Chooser cutting = (step, cur, en) -> step >= keep[0] ? Engine.REDUNDANT : d.choose(step, cur, en);
        do {
            if (used[0]++ >= limit || budget.spent()) return null;
            Engine.Run r = e.run(program.instantiate(), cutting, false);
            budget.spend();
            if (r.redundant) continue;
            if (same.test(r) && (e.preemptions < best.preemptions || (e.preemptions == best.preemptions && e.steps < best.schedule.length))) {
                best.schedule = Arrays.copyOf(e.chosen, e.steps);
                best.preemptions = e.preemptions;
                keep[0] = e.steps - 1;
                found = true;
            }
        } while (d.advance(e));
        return found;
    }

    /** Ends the replay string of a step-limit failure: the execution is cut where the schedule ends. */
    static final String STEP_LIMIT_MARK = "!";

    /**
     * Replays {@code schedule} with tracing; IllegalArgumentException when it is malformed or
     * diverges. A schedule ending in {@code !} (a step-limit failure) stops the execution where
     * the schedule ends.
     */
    public static Replayed replay(Program program, String schedule) {
        String body = schedule.strip();
        boolean limit = body.endsWith(STEP_LIMIT_MARK);
        if (limit) body = body.substring(0, body.length() - STEP_LIMIT_MARK.length());
        byte[] s = Schedule.decode(body);
        Engine engine = new Engine(Carrier.best(), limit ? s.length : s.length + 1);
        Engine.Run r = engine.run(program.instantiate(), new ReplayChooser(body, s), true);
        if (engine.steps < s.length) {
            throw new IllegalArgumentException("schedule '" + schedule + "' has " + s.length + " steps but the execution ended after "
                    + engine.steps + " (" + r.verdict.title() + ")");
        }
        return new Replayed(r.verdict, r.trace, r.observed);
    }

    private static <T> T onVirtualThread(java.util.function.Supplier<T> work) {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread t = Thread.ofVirtual().name("mmsim-explorer").start(() -> {
            try {
                result[0] = work.get();
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (failure[0] instanceof RuntimeException r) throw r;
        if (failure[0] instanceof Error e) throw e;
        if (failure[0] != null) throw new IllegalStateException(failure[0]);
        @SuppressWarnings("unchecked") T r = (T) result[0];
        return r;
    }

    /** An unmodifiable copy that keeps the insertion order. */
    static Map<String, String> frozen(Map<String, String> m) {
        if (m == null || m.isEmpty()) return Map.of();
        return Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }
}
