package mmsim.mm.mmap;

import mmsim.mm.linux.MmPages;

import mmsim.mm.linux.DumpPage;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.PageFlagsLayout;
import mmsim.mm.linux.PageType;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.linux.Gfp;

/**
 * {@link MmPages} on a booted machine: the memmap's pointed accessors (a preemption
 * point before each access to a struct page word) and the buddy allocator.
 */
public final class MachinePages implements MmPages {
    private final Memmap mm;
    private final BuddyAllocator buddy;

    public MachinePages(Memmap memmap, BuddyAllocator allocator) {
        this.mm = memmap;
        this.buddy = allocator;
    }

    @Override
    public long allocPage(boolean pgtable) {
        // GFP_PGTABLE_USER (GFP_KERNEL_ACCOUNT | __GFP_ZERO) or GFP_HIGHUSER_MOVABLE | __GFP_ZERO
        return buddy.allocPages((pgtable ? Gfp.GFP_KERNEL : Gfp.GFP_HIGHUSER_MOVABLE) | Gfp.__GFP_ZERO, 0);
    }

    @Override
    public void freePage(long pfn) {
        int order = compoundOrder(pfn);
        if (order == 0) buddy.freeFrozenPage(pfn);
        else buddy.freePagesOk(pfn, order, BuddyAllocator.FPI_NONE); // free_unref_folios(): a large folio straight to the buddy
    }

    @Override
    public long allocCompound(int order) {
        long head = buddy.allocPages(Gfp.GFP_TRANSHUGE_LIGHT | Gfp.__GFP_ZERO, order);
        // folio_set_large_rmappable() (vma_alloc_folio for a THP): PG_large_rmappable on the second page's flags
        if (head >= 0) mm.setBit(head + 1, PageFlag.WORKINGSET);
        return head;
    }

    /** The page-state flags __split_huge_page_tail copies from the head to each tail (mm/huge_memory.c). */
    private static final long SPLIT_TAIL_FLAGS = PageFlag.LOCKED.mask | PageFlag.REFERENCED.mask | PageFlag.SWAPBACKED.mask
            | PageFlag.UPTODATE.mask | PageFlag.ACTIVE.mask | PageFlag.DIRTY.mask | PageFlag.MLOCKED.mask | PageFlag.UNEVICTABLE.mask;

    @Override
    public void splitCompound(long head, int tailRef) {
        int nr = 1 << mm.compoundOrder(head);
        long copied = mm.flags(head) & SPLIT_TAIL_FLAGS;
        long mapping = mm.mapping(head), index = mm.indexWord(head);
        // the first tail's folio words (order byte, PG_large_rmappable, _entire_mapcount, _nr_pages_mapped) become page words again
        mm.setCompoundOrder(head, 0);
        mm.clearBit(head + 1, PageFlag.WORKINGSET);
        mm.setLruNext(head + 1, Memmap.NIL);
        mm.setLruPrev(head + 1, Memmap.NIL);
        mm.setPincount(head, 0);
        for (long p = head + 1; p < head + nr; p++) {
            mm.clearCompoundHead(p);
            // a tail's own flags are cleared first (PAGE_FLAGS_CHECK_AT_PREP): a PG_anon_exclusive left on an
            // unmapped subpage goes; a mapped one's is in its migration entry, from where remap_page restores it
            mm.setFlags(p, (mm.flags(p) & ~PageFlag.OWNER_2.mask) | copied);
            mm.setMapping(p, mapping);
            mm.setIndexWord(p, index + (p - head));
            mm.setRefcount(p, tailRef);
        }
        mm.clearBit(head, PageFlag.HEAD);
    }

    @Override
    public void splitPageOwner(long head, int oldOrder, int newOrder) { buddy.splitPageOwner(head, oldOrder, newOrder); }

    /** The pfn that holds a page's reference count: the head of its compound page (page_folio). */
    @Override public long compoundHead(long pfn) { return mm.isTail(pfn) ? mm.compoundHead(pfn, "page_folio") : pfn; }
    @Override public int compoundOrder(long pfn) { return mm.isHead(pfn) ? mm.compoundOrder(pfn) : 0; }
    @Override public int entireMapcount(long head) { return mm.entireMapcount(head); }
    @Override public void setEntireMapcount(long head, int value) { mm.setEntireMapcount(head, value); }
    @Override public int pincount(long head) { return mm.readPincount(head, "atomic_read(&folio->_pincount)"); }
    @Override public int peekPincount(long head) { return mm.pincount(head); }

