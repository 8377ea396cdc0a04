package mmsim.explore;

/**
 * Chooses where a sharded DFS ({@link Shard}) cuts its paths into subtrees, so that there are at
 * least {@link Shard#SUBTREES_PER_SHARD} subtrees per shard and they are alike in size.
 *
 * <p>A preemption-bounded tree is lopsided: below a node whose path has used no preemption hang
 * far more schedules than below one that has used them all, so cutting every path at one depth
 * leaves a few huge subtrees (those with no preemption in their prefix) among many tiny ones. A
 * path is therefore cut at the first decision below which {@link #estimate} finds at most a
 * limit of schedules: the schedules of the steps left with the preemptions left, from the length
 * and CPU count of the first execution (the one without preemptions). Paths that used their
 * preemptions are cut high, the path without any deep. The limit is the largest power of two that
 * still yields the subtrees wanted (found by bisection; each probe is the sharded DFS with every
 * subtree skipped, and stops counting once there are enough). A tree too small for that many
 * gets as many as it has. All of it is a function of the program and the search options, so
 * every shard, on any machine, computes the same split. Probe executions are not the search's:
 * they count toward no result and no budget.
 */
final class ShardSplit {
    private ShardSplit() { }

    /** Schedules with at most {@code preemptions} preemptions among {@code steps} steps of {@code cpus} CPUs, roughly. */
    static double estimate(int steps, int preemptions, int cpus) {
        double total = 0, term = 1;   // term: C(steps, j) * (cpus - 1)^j
        int m = Math.max(0, steps);
        for (int j = 0; j <= Math.max(0, preemptions) && j <= m; j++) {
            total += term;
            term = term * (m - j) / (j + 1) * Math.max(1, cpus - 1);
        }
        return total;
    }

    static DfsSearch.Split split(Program program, Engine engine, int bound, boolean reduction, Shard shard) {
        // the first execution, as the search runs it first: its length and CPUs scale the estimates
        DfsSearch first = new DfsSearch(bound, reduction ? engine : null);
        engine.run(program.instantiate(), first, false);
        long seen = 0;
        for (int i = 0; i < engine.steps; i++) seen |= engine.enabledAt[i];
        int length = engine.steps, cpus = Math.max(2, Long.bitCount(seen));
        long wanted = (long) Shard.SUBTREES_PER_SHARD * shard.count();
        int top = 1;
        while (top < 62 && estimate(length, bound, cpus) > (double) (1L << top)) top++;
        // count(2^e) falls as e grows: find the largest e with enough subtrees
        int lo = 0, hi = top;
        if (subtrees(program, engine, bound, reduction, new DfsSearch.Split(length, cpus, 1, null), wanted) < wanted) {
            return new DfsSearch.Split(length, cpus, 1, shard);   // a small tree: as many subtrees as it has
        }
        if (subtrees(program, engine, bound, reduction, new DfsSearch.Split(length, cpus, 1L << hi, null), wanted) >= wanted) {
            return new DfsSearch.Split(length, cpus, 1L << hi, shard);
        }
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (subtrees(program, engine, bound, reduction, new DfsSearch.Split(length, cpus, 1L << mid, null), wanted) >= wanted) lo = mid;
            else hi = mid;
        }
        return new DfsSearch.Split(length, cpus, 1L << lo, shard);
    }

    /** Subtrees of the split {@code probe} (which owns none), counted up to {@code enough}. */
    static long subtrees(Program program, Engine engine, int bound, boolean reduction, DfsSearch.Split probe, long enough) {
        DfsSearch d = new DfsSearch(bound, reduction ? engine : null, probe);
        do {
            engine.run(program.instantiate(), d, false);
        } while (d.subtrees() < enough && d.advance(engine));
        return d.subtrees();
    }
}
