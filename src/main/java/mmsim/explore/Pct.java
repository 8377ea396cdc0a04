package mmsim.explore;

import java.util.SplittableRandom;

/**
 * PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
 * ASPLOS 2010). Each execution gives the CPUs distinct random priorities above {@code d} and
 * draws {@code d-1} change points among the first {@code k} steps (k: the longest execution seen
 * so far). The enabled CPU with the highest priority runs; at the j-th change point the CPU that
 * ran the last step drops to priority {@code d-1-j}. A bug of depth d is found with probability
 * at least 1/(n k^(d-1)) per execution.
 */
final class Pct {
    private final long seed;
    private final int depth;
    private int k = 64;

    Pct(long seed, int depth) {
        this.seed = seed;
        this.depth = depth;
    }

    /** Widens the range of change points to the longest execution seen. */
    void observe(int steps) {
        if (steps > k) k = steps;
    }

    Engine.Chooser forExecution(long execution) {
        SplittableRandom rng = new SplittableRandom(RandomWalk.mix(seed ^ 0x5043545043545043L, execution));
        int[] prio = new int[Schedule.MAX_CPUS];
        for (int i = 0; i < prio.length; i++) prio[i] = depth + i;
        for (int i = prio.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = prio[i];
            prio[i] = prio[j];
            prio[j] = t;
        }
        int[] change = new int[depth - 1];
        for (int j = 0; j < change.length; j++) change[j] = rng.nextInt(k);
        return (step, cur, en) -> {
            if (cur >= 0) {
                for (int j = 0; j < change.length; j++) if (change[j] == step) prio[cur] = depth - 1 - j;
            }
            int best = -1;
            for (long m = en; m != 0; m &= m - 1) {
                int c = Long.numberOfTrailingZeros(m);
                if (best < 0 || prio[c] > prio[best]) best = c;
            }
            return best;
        };
    }
}
