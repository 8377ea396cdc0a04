package mmsim.mm.page_alloc;

import mmsim.mm.linux.ZoneType;

import mmsim.mm.linux.Gfp;
import mmsim.mm.linux.MigrateType;

import mmsim.mm.linux.FreeArea;
import mmsim.mm.linux.PerCpuPages;
import mmsim.mm.linux.PgData;
import mmsim.mm.linux.Zone;

import mmsim.kernel.Access;
import mmsim.kernel.Kernel;
import mmsim.kernel.KernelLog;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.DumpPage;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.PageFlagsLayout;
import mmsim.mm.linux.PageType;
import mmsim.mm.sparse.SparseMem;
import mmsim.mm.linux.ZoneStat;

import java.util.Locale;

/**
 * The buddy allocator of mm/page_alloc.c.
 *
 * <p>Each zone keeps, per order 0..MAX_PAGE_ORDER and per migratetype, a list of free blocks of
 * 2^order pages. A free block is marked on its first page only: page_type PGTY_buddy and the
 * order in page->private. The buddy of the block at {@code pfn} of order {@code o} is
 *
 * <pre>
 *   buddy_pfn  = pfn ^ (1 &lt;&lt; o)          (flip the order bit)
 *   parent_pfn = pfn &amp; buddy_pfn          (clear it: the merged block's start)
 * </pre>
 *
 * Freeing ({@link #freeOnePageLocked}, __free_one_page) merges upward while the buddy is a free
 * block of the same order in the same zone (page_is_buddy), and never merges an isolated or
 * non-mergeable pageblock with a different type at pageblock order and above. Allocating
 * ({@link #rmqueueSmallest}) takes the first block of the smallest order that has one and splits
 * off the upper halves ({@link #expand}); when the wanted migratetype has nothing, it raids the
 * fallback types from the largest order down, claiming the whole pageblock when that is worth it
 * (__rmqueue_fallback, simplified: PG_lru pages count as "movable alike").
 *
 * <p>Order-0 pages pass through per-cpu lists ({@link PerCpuPages}) as in the kernel: frees
 * land there and return to the buddy lists in batches.
 *
 * <p>Lock ordering (mm/page_alloc.c; the whole mm tree is in the {@code mmsim.mm} package-info):
 * <pre>
 * mem_hotplug_lock (memory hotplug, before any of these)
 *   pcp-&gt;lock
 *     zone-&gt;lock          free lists, nr_free, NR_FREE_PAGES, pageblock migratetypes
 * </pre>
 * Every method whose name ends in {@code Locked}, and each free-list operation, asserts zone->lock.
 *
 * <p>Checks: {@link #checkNewPage} (check_new_page at allocation) and {@link #freePageIsBad}
 * (free_pages_check at free) run always on era V4_6 and with CONFIG_DEBUG_VM on mainline
 * (is_check_pages_enabled()). A failed check reports through {@link #badPage}. A hwpoisoned
 * page found at allocation is not reported: the whole block leaks and the allocation retries.
 */
public final class BuddyAllocator {
    /** FPI_* flags of __free_pages_ok / __free_one_page. */
    public static final int FPI_NONE = 0, FPI_SKIP_REPORT_NOTIFY = 1 << 0, FPI_TO_TAIL = 1 << 1;

    /** ALLOC_* flags (mm/internal.h). */
    public static final int ALLOC_WMARK_MIN = Zone.WMARK_MIN, ALLOC_WMARK_LOW = Zone.WMARK_LOW,
            ALLOC_WMARK_HIGH = Zone.WMARK_HIGH, ALLOC_NO_WATERMARKS = 0x04, ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1,
            ALLOC_HIGH = 0x20, ALLOC_CMA = 0x80;

    /** set_page_private(page, MAGIC_HWPOISON) on a page taken off the buddy by memory-failure. */
    public static final int MAGIC_HWPOISON = 0x48575053;

    /** meminit_context. */
    public enum MeminitContext { EARLY, HOTPLUG }

    private final Kernel k;
    private final KernelConfig config;
    private final Memmap memmap;
    private final SparseMem sparse;
    private final PgData[] nodes;
    /** numa_node_id() per CPU (the kernel's per-cpu numa_node), fixed at boot: no division per allocation. */
    private final int[] cpuToNode;
    private final boolean checkPages;
    private final boolean pcpEnabled;
    private final boolean cmaEnabled;
    private long minFreeKbytes;
    /**
     * Non-compound high-order allocations in use (pfn -> order). The kernel cannot tell their tail
     * pages (refcount 0) from leaked memory; the model keeps this page_owner-like record so the
     * whole-model check can.
     */
    private final java.util.TreeMap<Long, Integer> highOrderInUse = new java.util.TreeMap<>();
    private int badPageShown;
    private long badPageSuppressed;

    public BuddyAllocator(Kernel k, KernelConfig config, Memmap memmap, SparseMem sparse, int nrNodes) {
        this.k = k;
        this.config = config;
        this.memmap = memmap;
        this.sparse = sparse;
        this.nodes = new PgData[nrNodes];
        for (int n = 0; n < nrNodes; n++) nodes[n] = new PgData(k, n);
        this.cpuToNode = new int[k.nrCpus()];
        for (int c = 0; c < cpuToNode.length; c++) cpuToNode[c] = c * nrNodes / k.nrCpus();
        this.checkPages = config.era() == KernelConfig.Era.V4_6 || config.has(KernelConfig.CONFIG_DEBUG_VM);
        this.pcpEnabled = config.has(KernelConfig.PCP_LISTS);
        this.cmaEnabled = config.has(KernelConfig.CONFIG_CMA);
    }

    public Kernel kernel() { return k; }
    public Memmap memmap() { return memmap; }
    public SparseMem sparse() { return sparse; }
    public KernelConfig config() { return config; }
    public int nrNodes() { return nodes.length; }
    public PgData node(int nid) { return nodes[nid]; }
    public long minFreeKbytes() { return minFreeKbytes; }
    public boolean checksEnabled() { return checkPages; }

    /** page_zone(): the zone named by the page's flags word (node and zone fields). */
    public Zone pageZone(long pfn) {
        long f = memmap.flags(pfn);
        return nodes[PageFlagsLayout.node(f)].zones[PageFlagsLayout.zone(f)];
    }

    /** numa_node_id() of the running CPU: CPUs are spread over nodes in blocks. */
    public int numaNodeId() {
        return cpuToNode[k.smpProcessorId()];
    }

    // =========================================================================================
    // free lists (each asserts zone->lock)
    // =========================================================================================

