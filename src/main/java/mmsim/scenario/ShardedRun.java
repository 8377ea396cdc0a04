package mmsim.scenario;

import java.util.List;

import mmsim.explore.Shard;
import mmsim.explore.ShardTally;
import mmsim.scenario.ScenarioRunner.Finding;

/**
 * One shard's account of a scenario x variant ({@code --shard I/N}), enough for {@code mmsim merge}
 * to rebuild the unsharded row from the N shards: per search phase (the first-failure search,
 * and the second one after an INTERESTING find) the shard's {@link ShardTally} and its findings,
 * each at its DFS segment, plus what grading needs ({@link RowGrade}).
 *
 * @param all       the run went on past every failure ({@code --all}): one phase, every failure
 * @param expected  the variant's first EXPECTED pattern, or null
 */
public record ShardedRun(Shard shard, boolean all, String expected, int stepLimit, List<Phase> phases) {
    public ShardedRun {
        phases = List.copyOf(phases);
    }

    /**
     * One search: its tally and its findings (in the order of {@code tally.failureSegments()}); the
     * tally is null for a second phase the budget cut before it began.
     */
    public record Phase(ShardTally tally, List<Finding> failures, boolean exhausted, boolean budgetCut) {
        public Phase {
            failures = List.copyOf(failures);
        }
    }
}
