package mmsim.mm.linux;

import java.util.Arrays;

/**
 * The memmap (struct page array) of one memory section, stored as a struct of arrays indexed by
 * {@code pfn - startPfn}. What each array holds, with the struct page word it stands for
 * (include/linux/mm_types.h, 64-byte struct page on 64-bit):
 *
 * <pre>
 * word  offset  kernel field                      array here        notes
 *  0      0     flags                             long[] flags      PG bits + zone/node fields
 *  1      8     lru.next | compound_head | pcp    int[] lruNext     list link as a pfn (NIL = end)
 *                                                 int[] compoundHead  0, or (pfn-head)<<1|1 on tails
 *  2     16     lru.prev                          int[] lruPrev
 *  3     24     mapping                           long[] mapping    allocated on first non-zero write
 *  4     32     index                             long[] index      allocated on first non-zero write
 *  5     40     private                           int[] privateData buddy order, swap entry, ...
 *  6     48     _mapcount / page_type             int[] mapcount    -1 = none; PGTY_* in top byte
 *  6     52     _refcount                         int[] refcount
 *  7     56     memcg_data                        (not modelled: 0)
 * </pre>
 *
 * Word 1 is one word in the kernel (a union) but two arrays here, so a list link and a tail mark
 * can be told apart without decoding; {@link Memmap#rawWords} folds them back into one word.
 * 8+4+4+4+4+4+4 = 32 bytes per page when nothing is mapped.
 *
 * <p>Poison (page_init_poison, all bits set) is -1 in every array: flags = ~0 (PagePoisoned),
 * compound_head = ~0 (a "tail" whose head pointer is 0xfffffffffffffffe), _mapcount = -1.
 */
public final class SectionMemmap implements Restorable<SectionMemmap>, mmsim.kernel.Region, mmsim.kernel.StructPages {
    /** All ones: page_init_poison's PAGE_POISON_PATTERN in every word. */
    public static final long POISON = -1L;

    /** A point at this memmap (page_init_poison, a pageblock scan) covers every struct page word in it. */
    @Override
    public boolean contains(Object location) {
        if (location instanceof Memmap.PageWord w) return w.pfn() >= startPfn && w.pfn() < startPfn + nrPages;
        return location instanceof Memmap.PageWords r && r.firstPfn() >= startPfn && r.endPfn() <= startPfn + nrPages;
    }

    @Override public long firstPfn() { return startPfn; }
    @Override public long endPfn() { return startPfn + nrPages; }

    public final long startPfn;
    public final int nrPages;
    public final long[] flags;
    public final int[] refcount;
    public final int[] mapcount;
    public final int[] compoundHead;
    public final int[] privateData;
    public final int[] lruNext;
    public final int[] lruPrev;
    long[] mapping;
    long[] index;
    // a mapping/index array a restore dropped, kept to serve the next first non-zero write: the
    // explorer restores a section thousands of times, and a migration that sets a new page's
    // mapping would otherwise allocate and fill 2 x nrPages words per execution. Invariant after
    // every restore: each entry is what a read sees without the array (see lazyWord).
    private long[] spareMapping, spareIndex;

    /** Pages per written mark ({@link WrittenBlocks#BLOCK}: MAX_ORDER_NR_PAGES). */
    public static final int WRITTEN_BLOCK_PAGES = WrittenBlocks.BLOCK;
    /**
     * Soft-dirty marks of the struct pages written since {@link #clearWritten()}. Every write path
     * of this class and of {@link Memmap} sets them; code writing the public arrays directly calls
     * {@link #markWritten}.
     */
    private final WrittenBlocks written;

    /** Allocates the arrays; {@code poison} fills them with all ones (memmap the kernel leaves uninitialised). */
    public SectionMemmap(long startPfn, int nrPages, boolean poison) {
        this.startPfn = startPfn;
        this.nrPages = nrPages;
        flags = new long[nrPages];
        refcount = new int[nrPages];
        mapcount = new int[nrPages];
        compoundHead = new int[nrPages];
        privateData = new int[nrPages];
        lruNext = new int[nrPages];
        lruPrev = new int[nrPages];
        written = new WrittenBlocks(nrPages);
        markWritten(0, nrPages); // a memmap created since the marks were cleared is new as a whole
        if (poison) poison(0, nrPages);
    }