    /** account_freepages(): NR_FREE_PAGES (and NR_FREE_CMA_PAGES) follow blocks on non-isolated lists. */
    private static void accountFreepages(Zone zone, long nrPages, int mt) {
        if (mt == MigrateType.ISOLATE) return;
        zone.vmStat[ZoneStat.NR_FREE_PAGES.ordinal()] += nrPages;
        if (mt == MigrateType.CMA) zone.vmStat[ZoneStat.NR_FREE_CMA_PAGES.ordinal()] += nrPages;
    }

    /** __add_to_free_list() + set_buddy_order(): no accounting. */
    private void addToFreeList(Zone zone, long pfn, int order, int mt, boolean tail) {
        zone.lock.assertHeld();
        FreeArea area = zone.freeArea[order];
        memmap.setPrivateData(pfn, order);
        memmap.setType(pfn, PageType.BUDDY);
        listAdd(area.head, area.tail, mt, pfn, tail);
        area.nrFree++;
    }

    /** __del_page_from_free_list(): unlinks, clears PageBuddy and the order; no accounting. */
    private void delFromFreeList(Zone zone, long pfn, int order, int mt) {
        zone.lock.assertHeld();
        FreeArea area = zone.freeArea[order];
        zone.lock.guardedPoint("__del_page_from_free_list", zone.freeArea, Access.WRITE);
        listDel(area.head, area.tail, mt, pfn);
        memmap.clearType(pfn);
        memmap.setPrivateData(pfn, 0);
        area.nrFree--;
    }

    /** move_to_free_list(): to the tail of another type's list, accounting both types. */
    private void moveToFreeList(Zone zone, long pfn, int order, int oldMt, int newMt) {
        zone.lock.assertHeld();
        delFromFreeList(zone, pfn, order, oldMt);
        addToFreeList(zone, pfn, order, newMt, true);
        accountFreepages(zone, -(1L << order), oldMt);
        accountFreepages(zone, 1L << order, newMt);
    }

    /** page_is_buddy(): the buddy is a free block of exactly this order in the same zone. */
    private boolean pageIsBuddy(long pfn, long buddyPfn, int order) {
        if (!memmap.isBuddy(buddyPfn)) return false;
        if (memmap.privateData(buddyPfn) != order) return false;
        return PageFlagsLayout.zoneId(memmap.flags(pfn)) == PageFlagsLayout.zoneId(memmap.flags(buddyPfn));
    }

    /** find_buddy_page_pfn(): the buddy's pfn when it can merge, else -1. */
    private long findBuddyPfn(long pfn, int order) {
        long buddyPfn = pfn ^ (1L << order);
        if (!memmap.backed(buddyPfn)) return -1;
        return pageIsBuddy(pfn, buddyPfn, order) ? buddyPfn : -1;
    }

    // =========================================================================================
    // freeing
    // =========================================================================================

    /**
     * __free_one_page(): merges the block with its buddies and puts the result on a free list.
     * Under zone->lock; the caller has accounted nothing.
     */
    public void freeOnePageLocked(Zone zone, long pfn, int order, int mt, int fpiFlags) {
        zone.lock.assertHeld();
        zone.lock.guardedPoint("__free_one_page", zone.freeArea, Access.READ);
        accountFreepages(zone, 1L << order, mt);
        long buddyPfn = 0;
        while (order < Zone.MAX_PAGE_ORDER) {
            int buddyMt = mt;
            buddyPfn = pfn ^ (1L << order);
            if (!memmap.backed(buddyPfn) || !pageIsBuddy(pfn, buddyPfn, order)) break;
            if (order >= Zone.PAGEBLOCK_ORDER) {
                // never merge an isolated (or CMA/highatomic) pageblock with a different one
                buddyMt = sparse.pageblockMigratetype(buddyPfn);
                if (mt != buddyMt && (!MigrateType.isMergeable(mt) || !MigrateType.isMergeable(buddyMt))) break;
            }
            delFromFreeList(zone, buddyPfn, order, buddyMt);
            if (buddyMt != mt) {
                // the buddy's free pages move to this type with it (v6.10 "match buddy type")
                accountFreepages(zone, -(1L << order), buddyMt);
                accountFreepages(zone, 1L << order, mt);
                setPageblockMigratetype(buddyPfn, mt);
            }
            pfn &= buddyPfn;
            order++;
        }
        boolean toTail;
        if ((fpiFlags & FPI_TO_TAIL) != 0) toTail = true;
        else toTail = buddyMergeLikely(pfn, buddyPfn, order);
        addToFreeList(zone, pfn, order, mt, toTail);
    }

    /**
     * buddy_merge_likely(): when the block's next-higher buddy is free, put the block at the tail
     * so it stays free longer and can merge later.
     */
    private boolean buddyMergeLikely(long pfn, long buddyPfn, int order) {
        if (order >= Zone.MAX_PAGE_ORDER - 1) return false;
        long higherPfn = buddyPfn & pfn;
        return findBuddyPfn(higherPfn, order + 1) >= 0;
    }

    /** free_one_page(): takes zone->lock around __free_one_page. */
    public void freeOnePage(Zone zone, long pfn, int order, int fpiFlags) {
        zone.lock.lock();
        try {
            int mt = sparse.pageblockMigratetype(pfn);
            freeOnePageLocked(zone, pfn, order, mt, fpiFlags);
        } finally {
            zone.lock.unlock();
        }
    }

    /**
     * __free_pages(page, order) / put_page on a non-folio: drops a reference and frees the block
     * when it was the last. Returns true when the block was freed.
     */
    public boolean freePages(long pfn, int order) {
        try (var f = k.enter("__free_pages")) {
            if (memmap.putPageTestzero(pfn, "__free_pages:put_page_testzero")) {
                freeThePage(pfn, order);
                return true;
            }
            return false;
        }
    }

    /** __free_page(). */
    public boolean freePage(long pfn) { return freePages(pfn, 0); }

    /**
     * (added for user memory, issue 8) Frees an order-0 page whose refcount already reached zero
     * through put_page_testzero or page_ref_freeze (__folio_put / free_unref_folios in mm/swap.c
     * and mm/vmscan.c), so it must not be decremented again.
     */
    public void freeFrozenPage(long pfn) {
        try (var f = k.enter("free_unref_page")) {
            freeThePage(pfn, 0);
        }
    }

    /** free_the_page(): order 0 to the per-cpu list, larger blocks straight to the buddy. */
    private void freeThePage(long pfn, int order) {
        if (order == 0 && pcpEnabled) freeUnrefPage(pfn);
        else freePagesOk(pfn, order, FPI_NONE);
    }