    @Override
    public boolean longtermPinnable(long folio) {
        int mt = buddy.pageblockMigratetype(folio);
        if (mt == mmsim.mm.linux.MigrateType.CMA || mt == mmsim.mm.linux.MigrateType.ISOLATE) return false;
        return buddy.pageZone(folio).type != mmsim.mm.linux.ZoneType.MOVABLE;
    }
    @Override public int pincountAdd(long head, int delta) { return mm.pincountAdd(head, delta, delta > 0 ? "atomic_add(&folio->_pincount)" : "atomic_sub(&folio->_pincount)"); }
    @Override public int refcount(long pfn) { return mm.readRefcount(compoundHead(pfn), "page_ref_count"); }
    @Override public int refAdd(long pfn, int delta) { return mm.refAddReturn(compoundHead(pfn), delta, delta > 0 ? "page_ref_add" : "page_ref_sub_return"); }
    @Override public boolean getPageUnlessZero(long pfn) { return mm.getPageUnlessZero(compoundHead(pfn), "get_page_unless_zero"); }
    @Override public int peekMapcount(long pfn) { return mm.mapcount(pfn); }
    @Override public int mappedPages(long head, int nr) { return mm.mappedPages(head, nr); }
    @Override public int mapcountSum(long head, int nr) { return mm.mapcountSum(head, nr); }
    @Override public int rawMapcount(long pfn) { return mm.readMapcount(pfn, "page_mapcount"); }

    @Override
    public int mapcountAdd(long pfn, int delta) {
        return mm.mapcountAddReturn(pfn, delta, delta > 0 ? "atomic_inc_and_test(&page->_mapcount)" : "atomic_add_negative(-1, &page->_mapcount)");
    }

    @Override public void setAnonExclusive(long pfn, boolean on) {
        if (on) mm.setBit(pfn, PageFlag.OWNER_2);
        else mm.clearBit(pfn, PageFlag.OWNER_2);
    }
    @Override public void setRawMapcount(long pfn, int value) { mm.writeMapcount(pfn, value, "atomic_set(&page->_mapcount)"); }
    /** The page a flag lives on (PF_HEAD / PF_NO_TAIL / PF_ONLY_HEAD: the folio's head; the first tail's low byte is the order). */
    private long flagPage(long pfn, PageFlag f) {
        return f.policy == PageFlag.Policy.ANY || f.policy == PageFlag.Policy.NO_COMPOUND || !mm.backed(pfn) ? pfn : compoundHead(pfn);
    }

    @Override public boolean test(long pfn, PageFlag f) { return (mm.readFlags(flagPage(pfn, f), f.testLabel) & f.mask) != 0; }
    @Override public boolean peek(long pfn, PageFlag f) { return mm.backed(pfn) && mm.testBit(flagPage(pfn, f), f); }
    @Override public void set(long pfn, PageFlag f) { mm.atomicSet(flagPage(pfn, f), f, f.setLabel); }
    @Override public void clear(long pfn, PageFlag f) { mm.atomicClear(flagPage(pfn, f), f, f.clearLabel); }
    @Override public boolean testSet(long pfn, PageFlag f) { return mm.testAndSet(flagPage(pfn, f), f, f.testSetLabel); }
    @Override public boolean testClear(long pfn, PageFlag f) { return mm.testAndClear(flagPage(pfn, f), f, f.testClearLabel); }
    @Override public long flagsWord(long pfn) { return mm.readFlags(pfn, "page->flags"); }
    @Override public long mapping(long pfn) { return mm.mapping(pfn); }
    @Override public void setMapping(long pfn, long value) { mm.setMapping(pfn, value); }
    @Override public long index(long pfn) { return mm.indexWord(pfn); }
    @Override public void setIndex(long pfn, long value) { mm.setIndexWord(pfn, value); }
    @Override public long privateData(long pfn) { return mm.privateData(pfn); }
    @Override public void setPrivateData(long pfn, long value) { mm.setPrivateData(pfn, (int) value); }

    @Override
    public void setPageTable(long pfn, boolean on) {
        if (on) mm.setType(pfn, PageType.TABLE);
        else mm.clearType(pfn);
    }

    @Override public long lruNext(long pfn) { int v = mm.lruNext(pfn); return v < 0 ? -1 : v; }
    @Override public long lruPrev(long pfn) { int v = mm.lruPrev(pfn); return v < 0 ? -1 : v; }

    @Override
    public void setLru(long pfn, long next, long prev) {
        mm.setLruNext(pfn, next < 0 ? Memmap.NIL : (int) next);
        mm.setLruPrev(pfn, prev < 0 ? Memmap.NIL : (int) prev);
    }

    @Override public int nid(long pfn) { return PageFlagsLayout.node(mm.flags(pfn)); }
    @Override public void modNodeStat(long pfn, mmsim.mm.linux.NodeStat item, long delta) { buddy.node(nid(pfn)).modStat(item, delta); }
    @Override public String dumpPage(long pfn, String reason) { return DumpPage.dumpPage(mm, pfn, reason); }
    @Override public boolean online(long pfn) { return mm.backed(pfn); }
}
