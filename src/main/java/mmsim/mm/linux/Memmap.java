package mmsim.mm.linux;

import mmsim.kernel.Access;
import mmsim.kernel.Kernel;
import mmsim.kernel.KernelFault;

import java.util.Arrays;

/**
 * The virtually mapped memmap (vmemmap): struct page for pfn N lives at
 * {@code vmemmapBase + N * 64}. Each section's part exists only while the section has a memmap
 * ({@link SectionMemmap}, installed by mm/sparse.c's section_activate, dropped by
 * section_deactivate); touching a struct page whose vmemmap is not populated faults at that
 * address, as it would in the kernel. Models include/linux/mm_types.h (struct page),
 * include/asm-generic/memory_model.h (pfn_to_page/page_to_pfn for SPARSEMEM_VMEMMAP),
 * include/linux/page-flags.h (flag accessors, compound_head, PagePoisoned), mm/sparse-vmemmap.c.
 *
 * <p>Locking: none of its own. Two kinds of accessors:
 * <ul>
 * <li>raw ({@link #flags}, {@link #refcount}, ...): no preemption point. For boot, bulk init and
 *     code already serialised by a lock whose acquisition was the point (zone->lock holders).</li>
 * <li>pointed ({@link #readFlags}, {@link #readRefcount}, {@link #readCompoundHead}...): take a
 *     preemption point labelled by the caller before the access, for lockless readers and writers
 *     that race (pfn walkers, kpageflags, memory_failure, get_page_unless_zero).</li>
 * </ul>
 *
 * <p>Links ({@code lruNext/lruPrev}) hold pfns as ints: the model supports pfns below 2^31
 * (8 TiB of physical address space).
 */
public final class Memmap {
    /** End of a pfn-linked list; also what INIT_LIST_HEAD(&page->lru) leaves (the list points at itself). */
    public static final int NIL = -2;

    /** struct page fields and their byte offsets (x86_64, 64-byte struct page). */
    public enum Field {
        FLAGS(0), LRU_NEXT(8), COMPOUND_HEAD(8), LRU_PREV(16), MAPPING(24), INDEX(32), PRIVATE(40),
        MAPCOUNT(48), REFCOUNT(52), MEMCG(56);

        public final int offset;

        Field(int offset) { this.offset = offset; }
    }

    /** A preemption-point location: one word of one struct page (value equality). */
    public record PageWord(long pfn, Field field) implements mmsim.kernel.StructPages {
        @Override public long firstPfn() { return pfn; }
        @Override public long endPfn() { return pfn + 1; }
    }

    /** One word of each struct page of [firstPfn, endPfn), read as one access (a loop over a folio's pages). */
    public record PageWords(long firstPfn, long endPfn, Field field) implements mmsim.kernel.StructPages { }

    private final Kernel k;
    private final long vmemmapBase;
    private final int shift;
    private final int mask;
    private SectionMemmap[] maps;

    public Memmap(Kernel k, ArchProfile arch, long nrSectionsHint) {
        this.k = k;
        this.vmemmapBase = arch.vmemmapBase();
        this.shift = arch.pfnSectionShift();
        this.mask = (1 << shift) - 1;
        this.maps = new SectionMemmap[(int) Math.max(1, nrSectionsHint)];
    }

    public Kernel kernel() { return k; }

    // ---- room in the host's heap ---------------------------------------------------------------

    /** Heap bytes one page's struct page costs in the model: the seven arrays of {@link SectionMemmap}, and a byte of slack. */
    public static final long HEAP_BYTES_PER_PAGE = 33;

    /**
     * How many more pages the Java heap can give a memmap while keeping an eighth of it for the
     * rest of the machine: the model's limit where the kernel's is vmemmap_alloc_block().
     */
    public static long heapRoomPages() {
        Runtime rt = Runtime.getRuntime();
        long room = rt.maxMemory() - rt.maxMemory() / 8 - (rt.totalMemory() - rt.freeMemory());
        return Math.max(0, room / HEAP_BYTES_PER_PAGE);
    }

    /**
     * Whether a memmap of {@code nrPages} more pages fits in the heap. A memmap larger than this
     * would end the JVM with OutOfMemoryError, so callers refuse it first (add_memory with
     * -ENOMEM, a boot layout with a message). Garbage of earlier executions counts as used until
     * collected, so a first "no" is asked again after a collection.
     */
    public static boolean fitsInHeap(long nrPages) {
        if (nrPages <= heapRoomPages()) return true;
        System.gc();
        return nrPages <= heapRoomPages();
    }

