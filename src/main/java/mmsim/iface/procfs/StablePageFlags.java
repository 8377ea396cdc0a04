package mmsim.iface.procfs;

import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.PageType;

import static mmsim.iface.procfs.KernelPageFlags.*;

/**
 * stable_page_flags() of fs/proc/page.c: the KPF_* word /proc/kpageflags shows for one struct
 * page, derived from the page's state in the model's memmap, per era.
 *
 * <p>Mainline (folio version, ~v6.15): most bits come from the folio's (head's) flags word, so a
 * tail reports its head's LRU, DIRTY, ...; HWPOISON comes from the page's own flags unless the
 * folio is hugetlb; OFFLINE, PGTABLE and BUDDY are page types of the page itself; SLAB and HUGE
 * are types of the folio. v4.6: the page's own flags word, helpers that look at the head where the
 * 2016 helpers did (PageAnon, PageSlab on tails, PageTransCompound), BALLOON at bit 23.
 *
 * <p>The model keeps one memmap for both eras, so 2016-only representations map onto today's:
 * PageBalloon (mapcount -256 in 2016) is the OFFLINE page type (PG_offline replaced PG_balloon for
 * the same balloon drivers), PG_slab is the SLAB page type, PG_mappedtodisk is PG_owner_2 (the
 * same bit, renamed). Bits with no model state are never set: ERROR (PG_error), UNCACHED
 * (PG_uncached), ARCH_2/ARCH_3 (PG_arch_2/3), SOFTDIRTY (never set by the kernel).
 *
 * <p>Locking: none, as in the kernel. Every memmap word is read through a pointed accessor (a
 * preemption point), because another CPU may change or poison it meanwhile; that is the race
 * the seeds build on. A poisoned compound_head word decodes to head 0xfffffffffffffffe and the
 * read of head->flags faults there, as in seed 001 (Memmap.compoundHead derives the fault).
 */
public final class StablePageFlags {

    /**
     * What stable_page_flags() asks other mm files. Each has a default that reads the memmap
     * only, for machines without that subsystem; the machine installs the real ones.
     */
    public interface Hooks {
        /** is_free_buddy_page() (mm/page_alloc.c, takes zone->lock): {@code pfn} lies inside a free buddy block. */
        boolean isFreeBuddyPage(long pfn);

        /**
         * is_free_buddy_page() telling where the free block holding {@code pfn} ends (one past
         * its last pfn), or -1 when it is in none. Asked instead of {@link #isFreeBuddyPage} by a
         * walk outside exploration ({@link #beginWalk}); by default the block is the page alone.
         */
        default long freeBuddyBlockEnd(long pfn) { return isFreeBuddyPage(pfn) ? pfn + 1 : -1; }

        /** is_zero_pfn(): the shared zero page. */
        default boolean isZeroPfn(long pfn) { return false; }

        /** is_huge_zero_folio(): the huge zero page's head. */
        default boolean isHugeZeroFolio(long headPfn) { return false; }

        /**
         * folio_test_idle() / page_is_idle() where the idle bit lives in page_ext (32-bit, or
         * !CONFIG_PAGE_IDLE_FLAG): lookup_page_ext() then the bit. Null when the machine has no
         * page_ext, in which case the PG_idle page flag answers.
         */
        default PageExtIdle pageExtIdle() { return null; }

        /**
         * pfn_zone_device_reserved() (mm/memremap.c, v5.3-rc only): the pfn lies in a ZONE_DEVICE
         * driver's altmap reserve. Asked only under the variant Memremap.PFN_ZONE_DEVICE_RESERVED.
         */
        default boolean pfnZoneDeviceReserved(long pfn) { return false; }
    }

    /** The page_ext route of page_is_idle() (mm/page_ext.c + include/linux/page_idle.h). */
    @FunctionalInterface
    public interface PageExtIdle {
        /** page_is_idle(page) through lookup_page_ext(page); may fault like the kernel would. */
        boolean pageIsIdle(long pfn);
    }

    /** PAGE_MAPPING_ANON and PAGE_MAPPING_KSM (= ANON | MOVABLE), include/linux/page-flags.h. */
    static final long PAGE_MAPPING_ANON = 0x1, PAGE_MAPPING_KSM = 0x3;

