package mmsim.explore;

import java.util.Arrays;

/**
 * The happens-before order of one execution (Mazurkiewicz): step i precedes step j when they are
 * the same CPU's, or dependent by what their CPUs announced ({@link Engine#stepsDependent}), or
 * by a chain of those. Two executions with the same order are the same trace: one reorders the
 * other's independent steps. Kept as vector clocks: {@code clock[j][r]} is one more than the
 * index of CPU r's last step that precedes or is step j (0: none).
 *
 * <p>Used twice: to count the distinct traces an exploration visits ({@link #traceKey}, the lower
 * bound of every sound reduction), and by source-set DPOR (Abdulla, Aronis, Jonsson and Sagonas,
 * "Optimal dynamic partial order reduction", POPL 2014) to find each race of an execution and the
 * CPUs that can start its reversal ({@link #addBacktracks}).
 *
 * <p>Not thread-safe: one per search.
 */
final class HappensBefore {
    private int[][] clock = new int[256][];
    private int steps, n;
    private byte[] cpuOf;
    // per CPU, its steps in order, so a scan visits one CPU's steps
    private int[][] stepsOf = new int[0][];
    private final StepSignatures signatures = new StepSignatures();
    // the races of the execution read last, in the order found: (raceAt[x], raceWith[x])
    private int[] raceAt = new int[64], raceWith = new int[64];
    private int races;

    /**
     * Computes the order of {@code e}'s last execution (its {@code steps} decided steps), and its
     * races: pairs of steps i &lt; j of different CPUs, dependent, that nothing else orders.
     *
     * <p>Step j follows, beyond its own CPU's earlier steps, each other CPU's latest step that is
     * dependent with it; an earlier step of that CPU follows through it. So for each other CPU p
     * the scan walks p's steps back from j, down to those already known to precede j, and stops at
     * the first dependent one, passing whole runs of steps whose summaries conflict with nothing
     * in j ({@link StepSignatures}). Taken latest first, such a step is a race unless a later one
     * already orders it before j.
     */
    void of(Engine e) {
        steps = e.steps;
        n = e.nrCpus();
        cpuOf = e.chosen;
        races = 0;
        if (clock.length < steps) clock = Arrays.copyOf(clock, Math.max(steps, clock.length * 2));
        signatures.sign(e);
        signatures.clearRuns(n);
        if (stepsOf.length != n) stepsOf = new int[n][256];
        int[] last = new int[n];   // index + 1 of each CPU's last step so far
        int[] count = new int[n];  // how many steps each CPU has so far
        int[] found = new int[n];  // per other CPU, its latest step dependent with j
        for (int j = 0; j < steps; j++) {
            int q = cpuOf[j];
            int[] known = clock[j];
            if (known == null || known.length != n) known = clock[j] = new int[n];
            if (last[q] > 0) System.arraycopy(clock[last[q] - 1], 0, known, 0, n);
            else Arrays.fill(known, 0);
            int nf = 0;
            for (int p = 0; p < n; p++) {
                if (p == q) continue;
                int[] mine = stepsOf[p];
                for (int at = count[p] - 1; at >= 0; at--) {
                    // at the top of a whole run that nothing in it can conflict with: pass it
                    if ((at & (StepSignatures.RUN - 1)) == StepSignatures.RUN - 1 && !signatures.runMayConflict(p, at >>> StepSignatures.RUN_SHIFT, j)) {
                        at -= StepSignatures.RUN - 1;
                        continue;
                    }
                    int i = mine[at];
                    if (i < known[p]) break;
                    if (signatures.mayConflict(i, j) && e.stepsDependent(i, j)) {
                        // kept latest first (a handful of CPUs: insertion)
                        int k = nf++;
                        while (k > 0 && found[k - 1] < i) { found[k] = found[k - 1]; k--; }
                        found[k] = i;
                        break;
                    }
                }
            }
            for (int f = 0; f < nf; f++) {
                int i = found[f];
                if (known[cpuOf[i]] > i) continue;   // ordered through a later step already joined
                join(known, clock[i]);
                if (races == raceAt.length) {
                    raceAt = Arrays.copyOf(raceAt, races * 2);
                    raceWith = Arrays.copyOf(raceWith, races * 2);
                }
                raceAt[races] = i;
                raceWith[races++] = j;
            }
            known[q] = j + 1;
            last[q] = j + 1;
            if (count[q] == stepsOf[q].length) stepsOf[q] = Arrays.copyOf(stepsOf[q], count[q] * 2);
            stepsOf[q][count[q]] = j;
            signatures.addToRun(q, count[q]++, j);
        }
    }

    /** How many races {@link #of} found, and each: steps {@code raceAt(x) < raceWith(x)}. */
    int races() { return races; }
    int raceAt(int x) { return raceAt[x]; }
    int raceWith(int x) { return raceWith[x]; }

    private void join(int[] into, int[] c) {
        for (int r = 0; r < n; r++) if (c[r] > into[r]) into[r] = c[r];
    }

    boolean precedes(int i, int j) {
        return clock[j][cpuOf[i]] > i;
    }