    // ---- section memmaps (sparse.c calls these) ---------------------------------------------

    /** Populates the vmemmap of section {@code sectionNr} (poisoned or to be initialised by the caller). */
    public SectionMemmap populate(long sectionNr, boolean poison) {
        if (sectionNr >= maps.length) maps = Arrays.copyOf(maps, (int) Math.max(sectionNr + 1, maps.length * 2L));
        SectionMemmap m = new SectionMemmap(sectionNr << shift, 1 << shift, poison);
        maps[(int) sectionNr] = m;
        return m;
    }

    /** Unmaps the vmemmap of a section (vmemmap_free): later accesses fault. */
    public void depopulate(long sectionNr) {
        if (sectionNr < maps.length) maps[(int) sectionNr] = null;
    }

    /** The memmap of the section holding {@code pfn}, or null when its vmemmap is not populated. */
    public SectionMemmap sectionOf(long pfn) {
        long s = pfn >>> shift;
        return s < maps.length ? maps[(int) s] : null;
    }

    public boolean backed(long pfn) { return sectionOf(pfn) != null; }

    /**
     * How many struct pages after {@code pfn}, below {@code limit} and in its section, are in
     * pfn's state as page-flag readers see it: the same flags and _mapcount words, and the same
     * head for a tail, the same compound_head, _refcount and mapping for any other page (list
     * links, index and private may differ; SectionMemmap.sameStateAs). Raw (no point): for a reader
     * that nothing else runs beside. Faults like any raw read when pfn's memmap is not populated.
     */
    public int sameStateAfter(long pfn, long limit) {
        SectionMemmap m = at(pfn, Field.FLAGS, false);
        int i = (int) pfn & mask;
        return m.sameStateAs(i, (int) Math.min(m.nrPages, i + Math.max(0, limit - pfn)));
    }

    public int index(long pfn) { return (int) pfn & mask; }

    // ---- addresses --------------------------------------------------------------------------

    /** The struct page's kernel virtual address (what %px prints, what page pointers hold). */
    public long pageAddress(long pfn) { return vmemmapBase + pfn * ArchProfile.STRUCT_PAGE_SIZE; }

    /** The pfn whose struct page holds {@code address}, or -1 when the address is outside the vmemmap area. */
    public long addressToPfn(long address) {
        long off = address - vmemmapBase;
        if (off < 0 || off >= (1L << 46) * ArchProfile.STRUCT_PAGE_SIZE / 4096) return -1;
        return off / ArchProfile.STRUCT_PAGE_SIZE;
    }

    /**
     * Dereferences a struct page pointer: the pfn it points at, or the page fault the access
     * would take (address outside the vmemmap, or vmemmap of a removed/never added section).
     * {@code field} is the member read through the pointer (its offset is added to the fault address).
     */
    public long deref(long pageAddress, Field field, boolean write, String function) {
        long pfn = addressToPfn(pageAddress);
        if (pfn < 0 || (pageAddress - vmemmapBase) % ArchProfile.STRUCT_PAGE_SIZE != 0 || !backed(pfn))
            throw k.pageFault(pageAddress + field.offset, write, function);
        return pfn;
    }

    private SectionMemmap at(long pfn, Field f, boolean write) {
        SectionMemmap m = sectionOf(pfn);
        if (m == null) throw fault(pfn, f, write);
        if (write) m.markWritten((int) pfn & mask);
        if (k.checkingFootprints()) k.access(new PageWord(pfn, f), write ? Access.WRITE : Access.READ);
        return m;
    }

    /** Clears every section's written marks ({@link SectionMemmap#markWritten}). */
    public void clearWritten() {
        for (SectionMemmap m : maps) if (m != null) m.clearWritten();
    }

    /**
     * True when a struct page in the {@link SectionMemmap#WRITTEN_BLOCK_PAGES}-aligned block of
     * {@code pfn} was written since {@link #clearWritten()}; false for pfns without memmap.
     */
    /**
     * True when every struct page of [pfn, pfn + n) is poisoned (false when the range leaves
     * pfn's section): a raw
     * read of the flags words for the model check, which walks offlined memory in blocks.
     */
    public boolean allPoisoned(long pfn, int n) {
        SectionMemmap m = sectionOf(pfn);
        int i = (int) pfn & mask;
        return m != null && i + n <= m.nrPages && m.allPoisoned(i, i + n);
    }