    private final Kernel k;
    private final KernelConfig config;
    private final Memmap mm;
    private final Hooks hooks;
    private final boolean v46;
    private final boolean memoryFailure;     // CONFIG_MEMORY_FAILURE
    private final boolean memcg;             // CONFIG_MEMCG: user pages are charged to the root memcg
    private final boolean is64bit;           // CONFIG_64BIT (with CONFIG_PAGE_IDLE_FLAG: PG_idle is a page flag)
    private final boolean zoneDeviceReservedCheck;   // variant Memremap.PFN_ZONE_DEVICE_RESERVED
    // flagsWordBits()'s last answer; written and read with no point between, so a CPU switch
    // (which happens only at points) never sees the pair half updated
    private long lastFlagsWord, lastFlagsWordBits;
    // Between beginWalk and endWalk, the last free buddy block found, [freeFrom, freeTo): the
    // raw pass answers is_free_buddy_page() for the rest of the block without asking again
    private boolean walking;
    private long freeFrom, freeTo;

    public StablePageFlags(Kernel k, KernelConfig config, Memmap memmap, Hooks hooks) {
        this.k = k;
        this.config = config;
        this.mm = memmap;
        this.hooks = hooks;
        this.v46 = config.era() == KernelConfig.Era.V4_6;
        this.memoryFailure = config.has(KernelConfig.CONFIG_MEMORY_FAILURE);
        this.is64bit = config.has(KernelConfig.CONFIG_64BIT);
        this.memcg = config.has(KernelConfig.CONFIG_MEMCG);
        this.zoneDeviceReservedCheck = config.has(mmsim.mm.memremap.Memremap.PFN_ZONE_DEVICE_RESERVED);
    }

    /** cgroup_ino() of the root memory cgroup: its kernfs node, the hierarchy's first (inode 1). */
    public static final long ROOT_MEM_CGROUP_INO = 1;

    /**
     * page_cgroup_ino(page) (mm/memcontrol.c): the inode of the online memcg the page is charged
     * to, or 0. The model's tasks all live in the root memcg and charges only user pages
     * (mem_cgroup_charge / commit_charge of anonymous and shmem folios): a page with an anon or
     * file mapping reads the root's inode, everything else 0 (the kmem charges of
     * __GFP_ACCOUNT allocations, user page tables among them, are not modelled). The mapping
     * word stands in for memcg_data, which the kernel sets and clears with it. Today the kernel
     * reads the folio (page_folio: an uninitialised memmap faults here as in stable_page_flags);
     * v4.6 read the page's own page->mem_cgroup. 0 for every page without CONFIG_MEMCG.
     */
    public long pageCgroupIno(long pfn) {
        if (!memcg) return 0;
        boolean p = k.sched().exploring() || k.sched().tracing() || !plainReadable(pfn);
        try (var f = p ? k.enter("page_cgroup_ino") : null) {
            long folio = v46 ? pfn : compoundHead(pfn, "page_cgroup_ino:page_folio", p);
            long charged = mapping(folio, v46 ? "page_cgroup_ino:page->mem_cgroup" : "page_cgroup_ino:folio_memcg_check", p);
            return charged != 0 ? ROOT_MEM_CGROUP_INO : 0;
        }
    }

    private static long copyBit(long kflags, int ubit, PageFlag f) {
        return ((kflags >>> f.bit) & 1) << ubit;
    }

    /**
     * stable_page_flags(page); {@code pfn < 0} is the NULL page (KPF_NOPAGE).
     *
     * <p>One body serves two modes. Under the explorer (or when tracing) every memmap word is
     * read through a pointed accessor inside a "stable_page_flags" frame. Outside exploration no
     * other CPU runs, points are no-ops and nothing can change between two reads, so the same
     * body reads the words with the raw accessors and no frame: that is what makes a whole-file
     * read fast. A page the raw pass must not interpret by itself (memmap not backed, poisoned
     * compound_head) is read again in the pointed mode, which derives the fault with the
     * kernel's call trace.
     */
    public long stablePageFlags(long pfn) {
        if (pfn < 0) return NOPAGE_VALUE;
        if (zoneDeviceReservedCheck) {
            // v5.3-rc, "/proc/kpageflags: do not use uninitialized struct pages": before any struct page read
            try (var f = k.enter("stable_page_flags")) {
                if (hooks.pfnZoneDeviceReserved(pfn)) return 1L << KPF_RESERVED;
            }
        }
        // a walk (beginWalk) runs outside exploration and tracing: no need to ask the scheduler per page
        if ((walking || !k.sched().exploring() && !k.sched().tracing()) && plainReadable(pfn)) {
            return v46 ? stablePageFlagsV46(pfn, false) : stablePageFlagsMainline(pfn, false);
        }
        try (var f = k.enter("stable_page_flags")) {
            return v46 ? stablePageFlagsV46(pfn, true) : stablePageFlagsMainline(pfn, true);
        }
    }