    /** __free_pages_ok(). */
    public void freePagesOk(long pfn, int order, int fpiFlags) {
        try (var f = k.enter("__free_pages_ok")) {
            if (order > 0) highOrderInUse.remove(pfn);
            if (!freePagesPrepare(pfn, order)) return;
            freeOnePage(pageZone(pfn), pfn, order, fpiFlags);
        }
    }

    /**
     * free_pages_prepare(): clears the compound structure and the flags that must not survive a
     * free, and runs the free-time checks (free_page_is_bad) on every page when enabled. A bad
     * page is reported and the whole block is not freed (it leaks), as in the kernel.
     * Mainline refuses to free an order-0 hwpoisoned page to the buddy at all.
     */
    boolean freePagesPrepare(long pfn, int order) {
        if (config.era() == KernelConfig.Era.MAINLINE && order == 0 && memmap.testBit(pfn, PageFlag.HWPOISON)) {
            return false;
        }
        int bad = 0;
        boolean compound = memmap.isHead(pfn);
        if (order > 0) {
            if (compound) {
                // page[1] carries the folio's order and mapcounts (PAGE_FLAGS_SECOND)
                memmap.setFlags(pfn + 1, memmap.flags(pfn + 1) & ~0xffL);
            }
            for (long p = pfn + 1; p < pfn + (1L << order); p++) {
                if (compound) bad += freeTailPagePrepare(pfn, p);
                if (checkPages && freePageIsBad(p)) {
                    bad++;
                    continue;
                }
                memmap.setFlags(p, memmap.flags(p) & ~PageFlag.CHECK_AT_PREP);
            }
        }
        if (checkPages) {
            if (freePageIsBad(pfn)) bad++;
            if (bad > 0) return false;
        }
        memmap.setFlags(pfn, memmap.flags(pfn) & ~PageFlag.CHECK_AT_PREP);
        return true;
    }

    /** free_tail_page_prepare(): a tail must point at its head; clears compound_head. */
    private int freeTailPagePrepare(long head, long p) {
        int ret = 1;
        if (p == head + 1) {
            memmap.setLruNext(p, Memmap.NIL);
            memmap.setLruPrev(p, Memmap.NIL);
        }
        if (!memmap.isTail(p)) {
            badPage(p, "PageTail not set");
        } else if (memmap.compoundHead(p, k.currentFunction()) != head) {
            badPage(p, "compound_head not consistent");
        } else {
            ret = 0;
        }
        memmap.clearCompoundHead(p);
        return ret;
    }

    /** free_page_is_bad(): page_expected_state against PAGE_FLAGS_CHECK_AT_FREE, reporting. */
    boolean freePageIsBad(long pfn) {
        if (pageExpectedState(pfn, PageFlag.CHECK_AT_FREE)) return false;
        badPage(pfn, pageBadReason(pfn, PageFlag.CHECK_AT_FREE));
        return true;
    }

    /** page_expected_state(): unmapped, no mapping, refcount 0, none of {@code checkFlags}. */
    private boolean pageExpectedState(long pfn, long checkFlags) {
        return memmap.mapcount(pfn) == -1 && memmap.mapping(pfn) == 0 && memmap.refcount(pfn) == 0
                && (memmap.flags(pfn) & checkFlags) == 0;
    }

    /** page_bad_reason(): the last matching reason wins, as in the kernel. */
    String pageBadReason(long pfn, long flags) {
        String reason = null;
        if (memmap.mapcount(pfn) != -1) reason = "nonzero mapcount";
        if (memmap.mapping(pfn) != 0) reason = "non-NULL mapping";
        if (memmap.refcount(pfn) != 0) reason = config.era() == KernelConfig.Era.V4_6 ? "nonzero _count" : "nonzero _refcount";
        if ((memmap.flags(pfn) & flags) != 0) {
            reason = flags == PageFlag.CHECK_AT_PREP ? "PAGE_FLAGS_CHECK_AT_PREP flag(s) set" : "PAGE_FLAGS_CHECK_AT_FREE flag(s) set";
        }
        return reason;
    }

    /**
     * bad_page(): "BUG: Bad page state in process %s  pfn:%05lx", dump_page with the reason,
     * modules and stack; TAINT_BAD_PAGE. After 60 reports the rest are counted as suppressed
     * (the kernel resumes a minute later; simulated time does not pass). Clears PageBuddy so the
     * page cannot be found on a free list walk.
     */
    public void badPage(long pfn, String reason) {
        if (badPageShown >= 60) {
            badPageSuppressed++;
        } else {
            badPageShown++;
            Kernel.Cpu c = k.cpu();
            String report = String.format(Locale.ROOT, "BUG: Bad page state in process %s  pfn:%05x%n", c.comm(), pfn)
                    + DumpPage.dumpPage(memmap, pfn, reason)
                    + "Modules linked in:\n"
                    + k.cpuLine(c).replace(" Not tainted ", " Tainted: G    B              ")
                    + k.callTrace(c);
            k.log().taint(KernelLog.TaintKind.BAD_PAGE, "BUG: Bad page state in " + k.currentFunction(), report);
        }
        if (memmap.isBuddy(pfn)) memmap.clearType(pfn);
    }

    public long badPageSuppressed() { return badPageSuppressed; }

    /** The order of the non-compound high-order allocation starting at pfn, or -1. */
    public int highOrderInUse(long pfn) {
        Integer o = highOrderInUse.get(pfn);
        return o == null ? -1 : o;
    }

    // ---- per-cpu lists ------------------------------------------------------------------------

    /** free_unref_page(): an order-0 page to this CPU's list; drains a batch when above high. */
    void freeUnrefPage(long pfn) {
        try (var f = k.enter("free_unref_page")) {
            if (!freePagesPrepare(pfn, 0)) return;
            Zone zone = pageZone(pfn);
            int mt = sparse.pageblockMigratetype(pfn);
            if (mt >= MigrateType.PCPTYPES) {
                if (mt == MigrateType.ISOLATE) {
                    freeOnePage(zone, pfn, 0, FPI_NONE);
                    return;
                }
                mt = MigrateType.MOVABLE;
            }
            PerCpuPages pcp = zone.pcp[k.smpProcessorId()];
            pcp.lock.lock();
            try {
                pcpAdd(pcp, pfn, mt, false);
                if (pcp.count >= pcp.high) freePcppagesBulk(zone, pcp, pcp.batch);
            } finally {
                pcp.lock.unlock();
            }
        }
    }

    private void pcpAdd(PerCpuPages pcp, long pfn, int mt, boolean tail) {
        pcp.lock.guardedPoint("list_add(pcp->lists)", pcp, Access.WRITE);
        listAdd(pcp.head, pcp.tail, mt, pfn, tail);
        pcp.count++;
    }

