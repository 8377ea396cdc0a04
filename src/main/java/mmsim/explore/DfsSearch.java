package mmsim.explore;

import java.util.Arrays;

/**
 * Exhaustive stateless search with a preemption bound (CHESS, Musuvathi and Qadeer, PLDI 2007).
 *
 * <p>The schedules form a tree: each node is a decision of the last execution with its enabled
 * set. An execution follows a prefix of forced choices, then the default: keep the current CPU
 * while it is enabled, else the lowest enabled one (a switch forced by blocking or finishing is
 * not a preemption). After each execution {@link #advance} picks the deepest node with an
 * untried CPU whose choice keeps the preemption count within the bound, and the next execution
 * follows the path to it. Alternatives are tried in CPU order, so the order of executions is a
 * function of the program alone. When no node has an alternative left, the bounded space is
 * exhausted.
 *
 * <p>With an engine to ask about dependence, the search prunes with <em>sleep sets</em>
 * (Godefroid, 1996): at each node, the CPUs whose alternatives were explored already, and those
 * asleep at the parent, stay asleep in a child as long as the child's step is independent of
 * their pending step (different locations, or two reads; {@link Engine#dependent}). A sleeping
 * CPU is never chosen: running it first would only reorder independent steps of an execution
 * already explored. When every runnable CPU is asleep, the execution is redundant and abandoned
 * ({@link Engine#REDUNDANT}). Sleep sets are combined with the preemption bound as CHESS did;
 * the bounded space is then not always covered in full (Coons, Musuvathi and McKinley, "Bounded
 * partial-order reduction", OOPSLA 2013), which is why the catalogue is explored with and
 * without reduction in the tests and must give the same verdicts.
 *
 * <p>With a {@link Split}, the search explores only its shard's subtrees ({@link Shard}): where
 * the split cuts its path, an execution entering a subtree another shard owns is abandoned like a
 * redundant one ({@link #skipped}). Its prefix is still recorded, so the skipped choice is marked tried at
 * its node and the sleep sets of later siblings are those of the unsharded search: the shards'
 * executions together are exactly the unsharded search's.
 */
final class DfsSearch implements Engine.Chooser {
    private final int bound;
    private final Engine reduce; // null: no reduction
    // source-set DPOR (null: every runnable CPU is an alternative): per node, the CPUs races ask for
    private final HappensBefore races;
    private long[] backtrack = new long[256];
    private long[] sleep = new long[256];
    private long sleepNext;
    private long pruned;
    private byte[] chosen = new byte[256];
    private long[] enabled = new long[256];
    private byte[] current = new byte[256];
    private long[] tried = new long[256];
    private int[] preBefore = new int[257];
    private int depth;
    private int prefixLen;
    // the subtree filter of a sharded search (null: the whole tree)
    private final Split split;
    private long subtrees, segment = -1;
    private boolean reachedSplit, owned, skipped, segmentClosed;
    private int preemptionsSoFar, cutStep = Integer.MAX_VALUE;

    /**
     * Where a path is cut into a subtree: at the first decision whose subtree is estimated to hold
     * at most {@code limit} schedules ({@link ShardSplit#estimate}, from the {@code length} and
     * {@code cpus} of the first execution and the preemptions the path has left). {@code shard}:
     * whose subtrees run; null runs none (a probe counting subtrees, {@link ShardSplit}).
     */
    record Split(int length, int cpus, long limit, Shard shard) {
        boolean cutsAt(int step, int preemptionsLeft) {
            return ShardSplit.estimate(length - step, preemptionsLeft, cpus) <= limit;
        }
    }

    DfsSearch(int bound) {
        this(bound, null);
    }

    /** {@code reduce}: the engine whose pending steps decide dependence (sleep sets); null for none. */
    DfsSearch(int bound, Engine reduce) {
        this(bound, reduce, null);
    }

    DfsSearch(int bound, Engine reduce, Split split) {
        this(bound, reduce, split, false);
    }