    /**
     * A whole-file read outside exploration begins: nothing else runs until {@link #endWalk},
     * so a free buddy block found for one pfn stays free for the pfns after it. Only the raw
     * pass uses that; the pointed pass asks per page, as the kernel does.
     */
    public void beginWalk() {
        walking = true;
        freeFrom = freeTo = 0;
    }

    /** The walk of {@link #beginWalk} is over (also when it faulted). */
    public void endWalk() {
        walking = false;
    }

    /** is_free_buddy_page(pfn); in the raw pass of a walk, from the last free block found when it holds pfn. */
    private boolean isFreeBuddyPage(long pfn, boolean p) {
        if (p || !walking) return hooks.isFreeBuddyPage(pfn);
        if (pfn >= freeFrom && pfn < freeTo) return true;
        long end = hooks.freeBuddyBlockEnd(pfn);
        if (end < 0) return false;
        freeFrom = pfn;
        freeTo = end;
        return true;
    }

    /**
     * In a walk's raw pass, how many pfns after {@code pfn} (below {@code limit}) read the value
     * {@link #stablePageFlags} just gave for {@code pfn}, without reading them one by one: the
     * pages in pfn's state (Memmap.sameStateAfter), as long as what the value asks about the pfn
     * itself answers the same. A page that is not compound reads only its own flags,
     * compound_head, mapping, _mapcount and _refcount, and asks whether it is a zero page and
     * (free, untyped) whether a free buddy block holds it: the run is cut at a zero page and at
     * the block's end. A tail reads its own flags and _mapcount and the rest from its head, the
     * same for the run (a free-buddy answer is asked per page: no run when the head's _refcount is
     * 0). Answers 0 (read each page) outside a walk, on a head or unreadable page, and where a
     * per-pfn hook is in play (the ZONE_DEVICE reserve variant, page_ext idle bits). A free buddy
     * block of a booted machine, the pages of one anonymous mapping on one LRU list, or the tails
     * of a THP read in one step.
     */
    public int sameValueAfter(long pfn, long limit) {
        if (!walking || zoneDeviceReservedCheck || (!is64bit && hooks.pageExtIdle() != null)) return 0;
        if (!plainReadable(pfn)) return 0;
        int ch = mm.compoundHeadRaw(pfn);
        long end = pfn + 1 + mm.sameStateAfter(pfn, limit);
        if ((ch & 1) != 0) {
            long head = pfn - (ch >>> 1);
            if (mm.refcount(head) == 0 && !PageType.BUDDY.isSet(mm.mapcount(pfn))) return 0;
            return (int) (end - pfn - 1);
        }
        long kf = mm.flags(pfn);
        if ((kf & PageFlag.HEAD.mask) != 0 || hooks.isZeroPfn(pfn) || hooks.isHugeZeroFolio(pfn)) return 0;
        if (mm.refcount(pfn) == 0 && !PageType.BUDDY.isSet(mm.mapcount(pfn))) {
            // the value asked is_free_buddy_page(pfn): the same answer up to the end of its block
            if (pfn < freeFrom || pfn >= freeTo) return 0;
            end = Math.min(end, freeTo);
        }
        for (long q = pfn + 1; q < end; q++) {
            if (hooks.isZeroPfn(q) || hooks.isHugeZeroFolio(q)) end = q;
        }
        return (int) (end - pfn - 1);
    }

    /** The raw pass may read this page: backed memmap, and a compound_head that is not poison. */
    private boolean plainReadable(long pfn) {
        if (!mm.backed(pfn)) return false;
        int ch = mm.compoundHeadRaw(pfn);
        if (ch == -1) return false;
        long head = (ch & 1) == 0 ? pfn : pfn - (ch >>> 1);
        // head + 1 (folio->_flags_1, the entire mapcount) is read for large folios; it shares
        // the section of head unless head ends a section, so most pages skip both lookups
        if (head != pfn && !mm.backed(head)) return false;
        return mm.index(head + 1) != 0 || mm.backed(head + 1);
    }