    public boolean blockWritten(long pfn) {
        SectionMemmap m = sectionOf(pfn);
        return m != null && m.blockWritten((int) pfn & mask);
    }

    private KernelFault.Oops fault(long pfn, Field f, boolean write) {
        return k.pageFault(pageAddress(pfn) + f.offset, write, k.currentFunction());
    }

    private Object loc(long pfn, Field f) {
        return k.exploring() ? new PageWord(pfn, f) : null;
    }

    // ---- raw accessors (no preemption point) ------------------------------------------------

    public long flags(long pfn) { return at(pfn, Field.FLAGS, false).flags[(int) pfn & mask]; }
    public void setFlags(long pfn, long v) { at(pfn, Field.FLAGS, true).flags[(int) pfn & mask] = v; }
    public int refcount(long pfn) { return at(pfn, Field.REFCOUNT, false).refcount[(int) pfn & mask]; }
    public void setRefcount(long pfn, int v) { at(pfn, Field.REFCOUNT, true).refcount[(int) pfn & mask] = v; }
    /** The raw _mapcount / page_type word (-1 = unmapped, untyped). */
    public int mapcount(long pfn) { return at(pfn, Field.MAPCOUNT, false).mapcount[(int) pfn & mask]; }
    /**
     * The raw _mapcount words of the {@code nr} pages from {@code pfn} (one section), read as one
     * access: how many are mapped (&gt;= 0; folio->_nr_pages_mapped), and the sum of their
     * mapcounts (each word + 1), for a loop over a large folio's pages that 512 single reads
     * would make slow to run and to observe.
     */
    public int mappedPages(long pfn, int nr) {
        int[] words = mapcounts(pfn, nr);
        int base = (int) pfn & mask, mapped = 0;
        for (int i = 0; i < nr; i++) if (words[base + i] >= 0) mapped++;
        return mapped;
    }

    /** As {@link #mappedPages}: the sum of the pages' mapcounts (each _mapcount word + 1). */
    public int mapcountSum(long pfn, int nr) {
        int[] words = mapcounts(pfn, nr);
        int base = (int) pfn & mask, sum = 0;
        for (int i = 0; i < nr; i++) sum += words[base + i] + 1;
        return sum;
    }

    private int[] mapcounts(long pfn, int nr) {
        SectionMemmap m = sectionOf(pfn);
        if (m == null) throw fault(pfn, Field.MAPCOUNT, false);
        if (((int) pfn & mask) + nr > mask + 1) throw new IllegalArgumentException("pfns " + pfn + "+" + nr + " cross a section");
        if (k.checkingFootprints()) k.access(new PageWords(pfn, pfn + nr, Field.MAPCOUNT), Access.READ);
        return m.mapcount;
    }

    public void setMapcount(long pfn, int v) { at(pfn, Field.MAPCOUNT, true).mapcount[(int) pfn & mask] = v; }
    public int privateData(long pfn) { return at(pfn, Field.PRIVATE, false).privateData[(int) pfn & mask]; }
    public void setPrivateData(long pfn, int v) { at(pfn, Field.PRIVATE, true).privateData[(int) pfn & mask] = v; }
    public int lruNext(long pfn) { return at(pfn, Field.LRU_NEXT, false).lruNext[(int) pfn & mask]; }
    public void setLruNext(long pfn, int v) { at(pfn, Field.LRU_NEXT, true).lruNext[(int) pfn & mask] = v; }
    public int lruPrev(long pfn) { return at(pfn, Field.LRU_PREV, false).lruPrev[(int) pfn & mask]; }
    public void setLruPrev(long pfn, int v) { at(pfn, Field.LRU_PREV, true).lruPrev[(int) pfn & mask] = v; }
    /** The raw compound-head slot: 0 (not a tail), (pfn-head)&lt;&lt;1|1 (tail), -1 (poisoned). */
    public int compoundHeadRaw(long pfn) { return at(pfn, Field.COMPOUND_HEAD, false).compoundHead[(int) pfn & mask]; }
    public void setCompoundHeadRaw(long pfn, int v) { at(pfn, Field.COMPOUND_HEAD, true).compoundHead[(int) pfn & mask] = v; }