    /**
     * {@code dpor}: at each node only the CPUs that a race of an explored execution asks for are
     * alternatives ({@link HappensBefore#addBacktracks}); needs {@code reduce}, and no split (the
     * races of one shard's executions would ask for alternatives in another's subtrees).
     */
    DfsSearch(int bound, Engine reduce, Split split, boolean dpor) {
        if (dpor && (reduce == null || split != null)) throw new IllegalArgumentException("DPOR needs sleep sets and an unsharded search");
        this.bound = bound;
        this.reduce = reduce;
        this.split = split;
        this.races = dpor ? new HappensBefore() : null;
    }

    /** Subtrees entered so far, owned or not. */
    long subtrees() { return subtrees; }

    /** Whether the last execution was abandoned where the split cuts it because another shard owns its subtree. */
    boolean skipped() { return skipped; }

    /** Whether the last execution is this shard's to count: in an owned subtree, or one that ended above the cut on shard 0. */
    boolean mine() {
        return split == null || (reachedSplit ? owned : split.shard() != null && split.shard().countsTop());
    }

    /** The DFS-order segment of the last execution: its subtree, or its own when it ended above the cut. */
    long segment() {
        closeSegment();
        return segment;
    }

    private void closeSegment() {
        if (split != null && !segmentClosed) {
            segment++;
            segmentClosed = true;
        }
    }

    /**
     * Where the split cuts the path: numbers a newly entered subtree; false when another shard
     * owns it. Asked again (model code unwinding an abandoned execution may reach a point in a
     * finally block), it answers as before.
     */
    private boolean enterSubtree(int step) {
        if (reachedSplit) return owned;
        reachedSplit = true;
        segmentClosed = true;
        cutStep = step;
        if (prefixLen <= step) {   // the prefix changed above the cut: a new subtree
            segment++;
            owned = split.shard() != null && split.shard().owns(subtrees);
            subtrees++;
        }
        skipped = !owned;
        return owned;
    }

    /** Alternatives never tried because their CPU was asleep (each would have led to at least one execution). */
    long pruned() { return pruned; }

    @Override
    public int choose(int step, int cur, long en) {
        if (split != null) {
            if (step == 0) {
                reachedSplit = skipped = segmentClosed = false;
                preemptionsSoFar = 0;
                cutStep = Integer.MAX_VALUE;
            }
            if ((reachedSplit || split.cutsAt(step, bound - preemptionsSoFar)) && !enterSubtree(step)) return Engine.REDUNDANT;
        }
        long z = step == 0 ? 0 : sleepNext;
        if (reduce != null && cur >= 0 && (en & (1L << cur)) == 0) {
            // the current CPU blocked at its lock's point: as if its attempt ran (Engine.dependentWithBlock)
            for (long m = z & en; m != 0; m &= m - 1) {
                int t = Long.numberOfTrailingZeros(m);
                if (reduce.dependentWithBlock(t)) z &= ~(1L << t);
            }
        }
        if (reduce != null) {
            if (step == sleep.length) sleep = Arrays.copyOf(sleep, step * 2);
            sleep[step] = z;
        }
        int c;
        long done = 0;
        if (step < prefixLen) {
            c = chosen[step];
            if ((en & (1L << c)) == 0) {
                throw new IllegalStateException("the program is not deterministic: step " + step + " of a repeated schedule prefix found CPU "
                        + Schedule.cpuLetter(c) + " not runnable (runnable: " + Schedule.letters(en) + "); "
                        + "model code must not depend on anything but the schedule");
            }
            done = tried[step] & ~(1L << c);
        } else {
            long awake = en & ~z;
            if (awake == 0) return Engine.REDUNDANT;
            c = cur >= 0 && (awake & (1L << cur)) != 0 ? cur : Long.numberOfTrailingZeros(awake);
            boolean preempts = cur >= 0 && c != cur && (en & (1L << cur)) != 0;
            if (preempts && reduce != null && reduce.preemptions + 1 > bound) return Engine.REDUNDANT;
        }
        if (split != null && cur >= 0 && c != cur && (en & (1L << cur)) != 0) preemptionsSoFar++;
        if (reduce != null) {
            long next = 0;
            for (long m = (z | done) & ~(1L << c); m != 0; m &= m - 1) {
                int t = Long.numberOfTrailingZeros(m);
                if (!reduce.dependent(t, c)) next |= 1L << t;
            }
            sleepNext = next;
        }
        return c;
    }