    // memmap reads: pointed (a preemption point first) or raw, the same word either way
    private long flags(long pfn, String label, boolean pointed) { return pointed ? mm.readFlags(pfn, label) : mm.flags(pfn); }
    private long mapping(long pfn, String label, boolean pointed) { return pointed ? mm.readMapping(pfn, label) : mm.mapping(pfn); }
    private int mapcount(long pfn, String label, boolean pointed) { return pointed ? mm.readMapcount(pfn, label) : mm.mapcount(pfn); }
    private int refcount(long pfn, String label, boolean pointed) { return pointed ? mm.readRefcount(pfn, label) : mm.refcount(pfn); }
    private long compoundHead(long pfn, String label, boolean pointed) {
        return pointed ? mm.readCompoundHead(pfn, label) : mm.compoundHead(pfn, "stable_page_flags");
    }

    private long stablePageFlagsMainline(long pfn, boolean p) {
        long u = 0;
        // page_folio(): follows compound_head; a poisoned word faults at fffffffffffffffe here
        long head = compoundHead(pfn, "stable_page_flags:page_folio", p);
        long kf = flags(head, "stable_page_flags:folio->flags", p);
        long mapping = mapping(head, "stable_page_flags:folio->mapping", p);
        boolean large = (kf & PageFlag.HEAD.mask) != 0;
        int folioType = mapcount(head, "stable_page_flags:folio->page_type", p);

        if (pageMapped(pfn, head, large, folioType, p)) u |= 1L << KPF_MMAP;
        if ((mapping & PAGE_MAPPING_ANON) != 0) {
            u |= 1L << KPF_ANON;
            if ((mapping & PAGE_MAPPING_KSM) == PAGE_MAPPING_KSM) u |= 1L << KPF_KSM;
        }
        if (pfn == head) u |= copyBit(kf, KPF_COMPOUND_HEAD, PageFlag.HEAD);
        else u |= 1L << KPF_COMPOUND_TAIL;

        if (PageType.HUGETLB.isSet(folioType)) {
            u |= 1L << KPF_HUGE;
        } else if (large && folioTestLargeRmappable(head, p)) {
            u |= 1L << KPF_THP;                      // any large rmappable folio, not only PMD size
        } else if (hooks.isHugeZeroFolio(head)) {
            u |= (1L << KPF_ZERO_PAGE) | (1L << KPF_THP);
        } else if (hooks.isZeroPfn(head)) {
            u |= 1L << KPF_ZERO_PAGE;
        }

        int pageType = pfn == head ? folioType : mapcount(pfn, "stable_page_flags:page->page_type", p);
        if (PageType.BUDDY.isSet(pageType)) {
            u |= 1L << KPF_BUDDY;
        } else if (refcount(head, "stable_page_flags:page_count", p) == 0 && isFreeBuddyPage(pfn, p)) {
            u |= 1L << KPF_BUDDY;
        }
        if (PageType.OFFLINE.isSet(pageType)) u |= 1L << KPF_OFFLINE;
        if (PageType.TABLE.isSet(pageType)) u |= 1L << KPF_PGTABLE;
        if (PageType.SLAB.isSet(folioType)) u |= 1L << KPF_SLAB;

        u |= idle(pfn, head, kf);

        u |= flagsWordBits(kf);

        if (memoryFailure) {
            // hugetlb: the folio's bit; otherwise this page's own bit (a poisoned THP subpage shows alone)
            long own = (u & (1L << KPF_HUGE)) != 0 || pfn == head ? kf : flags(pfn, "stable_page_flags:page->flags", p);
            u |= copyBit(own, KPF_HWPOISON, PageFlag.HWPOISON);
        }

        return u;
    }

    /**
     * page_mapped() today: folio_mapped(). A small folio is mapped when _mapcount >= 0; a large
     * one when its entire mapcount or any page's mapcount is (folio->_large_mapcount's meaning).
     */
    private boolean pageMapped(long pfn, long head, boolean large, int headMapcount, boolean p) {
        if (!large) return !PageType.hasType(headMapcount) && headMapcount >= 0;
        return mm.entireMapcount(head) >= 0 || mm.nrPagesMapped(head) > 0;
    }

    /**
     * folio_test_large_rmappable(): PG_large_rmappable, which the kernel keeps in the second
     * page's flags (folio->_flags_1) on the PG_workingset bit. THP and mTHP code sets it with
     * folio_set_large_rmappable() when it prepares an anon or file large folio.
     */
    private boolean folioTestLargeRmappable(long head, boolean p) {
        return (flags(head + 1, "stable_page_flags:folio->_flags_1", p) & PageFlag.WORKINGSET.mask) != 0;
    }