    public long mapping(long pfn) { return at(pfn, Field.MAPPING, false).mappingAt((int) pfn & mask); }
    public void setMapping(long pfn, long v) {
        SectionMemmap m = at(pfn, Field.MAPPING, true);
        if (v == 0 && m.mapping == null && m.flags[(int) pfn & mask] != SectionMemmap.POISON) return;
        m.ensureMapping()[(int) pfn & mask] = v;
    }
    public long indexWord(long pfn) { return at(pfn, Field.INDEX, false).indexAt((int) pfn & mask); }
    public void setIndexWord(long pfn, long v) {
        SectionMemmap m = at(pfn, Field.INDEX, true);
        if (v == 0 && m.index == null && m.flags[(int) pfn & mask] != SectionMemmap.POISON) return;
        m.ensureIndex()[(int) pfn & mask] = v;
    }

    /** PagePoisoned(): the flags word is the poison pattern. */
    public boolean poisoned(long pfn) { return flags(pfn) == SectionMemmap.POISON; }

    /** Tests a PG bit on exactly this struct page (no compound policy). */
    public boolean testBit(long pfn, PageFlag f) { return (flags(pfn) & f.mask) != 0; }
    public void setBit(long pfn, PageFlag f) { SectionMemmap m = at(pfn, Field.FLAGS, true); m.flags[(int) pfn & mask] |= f.mask; }
    public void clearBit(long pfn, PageFlag f) { SectionMemmap m = at(pfn, Field.FLAGS, true); m.flags[(int) pfn & mask] &= ~f.mask; }

    // ---- compound pages (include/linux/page-flags.h) -----------------------------------------

    /** The kernel's word 1 as compound_head() reads it: head address | 1 on tails, all ones when poisoned. */
    public long compoundHeadWord(long pfn) {
        int v = compoundHeadRaw(pfn);
        if (v == -1) return -1L;
        if ((v & 1) == 0) return 0;
        return pageAddress(pfn - (v >>> 1)) | 1;
    }

    /** PageTail(): bit 0 of compound_head (true on poisoned memmap, as in the kernel). */
    public boolean isTail(long pfn) { return (compoundHeadRaw(pfn) & 1) != 0; }

    public boolean isHead(long pfn) { return testBit(pfn, PageFlag.HEAD); }

    /**
     * compound_head(): the head page's pfn, following the tail's pointer like the kernel does.
     * A poisoned word points at 0xfffffffffffffffe and the dereference of the head's flags
     * faults there (the oops of seed 001). Raw: no preemption point.
     */
    public long compoundHead(long pfn, String function) {
        int v = compoundHeadRaw(pfn);
        if ((v & 1) == 0) return pfn;
        if (v != -1) return pfn - (v >>> 1);
        return deref(compoundHeadWord(pfn) - 1, Field.FLAGS, false, function);
    }

    /** compound_head() as a lockless reader does it: a point, then {@link #compoundHead}. */
    public long readCompoundHead(long pfn, String label) {
        k.point(label, loc(pfn, Field.COMPOUND_HEAD), Access.READ);
        return compoundHead(pfn, k.currentFunction());
    }

    /** set_compound_head(): marks {@code pfn} a tail of {@code headPfn}. */
    public void setCompoundHead(long pfn, long headPfn) { setCompoundHeadRaw(pfn, (int) ((pfn - headPfn) << 1) | 1); }

    public void clearCompoundHead(long pfn) { setCompoundHeadRaw(pfn, 0); }

    /** folio_order() of a head page: kept in the low byte of the first tail's flags (folio->_flags_1). */
    public int compoundOrder(long headPfn) {
        if (!isHead(headPfn)) return 0;
        return (int) (flags(headPfn + 1) & 0xff);
    }

    public void setCompoundOrder(long headPfn, int order) {
        setFlags(headPfn + 1, (flags(headPfn + 1) & ~0xffL) | order);
    }

    /**
     * folio->_entire_mapcount (-1 based) of a large folio, kept in the first tail's lru.prev slot
     * (the kernel keeps it in the first tail's words too).
     */
    public int entireMapcount(long headPfn) { return lruPrev(headPfn + 1); }
    public void setEntireMapcount(long headPfn, int v) { setLruPrev(headPfn + 1, v); }
    /** folio->_nr_pages_mapped, kept in the first tail's lru.next slot. */
    public int nrPagesMapped(long headPfn) { return lruNext(headPfn + 1); }
    public void setNrPagesMapped(long headPfn, int v) { setLruNext(headPfn + 1, v); }
    /** folio->_pincount of a large folio (FOLL_PIN pins), kept in the first tail's private slot. */
    public int pincount(long headPfn) { return privateData(headPfn + 1); }
    public void setPincount(long headPfn, int v) { setPrivateData(headPfn + 1, v); }

