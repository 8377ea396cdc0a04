package mmsim.explore;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What an exploration established. {@code exhausted}: the whole space within the bound was
 * explored (DFS only). {@code budgetCut}: the execution or time budget ended it first. A cut is
 * never a pass: {@link #summary()} says which. {@code reduction}: what partial-order reduction
 * did (zero when it was off).
 */
public record ExplorationResult(Strategy strategy, int bound, long executions, long points,
                                boolean exhausted, boolean budgetCut, Optional<Failure> failure,
                                Map<Outcome, Long> outcomes, Duration elapsed, long seed, Reduction reduction,
                                List<Failure> failures, ShardTally shard) {

    /**
     * {@code failures}: every distinct failure found, in the order found (one per verdict kind and
     * title, i.e. kind and location; per observed values for a forbidden outcome without a kernel
     * verdict), each minimised and traced; {@code failure} is the first. Only the first unless the
     * exploration kept going after it ({@link ExploreOptions#stopAtFirstFailure}). {@code shard}:
     * a sharded search's tally ({@link ExploreOptions#shard}), else null.
     */
    public ExplorationResult {
        failures = List.copyOf(failures);
    }

    public ExplorationResult(Strategy strategy, int bound, long executions, long points, boolean exhausted, boolean budgetCut,
                             Optional<Failure> failure, Map<Outcome, Long> outcomes, Duration elapsed, long seed, Reduction reduction,
                             List<Failure> failures) {
        this(strategy, bound, executions, points, exhausted, budgetCut, failure, outcomes, elapsed, seed, reduction, failures, null);
    }

    public ExplorationResult(Strategy strategy, int bound, long executions, long points, boolean exhausted, boolean budgetCut,
                             Optional<Failure> failure, Map<Outcome, Long> outcomes, Duration elapsed, long seed, Reduction reduction) {
        this(strategy, bound, executions, points, exhausted, budgetCut, failure, outcomes, elapsed, seed, reduction,
                failure.map(List::of).orElse(List.of()));
    }

    /**
     * Sleep-set reduction's account: {@code redundant} executions abandoned part-way because every
     * runnable CPU was asleep (they are not in {@code executions}), and {@code pruned} alternatives
     * never tried because their CPU was asleep, each of which would have led to at least one more
     * execution (a lower bound of the executions saved).
     */
    public record Reduction(boolean on, long redundant, long pruned) {
        public static final Reduction OFF = new Reduction(false, 0, 0);
    }

    public ExplorationResult(Strategy strategy, int bound, long executions, long points, boolean exhausted, boolean budgetCut,
                             Optional<Failure> failure, Map<Outcome, Long> outcomes, Duration elapsed, long seed) {
        this(strategy, bound, executions, points, exhausted, budgetCut, failure, outcomes, elapsed, seed, Reduction.OFF);
    }

    /** Without a seed (DFS). */
    public ExplorationResult(Strategy strategy, int bound, long executions, long points, boolean exhausted, boolean budgetCut,
                             Optional<Failure> failure, Map<Outcome, Long> outcomes, Duration elapsed) {
        this(strategy, bound, executions, points, exhausted, budgetCut, failure, outcomes, elapsed, 0);
    }

    /**
     * "no failure in 1,644 executions, exhaustive within preemption bound 3",
     * "budget cut after 10,000 executions (random, seed 7): no failure found",
     * "FAILED after 2 executions: BUG: unable to handle kernel paging request in stable_page_flags".
     */
    public String summary() {
        if (failure.isPresent()) {
            Failure f = failure.get();
            String what = f.verdict().failed() ? f.verdict().title() : "forbidden outcome " + f.observed();
            return String.format(Locale.ROOT, "FAILED after %,d execution%s: %s", executions, executions == 1 ? "" : "s", what);
        }
        String how = switch (strategy) {
            case DFS -> "dfs, preemption bound " + bound;
            case RANDOM -> "random, seed " + seed;
            case PCT -> "pct, seed " + seed;
        };
        if (exhausted) {
            return String.format(Locale.ROOT, "no failure in %,d executions, exhaustive within preemption bound %d", executions, bound);
        }
        return String.format(Locale.ROOT, "budget cut after %,d executions (%s): no failure found", executions, how);
    }
}
