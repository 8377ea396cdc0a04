package mmsim.explore;

/**
 * Chooses the split depth of a sharded DFS ({@link Shard}): the least depth, found by doubling
 * then bisecting, at which the tree has at least {@link Shard#SUBTREES_PER_SHARD} subtrees per
 * shard, so that round-robin spreads the work evenly. Each probe is the sharded DFS itself with
 * every subtree skipped: it runs each prefix once, to the depth probed, and stops counting once
 * there are enough. A tree too small for that many gets the depth with the most subtrees.
 * The depth is a function of the program and the search options alone, so every shard, on any
 * machine, computes the same one. Probe executions are not the search's: they count toward no
 * result and no budget.
 */
final class ShardSplit {
    private ShardSplit() { }

    /** Deepest split probed: beyond it a tree is taken as too small to cut further. */
    static final int MAX_DEPTH = 1 << 16;

    static int depth(Program program, Engine engine, int bound, boolean reduction, int shards) {
        long wanted = (long) Shard.SUBTREES_PER_SHARD * shards;
        int best = 1;
        long bestCount = -1;
        int lo = 0, hi = -1;
        for (int d = 1; d <= MAX_DEPTH; d *= 2) {
            long n = subtrees(program, engine, bound, reduction, d, wanted);
            if (n >= wanted) {
                hi = d;
                break;
            }
            if (n > bestCount) {
                best = d;
                bestCount = n;
            }
            lo = d;
            if (n == 0) break;   // no execution is this long
        }
        if (hi < 0) return best;
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (subtrees(program, engine, bound, reduction, mid, wanted) >= wanted) hi = mid;
            else lo = mid;
        }
        return hi;
    }

    /** Subtrees at depth {@code depth}, counted up to {@code enough}. */
    static long subtrees(Program program, Engine engine, int bound, boolean reduction, int depth, long enough) {
        DfsSearch probe = new DfsSearch(bound, reduction ? engine : null, new DfsSearch.Split(depth, null));
        do {
            engine.run(program.instantiate(), probe, false);
        } while (probe.subtrees() < enough && probe.advance(engine));
        return probe.subtrees();
    }
}
