package mmsim.explore;

import java.util.SplittableRandom;

/**
 * Seeded random walk: at every decision, a uniformly random enabled CPU. Execution {@code i}
 * draws from a generator seeded by (seed, i) alone, so runs are the same on every machine and
 * any execution can be reproduced without replaying the ones before it.
 */
final class RandomWalk {
    private final long seed;

    RandomWalk(long seed) {
        this.seed = seed;
    }

    Engine.Chooser forExecution(long execution) {
        SplittableRandom rng = new SplittableRandom(mix(seed, execution));
        return (step, cur, en) -> nthBit(en, rng.nextInt(Long.bitCount(en)));
    }

    static int nthBit(long mask, int n) {
        long m = mask;
        for (int i = 0; i < n; i++) m &= m - 1;
        return Long.numberOfTrailingZeros(m);
    }

    static long mix(long seed, long execution) {
        long z = seed * 0x9E3779B97F4A7C15L + execution * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