    /** page_init_poison over [from, to) (indexes into this section). */
    public void poison(int from, int to) {
        markWritten(from, to);
        Arrays.fill(flags, from, to, POISON);
        Arrays.fill(refcount, from, to, -1);
        Arrays.fill(mapcount, from, to, -1);
        Arrays.fill(compoundHead, from, to, -1);
        Arrays.fill(privateData, from, to, -1);
        Arrays.fill(lruNext, from, to, -1);
        Arrays.fill(lruPrev, from, to, -1);
        // mapping and index are words of struct page too. While their arrays are not allocated a
        // page reads them as all ones exactly when its flags word is the poison pattern.
        if (mapping != null) Arrays.fill(mapping, from, to, POISON);
        if (index != null) Arrays.fill(index, from, to, POISON);
    }

    /**
     * __init_single_page over [from, to) in bulk: zeroed struct, zone/node links, refcount 1,
     * _mapcount -1, lru pointing at itself (NIL), last_cpupid reset.
     */
    public void initRange(int from, int to, long flagsWord) {
        markWritten(from, to);
        Arrays.fill(flags, from, to, flagsWord);
        Arrays.fill(refcount, from, to, 1);
        Arrays.fill(mapcount, from, to, PageType.NO_TYPE);
        Arrays.fill(compoundHead, from, to, 0);
        Arrays.fill(privateData, from, to, 0);
        Arrays.fill(lruNext, from, to, Memmap.NIL);
        Arrays.fill(lruPrev, from, to, Memmap.NIL);
        if (mapping != null) Arrays.fill(mapping, from, to, 0);
        if (index != null) Arrays.fill(index, from, to, 0);
    }

    /**
     * How many struct pages after {@code i}, below {@code to}, are in the state of struct page
     * {@code i} as a page-flag reader sees it: the same flags, _mapcount, and either (a tail) the
     * same head, or (any other page) the same compound_head, _refcount and mapping words. A
     * tail's own _refcount and mapping are not compared (readers look at its head's); list
     * links, index and private never are.
     */
    int sameStateAs(int i, int to) {
        long f = flags[i];
        int rc = refcount[i], mc = mapcount[i], ch = compoundHead[i];
        int j = i + 1;
        if ((ch & 1) != 0 && ch != -1) {
            // a tail: compound_head holds (pfn - head) << 1 | 1, so the same head is ch + 2 per page
            while (j < to && flags[j] == f && mapcount[j] == mc && compoundHead[j] == ch + 2 * (j - i)) j++;
            return j - i - 1;
        }
        while (j < to && flags[j] == f && refcount[j] == rc && mapcount[j] == mc && compoundHead[j] == ch) j++;
        if (mapping != null) for (int e = i + 1; e < j; e++) if (mapping[e] != mapping[i]) { j = e; break; }
        return j - i - 1;
    }

    /** Marks struct page {@code i} (an index into this section) written. */
    public void markWritten(int i) {
        written.mark(i);
    }

    /** Marks the struct pages [from, to) written. */
    public void markWritten(int from, int to) {
        written.mark(from, to);
    }

    /** True when a struct page in the block of index {@code i} was written since {@link #clearWritten()}. */
    /** True when every struct page of [from, to) is poisoned (its flags word is {@link #POISON}). */
    public boolean allPoisoned(int from, int to) {
        for (int i = from; i < to; i++) if (flags[i] != POISON) return false;
        return true;
    }

    public boolean blockWritten(int i) {
        return written.written(i);
    }

    public void clearWritten() {
        written.clear();
    }