    private void pcpDel(PerCpuPages pcp, long pfn, int mt) {
        pcp.lock.guardedPoint("list_del(pcp->lists)", pcp, Access.WRITE);
        listDel(pcp.head, pcp.tail, mt, pfn);
        pcp.count--;
    }

    /**
     * list_add()/list_add_tail() of a page on list {@code i} of a free_area or per-cpu list set,
     * through the page's lru slots (page->buddy_list / page->pcp_list share them, as in the
     * kernel's union). Lists are {@code head[i]..tail[i]} with {@link Memmap#NIL} for none.
     */
    private void listAdd(int[] head, int[] tail, int i, long pfn, boolean atTail) {
        int p = (int) pfn;
        if (head[i] == Memmap.NIL) {
            memmap.setLruNext(pfn, Memmap.NIL);
            memmap.setLruPrev(pfn, Memmap.NIL);
            head[i] = p;
            tail[i] = p;
        } else if (atTail) {
            memmap.setLruNext(tail[i], p);
            memmap.setLruPrev(pfn, tail[i]);
            memmap.setLruNext(pfn, Memmap.NIL);
            tail[i] = p;
        } else {
            memmap.setLruPrev(head[i], p);
            memmap.setLruNext(pfn, head[i]);
            memmap.setLruPrev(pfn, Memmap.NIL);
            head[i] = p;
        }
    }

    /** list_del() of a page from list {@code i}; its lru slots are left NIL. */
    private void listDel(int[] head, int[] tail, int i, long pfn) {
        int next = memmap.lruNext(pfn);
        int prev = memmap.lruPrev(pfn);
        if (prev == Memmap.NIL) head[i] = next; else memmap.setLruNext(prev, next);
        if (next == Memmap.NIL) tail[i] = prev; else memmap.setLruPrev(next, prev);
        memmap.setLruNext(pfn, Memmap.NIL);
        memmap.setLruPrev(pfn, Memmap.NIL);
    }

    /** free_pcppages_bulk(): returns up to {@code count} pages (from the list tails) to the buddy. */
    private void freePcppagesBulk(Zone zone, PerCpuPages pcp, int count) {
        zone.lock.lock();
        try {
            int mt = 0;
            while (count > 0 && pcp.count > 0) {
                while (pcp.tail[mt] == Memmap.NIL) mt = (mt + 1) % MigrateType.PCPTYPES;
                long pfn = pcp.tail[mt];
                pcpDel(pcp, pfn, mt);
                freeOnePageLocked(zone, pfn, 0, sparse.pageblockMigratetype(pfn), FPI_NONE);
                count--;
                mt = (mt + 1) % MigrateType.PCPTYPES;
            }
        } finally {
            zone.lock.unlock();
        }
    }

    /**
     * drain_all_pages(zone): empties every CPU's per-cpu list of the zone (all zones when null)
     * into the buddy. The kernel runs drain_local_pages on each CPU through a workqueue; the
     * model drains them from the caller, under each pcp->lock.
     */
    public void drainAllPages(Zone zone) {
        try (var f = k.enter("drain_all_pages")) {
            for (PgData pg : nodes) {
                for (Zone z : pg.zones) {
                    if (zone != null && z != zone) continue;
                    for (PerCpuPages pcp : z.pcp) {
                        if (pcp.count == 0) continue;
                        pcp.lock.lock();
                        try {
                            freePcppagesBulk(z, pcp, pcp.count);
                        } finally {
                            pcp.lock.unlock();
                        }
                    }
                }
            }
        }
    }

    // =========================================================================================
    // allocation
    // =========================================================================================

    /** alloc_pages(gfp, order) on the running CPU's node. Returns the first pfn or -1 (NULL). */
    public long allocPages(int gfp, int order) { return allocPagesNode(numaNodeId(), gfp, order); }

    /**
     * __alloc_pages(gfp, order, nid): tries the zones the gfp allows from the highest down on the
     * preferred node, then the other nodes (unless __GFP_THISNODE), first against the low
     * watermark, then against min (the slowpath without reclaim or compaction). -1 on failure.
     */
    public long allocPagesNode(int nid, int gfp, int order) {
        if (order < 0 || order > Zone.MAX_PAGE_ORDER) return -1;
        try (var f = k.enter("__alloc_pages")) {
            int flags = (gfp & Gfp.__GFP_MEMALLOC) != 0 ? ALLOC_NO_WATERMARKS : ALLOC_WMARK_LOW;
            if (cmaEnabled && Gfp.gfpMigratetype(gfp) == MigrateType.MOVABLE) flags |= ALLOC_CMA;
            long pfn = getPageFromFreelist(nid, gfp, order, flags);
            if (pfn < 0 && flags != ALLOC_NO_WATERMARKS) {
                try (var s = k.enter("__alloc_pages_slowpath")) {
                    flags = (flags & ~ALLOC_WMARK_MASK) | ALLOC_WMARK_MIN;
                    if ((gfp & Gfp.__GFP_HIGH) != 0) flags |= ALLOC_HIGH;
                    pfn = getPageFromFreelist(nid, gfp, order, flags);
                }
            }
            return pfn;
        }
    }

    /** alloc_pages for a specific zone (tests and boot-time users that need a zone). */
    public long allocPagesZone(Zone zone, int gfp, int order) {
        try (var f = k.enter("__alloc_pages")) {
            return tryZone(zone, zone.idx(), gfp, order, ALLOC_NO_WATERMARKS | ((gfp & Gfp.__GFP_MOVABLE) != 0 ? ALLOC_CMA : 0));
        }
    }

    private long getPageFromFreelist(int nid, int gfp, int order, int allocFlags) {
        int highest = Gfp.gfpZone(gfp).ordinal();
        for (int n = 0; n < nodes.length; n++) {
            int node = nid + n;
            if (node >= nodes.length || node < 0) node %= nodes.length;   // the division only when it wraps
            if (n > 0 && (gfp & Gfp.__GFP_THISNODE) != 0) break;
            for (int z = highest; z >= 0; z--) {
                Zone zone = nodes[node].zones[z];
                if (zone.managedPages == 0 || z == ZoneType.DEVICE.ordinal()) continue;
                long pfn = tryZone(zone, highest, gfp, order, allocFlags);
                if (pfn >= 0) return pfn;
            }
        }
        return -1;
    }