    /** atomic_read(&folio->_pincount). */
    public int readPincount(long headPfn, String label) {
        k.point(label, loc(headPfn + 1, Field.PRIVATE), Access.READ);
        return pincount(headPfn);
    }

    /** atomic_add on folio->_pincount: one atomic step on the first tail's word. */
    public int pincountAdd(long headPfn, int delta, String label) {
        k.point(label, loc(headPfn + 1, Field.PRIVATE), Access.SYNC);
        int now = pincount(headPfn) + delta;
        setPincount(headPfn, now);
        return now;
    }

    /**
     * Tests a page flag with its compound policy (PageX()): HEAD and NO_TAIL flags are read on
     * the head page. A poisoned page reads all ones, so every flag tests true, unless
     * {@code pfPoisonedCheck} (CONFIG_DEBUG_VM_PGFLAGS) makes it a VM_BUG.
     */
    public boolean test(long pfn, PageFlag f) {
        long p = pfn;
        if (f.policy == PageFlag.Policy.HEAD || f.policy == PageFlag.Policy.NO_TAIL) p = compoundHead(pfn, k.currentFunction());
        return testBit(p, f);
    }

    /** SetPageX() with the compound policy (HEAD flags set on the head). */
    public void set(long pfn, PageFlag f) {
        long p = f.policy == PageFlag.Policy.HEAD ? compoundHead(pfn, k.currentFunction()) : pfn;
        setBit(p, f);
    }

    public void clear(long pfn, PageFlag f) {
        long p = f.policy == PageFlag.Policy.HEAD ? compoundHead(pfn, k.currentFunction()) : pfn;
        clearBit(p, f);
    }

    // ---- page types (_mapcount overlay) -----------------------------------------------------

    public boolean hasType(long pfn, PageType t) { return t.isSet(mapcount(pfn)); }
    /** __SetPageX for a page type: only an untyped, unmapped page may take a type. */
    public void setType(long pfn, PageType t) { setMapcount(pfn, t.word); }
    /** __ClearPageX: back to _mapcount -1. */
    public void clearType(long pfn) { setMapcount(pfn, PageType.NO_TYPE); }
    public boolean isBuddy(long pfn) { return PageType.BUDDY.isSet(mapcount(pfn)); }

    // ---- pointed accessors (a preemption point before the access) ---------------------------

    public long readFlags(long pfn, String label) {
        k.point(label, loc(pfn, Field.FLAGS), Access.READ);
        return flags(pfn);
    }

    public void writeFlags(long pfn, long v, String label) {
        k.point(label, loc(pfn, Field.FLAGS), Access.WRITE);
        setFlags(pfn, v);
    }

    /** An atomic set_bit on page->flags (SetPageX): one point, one write. */
    public void atomicSet(long pfn, PageFlag f, String label) {
        k.point(label, loc(pfn, Field.FLAGS), Access.SYNC);
        setBit(pfn, f);
    }

    /** TestSetPageX: returns the old bit. */
    public boolean testAndSet(long pfn, PageFlag f, String label) {
        k.point(label, loc(pfn, Field.FLAGS), Access.SYNC);
        boolean old = testBit(pfn, f);
        setBit(pfn, f);
        return old;
    }

    public boolean testAndClear(long pfn, PageFlag f, String label) {
        k.point(label, loc(pfn, Field.FLAGS), Access.SYNC);
        boolean old = testBit(pfn, f);
        clearBit(pfn, f);
        return old;
    }

    public void atomicClear(long pfn, PageFlag f, String label) {
        k.point(label, loc(pfn, Field.FLAGS), Access.SYNC);
        clearBit(pfn, f);
    }

    public int readRefcount(long pfn, String label) {
        k.point(label, loc(pfn, Field.REFCOUNT), Access.READ);
        return refcount(pfn);
    }

