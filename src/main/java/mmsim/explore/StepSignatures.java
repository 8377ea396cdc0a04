package mmsim.explore;

import java.util.Arrays;

import mmsim.kernel.Access;
import mmsim.kernel.Region;
import mmsim.kernel.StructPages;

/**
 * A 64-bit summary of what each step of the last execution read and wrote, so the race analysis
 * ({@link HappensBefore}) can tell most independent pairs of steps apart with two ANDs before it
 * asks {@link StepFootprints#dependent}, whose exact rules compare objects and pfn ranges. DPOR asks
 * about every pair of steps of different CPUs that nothing else orders: on 000e, an offline of
 * ~2,000 steps against a reader of ~200, most of them independent.
 *
 * <p>The summary is one-sided: disjoint summaries mean independent steps; overlapping ones decide
 * nothing. Each location a step touches sets bits such that two locations that overlap
 * ({@link Region#overlap}) share one: struct pages by their pfns (a hashed bit per pfn, in a
 * word of their own), a region part by its whole, a region by itself and by what it says it
 * contains ({@link Region#outline}), any other object by its hash (equal objects hash alike). A step whose access is not known
 * conflicts even with a step that touches nothing, so it is never summarised.
 *
 * <p>Not thread-safe: one per search, beside the {@link HappensBefore} it serves.
 */
final class StepSignatures {
    private static final long ALL = -1L;
    // per step: hashed locations read and written, and hashed pfns of struct pages read and written
    private long[] read = new long[256], written = new long[256], pfnsRead = new long[256], pfnsWritten = new long[256];
    private boolean[] unknown = new boolean[256];
    // the step being summarised
    private long r, w, pr, pw;

    /** Summarises the steps of {@code e}'s last execution. */
    void sign(Engine e) {
        int steps = e.steps;
        if (read.length < steps) {
            int len = Math.max(steps, read.length * 2);
            read = Arrays.copyOf(read, len);
            written = Arrays.copyOf(written, len);
            pfnsRead = Arrays.copyOf(pfnsRead, len);
            pfnsWritten = Arrays.copyOf(pfnsWritten, len);
            unknown = Arrays.copyOf(unknown, len);
        }
        StepFootprints f = e.footprints;
        for (int k = 0; k < steps; k++) {
            r = w = pr = pw = 0;
            if (f.observing) {
                pr |= pfnBits(f.readLo[k], f.readHi[k]);
                pw |= pfnBits(f.writeLo[k], f.writeHi[k]);
                for (int x = f.extraFrom[k]; x < f.extraTo[k]; x++) add(f.extra[x], f.extraWritten[x]);
            }
            boolean unsure = false;
            if (f.begun[k]) {
                Access a = f.access[k];
                Object at = f.location[k];
                if (a == null) unsure = true;
                else if (a != Access.NONE && at == null) r = w = pr = pw = ALL;   // somewhere unknown: conflicts with any access
                else if (a != Access.NONE) add(at, a != Access.READ);
            }
            read[k] = r;
            written[k] = w;
            pfnsRead[k] = pr;
            pfnsWritten[k] = pw;
            unknown[k] = unsure;
        }
    }

    /** False when steps i and j are independent by their summaries; true decides nothing. */
    boolean mayConflict(int i, int j) {
        return unknown[i] || mayConflict(read[i], written[i], pfnsRead[i], pfnsWritten[i], j);
    }

    private boolean mayConflict(long r, long w, long pr, long pw, int j) {
        return unknown[j] || (w & (read[j] | written[j])) != 0 || (r & written[j]) != 0
                || (pw & (pfnsRead[j] | pfnsWritten[j])) != 0 || (pr & pfnsWritten[j]) != 0;
    }

    // The union of the summaries of each run of RUN consecutive steps of one CPU (its RUN-aligned
    // positions among that CPU's steps), so a scan can pass a whole run that conflicts with nothing.
    static final int RUN_SHIFT = 4, RUN = 1 << RUN_SHIFT;
    private long[][] runRead = new long[0][], runWritten = new long[0][], runPfnsRead = new long[0][], runPfnsWritten = new long[0][];
    private boolean[][] runUnknown = new boolean[0][];

    /** Forgets the runs, for an execution of {@code cpus} CPUs. */
    void clearRuns(int cpus) {
        if (runRead.length != cpus) {
            runRead = new long[cpus][16];
            runWritten = new long[cpus][16];
            runPfnsRead = new long[cpus][16];
            runPfnsWritten = new long[cpus][16];
            runUnknown = new boolean[cpus][16];
        }
    }

    /** Adds step k, at {@code position} among CPU {@code cpu}'s steps, to its run. */
    void addToRun(int cpu, int position, int k) {
        int x = position >>> RUN_SHIFT;
        if (x == runRead[cpu].length) {
            int len = x * 2;
            runRead[cpu] = Arrays.copyOf(runRead[cpu], len);
            runWritten[cpu] = Arrays.copyOf(runWritten[cpu], len);
            runPfnsRead[cpu] = Arrays.copyOf(runPfnsRead[cpu], len);
            runPfnsWritten[cpu] = Arrays.copyOf(runPfnsWritten[cpu], len);
            runUnknown[cpu] = Arrays.copyOf(runUnknown[cpu], len);
        }
        boolean first = (position & (RUN - 1)) == 0;
        runRead[cpu][x] = (first ? 0 : runRead[cpu][x]) | read[k];
        runWritten[cpu][x] = (first ? 0 : runWritten[cpu][x]) | written[k];
        runPfnsRead[cpu][x] = (first ? 0 : runPfnsRead[cpu][x]) | pfnsRead[k];
        runPfnsWritten[cpu][x] = (first ? 0 : runPfnsWritten[cpu][x]) | pfnsWritten[k];
        runUnknown[cpu][x] = (!first && runUnknown[cpu][x]) || unknown[k];
    }

    /** False when no step of CPU {@code cpu}'s run {@code x} can conflict with step j. */
    boolean runMayConflict(int cpu, int x, int j) {
        return runUnknown[cpu][x] || mayConflict(runRead[cpu][x], runWritten[cpu][x], runPfnsRead[cpu][x], runPfnsWritten[cpu][x], j);
    }

    /** Sets the bits that every location overlapping {@code at} shares with it. */
    private void add(Object at, boolean write) {
        if (at instanceof StructPages sp) {   // most locations: one word of one struct page
            long b = pfnBits(sp.firstPfn(), sp.endPfn());
            if (write) pw |= b; else pr |= b;
        } else if (at instanceof Region.Part p) {
            add(p.whole(), write);
        } else if (at instanceof Region reg && reg.outline() == null) {
            if (write) w = pw = ALL; else r = pr = ALL;
        } else {
            long b = hashBit(at);
            if (write) w |= b; else r |= b;
            if (at instanceof Region reg) for (Object o : reg.outline()) add(o, write);
        }
    }

    /**
     * A bit for each pfn of [lo, hi), hashed onto 64 (pfns a fixed stride apart, as two walks
     * over one folio touch, must not share bits by their stride); every bit when it spans 64 or more.
     */
    static long pfnBits(long lo, long hi) {
        if (lo >= hi) return 0;
        if (hi - lo >= 64) return ALL;
        long b = 0;
        for (long x = lo; x < hi; x++) b |= 1L << ((x * 0x9E3779B97F4A7C15L) >>> 58);
        return b;
    }

    private static long hashBit(Object o) {
        int h = o.hashCode() * 0x9E3779B9;
        return 1L << (h >>> 26);
    }
}