    private long tryZone(Zone zone, int highestZoneIdx, int gfp, int order, int allocFlags) {
        if ((allocFlags & ALLOC_NO_WATERMARKS) == 0) {
            long mark = zone.watermark(allocFlags & ALLOC_WMARK_MASK);
            k.point("get_page_from_freelist:zone_watermark_ok", zone, Access.READ);
            if (!zoneWatermarkOk(zone, order, mark, highestZoneIdx, allocFlags, zone.stat(ZoneStat.NR_FREE_PAGES))) return -1;
        }
        long pfn = rmqueue(zone, order, gfp, allocFlags, Gfp.gfpMigratetype(gfp));
        if (pfn >= 0) prepNewPage(pfn, order, gfp);
        return pfn;
    }

    /**
     * __zone_watermark_ok(): enough free pages above {@code mark} plus the lowmem reserve for
     * the requested zone, and for order &gt; 0 a free block of at least that order.
     */
    public boolean zoneWatermarkOk(Zone z, int order, long mark, int highestZoneIdx, int allocFlags, long freePages) {
        long min = mark;
        freePages -= (1L << order) - 1;
        if ((allocFlags & ALLOC_HIGH) != 0) min -= min / 2;
        if ((allocFlags & ALLOC_CMA) == 0) freePages -= z.stat(ZoneStat.NR_FREE_CMA_PAGES);
        if (freePages <= min + z.lowmemReserve[highestZoneIdx]) return false;
        if (order == 0) return true;
        for (int o = order; o < Zone.NR_PAGE_ORDERS; o++) {
            FreeArea area = z.freeArea[o];
            if (area.nrFree == 0) continue;
            for (int mt = 0; mt < MigrateType.PCPTYPES; mt++) if (!area.empty(mt)) return true;
            if ((allocFlags & ALLOC_CMA) != 0 && !area.empty(MigrateType.CMA)) return true;
            if (!area.empty(MigrateType.HIGHATOMIC)) return true;
        }
        return false;
    }

    /** rmqueue(): order 0 from the per-cpu list, larger orders from the buddy lists. */
    long rmqueue(Zone zone, int order, int gfp, int allocFlags, int mt) {
        if (order == 0 && pcpEnabled) return rmqueuePcplist(zone, mt, allocFlags);
        return rmqueueBuddy(zone, order, allocFlags, mt);
    }

    /** rmqueue_buddy(): under zone->lock take a block; retry while check_new_pages rejects it. */
    private long rmqueueBuddy(Zone zone, int order, int allocFlags, int mt) {
        try (var f = k.enter("rmqueue_buddy")) {
            long pfn;
            do {
                zone.lock.lock();
                try {
                    pfn = rmqueueLocked(zone, order, mt, allocFlags);
                } finally {
                    zone.lock.unlock();
                }
                if (pfn < 0) return -1;
            } while (checkNewPages(pfn, order));
            return pfn;
        }
    }

    /** __rmqueue(): the wanted type's lists, then CMA for movable allocations, then fallback. */
    long rmqueueLocked(Zone zone, int order, int mt, int allocFlags) {
        zone.lock.assertHeld();
        long pfn = rmqueueSmallest(zone, order, mt);
        if (pfn < 0 && (allocFlags & ALLOC_CMA) != 0) pfn = rmqueueSmallest(zone, order, MigrateType.CMA);
        if (pfn < 0) pfn = rmqueueFallback(zone, order, mt);
        return pfn;
    }

    /** __rmqueue_smallest(): the first block of the smallest sufficient order, split down. */
    public long rmqueueSmallest(Zone zone, int order, int mt) {
        zone.lock.assertHeld();
        zone.lock.guardedPoint("__rmqueue_smallest", zone.freeArea, Access.READ);
        for (int current = order; current < Zone.NR_PAGE_ORDERS; current++) {
            FreeArea area = zone.freeArea[current];
            int head = area.head[mt];
            if (head == Memmap.NIL) continue;
            long pfn = Integer.toUnsignedLong(head);
            pageDelAndExpand(zone, pfn, order, current, mt);
            return pfn;
        }
        return -1;
    }

    /** page_del_and_expand(). */
    private void pageDelAndExpand(Zone zone, long pfn, int low, int high, int mt) {
        delFromFreeList(zone, pfn, high, mt);
        long nrAdded = expand(zone, pfn, low, high, mt);
        accountFreepages(zone, -(1L << high) + nrAdded, mt);
    }

    /**
     * expand(): splits a 2^high block down to 2^low, putting each upper half back on the free
     * list of its order. Returns the pages put back.
     */
    private long expand(Zone zone, long pfn, int low, int high, int mt) {
        long size = 1L << high;
        long added = 0;
        while (high > low) {
            high--;
            size >>= 1;
            addToFreeList(zone, pfn + size, high, mt, false);
            added += size;
        }
        return added;
    }

    /** __rmqueue_fallback(): raid another type's lists, largest blocks first (see the class comment). */
    private long rmqueueFallback(Zone zone, int order, int startMt) {
        if (startMt >= MigrateType.PCPTYPES) return -1;
        int current;
        int fallbackMt = -1;
        boolean canSteal = false;
        for (current = Zone.MAX_PAGE_ORDER; current >= order; current--) {
            fallbackMt = findSuitableFallback(zone.freeArea[current], current, startMt);
            if (fallbackMt < 0) continue;
            canSteal = canStealFallback(current, startMt);
            if (!canSteal && startMt == MigrateType.MOVABLE && current > order) {
                // find_smallest: don't break up a large block for a movable allocation that cannot claim it
                for (current = order; current < Zone.NR_PAGE_ORDERS; current++) {
                    fallbackMt = findSuitableFallback(zone.freeArea[current], current, startMt);
                    if (fallbackMt >= 0) break;
                }
                canSteal = false;
            }
            break;
        }
        if (fallbackMt < 0 || current >= Zone.NR_PAGE_ORDERS || current < order) return -1;
        long pfn = Integer.toUnsignedLong(zone.freeArea[current].head[fallbackMt]);
        return stealSuitableFallback(zone, pfn, current, order, startMt, fallbackMt, canSteal);
    }

    private static int findSuitableFallback(FreeArea area, int order, int mt) {
        if (area.nrFree == 0) return -1;
        for (int fb : MigrateType.FALLBACKS[mt]) if (!area.empty(fb)) return fb;
        return -1;
    }

    /** can_steal_fallback(). */
    private static boolean canStealFallback(int order, int startMt) {
        if (order >= Zone.PAGEBLOCK_ORDER) return true;
        return order >= Zone.PAGEBLOCK_ORDER / 2 || startMt == MigrateType.RECLAIMABLE || startMt == MigrateType.UNMOVABLE;
    }

