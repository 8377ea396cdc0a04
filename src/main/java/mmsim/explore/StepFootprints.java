package mmsim.explore;

import java.util.Arrays;

import mmsim.kernel.Access;
import mmsim.kernel.Region;

/**
 * What each step of the last execution touched: the access its CPU announced at the point (or
 * lock wait) it stopped at, and, when accesses are observed (DPOR: races are found after the
 * execution, so what a step did counts, not only what its point announced), the struct pages it
 * read and wrote and the other locations it touched without announcing them (page tables, the
 * sysfs tree). Read by the race analysis ({@link HappensBefore}, {@link StepSignatures}) and the
 * trace count.
 *
 * <p>Not thread-safe: the {@link Engine} that owns it writes it as its execution runs (one CPU at
 * a time), the search reads it between executions.
 */
final class StepFootprints {
    Object[] location = new Object[256];
    Access[] access = new Access[256];
    // whether the CPU had reached its first point: before, its step touches nothing shared
    boolean[] begun = new boolean[256];
    // with accesses observed: the struct pages read and written, as pfn ranges [lo, hi) (empty: lo >= hi)
    long[] readLo = new long[256], readHi = new long[256], writeLo = new long[256], writeHi = new long[256];
    boolean observing;
    // ... and the other locations read or written: step k's are extra[extraFrom[k] .. extraTo[k]),
    // with whether written, in one log for the execution (a step adds to it only while it runs)
    int[] extraFrom = new int[256], extraTo = new int[256];
    Object[] extra = new Object[256];
    boolean[] extraWritten = new boolean[256];
    private int extras;

    /** Room for {@code len} steps. */
    void grow(int len) {
        location = Arrays.copyOf(location, len);
        access = Arrays.copyOf(access, len);
        begun = Arrays.copyOf(begun, len);
        readLo = Arrays.copyOf(readLo, len);
        readHi = Arrays.copyOf(readHi, len);
        writeLo = Arrays.copyOf(writeLo, len);
        writeHi = Arrays.copyOf(writeHi, len);
        extraFrom = Arrays.copyOf(extraFrom, len);
        extraTo = Arrays.copyOf(extraTo, len);
    }

    /** Starts step {@code step}: what its CPU announced, and nothing observed yet. */
    void begin(int step, Object at, Access a, boolean hasBegun) {
        if (observing) {
            readLo[step] = writeLo[step] = Long.MAX_VALUE;
            readHi[step] = writeHi[step] = Long.MIN_VALUE;
            if (step == 0) {
                Arrays.fill(extra, 0, extras, null);
                extras = 0;
            }
            extraFrom[step] = extraTo[step] = extras;
        }
        location[step] = at;
        access[step] = a;
        begun[step] = hasBegun;
    }

    /** Step {@code step} read or wrote the struct pages [lo, hi). */
    void observe(int step, long lo, long hi, boolean write) {
        if (write) {
            writeLo[step] = Math.min(writeLo[step], lo);
            writeHi[step] = Math.max(writeHi[step], hi);
        } else {
            readLo[step] = Math.min(readLo[step], lo);
            readHi[step] = Math.max(readHi[step], hi);
        }
    }

    /** Step {@code step}, the one running, read or wrote {@code at}, which its point did not announce. */
    void observeOther(int step, Object at, boolean write) {
        if (extraTo[step] != extras) throw new IllegalStateException("step " + step + " is not the one running");
        for (int x = extraFrom[step]; x < extras; x++) {
            if (extra[x] == at) {
                extraWritten[x] |= write;
                return;
            }
        }
        if (extras == extra.length) {
            extra = Arrays.copyOf(extra, extras * 2);
            extraWritten = Arrays.copyOf(extraWritten, extras * 2);
        }
        extra[extras] = at;
        extraWritten[extras++] = write;
        extraTo[step] = extras;
    }

    /**
     * Whether steps {@code i} and {@code j} may not commute, by what their CPUs announced
     * ({@link #conflict}) and, observed, what they did; a CPU's step before its first point
     * (which touches nothing shared) is independent of every step on both sides. Mazurkiewicz
     * equivalence, without the preemption bound's asymmetry ({@link Engine#dependent}).
     */
    boolean dependent(int i, int j) {
        if (observing && pagesConflict(i, j)) return true;
        if (!begun[i] || !begun[j]) return false;
        return conflict(access[i], location[i], access[j], location[j]);
    }

    /** Whether step {@code i} wrote what a reader of {@code watched} reads (a block's condition). */
    boolean writes(int i, Object watched) {
        return begun[i] && conflict(access[i], location[i], Access.READ, watched);
    }

    /**
     * Whether two announced accesses may not commute: the same location and one writes or syncs;
     * not known (null access, or an access without a location) conflicts with everything; NONE
     * with nothing.
     */
    static boolean conflict(Access x, Object la, Access y, Object lb) {
        if (x == null || y == null) return true;
        if (x == Access.NONE || y == Access.NONE) return false;
        if (la == null || lb == null) return true;
        return x.conflictsWith(y) && Region.overlap(la, lb);
    }

    /**
     * With accesses observed: one step wrote a struct page the other read or wrote, or wrote
     * another location the other touched (observed, or announced at its point), or read one the
     * other wrote.
     */
    private boolean pagesConflict(int i, int j) {
        if (extraConflict(i, j) || extraConflict(j, i)) return true;
        return overlaps(writeLo[i], writeHi[i], writeLo[j], writeHi[j]) || overlaps(writeLo[i], writeHi[i], readLo[j], readHi[j])
                || overlaps(readLo[i], readHi[i], writeLo[j], writeHi[j]);
    }

    /** Whether an unannounced access of step i conflicts with step j's observed or announced accesses. */
    private boolean extraConflict(int i, int j) {
        for (int x = extraFrom[i]; x < extraTo[i]; x++) {
            Object loc = extra[x];
            boolean w = extraWritten[x];
            if (begun[j] && location[j] != null && access[j] != null && access[j] != Access.NONE
                    && (w || access[j] != Access.READ) && Region.overlap(location[j], loc)) return true;
            for (int y = extraFrom[j]; y < extraTo[j]; y++) if ((w || extraWritten[y]) && Region.overlap(extra[y], loc)) return true;
        }
        return false;
    }

    private static boolean overlaps(long lo1, long hi1, long lo2, long hi2) {
        return lo1 < hi1 && lo2 < hi2 && lo1 < hi2 && lo2 < hi1;
    }
}