    /**
     * KPF_IDLE: with 64-bit and CONFIG_PAGE_IDLE_FLAG the PG_idle bit of {@code kflags} (the
     * folio's flags today, the page's own in 2016); on 32-bit page_is_idle() goes through
     * page_ext (lookup_page_ext), the route of the 2016 race with offline_page_ext (seed 000).
     */
    private long idle(long pfn, long head, long kflags) {
        PageExtIdle viaPageExt = is64bit ? null : hooks.pageExtIdle();
        if (viaPageExt != null) {
            try (var f = k.enter(v46 ? "page_is_idle" : "folio_test_idle")) {
                return viaPageExt.pageIsIdle(v46 ? pfn : head) ? 1L << KPF_IDLE : 0;
            }
        }
        return copyBit(kflags, KPF_IDLE, PageFlag.IDLE);
    }

    private long stablePageFlagsV46(long pfn, boolean p) {
        long u = 0;
        long kf = flags(pfn, "stable_page_flags:page->flags", p);
        int chRaw = mm.compoundHeadRaw(pfn);
        boolean tail = (chRaw & 1) != 0;
        boolean compound = (kf & PageFlag.HEAD.mask) != 0 || tail;      // PageCompound()
        long head = compound ? compoundHead(pfn, "stable_page_flags:compound_head", p) : pfn;
        // The model keeps a compound page's order in the low byte of the first tail's flags, as
        // today's folio->_flags_1 does; 2016 kept it in page[1].compound_order, not in flags.
        if (tail && pfn == head + 1) kf &= ~0xffL;

        // page_mapped() of v4.6: own _mapcount for a small page; the compound mapcount or any subpage's
        if (!compound) {
            int mc = mapcount(pfn, "stable_page_flags:page_mapped", p);
            if (!PageType.hasType(mc) && mc >= 0) u |= 1L << KPF_MMAP;
        } else if (pageMappedCompoundV46(head, p)) {
            u |= 1L << KPF_MMAP;
        }
        long headMapping = mapping(head, "stable_page_flags:PageAnon", p);
        if ((headMapping & PAGE_MAPPING_ANON) != 0) u |= 1L << KPF_ANON;
        if ((headMapping & PAGE_MAPPING_KSM) == PAGE_MAPPING_KSM) u |= 1L << KPF_KSM;
        u |= copyBit(kf, KPF_COMPOUND_HEAD, PageFlag.HEAD);
        if (tail) u |= 1L << KPF_COMPOUND_TAIL;

        int headType = mapcount(head, "stable_page_flags:PageHuge", p);
        if (compound && PageType.HUGETLB.isSet(headType)) {
            u |= 1L << KPF_HUGE;
        } else if (compound) {
            // PageTransCompound: a THP if its head is on the LRU or anonymous
            long hf = flags(head, "stable_page_flags:PageTransCompound", p);
            if ((hf & PageFlag.LRU.mask) != 0 || (headMapping & PAGE_MAPPING_ANON) != 0) u |= 1L << KPF_THP;
            else if (hooks.isHugeZeroFolio(head)) u |= (1L << KPF_ZERO_PAGE) | (1L << KPF_THP);
        } else if (hooks.isZeroPfn(pfn)) {
            u |= 1L << KPF_ZERO_PAGE;
        }

        int ownType = pfn == head ? headType : mapcount(pfn, "stable_page_flags:PageBuddy", p);
        if (PageType.BUDDY.isSet(ownType)) {
            u |= 1L << KPF_BUDDY;
        } else if (refcount(head, "stable_page_flags:page_count", p) == 0 && isFreeBuddyPage(pfn, p)) {
            u |= 1L << KPF_BUDDY;
        }
        if (PageType.OFFLINE.isSet(ownType)) u |= 1L << KPF_BALLOON;
        u |= idle(pfn, head, kf);

        // PG_slab on the page itself, and tails of a slab compound page
        if (PageType.SLAB.isSet(ownType) || (tail && PageType.SLAB.isSet(headType))) u |= 1L << KPF_SLAB;
        u |= flagsWordBits(kf);          // KPF_LOCKED is among them; KPF_SLAB above sits between in the kernel's order
        if (memoryFailure) u |= copyBit(kf, KPF_HWPOISON, PageFlag.HWPOISON);
        return u;
    }

