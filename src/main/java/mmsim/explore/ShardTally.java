package mmsim.explore;

import java.util.List;
import java.util.Map;

/**
 * What one shard of a DFS exploration ({@link Shard}) saw, laid out so that the shards' tallies
 * add up to the unsharded run. The DFS order is cut into <em>segments</em>: each subtree at the
 * split is one, and so is each execution that ended above the cut. A segment's figures come
 * from the shard that owns it, except the pruning counted at nodes above the cut, which
 * shard 0 reports (every shard walks those nodes). Summing the shards' segments up to the
 * segment of the first failure (the earliest in DFS order) gives the unsharded run's executions
 * and outcomes, in the order the unsharded run first saw them.
 *
 * @param split            where paths are cut into subtrees, as "LENGTH/CPUS/LIMIT" (the same in every shard)
 * @param subtrees         subtrees this shard's DFS went past, owned or not
 * @param segments         segments with anything counted, in DFS order
 * @param failureSegments  the segment of each of the result's failures, in the same order
 * @param failureKeys      what made each failure distinct when found (kind and title, or the observed values)
 */
public record ShardTally(Shard shard, String split, long subtrees, List<Segment> segments, List<Long> failureSegments,
                         List<String> failureKeys) {
    public ShardTally {
        segments = List.copyOf(segments);
        failureSegments = List.copyOf(failureSegments);
        failureKeys = List.copyOf(failureKeys);
    }

    /** One segment's figures: executions, redundant executions and pruned alternatives, and the outcomes in first-seen order. */
    public record Segment(long index, long executions, long redundant, long pruned, Map<Outcome, Long> outcomes) {
        public Segment {
            outcomes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(outcomes));
        }
    }
}
