package mmsim.mm.linux;

/**
 * What the user-memory code (mmap, pgtable faults, rmap, vmscan, migrate, gup) needs from struct
 * page and the page allocator, in kernel terms. One implementation binds it to the machine's
 * memmap and buddy allocator ({@code MachinePages}); keeping the surface this small documents
 * exactly which struct page words user memory touches.
 *
 * <p>Every accessor is a preemption point on the page's word (the memmap's accessors place them).
 * Pfns are {@code long}; "none" is -1.
 */
public interface MmPages {
    /** alloc_page(GFP_HIGHUSER_MOVABLE) (or GFP_PGTABLE_USER when {@code pgtable}): pfn with refcount 1, or -1. */
    long allocPage(boolean pgtable);

    /** Frees a page whose refcount already dropped to zero (free_unref_page / __free_pages_ok); a compound page as a whole. */
    void freePage(long pfn);

    /**
     * vma_alloc_folio(GFP_TRANSHUGE, HPAGE_PMD_ORDER): a compound page of 2^order pages (PG_head,
     * tails pointing at it, _entire_mapcount -1), head pfn with refcount 1, or -1.
     */
    long allocCompound(int order);

    /**
     * __split_huge_page()'s struct page work (__split_huge_page_tail for each tail, then the
     * head): the large folio at {@code head} becomes 2^order base pages. Each tail stops pointing
     * at the head, takes the head's page-state flags (PG_locked, dirty, uptodate, active,
     * referenced, swapbacked, mlocked, unevictable; not PG_lru), mapping and index + i, and gets
     * {@code tailRef} references; the head loses PG_head, its order and the first tail's folio
     * words, and keeps its own refcount. The caller froze the refcount and unmapped the folio.
     */
    void splitCompound(long head, int tailRef);

    /** split_page_owner(head, old_order, new_order), after the split: each page's page_owner record gets the new order. */
    void splitPageOwner(long head, int oldOrder, int newOrder);

    /** compound_head(): the head's pfn for a tail page, else pfn itself. */
    long compoundHead(long pfn);
    /** folio_order(): 0 for a base page. */
    int compoundOrder(long pfn);
    /** folio->_entire_mapcount (-1 based) of a large folio's head. */
    int entireMapcount(long head);
    void setEntireMapcount(long head, int value);
    /** atomic_read(&folio->_pincount) of a large folio. */
    int pincount(long head);
    /** folio->_pincount with no preemption point: for checks. */
    int peekPincount(long head);
    /** atomic_add / atomic_sub on a large folio's _pincount; returns the new count. */
    int pincountAdd(long head, int delta);

    /** folio_ref_count(page_folio(page)): references live on the head of a compound page. */
    int refcount(long pfn);
    /** folio_ref_add / folio_ref_sub (on the head); returns the new count. */
    int refAdd(long pfn, int delta);
    /** get_page_unless_zero (page_ref_add_unless(page, 1, 0)). */
    boolean getPageUnlessZero(long pfn);

    /** The raw _mapcount word (-1 when unmapped; page_type overlay when typed). */
    int rawMapcount(long pfn);
    /** The raw _mapcount with no preemption point: for checks and for counters the kernel keeps in one word (folio->_nr_pages_mapped). */
    int peekMapcount(long pfn);
    /** How many of the {@code nr} pages from {@code head} have _mapcount &gt;= 0 (folio->_nr_pages_mapped), with no preemption point. */
    int mappedPages(long head, int nr);
    /** The sum of the {@code nr} pages' mapcounts from {@code head} (each _mapcount + 1), with no preemption point. */
    int mapcountSum(long head, int nr);
    /** atomic_add_return on _mapcount. */
    int mapcountAdd(long pfn, int delta);
    void setRawMapcount(long pfn, int value);
    /**
     * SetPageAnonExclusive / ClearPageAnonExclusive on this page's own flags (PG_anon_exclusive =
     * PG_owner_2, PF_ANY): written in the step of the rmap change it belongs to, no point of its own.
     */
    void setAnonExclusive(long pfn, boolean on);

    boolean test(long pfn, PageFlag f);
    /** The bit with no preemption point: for waitUntil conditions and checks only. */
    boolean peek(long pfn, PageFlag f);
    /** SetPageX (atomic). */
    void set(long pfn, PageFlag f);
    void clear(long pfn, PageFlag f);
    /** TestSetPageX: sets the bit, returns whether it was set. */
    boolean testSet(long pfn, PageFlag f);
    /** TestClearPageX. */
    boolean testClear(long pfn, PageFlag f);
    long flagsWord(long pfn);

    long mapping(long pfn);
    void setMapping(long pfn, long value);
    long index(long pfn);
    void setIndex(long pfn, long value);
    long privateData(long pfn);
    void setPrivateData(long pfn, long value);

    /** __SetPageTable / __ClearPageTable. */
    void setPageTable(long pfn, boolean on);

    /** Links used for LRU lists (page->lru, shared with the buddy lists): next/prev pfn, -1 = none. */
    long lruNext(long pfn);
    long lruPrev(long pfn);
    void setLru(long pfn, long next, long prev);

    /** zone id (index in the node) and node id of a page, for picking its lruvec. */
    int nid(long pfn);

    /** mod_node_page_state(page_pgdat(page), item, delta): a node_stat_item of the page's node. */
    void modNodeStat(long pfn, mmsim.mm.linux.NodeStat item, long delta);

    /** dump_page(page, reason) text, for VM_BUG_ON_PAGE prefaces and bad_page. */
    String dumpPage(long pfn, String reason);

    /**
     * folio_is_longterm_pinnable() (include/linux/mm.h) for a folio other than the zero page:
     * not in a CMA or isolated pageblock, not in ZONE_MOVABLE.
     */
    boolean longtermPinnable(long folio);

    /** True when pfn is a valid, online page (pfn_to_online_page != NULL). */
    boolean online(long pfn);
}