    /** steal_suitable_fallback() / try_to_claim_block(). */
    private long stealSuitableFallback(Zone zone, long pfn, int current, int order, int startMt, int blockMt, boolean wholeBlock) {
        if (current >= Zone.PAGEBLOCK_ORDER) {
            // a whole pageblock or more: change its type(s), then split as the new type
            delFromFreeList(zone, pfn, current, blockMt);
            accountFreepages(zone, -(1L << current), blockMt);
            for (long p = pfn; p < pfn + (1L << current); p += Zone.PAGEBLOCK_NR_PAGES) setPageblockMigratetype(p, startMt);
            long added = expand(zone, pfn, order, current, startMt);
            accountFreepages(zone, added, startMt);
            return pfn;
        }
        if (wholeBlock) {
            long start = pfn & ~(Zone.PAGEBLOCK_NR_PAGES - 1L);
            long[] counts = countBlock(start);
            long freePages = counts[0], movablePages = counts[1];
            long alike;
            if (startMt == MigrateType.MOVABLE) alike = movablePages;
            else if (blockMt == MigrateType.MOVABLE) alike = Zone.PAGEBLOCK_NR_PAGES - (freePages + movablePages);
            else alike = 0;
            if (freePages + alike >= (Zone.PAGEBLOCK_NR_PAGES >> 1) && zone.spans(start) && zone.spans(start + Zone.PAGEBLOCK_NR_PAGES - 1)) {
                moveFreepages(zone, start, start + Zone.PAGEBLOCK_NR_PAGES, blockMt, startMt);
                setPageblockMigratetype(start, startMt);
                return rmqueueSmallest(zone, order, startMt);
            }
        }
        pageDelAndExpand(zone, pfn, order, current, blockMt);
        return pfn;
    }

    /** prep_move_freepages_block()'s counts: free pages and movable (PG_lru) pages of a pageblock. */
    private long[] countBlock(long start) {
        long free = 0, movable = 0;
        for (long p = start; p < start + Zone.PAGEBLOCK_NR_PAGES; ) {
            if (memmap.isBuddy(p)) {
                int o = memmap.privateData(p);
                free += 1L << o;
                p += 1L << o;
                continue;
            }
            if (memmap.testBit(p, PageFlag.LRU)) movable++;
            p++;
        }
        return new long[] {free, movable};
    }

    /** move_freepages(): moves every free block in [start, end) from oldMt's lists to newMt's. */
    public long moveFreepages(Zone zone, long start, long end, int oldMt, int newMt) {
        zone.lock.assertHeld();
        long moved = 0;
        for (long p = start; p < end; ) {
            if (!memmap.isBuddy(p)) {
                p++;
                continue;
            }
            int o = memmap.privateData(p);
            moveToFreeList(zone, p, o, oldMt, newMt);
            p += 1L << o;
            moved += 1L << o;
        }
        return moved;
    }

    /** rmqueue_pcplist(): refills the CPU's list with a batch under zone->lock when empty. */
    private long rmqueuePcplist(Zone zone, int mt, int allocFlags) {
        try (var f = k.enter("rmqueue_pcplist")) {
            PerCpuPages pcp = zone.pcp[k.smpProcessorId()];
            int listMt = mt < MigrateType.PCPTYPES ? mt : MigrateType.MOVABLE;
            pcp.lock.lock();
            try {
                long pfn;
                do {
                    if (pcp.head[listMt] == Memmap.NIL) {
                        rmqueueBulk(zone, pcp, listMt, allocFlags);
                        if (pcp.head[listMt] == Memmap.NIL) return -1;
                    }
                    pfn = Integer.toUnsignedLong(pcp.head[listMt]);
                    pcpDel(pcp, pfn, listMt);
                } while (checkNewPages(pfn, 0));
                return pfn;
            } finally {
                pcp.lock.unlock();
            }
        }
    }

    /** rmqueue_bulk(): {@code batch} order-0 pages from the buddy to the tail of a pcp list. */
    private void rmqueueBulk(Zone zone, PerCpuPages pcp, int mt, int allocFlags) {
        zone.lock.lock();
        try {
            for (int i = 0; i < Math.max(1, pcp.batch); i++) {
                long pfn = rmqueueLocked(zone, 0, mt, allocFlags);
                if (pfn < 0) break;
                pcpAdd(pcp, pfn, mt, true);
            }
        } finally {
            zone.lock.unlock();
        }
    }

    /**
     * check_new_pages(): true when the block is bad and must not be handed out. A hwpoisoned page
     * is not reported (its PageBuddy/mapcount is reset); any other bad state goes to bad_page.
     * Either way the caller retries and the block leaks.
     */
    boolean checkNewPages(long pfn, int order) {
        if (!checkPages) return false;
        for (long p = pfn; p < pfn + (1L << order); p++) {
            if (checkNewPage(p)) return true;
        }
        return false;
    }

    /** check_new_page() + check_new_page_bad(). */
    boolean checkNewPage(long pfn) {
        if (pageExpectedState(pfn, PageFlag.CHECK_AT_PREP | PageFlag.HWPOISON.mask)) return false;
        if (memmap.testBit(pfn, PageFlag.HWPOISON)) {
            memmap.setMapcount(pfn, -1); // page_mapcount_reset: don't complain about hwpoisoned pages
            return true;
        }
        badPage(pfn, pageBadReason(pfn, PageFlag.CHECK_AT_PREP));
        return true;
    }

    /** prep_new_page() / post_alloc_hook(): private 0, refcount 1, compound setup on __GFP_COMP. */
    private void prepNewPage(long pfn, int order, int gfp) {
        memmap.setPrivateData(pfn, 0);
        memmap.setRefcount(pfn, 1);
        if (order > 0 && (gfp & Gfp.__GFP_COMP) != 0) prepCompoundPage(pfn, order);
        else if (order > 0) highOrderInUse.put(pfn, order);
    }

    /** prep_compound_page(): PG_head, tails pointing at the head, the order in page[1]. */
    public void prepCompoundPage(long pfn, int order) {
        memmap.setBit(pfn, PageFlag.HEAD);
        for (long p = pfn + 1; p < pfn + (1L << order); p++) {
            memmap.setCompoundHead(p, pfn);
        }
        memmap.setCompoundOrder(pfn, order);
        memmap.setEntireMapcount(pfn, -1);
        memmap.setNrPagesMapped(pfn, 0);
    }

    // =========================================================================================
    // pageblocks (mm/page_alloc.c; isolation of a range is mm/page_isolation.c, PageIsolation)
    // =========================================================================================