    /**
     * Copies back from {@code original} the blocks written since the marks were cleared, then
     * clears them. A mapping or index array allocated since (first non-zero write) is dropped
     * when the original had none, so reads see what they saw before it existed; it is kept as
     * the spare for the next first write.
     */
    @Override
    public void restoreFrom(SectionMemmap original) {
        if (original.startPfn != startPfn || original.nrPages != nrPages) {
            throw new IllegalArgumentException("section memmap at pfn " + startPfn + " restored from the one at pfn " + original.startPfn);
        }
        if (original.mapping == null) {
            if (mapping != null) spareMapping = mapping;
            mapping = null;
        } else if (mapping == null) mapping = original.mapping.clone();
        if (original.index == null) {
            if (index != null) spareIndex = index;
            index = null;
        } else if (index == null) index = original.index.clone();
        written.forEachWritten((from, len) -> {
            System.arraycopy(original.flags, from, flags, from, len);
            System.arraycopy(original.refcount, from, refcount, from, len);
            System.arraycopy(original.mapcount, from, mapcount, from, len);
            System.arraycopy(original.compoundHead, from, compoundHead, from, len);
            System.arraycopy(original.privateData, from, privateData, from, len);
            System.arraycopy(original.lruNext, from, lruNext, from, len);
            System.arraycopy(original.lruPrev, from, lruPrev, from, len);
            if (original.mapping != null) System.arraycopy(original.mapping, from, mapping, from, len);
            if (original.index != null) System.arraycopy(original.index, from, index, from, len);
            // the flags are the original's again: so is what a spare must hold
            if (spareMapping != null) fillLazy(spareMapping, from, from + len);
            if (spareIndex != null) fillLazy(spareIndex, from, from + len);
        });
        written.clear();
    }

    @Override
    public String differenceFrom(SectionMemmap o) {
        for (int i = 0; i < nrPages; i++) {
            String field = flags[i] != o.flags[i] ? "flags" : refcount[i] != o.refcount[i] ? "_refcount"
                    : mapcount[i] != o.mapcount[i] ? "_mapcount" : compoundHead[i] != o.compoundHead[i] ? "compound_head"
                    : privateData[i] != o.privateData[i] ? "private" : lruNext[i] != o.lruNext[i] ? "lru.next"
                    : lruPrev[i] != o.lruPrev[i] ? "lru.prev" : mappingAt(i) != o.mappingAt(i) ? "mapping"
                    : indexAt(i) != o.indexAt(i) ? "index" : null;
            if (field != null) {
                return "struct page of pfn 0x" + Long.toHexString(startPfn + i) + ": " + field + " differs from the machine setup left"
                        + " (written without SectionMemmap.markWritten)";
            }
        }
        return null;
    }

    long[] ensureMapping() {
        if (mapping == null) {
            mapping = lazyWord(spareMapping);
            spareMapping = null;
        }
        return mapping;
    }

    long[] ensureIndex() {
        if (index == null) {
            index = lazyWord(spareIndex);
            spareIndex = null;
        }
        return index;
    }

    /**
     * A mapping/index array holding what the pages read before it existed: ~0 on poisoned pages,
     * else 0. A spare (null: none) holds that for the flags the last restore left, so only the
     * blocks written since need filling again.
     */
    private long[] lazyWord(long[] spare) {
        if (spare == null) {
            long[] a = new long[nrPages];
            fillLazy(a, 0, nrPages);
            return a;
        }
        written.forEachWritten((from, len) -> fillLazy(spare, from, from + len));
        return spare;
    }

    private void fillLazy(long[] a, int from, int to) {
        for (int i = from; i < to; i++) a[i] = flags[i] == POISON ? POISON : 0;
    }

    long mappingAt(int i) {
        return mapping != null ? mapping[i] : (flags[i] == POISON ? POISON : 0);
    }

    long indexAt(int i) {
        return index != null ? index[i] : (flags[i] == POISON ? POISON : 0);
    }

    /** True when the lazily allocated mapping/index arrays exist (heap accounting, tests). */
    public boolean hasMappingArrays() { return mapping != null || index != null; }

    /** Approximate heap bytes of this section's arrays. */
    public long heapBytes() {
        long b = (long) nrPages * (8 + 4 * 6);
        if (mapping != null) b += 8L * nrPages;
        if (index != null) b += 8L * nrPages;
        return b;
    }
}
