package mmsim.mm.linux;

import java.util.Arrays;

/**
 * Soft-dirty marks over a large primitive array of the model (as clear_refs' soft-dirty bits say
 * which pages a task wrote): one bit per {@link #BLOCK} entries written since {@link #clear()}.
 * The whole-model check looks only at the struct pages that changed, and {@link Restorable}
 * objects copy back only what changed. The memmap sections and the page_ext tables keep one each.
 *
 * <p>Locking: none of its own. The marks are set in the step that writes the entry (the owner's
 * write paths call {@link #mark}), read and cleared between executions.
 */
public final class WrittenBlocks {
    /**
     * Entries per mark: MAX_ORDER_NR_PAGES, so a buddy block or compound page (at most max-order,
     * naturally aligned) never straddles two marks.
     */
    public static final int BLOCK = 1024;

    private final int nrEntries;
    private final long[] bits;

    /** Marks for {@code nrEntries} entries, none set. */
    public WrittenBlocks(int nrEntries) {
        this.nrEntries = nrEntries;
        this.bits = new long[(nrEntries / BLOCK + 64) / 64];
    }

    /** Marks the block of entry {@code i} written. */
    public void mark(int i) {
        int b = i / BLOCK;
        bits[b >>> 6] |= 1L << b;
    }

    /** Marks the blocks of the entries [from, to) written. */
    public void mark(int from, int to) {
        for (int b = from / BLOCK; b * BLOCK < to; b++) bits[b >>> 6] |= 1L << b;
    }

    /** True when an entry in the block of {@code i} was written since {@link #clear()}. */
    public boolean written(int i) {
        int b = i / BLOCK;
        return (bits[b >>> 6] & (1L << b)) != 0;
    }

    public void clear() {
        Arrays.fill(bits, 0);
    }

    /** What to do with one written block: its first entry and its length (the last block may be short). */
    @FunctionalInterface
    public interface BlockAction {
        void run(int from, int len);
    }

    /** Runs {@code action} on every written block, in address order. */
    public void forEachWritten(BlockAction action) {
        for (int w = 0; w < bits.length; w++) {
            for (long m = bits[w]; m != 0; m &= m - 1) {
                int from = ((w << 6) + Long.numberOfTrailingZeros(m)) * BLOCK;
                if (from >= nrEntries) return;
                action.run(from, Math.min(BLOCK, nrEntries - from));
            }
        }
    }
}
