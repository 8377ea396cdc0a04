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
import mmsim.mm.linux.PageOwnerHooks;
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
 * <p>page_alloc.c's other concepts have their own files in this package: the page checks
 * (free_pages_prepare, check_new_page, bad_page) in {@link PageAllocChecks}, the per-cpu lists in
 * {@link PerCpuPageLists}, migratetype fallback in {@link MigratetypeFallback}, watermarks and
 * global totals in {@link ZoneWatermarks}; the boot sequence (mm_init.c) in {@link MmInit}.
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
    final PgData[] nodes;
    /** numa_node_id() per CPU (the kernel's per-cpu numa_node), fixed at boot: no division per allocation. */
    private final int[] cpuToNode;
    final boolean checkPages;
    private final boolean pcpEnabled;
    /** The concepts of page_alloc.c that live in their own files, each handed this allocator. */
    final PageAllocChecks checks;
    final PerCpuPageLists pcp;
    final ZoneWatermarks wmarks;
    final MigratetypeFallback fallback;
    private final HwpoisonBuddy hwpoison;
    private final boolean cmaEnabled;
    /**
     * Non-compound high-order allocations in use (pfn -> order). The kernel cannot tell their tail
     * pages (refcount 0) from leaked memory; the model keeps this page_owner-like record so the
     * whole-model check can.
     */
    final java.util.TreeMap<Long, Integer> highOrderInUse = new java.util.TreeMap<>();
    /** free_pages_prepare() keeps order-0 hwpoisoned pages out of pcp/buddy (v5.10+; memory-failure sets it for its variants). */
    boolean divertHwpoisonAtFree;
    /** page_owner's set/reset calls (include/linux/page_owner.h); null without CONFIG_PAGE_OWNER. */
    PageOwnerHooks pageOwner;

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
        this.divertHwpoisonAtFree = config.era() == KernelConfig.Era.MAINLINE;
        this.checks = new PageAllocChecks(this);
        this.pcp = new PerCpuPageLists(this);
        this.wmarks = new ZoneWatermarks(this);
        this.fallback = new MigratetypeFallback(this);
        this.hwpoison = new HwpoisonBuddy(this);
    }

    public Kernel kernel() { return k; }
    public Memmap memmap() { return memmap; }
    public SparseMem sparse() { return sparse; }
    public KernelConfig config() { return config; }
    public int nrNodes() { return nodes.length; }
    public PgData node(int nid) { return nodes[nid]; }
    public long minFreeKbytes() { return wmarks.minFreeKbytes(); }
    public boolean checksEnabled() { return checkPages; }

    /**
     * build_all_zonelists(NULL): after online_pages populated a zone or offline_pages emptied
     * one (the caller holds mem_hotplug_lock); logs what the kernel logs ({@link Zonelists}).
     */
    public void buildAllZonelists() { Zonelists.buildAllZonelists(k, config, nodes); }

    /** Wires page_owner's hooks (boot, once page_owner exists); they act only once page_owner is inited. */
    public void setPageOwnerHooks(PageOwnerHooks hooks) { this.pageOwner = hooks; }

    /** split_page_owner() (include/linux/page_owner.h): a no-op unless page_owner is on. */
    public void splitPageOwner(long pfn, int oldOrder, int newOrder) {
        if (pageOwner != null) pageOwner.splitPageOwner(pfn, oldOrder, newOrder);
    }

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
    static void accountFreepages(Zone zone, long nrPages, int mt) {
        if (mt == MigrateType.ISOLATE) return;
        zone.vmStat[ZoneStat.NR_FREE_PAGES.ordinal()] += nrPages;
        if (mt == MigrateType.CMA) zone.vmStat[ZoneStat.NR_FREE_CMA_PAGES.ordinal()] += nrPages;
    }

    /** __add_to_free_list() + set_buddy_order(): no accounting. */
    void addToFreeList(Zone zone, long pfn, int order, int mt, boolean tail) {
        zone.lock.assertHeld();
        FreeArea area = zone.freeArea[order];
        memmap.setPrivateData(pfn, order);
        memmap.setType(pfn, PageType.BUDDY);
        listAdd(area.head, area.tail, mt, pfn, tail);
        area.nrFree++;
    }

    /** __del_page_from_free_list(): unlinks, clears PageBuddy and the order; no accounting. */
    void delFromFreeList(Zone zone, long pfn, int order, int mt) {
        zone.lock.assertHeld();
        FreeArea area = zone.freeArea[order];
        zone.lock.guardedPoint("__del_page_from_free_list", zone.freeArea, Access.WRITE);
        listDel(area.head, area.tail, mt, pfn);
        memmap.clearType(pfn);
        memmap.setPrivateData(pfn, 0);
        area.nrFree--;
    }

    /** move_to_free_list(): to the tail of another type's list, accounting both types. */
    void moveToFreeList(Zone zone, long pfn, int order, int oldMt, int newMt) {
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
        if (order == 0 && pcpEnabled) pcp.freeUnrefPage(pfn);
        else freePagesOk(pfn, order, FPI_NONE);
    }

    /** __free_pages_ok(). */
    public void freePagesOk(long pfn, int order, int fpiFlags) {
        try (var f = k.enter("__free_pages_ok")) {
            if (order > 0) highOrderInUse.remove(pfn);
            if (!checks.freePagesPrepare(pfn, order)) return;
            freeOnePage(pageZone(pfn), pfn, order, fpiFlags);
        }
    }

    /** The order of the non-compound high-order allocation starting at pfn, or -1. */
    public int highOrderInUse(long pfn) {
        Integer o = highOrderInUse.get(pfn);
        return o == null ? -1 : o;
    }

    /**
     * The first pfn at or after {@code pfn} where a non-compound high-order allocation starts, or
     * Long.MAX_VALUE: the model check walks pfns in order and asks again only once it passed it.
     */
    public long highOrderInUseFrom(long pfn) {
        Long next = highOrderInUse.ceilingKey(pfn);
        return next == null ? Long.MAX_VALUE : next;
    }

    /**
     * list_add()/list_add_tail() of a page on list {@code i} of a free_area or per-cpu list set,
     * through the page's lru slots (page->buddy_list / page->pcp_list share them, as in the
     * kernel's union). Lists are {@code head[i]..tail[i]} with {@link Memmap#NIL} for none.
     */
    void listAdd(int[] head, int[] tail, int i, long pfn, boolean atTail) {
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
    void listDel(int[] head, int[] tail, int i, long pfn) {
        int next = memmap.lruNext(pfn);
        int prev = memmap.lruPrev(pfn);
        if (prev == Memmap.NIL) head[i] = next; else memmap.setLruNext(prev, next);
        if (next == Memmap.NIL) tail[i] = prev; else memmap.setLruPrev(next, prev);
        memmap.setLruNext(pfn, Memmap.NIL);
        memmap.setLruPrev(pfn, Memmap.NIL);
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
        gfp = Gfp.currentGfpContext(gfp, k.cpu().taskFlags);
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
            if (!wmarks.zoneWatermarkOk(zone, order, mark, highestZoneIdx, allocFlags, zone.stat(ZoneStat.NR_FREE_PAGES))) return -1;
        }
        long pfn = rmqueue(zone, order, gfp, allocFlags, Gfp.gfpMigratetype(gfp));
        if (pfn >= 0) prepNewPage(pfn, order, gfp);
        return pfn;
    }

    /** rmqueue(): order 0 from the per-cpu list, larger orders from the buddy lists. */
    long rmqueue(Zone zone, int order, int gfp, int allocFlags, int mt) {
        if (order == 0 && pcpEnabled) return pcp.rmqueuePcplist(zone, mt, allocFlags);
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
            } while (checks.checkNewPages(pfn, order));
            return pfn;
        }
    }

    /** __rmqueue(): the wanted type's lists, then CMA for movable allocations, then fallback. */
    long rmqueueLocked(Zone zone, int order, int mt, int allocFlags) {
        zone.lock.assertHeld();
        long pfn = rmqueueSmallest(zone, order, mt);
        if (pfn < 0 && (allocFlags & ALLOC_CMA) != 0) pfn = rmqueueSmallest(zone, order, MigrateType.CMA);
        if (pfn < 0) pfn = fallback.rmqueueFallback(zone, order, mt);
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
    void pageDelAndExpand(Zone zone, long pfn, int low, int high, int mt) {
        delFromFreeList(zone, pfn, high, mt);
        long nrAdded = expand(zone, pfn, low, high, mt);
        accountFreepages(zone, -(1L << high) + nrAdded, mt);
    }

    /**
     * expand(): splits a 2^high block down to 2^low, putting each upper half back on the free
     * list of its order. Returns the pages put back.
     */
    long expand(Zone zone, long pfn, int low, int high, int mt) {
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

    /**
     * prep_new_page() / post_alloc_hook(): private 0, refcount 1, set_page_owner(), compound
     * setup on __GFP_COMP. Runs after rmqueue dropped zone->lock.
     */
    private void prepNewPage(long pfn, int order, int gfp) {
        memmap.setPrivateData(pfn, 0);
        memmap.setRefcount(pfn, 1);
        if (pageOwner != null) pageOwner.setPageOwner(pfn, order, gfp);
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
        memmap.setPincount(pfn, 0);
    }

    // =========================================================================================
    // pageblocks (mm/page_alloc.c; isolation of a range is mm/page_isolation.c, PageIsolation)
    // =========================================================================================

    /**
     * is_free_buddy_page(): under zone->lock, is some PageBuddy block of order >= o starting at
     * pfn rounded down to 2^o covering {@code pfn}? (fs/proc/page.c asks it for KPF_BUDDY.)
     */
    public boolean isFreeBuddyPage(long pfn) {
        return freeBuddyBlockEnd(pfn) >= 0;
    }

    /**
     * is_free_buddy_page() telling also where the free block ends: one past its last pfn, or -1
     * when {@code pfn} is in no free block. A reader walking pfns in order with nothing else
     * running (kpageflags outside exploration) then asks once per block instead of per page.
     */
    public long freeBuddyBlockEnd(long pfn) {
        try (var f = k.enter("is_free_buddy_page")) {
            Zone zone = pageZone(pfn);
            long flags = zone.lock.lockIrqSave();
            try {
                return freeBuddyBlockEndLocked(zone, pfn);
            } finally {
                zone.lock.unlockIrqRestore(flags);
            }
        }
    }

    /**
     * is_free_buddy_page() under zone->lock: the page lies inside a free block (any order).
     * Caller holds the page's zone->lock ({@link #isFreeBuddyPage} takes it).
     */
    public boolean freeBuddyPageLocked(Zone zone, long pfn) {
        return freeBuddyBlockEndLocked(zone, pfn) >= 0;
    }

    private long freeBuddyBlockEndLocked(Zone zone, long pfn) {
        zone.lock.assertHeld();
        for (int order = 0; order < Zone.NR_PAGE_ORDERS; order++) {
            long head = pfn & ~((1L << order) - 1);
            if (memmap.isBuddy(head)) {
                int blockOrder = memmap.privateData(head);
                if (blockOrder >= order) return head + (1L << blockOrder);
            }
        }
        return -1;
    }

    /**
     * Whether free_pages_prepare() refuses order-0 hwpoisoned pages (the v5.10 rework; also the
     * free-path hook of Vlastimil Babka's 2016 proposal). mm/memory-failure.c's variants set it.
     */
    public void setDivertHwpoisonAtFree(boolean on) { divertHwpoisonAtFree = on; }

    /**
     * zone_pcp_disable(): drains the zone's per-cpu lists and makes every later order-0 free of the
     * zone go straight to the buddy (pcp high 0), until {@link #zonePcpEnable}. Nests (a count).
     */
    public void zonePcpDisable(Zone zone) { pcp.zonePcpDisable(zone); }

    /** zone_pcp_enable(): the per-cpu lists' high marks back. */
    public void zonePcpEnable(Zone zone) { pcp.zonePcpEnable(zone); }

    /** get_pageblock_migratetype(). */
    public int pageblockMigratetype(long pfn) { return sparse.pageblockMigratetype(pfn); }

    /** set_pageblock_migratetype(). */
    public void setPageblockMigratetype(long pfn, int mt) { sparse.setPageblockMigratetype(pfn, mt); }

    /** move_freepages_block(): the free blocks of pageblock {@code pb} from {@code oldMt}'s lists to {@code newMt}'s. */
    public void moveFreepagesBlockLocked(Zone zone, long pb, int oldMt, int newMt) {
        zone.lock.assertHeld();
        // a free block larger than a pageblock starting before pb is split by the kernel's
        // split_large_buddy(); here free blocks are found by walking the pageblock
        fallback.moveFreepages(zone, pb, pb + Zone.PAGEBLOCK_NR_PAGES, oldMt, newMt);
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

    /** take_page_off_buddy() (memory-failure): see {@link HwpoisonBuddy#takePageOffBuddy}. */
    public boolean takePageOffBuddy(long pfn) { return hwpoison.takePageOffBuddy(pfn); }

    /** put_page_back_buddy() (unpoison): see {@link HwpoisonBuddy#putPageBackBuddy}. */
    public boolean putPageBackBuddy(long pfn) { return hwpoison.putPageBackBuddy(pfn); }

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


    // ---- entry points whose code lives in the files named -------------------------------------

    /** bad_page() (PageAllocChecks). */
    public void badPage(long pfn, String reason) { checks.badPage(pfn, reason); }
    public long badPageSuppressed() { return checks.badPageSuppressed(); }
    /** drain_all_pages() (PerCpuPageLists). */
    public void drainAllPages(Zone zone) { pcp.drainAllPages(zone); }
    /** init_per_zone_wmark_min() (ZoneWatermarks). */
    public void initPerZoneWmarkMin() { wmarks.initPerZoneWmarkMin(); }
    /** totalram_pages() (ZoneWatermarks). */
    public long totalramPages() { return wmarks.totalramPages(); }
    /** global_zone_page_state() (ZoneWatermarks). */
    public long globalZoneState(ZoneStat s) { return wmarks.globalZoneState(s); }
    /** global_node_page_state() (ZoneWatermarks). */
    public long globalNodeState(mmsim.mm.linux.NodeStat s) { return wmarks.globalNodeState(s); }
    /** totalreserve_pages (ZoneWatermarks). */
    public long totalreservePages() { return wmarks.totalreservePages(); }
}