    /** Takes in the execution just run; false when the bounded space is exhausted. */
    boolean advance(Engine e) {
        closeSegment();
        int s = e.steps;
        if (s > chosen.length) {
            int len = Math.max(s, chosen.length * 2);
            chosen = Arrays.copyOf(chosen, len);
            enabled = Arrays.copyOf(enabled, len);
            current = Arrays.copyOf(current, len);
            tried = Arrays.copyOf(tried, len);
            preBefore = Arrays.copyOf(preBefore, len + 1);
            backtrack = Arrays.copyOf(backtrack, len);
        }
        System.arraycopy(e.chosen, 0, chosen, 0, s);
        System.arraycopy(e.enabledAt, 0, enabled, 0, s);
        System.arraycopy(e.currentAt, 0, current, 0, s);
        for (int i = prefixLen; i < s; i++) tried[i] = 1L << chosen[i];
        if (races != null) {
            System.arraycopy(tried, prefixLen, backtrack, prefixLen, s - prefixLen);
            races.of(e);
            races.addBacktracks(e, backtrack, sleep);
            races.addBlockBacktracks(e, backtrack, sleep);
            stopsShort(s);
        }
        preBefore[0] = 0;
        for (int i = 0; i < s; i++) preBefore[i + 1] = preBefore[i] + (isPreemption(i, chosen[i]) ? 1 : 0);
        depth = s;
        for (int i = s - 1; i >= 0; i--) {
            long asleep = reduce != null ? sleep[i] : 0;
            long wanted = races != null ? backtrack[i] : -1L;
            long alt = enabled[i] & ~tried[i] & ~asleep & wanted;
            while (alt != 0) {
                int c = Long.numberOfTrailingZeros(alt);
                alt &= alt - 1;
                if (preBefore[i] + (isPreemption(i, c) ? 1 : 0) <= bound) {
                    tried[i] |= 1L << c;
                    chosen[i] = (byte) c;
                    prefixLen = i + 1;
                    return true;
                }
            }
            // node i is finished: count the alternatives within the bound that sleep sets (or DPOR) pruned
            // (a sharded search counts nodes above the cut on shard 0 only: every shard walks them)
            if (split != null && i < cutStep && (split.shard() == null || !split.shard().countsTop())) continue;
            for (long m = enabled[i] & ~tried[i] & (asleep | ~wanted); m != 0; m &= m - 1) {
                if (preBefore[i] + (isPreemption(i, Long.numberOfTrailingZeros(m)) ? 1 : 0) <= bound) pruned++;
            }
        }
        return false;
    }

    /**
     * An execution that a failure ended while other CPUs could still run has no steps of theirs
     * after it to race with the failing CPU's last run: DPOR would never try them before its
     * steps. So each node of that run tries every CPU runnable there (as sleep sets alone
     * would). An execution that ends normally ends with a run no other CPU could interrupt.
     */
    private void stopsShort(int s) {
        if (s == 0) return;
        int last = chosen[s - 1];
        for (int i = s - 1; i >= 0 && chosen[i] == last; i--) backtrack[i] |= enabled[i] & ~sleep[i];
    }

    private boolean isPreemption(int i, int c) {
        int cur = current[i];
        return cur >= 0 && c != cur && (enabled[i] & (1L << cur)) != 0;
    }

    /** Estimated fraction of the bounded tree already explored (for progress only). */
    double coverage() {
        double done = 0, weight = 1;
        for (int i = 0; i < depth && weight > 1e-12; i++) {
            int allowed = 0, before = 0;
            for (long m = enabled[i]; m != 0; m &= m - 1) {
                int c = Long.numberOfTrailingZeros(m);
                if (preBefore[i] + (isPreemption(i, c) ? 1 : 0) <= bound) {
                    allowed++;
                    if ((tried[i] & (1L << c)) != 0 && c != chosen[i]) before++;
                }
            }
            if (allowed == 0) break;
            done += weight * before / allowed;
            weight /= allowed;
        }
        return Math.min(1, done);
    }
}
