package mmsim.explore;

import java.util.ArrayList;
import java.util.Arrays;

import mmsim.kernel.Access;
import mmsim.kernel.Region;
import mmsim.kernel.StructPages;

/**
 * A 64-bit summary of what each step of the last execution read and wrote, so the race analysis
 * ({@link HappensBefore}) can tell most independent pairs of steps apart with two ANDs before it
 * asks {@link Engine#stepsDependent}, whose exact rules compare objects and pfn ranges. DPOR asks
 * about every pair of steps of different CPUs that nothing else orders: on 000e, an offline of
 * ~2,000 steps against a reader of ~200, most of them independent.
 *
 * <p>The summary is one-sided: disjoint summaries mean independent steps; overlapping ones decide
 * nothing. Each location a step touches sets bits such that two locations that overlap
 * ({@link Region#overlap}) share one: struct pages by their pfns (a bit per pfn, in a word of their own), a region part by
 * its whole, a region by itself and by what it says it contains ({@link Region#outline}), any
 * other object by its hash (equal objects hash alike). A step whose access is not known
 * conflicts even with a step that touches nothing, so it is never summarised.
 *
 * <p>Not thread-safe: one per search, beside the {@link HappensBefore} it serves.
 */
final class StepSignatures {
    private static final long ALL = -1L;
    // per step: hashed locations read and written, and pfns (mod 64) of struct pages read and written
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
        for (int k = 0; k < steps; k++) {
            r = w = pr = pw = 0;
            if (e.observing) {
                pr |= pfnBits(e.readLo[k], e.readHi[k]);
                pw |= pfnBits(e.writeLo[k], e.writeHi[k]);
                ArrayList<Object> extra = e.extraLoc[k];
                for (int x = 0; extra != null && x < extra.size(); x++) add(extra.get(x), e.extraWrite[k].get(x));
            }
            boolean unsure = false;
            if (e.stepBegun[k]) {
                Access a = e.stepAccess[k];
                Object at = e.stepLocation[k];
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
        return unknown[i] || unknown[j] || (written[i] & (read[j] | written[j])) != 0 || (read[i] & written[j]) != 0
                || (pfnsWritten[i] & (pfnsRead[j] | pfnsWritten[j])) != 0 || (pfnsRead[i] & pfnsWritten[j]) != 0;
    }

    /** Sets the bits that every location overlapping {@code at} shares with it. */
    private void add(Object at, boolean write) {
        if (at instanceof Region.Part p) {
            add(p.whole(), write);
        } else if (at instanceof StructPages sp) {
            long b = pfnBits(sp.firstPfn(), sp.endPfn());
            if (write) pw |= b; else pr |= b;
        } else if (at instanceof Region reg && reg.outline() == null) {
            if (write) w = pw = ALL; else r = pr = ALL;
        } else {
            long b = hashBit(at);
            if (write) w |= b; else r |= b;
            if (at instanceof Region reg) for (Object o : reg.outline()) add(o, write);
        }
    }

    /** One bit per pfn of [lo, hi), folded onto 64; every bit when it spans 64 or more. */
    static long pfnBits(long lo, long hi) {
        if (lo >= hi) return 0;
        if (hi - lo >= 64) return ALL;
        long b = 0;
        for (long x = lo; x < hi; x++) b |= 1L << (x & 63);
        return b;
    }

    private static long hashBit(Object o) {
        int h = o.hashCode() * 0x9E3779B9;
        return 1L << (h >>> 26);
    }
}