    /**
     * is_free_buddy_page(): under zone->lock, is some PageBuddy block of order >= o starting at
     * pfn rounded down to 2^o covering {@code pfn}? (fs/proc/page.c asks it for KPF_BUDDY.)
     */
    public boolean isFreeBuddyPage(long pfn) {
        try (var f = k.enter("is_free_buddy_page")) {
            Zone zone = pageZone(pfn);
            long flags = zone.lock.lockIrqSave();
            try {
                for (int order = 0; order < Zone.NR_PAGE_ORDERS; order++) {
                    long head = pfn & ~((1L << order) - 1);
                    if (memmap.isBuddy(head) && memmap.privateData(head) >= order) return true;
                }
                return false;
            } finally {
                zone.lock.unlockIrqRestore(flags);
            }
        }
    }

    /** get_pageblock_migratetype(). */
    public int pageblockMigratetype(long pfn) { return sparse.pageblockMigratetype(pfn); }

    /** set_pageblock_migratetype(). */
    public void setPageblockMigratetype(long pfn, int mt) { sparse.setPageblockMigratetype(pfn, mt); }

    /** move_freepages_block(): the free blocks of pageblock {@code pb} from {@code oldMt}'s lists to {@code newMt}'s. */
    public void moveFreepagesBlockLocked(Zone zone, long pb, int oldMt, int newMt) {
        zone.lock.assertHeld();
        // a free block larger than a pageblock starting before pb is split by the kernel's
        // split_large_buddy(); here free blocks are found by walking the pageblock
        moveFreepages(zone, pb, pb + Zone.PAGEBLOCK_NR_PAGES, oldMt, newMt);
    }

    /**
     * __offline_isolated_pages(): takes every free block of [start, end) off the free lists (the
     * range was isolated and tested). Hwpoisoned and PageOffline pages are skipped. Returns the
     * pages taken off.
     */
    public long offlineIsolatedPages(long start, long end) {
        try (var f = k.enter("__offline_isolated_pages")) {
            Zone zone = pageZone(start);
            long taken = 0;
            zone.lock.lock();
            try {
                for (long p = start; p < end; ) {
                    if (!memmap.isBuddy(p)) {
                        p++;
                        continue;
                    }
                    int o = memmap.privateData(p);
                    int mt = pageblockMigratetype(p);
                    delFromFreeList(zone, p, o, mt);
                    accountFreepages(zone, -(1L << o), mt);
                    taken += 1L << o;
                    p += 1L << o;
                }
            } finally {
                zone.lock.unlock();
            }
            return taken;
        }
    }

    /**
     * take_page_off_buddy(): removes one page from whatever free block holds it, splitting the
     * rest back onto the free lists (break_down_buddy_pages). Marks it MAGIC_HWPOISON in private.
     * False when the page is not free in the buddy.
     */
    public boolean takePageOffBuddy(long pfn) {
        try (var f = k.enter("take_page_off_buddy")) {
            Zone zone = pageZone(pfn);
            zone.lock.lock();
            try {
                for (int order = 0; order < Zone.NR_PAGE_ORDERS; order++) {
                    long head = pfn & ~((1L << order) - 1);
                    if (memmap.isBuddy(head) && memmap.privateData(head) >= order) {
                        int pageOrder = memmap.privateData(head);
                        int mt = pageblockMigratetype(head);
                        delFromFreeList(zone, head, pageOrder, mt);
                        accountFreepages(zone, -(1L << pageOrder), mt);
                        breakDownBuddyPages(zone, head, pfn, pageOrder, mt);
                        memmap.setPrivateData(pfn, MAGIC_HWPOISON);
                        return true;
                    }
                    if (memmap.refcount(head) > 0) break;
                }
                return false;
            } finally {
                zone.lock.unlock();
            }
        }
    }

    private void breakDownBuddyPages(Zone zone, long pfn, long target, int high, int mt) {
        long size = 1L << high;
        while (high > 0) {
            high--;
            size >>= 1;
            long other;
            if (target >= pfn + size) {
                other = pfn;
                pfn = pfn + size;
            } else {
                other = pfn + size;
            }
            addToFreeList(zone, other, high, mt, false);
            accountFreepages(zone, size, mt);
        }
    }

    /** put_page_back_buddy(): the reverse, for unpoison. False unless the page was taken off. */
    public boolean putPageBackBuddy(long pfn) {
        try (var f = k.enter("put_page_back_buddy")) {
            Zone zone = pageZone(pfn);
            zone.lock.lock();
            try {
                if (memmap.privateData(pfn) != MAGIC_HWPOISON || memmap.refcount(pfn) != 0) return false;
                memmap.setPrivateData(pfn, 0);
                memmap.clearBit(pfn, PageFlag.HWPOISON);
                freeOnePageLocked(zone, pfn, 0, pageblockMigratetype(pfn), FPI_NONE);
                return true;
            } finally {
                zone.lock.unlock();
            }
        }
    }

    // =========================================================================================
    // handing memory to the allocator (memblock_free_all at boot, online_pages at hotplug)
    // =========================================================================================

    /**
     * __free_pages_core(): gives a block the allocator has never seen: every page's refcount to 0
     * (boot memory also loses PG_reserved; hotplugged memory loses PageOffline on mainline and
     * PG_reserved on v4.6), managed_pages grows, then __free_pages_ok(FPI_TO_TAIL).
     */
    public void freePagesCore(long pfn, int order, MeminitContext context) {
        long nr = 1L << order;
        for (long p = pfn; p < pfn + nr; p++) {
            if (context == MeminitContext.HOTPLUG && memmap.hasType(p, PageType.OFFLINE)) memmap.clearType(p);
            memmap.clearBit(p, PageFlag.RESERVED);
            memmap.setRefcount(p, 0);
        }
        Zone zone = pageZone(pfn);
        zone.managedPages += nr;
        freePagesOk(pfn, order, FPI_TO_TAIL);
    }

    /**
     * online_pages_range() / generic_online_page(): frees [start, start+nr) into the buddy in the
     * largest naturally aligned chunks (mainline), or page by page through __free_page (v4.6's
     * online_page_callback per page, which parks them on the per-cpu lists).
     */
    public void onlinePageRange(long start, long nrPages) {
        try (var f = k.enter("online_pages_range")) {
            long end = start + nrPages;
            if (config.era() == KernelConfig.Era.V4_6) {
                for (long p = start; p < end; p++) {
                    memmap.clearBit(p, PageFlag.RESERVED);
                    memmap.setRefcount(p, 1);
                    pageZone(p).managedPages++;
                    freePage(p);
                }
                return;
            }
            for (long p = start; p < end; ) {
                int order = Math.min(Zone.MAX_PAGE_ORDER, Long.numberOfTrailingZeros(p));
                while (p + (1L << order) > end) order--;
                freePagesCore(p, order, MeminitContext.HOTPLUG);
                p += 1L << order;
            }
        }
    }

