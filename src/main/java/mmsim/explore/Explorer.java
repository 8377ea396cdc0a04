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
        if (shard != null && o.dpor()) throw new IllegalArgumentException("a sharded search cannot use --reduction dpor (its races would ask for other shards' subtrees): use sleep or none");
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
        byte[] best = o.minimize() ? minimize(program, carrier, o.stepLimit(), same, schedule, preemptions, o.minimizeBudget(), budget, o.reduction()) : schedule;
        boolean limit = run.verdict instanceof Verdict.StepLimit;
        String text = Schedule.encode(best, best.length) + (limit ? STEP_LIMIT_MARK : "");
        Engine engine = new Engine(carrier, limit ? best.length : Math.max(o.stepLimit(), best.length + 1));
        Engine.Run traced = engine.run(program.instantiate(), new ReplayChooser(text, best), true);
        return new Failure(text, traced.verdict, traced.trace, traced.observed, engine.preemptions, engine.steps);
    }

    /**
     * Fewest preemptions first, then fewest steps: bounded DFS with bound 0, 1, ... up to the
     * failure's own count, looking for the same verdict; the first bound that has one is
     * explored completely for the shortest (with sleep sets when the run has them: an execution
     * and its reorderings have the same length), abandoning every execution where it grows as long as
     * the shortest found (the same result as running each to its end, for a fraction). Gives up (keeping the best so far) after {@code limit}
     * executions or when the run's {@code budget} is spent; its executions count against that budget.
     */
    static byte[] minimize(Program program, Carrier carrier, int stepLimit, Predicate<Engine.Run> same,
                           byte[] schedule, int preemptions, long limit, Budget budget, boolean reduce) {
        byte[] best = schedule;
        int bestPre = preemptions;
        Engine e = new Engine(carrier, stepLimit);
        long used = 0;
        for (int b = 0; b <= bestPre; b++) {
            DfsSearch d = new DfsSearch(b, reduce ? e : null);
            boolean[] found = {false};
            byte[][] shortest = {best};
            // once this bound has a failure, an execution as long as it cannot be shorter: abandon
            // it where it reaches that length (and with it every schedule that shares the prefix)
            Engine.Chooser cutting = (step, cur, en) -> found[0] && step >= shortest[0].length - 1 ? Engine.REDUNDANT : d.choose(step, cur, en);
            do {
                if (used++ >= limit || budget.spent()) return best;
                Engine.Run r = e.run(program.instantiate(), cutting, false);
                budget.spend();
                if (r.redundant) continue;
                if (same.test(r) && (e.preemptions < bestPre || (e.preemptions == bestPre && e.steps < best.length))) {
                    best = Arrays.copyOf(e.chosen, e.steps);
                    bestPre = e.preemptions;
                    shortest[0] = best;
                    found[0] = true;
                }
            } while (d.advance(e));
            if (found[0]) return best;
        }
        return best;
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