    /**
     * A key equal for two executions exactly when they are one trace: the steps in a canonical
     * order (the lowest CPU first among the steps whose predecessors are all placed), each with its
     * CPU and the canonical positions it follows.
     */
    String traceKey() {
        int[] placed = new int[n];   // per CPU: how many of its steps are placed
        int[][] ofCpu = new int[n][];
        int[] count = new int[n];
        for (int j = 0; j < steps; j++) count[cpuOf[j]]++;
        for (int r = 0; r < n; r++) ofCpu[r] = new int[count[r]];
        Arrays.fill(count, 0);
        for (int j = 0; j < steps; j++) ofCpu[cpuOf[j]][count[cpuOf[j]]++] = j;
        // a step's predecessors, as counts of each CPU's steps, in the CPU-local numbering
        StringBuilder key = new StringBuilder(steps * (n + 1) * 2);
        for (int k = 0; k < steps; k++) {
            int pick = -1;
            for (int q = 0; q < n && pick < 0; q++) {
                if (placed[q] == ofCpu[q].length) continue;
                int j = ofCpu[q][placed[q]];
                boolean ready = true;
                for (int r = 0; r < n && ready; r++) if (r != q && localCount(r, clock[j][r], ofCpu) > placed[r]) ready = false;
                if (ready) pick = q;
            }
            int j = ofCpu[pick][placed[pick]];
            key.append((char) ('A' + pick));
            for (int r = 0; r < n; r++) if (r != pick) key.append(localCount(r, clock[j][r], ofCpu)).append(',');
            key.append(';');
            placed[pick]++;
        }
        return key.toString();
    }

    /** How many of CPU r's steps have an index below {@code bound} (a clock entry: index + 1). */
    private static int localCount(int r, int bound, int[][] ofCpu) {
        int[] a = ofCpu[r];
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < bound) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /**
     * Source-set DPOR's backtracking for the execution {@link #of} read: for each race (step i of
     * CPU p and a later step j of CPU q, dependent, with nothing ordering them but their own
     * dependence), the steps after i that do not follow it, then j, are a schedule that reverses
     * the race; the CPUs whose first step in it follows none of its other steps (its initials)
     * can start it at node i. Unless node i already tries or sleeps on one of them, one is added
     * to {@code backtrack[i]} (all runnable CPUs when none of them is runnable there: a waiter).
     *
     * <p>Under a preemption bound the added CPU may cost a preemption at node i that the bound
     * forbids, so it is also tried where p's run of steps through i began (Coons, Musuvathi and
     * McKinley, "Bounded partial-order reduction", OOPSLA 2013): a switch there costs no more
     * preemptions than the one that began the run.
     */
    void addBacktracks(Engine e, long[] backtrack, long[] sleep) {
        int[] firstIn = new int[n];
        for (int x = 0; x < races; x++) askAtRaceAndRunStart(e, backtrack, sleep, raceAt[x], initials(raceAt[x], raceWith[x], firstIn));
    }

    /**
     * The races of the blocks at conditional points ({@link Engine#blocks}): finding a lock
     * taken is no step, but it reads the lock word after the holder's acquire as an attempt step
     * would, so the last step of another CPU that wrote what the condition read, unless already
     * ordered before the block, races with it. The blocked CPU is asked for at that step's node
     * (and where its CPU's run began, as in {@link #addBacktracks}), so the order in which it
     * takes the lock first is tried; without this DPOR lost outcomes on 000e v4.6.
     */
    void addBlockBacktracks(Engine e, long[] backtrack, long[] sleep) {
        for (int b = 0; b < e.blocks; b++) {
            int s = e.blockAt[b];
            int a = e.blockCpu[b];
            int lastOfA = -1;
            for (int k = s - 1; k >= 0 && lastOfA < 0; k--) if (cpuOf[k] == a) lastOfA = k;
            for (int i = s - 1; i >= 0; i--) {
                int p = cpuOf[i];
                if (p == a || !e.stepConflictsWithBlock(i, b)) continue;
                if (lastOfA >= 0 && precedes(i, lastOfA)) break;
                askAtRaceAndRunStart(e, backtrack, sleep, i, 1L << a);
                break;
            }
        }
    }

    /**
     * {@link #ask} at race node i, and again where the run of i's CPU through i began (Coons et
     * al.'s extra backtrack for the preemption bound, {@link #addBacktracks}).
     */
    private void askAtRaceAndRunStart(Engine e, long[] backtrack, long[] sleep, int i, long initials) {
        ask(backtrack, sleep, i, initials, e.enabledAt[i]);
        int p = cpuOf[i];
        int k = i;
        while (k > 0 && cpuOf[k - 1] == p) k--;
        if (k != i) ask(backtrack, sleep, k, initials, e.enabledAt[k]);
    }

    /** Unless node i tries or sleeps on one of {@code initials}, adds one runnable there (all runnable if none is). */
    private static void ask(long[] backtrack, long[] sleep, int i, long initials, long enabled) {
        long want = initials & enabled;
        if ((initials & (backtrack[i] | sleep[i])) != 0) return;
        backtrack[i] |= want != 0 ? Long.lowestOneBit(want) : enabled;
    }

    /** The CPUs that can begin the steps after i that do not follow i, followed by j. */
    private long initials(int i, int j, int[] firstIn) {
        Arrays.fill(firstIn, -1);
        long result = 0;
        for (int k = i + 1; k <= j; k++) {
            if (k < j && precedes(i, k)) continue;
            int r = cpuOf[k];
            if (firstIn[r] >= 0) continue;
            firstIn[r] = k;
            boolean initial = true;
            for (int s = 0; s < n && initial; s++) if (s != r && firstIn[s] >= 0 && clock[k][s] > firstIn[s]) initial = false;
            if (initial) result |= 1L << r;
        }
        return result;
    }
}