    /**
     * The KPF bits that are plain copies of page flags (kpf_copy_bit() calls, and PG_swapcache's
     * SWAPBACKED &amp; OWNER_PRIV_1 test): the same in both eras (KPF_MAPPEDTODISK and KPF_OWNER_2
     * are one bit on one page flag). A pure function of the flags word, so the last answer is
     * kept: the pages of a walk mostly share their flags word, and the copy chain is most of the
     * per-page cost of a whole-file read.
     */
    private long flagsWordBits(long kf) {
        if (kf == lastFlagsWord) return lastFlagsWordBits;
        long u = 0;
        u |= copyBit(kf, KPF_LOCKED, PageFlag.LOCKED);
        u |= copyBit(kf, KPF_DIRTY, PageFlag.DIRTY);
        u |= copyBit(kf, KPF_UPTODATE, PageFlag.UPTODATE);
        u |= copyBit(kf, KPF_WRITEBACK, PageFlag.WRITEBACK);
        u |= copyBit(kf, KPF_LRU, PageFlag.LRU);
        u |= copyBit(kf, KPF_REFERENCED, PageFlag.REFERENCED);
        u |= copyBit(kf, KPF_ACTIVE, PageFlag.ACTIVE);
        u |= copyBit(kf, KPF_RECLAIM, PageFlag.RECLAIM);
        long swapcache = PageFlag.SWAPBACKED.mask | PageFlag.OWNER_PRIV_1.mask;   // PG_swapcache = PG_owner_priv_1
        if ((kf & swapcache) == swapcache) u |= 1L << KPF_SWAPCACHE;
        u |= copyBit(kf, KPF_SWAPBACKED, PageFlag.SWAPBACKED);
        u |= copyBit(kf, KPF_UNEVICTABLE, PageFlag.UNEVICTABLE);
        u |= copyBit(kf, KPF_MLOCKED, PageFlag.MLOCKED);
        u |= copyBit(kf, KPF_RESERVED, PageFlag.RESERVED);
        u |= copyBit(kf, KPF_OWNER_2, PageFlag.OWNER_2);
        u |= copyBit(kf, KPF_PRIVATE, PageFlag.PRIVATE);
        u |= copyBit(kf, KPF_PRIVATE_2, PageFlag.PRIVATE_2);
        u |= copyBit(kf, KPF_OWNER_PRIVATE, PageFlag.OWNER_PRIV_1);
        u |= copyBit(kf, KPF_ARCH, PageFlag.ARCH_1);
        lastFlagsWordBits = u;
        lastFlagsWord = kf;
        return u;
    }

    /** v4.6 page_mapped() of a compound page: compound mapcount, then (not hugetlb) each subpage's _mapcount. */
    private boolean pageMappedCompoundV46(long head, boolean p) {
        if (mm.entireMapcount(head) >= 0) return true;
        if (PageType.HUGETLB.isSet(mm.mapcount(head))) return false;
        int nr = 1 << mm.compoundOrder(head);
        for (int i = 0; i < nr; i++) {
            int mc = mapcount(head + i, "page_mapped:subpage", p);
            if (!PageType.hasType(mc) && mc >= 0) return true;
        }
        return false;
    }

    // ---- kpagecount -------------------------------------------------------------------------

    /**
     * The value /proc/kpagecount shows for an existing page. Mainline:
     * folio_precise_page_mapcount() (this page's _mapcount + 1, 0 for typed pages, plus the
     * folio's entire mapcount when large). v4.6: page_mapcount() (_mapcount + 1, plus the
     * compound mapcount on a compound page).
     */
    public long pageMapcount(long pfn) {
        if (!k.sched().exploring() && !k.sched().tracing() && plainReadable(pfn)) return pageMapcount(pfn, false);
        try (var f = k.enter(v46 ? "page_mapcount" : "folio_precise_page_mapcount")) {
            return pageMapcount(pfn, true);
        }
    }

    private long pageMapcount(long pfn, boolean p) {
        {
            long head = compoundHead(pfn, "kpagecount_read:page_folio", p);
            int raw = mapcount(pfn, "kpagecount_read:page->_mapcount", p);
            long mapcount = PageType.hasType(raw) ? 0 : raw + 1L;
            if (pfn != head || (flags(head, "kpagecount_read:folio_test_large", p) & PageFlag.HEAD.mask) != 0) {
                mapcount += mm.entireMapcount(head) + 1L;
            }
            return mapcount;
        }
    }
}