    /** page_ref_add_return / atomic_add_return on _refcount. */
    public int refAddReturn(long pfn, int delta, String label) {
        k.point(label, loc(pfn, Field.REFCOUNT), Access.SYNC);
        SectionMemmap m = at(pfn, Field.REFCOUNT, true);
        return m.refcount[(int) pfn & mask] += delta;
    }

    /** get_page_unless_zero / page_ref_add_unless(page, 1, 0). */
    public boolean getPageUnlessZero(long pfn, String label) {
        k.point(label, loc(pfn, Field.REFCOUNT), Access.SYNC);
        SectionMemmap m = at(pfn, Field.REFCOUNT, true);
        int i = (int) pfn & mask;
        if (m.refcount[i] == 0) return false;
        m.refcount[i]++;
        return true;
    }

    /** put_page_testzero: drops a reference, true when it was the last. */
    public boolean putPageTestzero(long pfn, String label) {
        return refAddReturn(pfn, -1, label) == 0;
    }

    /**
     * atomic_inc_and_test / atomic_add_negative on _mapcount: one point for the read-modify-write,
     * an atomic (SYNC) as for _refcount, so a strategy sees it conflict with a reader of the word.
     */
    public int mapcountAddReturn(long pfn, int delta, String label) {
        k.point(label, loc(pfn, Field.MAPCOUNT), Access.SYNC);
        int v = mapcount(pfn) + delta;
        setMapcount(pfn, v);
        return v;
    }

    public int readMapcount(long pfn, String label) {
        k.point(label, loc(pfn, Field.MAPCOUNT), Access.READ);
        return mapcount(pfn);
    }

    public void writeMapcount(long pfn, int v, String label) {
        k.point(label, loc(pfn, Field.MAPCOUNT), Access.WRITE);
        setMapcount(pfn, v);
    }

    public long readMapping(long pfn, String label) {
        k.point(label, loc(pfn, Field.MAPPING), Access.READ);
        return mapping(pfn);
    }

    public void writeMapping(long pfn, long v, String label) {
        k.point(label, loc(pfn, Field.MAPPING), Access.WRITE);
        setMapping(pfn, v);
    }

    public int readPrivate(long pfn, String label) {
        k.point(label, loc(pfn, Field.PRIVATE), Access.READ);
        return privateData(pfn);
    }

    public void writePrivate(long pfn, int v, String label) {
        k.point(label, loc(pfn, Field.PRIVATE), Access.WRITE);
        setPrivateData(pfn, v);
    }

    // ---- dumps ------------------------------------------------------------------------------

    /** The eight words of struct page as the kernel would hold them (for dump_page's raw: lines). */
    public long[] rawWords(long pfn) {
        SectionMemmap m = at(pfn, Field.FLAGS, false);
        int i = (int) pfn & mask;
        long[] w = new long[8];
        w[0] = m.flags[i];
        int ch = m.compoundHead[i];
        if (ch == -1) w[1] = -1L;
        else if ((ch & 1) != 0) w[1] = compoundHeadWord(pfn);
        else w[1] = linkWord(pfn, m.lruNext[i]);
        w[2] = linkWord(pfn, m.lruPrev[i]);
        w[3] = m.mappingAt(i);
        w[4] = m.indexAt(i);
        w[5] = m.privateData[i] == -1 && m.flags[i] == SectionMemmap.POISON ? -1L : Integer.toUnsignedLong(m.privateData[i]);
        w[6] = ((long) m.refcount[i] << 32) | Integer.toUnsignedLong(m.mapcount[i]);
        w[7] = m.flags[i] == SectionMemmap.POISON ? -1L : 0;
        return w;
    }

    /** A list link as a pointer: the linked page's lru field, itself when empty, ~0 when poisoned. */
    private long linkWord(long pfn, int link) {
        if (link == -1) return -1L;
        if (link == NIL) return pageAddress(pfn) + 8;
        return pageAddress(Integer.toUnsignedLong(link)) + 8;
    }

    /** A read-only snapshot of one struct page, for dumps and traces. */
    public Page snapshot(long pfn) {
        long[] w = rawWords(pfn);
        boolean poisoned = w[0] == SectionMemmap.POISON;
        long head = poisoned ? pfn : (isTail(pfn) ? pfn - (compoundHeadRaw(pfn) >>> 1) : pfn);
        int order = !poisoned && isHead(head) && backed(head + 1) ? compoundOrder(head) : 0;
        return new Page(pfn, pageAddress(pfn), w, poisoned, head, order);
    }
}