    /**
     * __free_pages_memory() at boot: frees a memblock range in max-order aligned chunks, fast
     * (no checks: memblock_free_all runs before anything can race and every page was just
     * initialised).
     */
    public void freeBootRange(long start, long end) {
        for (long p = start; p < end; ) {
            int order = Math.min(Zone.MAX_PAGE_ORDER, Long.numberOfTrailingZeros(p));
            while (p + (1L << order) > end) order--;
            long nr = 1L << order;
            mmsim.mm.linux.SectionMemmap sm = memmap.sectionOf(p);
            int i = memmap.index(p);
            java.util.Arrays.fill(sm.refcount, i, i + (int) nr, 0);
            Zone zone = pageZone(p);
            zone.managedPages += nr;
            zone.lock.lock();
            try {
                freeOnePageLocked(zone, p, order, pageblockMigratetype(p), FPI_TO_TAIL);
            } finally {
                zone.lock.unlock();
            }
            p += nr;
        }
    }

    // =========================================================================================
    // watermarks and pcp sizing
    // =========================================================================================

    /**
     * init_per_zone_wmark_min(): min_free_kbytes = sqrt(lowmem_kbytes * 16) clamped to
     * [128, 262144], then the zone watermarks, lowmem reserves and pcp high/batch.
     */
    public void initPerZoneWmarkMin() {
        long lowmemKbytes = nrFreeBufferPages() * 4;
        long m = (long) Math.floor(Math.sqrt((double) lowmemKbytes * 16));
        minFreeKbytes = Math.max(128, Math.min(262144, m));
        setupPerZoneWmarks();
        setupPerZoneLowmemReserve();
        for (PgData pg : nodes) for (Zone z : pg.zones) zoneSetPagesetHighAndBatch(z);
    }

    /** nr_free_buffer_pages(): managed pages above the high watermark in zones up to Normal. */
    public long nrFreeBufferPages() {
        long sum = 0;
        for (PgData pg : nodes)
            for (int z = 0; z <= ZoneType.NORMAL.ordinal(); z++) {
                Zone zone = pg.zones[z];
                sum += Math.max(0, zone.managedPages - zone.highWmark());
            }
        return sum;
    }

    /** __setup_per_zone_wmarks(). watermark_scale_factor = 10. */
    public void setupPerZoneWmarks() {
        long pagesMin = minFreeKbytes >> 2;
        long lowmemPages = 0;
        for (PgData pg : nodes)
            for (Zone z : pg.zones)
                if (z.type != ZoneType.MOVABLE) lowmemPages += z.managedPages;   // ZONE_DEVICE counts (it manages 0 pages)
        for (PgData pg : nodes) {
            for (Zone z : pg.zones) {
                z.lock.lock();
                try {
                    long tmp = lowmemPages == 0 ? 0 : pagesMin * z.managedPages / lowmemPages;
                    // __setup_per_zone_wmarks(): only highmem and ZONE_MOVABLE get the clamped minimum; ZONE_DEVICE keeps 0
                    if (z.type == ZoneType.MOVABLE) {
                        long minPages = z.managedPages / 1024;
                        tmp = Math.max(32, Math.min(128, minPages));
                    }
                    z.watermark[Zone.WMARK_MIN] = tmp;
                    long step = Math.max(tmp >> 2, z.managedPages * 10 / 10000);
                    z.watermarkBoost = 0;
                    z.watermark[Zone.WMARK_LOW] = tmp + step;
                    z.watermark[Zone.WMARK_HIGH] = tmp + 2 * step;
                    z.watermark[Zone.WMARK_PROMO] = tmp + 3 * step;
                } finally {
                    z.lock.unlock();
                }
            }
        }
    }

    /** sysctl_lowmem_reserve_ratio: DMA 256, DMA32 256, Normal 32, Movable 0, Device 0. */
    private static final int[] LOWMEM_RESERVE_RATIO = {256, 256, 32, 0, 0};

    /** setup_per_zone_lowmem_reserve(). */
    public void setupPerZoneLowmemReserve() {
        for (PgData pg : nodes) {
            for (int i = 0; i < ZoneType.MAX_NR_ZONES; i++) {
                Zone zone = pg.zones[i];
                int ratio = LOWMEM_RESERVE_RATIO[i];
                boolean clear = ratio == 0 || zone.managedPages == 0;
                long managed = 0;
                for (int j = i + 1; j < ZoneType.MAX_NR_ZONES; j++) {
                    managed += pg.zones[j].managedPages;
                    zone.lowmemReserve[j] = clear ? 0 : managed / ratio;
                }
            }
        }
    }

    /** zone_batchsize() and zone_highsize() (percpu_pagelist_high_fraction = 0). */
    void zoneSetPagesetHighAndBatch(Zone z) {
        long batch = Math.min(z.managedPages >> 10, (1L << 20) / 4096) / 4;
        if (batch < 1) batch = 1;
        batch = Long.highestOneBit(batch + batch / 2) - 1;
        if (batch < 1) batch = 1;
        int cpusOnNode = 0;
        for (int c = 0; c < k.nrCpus(); c++) if (c * nodes.length / k.nrCpus() == z.nid()) cpusOnNode++;
        long high = z.lowWmark() / Math.max(1, cpusOnNode);
        high = Math.max(high, batch << 2);
        if (z.managedPages == 0) {
            batch = 1;
            high = 0;
        }
        for (PerCpuPages pcp : z.pcp) {
            pcp.batch = (int) batch;
            pcp.high = (int) high;
        }
    }

    // =========================================================================================
    // totals
    // =========================================================================================

    /** totalram_pages(): managed pages of all zones. */
    public long totalramPages() {
        long n = 0;
        for (PgData pg : nodes) for (Zone z : pg.zones) n += z.managedPages;
        return n;
    }

    /** global_zone_page_state(item). */
    public long globalZoneState(ZoneStat s) {
        long n = 0;
        for (PgData pg : nodes) for (Zone z : pg.zones) n += z.stat(s);
        return n;
    }

    /** global_node_page_state(item). */
    public long globalNodeState(mmsim.mm.linux.NodeStat s) {
        long n = 0;
        for (PgData pg : nodes) n += pg.stat(s);
        return n;
    }

    /** totalreserve_pages (calculate_totalreserve_pages): per zone max lowmem_reserve + high watermark. */
    public long totalreservePages() {
        long total = 0;
        for (PgData pg : nodes) {
            for (Zone z : pg.zones) {
                long max = 0;
                for (int j = z.idx(); j < ZoneType.MAX_NR_ZONES; j++) max = Math.max(max, z.lowmemReserve[j]);
                max += z.highWmark();
                if (max > z.managedPages) max = z.managedPages;
                total += max;
            }
        }
        return total;
    }
}
