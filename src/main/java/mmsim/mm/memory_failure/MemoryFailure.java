package mmsim.mm.memory_failure;

import java.util.Locale;

import java.util.List;

import mmsim.kernel.LockClass;
import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.kernel.sync.Mutex;
import mmsim.mm.linux.GlobalStat;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.MmCore;
import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.SwapEntry;
import mmsim.mm.linux.VmEvent;
import mmsim.mm.linux.Vmstat;
import mmsim.mm.memory_hotplug.MemoryHotplug;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.sparse.SparseMem;

/**
 * mm/memory-failure.c: hard offline ({@link #memoryFailure}), unpoison ({@link #unpoisonMemory}),
 * the page grab they share (get_hwpoison_page), page_handle_poison and num_poisoned_pages;
 * soft offline is {@link SoftOffline}. One per machine, created by start_kernel (Machine) when the
 * kernel has CONFIG_MEMORY_FAILURE; it installs its hooks in page_alloc (free-time diversion),
 * migrate (the MR_MEMORY_FAILURE source release) and madvise (MADV_HWPOISON, MADV_SOFT_OFFLINE).
 *
 * <p>Locking (mm/memory-failure.c, 6.12): mf_mutex serialises memory_failure, soft_offline_page
 * and unpoison_memory (absent in the 2016 code and in v5.10, see {@link HwpoisonFlow}); the page
 * lock is taken inside it; get_online_mems() around the reference grab of soft offline;
 * zone_pcp_disable() around get_hwpoison_page (v5.11+); zone->lock inside take_page_off_buddy and
 * put_page_back_buddy (page_alloc). Each method that needs mf_mutex says so and asserts it.
 *
 * <p>Counting: num_poisoned_pages (meminfo's HardwareCorrupted) goes up once for every page whose
 * PG_hwpoison this code sets and down when unpoison clears it, so it equals the pages carrying the
 * flag ({@link #countPoisonedPages}) in every era.
 */
public final class MemoryFailure {
    /** mf_mutex (mm/memory-failure.c): one lock class, droppable as drop-lock=mf_mutex. */
    private static final LockClass MF_MUTEX = LockClass.mutex("mf_mutex");
    // ---- variant switches (seed 002); see HwpoisonFlow for what each one is --------------------
    public static final String SET_BEFORE_MIGRATE = "hwpoison-set-before-migrate";
    public static final String SET_BEFORE_PUT = "hwpoison-set-before-put";
    public static final String PUT_TESTZERO = "hwpoison-put-testzero";
    public static final String FREE_BUDDY_ONLY = "hwpoison-set-free-buddy";
    public static final String NO_MF_MUTEX = "hwpoison-no-mf-mutex";
    /** The variant switches this subsystem declares (collected by Machine.knownOptions). */
    public static final List<String> OPTIONS = List.of(SET_BEFORE_MIGRATE, SET_BEFORE_PUT, PUT_TESTZERO, FREE_BUDDY_ONLY, NO_MF_MUTEX);

    /** enum mf_flags (include/linux/mm.h). */
    public static final int MF_COUNT_INCREASED = 1 << 0, MF_ACTION_REQUIRED = 1 << 1, MF_MUST_KILL = 1 << 2,
            MF_SOFT_OFFLINE = 1 << 3, MF_UNPOISON = 1 << 4, MF_SW_SIMULATED = 1 << 5;
    /** GET_PAGE_MAX_RETRY_NUM. */
    static final int GET_PAGE_MAX_RETRY_NUM = 3;

    final Kernel k;
    final KernelConfig config;
    final SparseMem sparse;
    final UserMemory um;
    final MmPages pages;
    final BuddyAllocator buddy;
    /** get_online_mems() around soft offline's grab; null without CONFIG_MEMORY_HOTPLUG. */
    final MemoryHotplug hotplug;
    private final Vmstat vmstat;
    final HwpoisonFlow flow;
    /** mf_mutex; null where the flow has none. */
    private final Mutex mfMutex;
    private final SoftOffline soft;
    /** madvise(MADV_HWPOISON)'s caller per CPU while it injects: "current" for MF_ACTION_REQUIRED. */
    private final MmStruct[] injecting;
    /** Processes force_sig_mceerr() sent SIGBUS (BUS_MCEERR_AR) that have not returned to user space yet. */
    private final java.util.Set<MmStruct> sigbusPending = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    public MemoryFailure(Kernel k, KernelConfig config, SparseMem sparse, BuddyAllocator buddy, UserMemory um,
                         MemoryHotplug hotplug, Vmstat vmstat) {
        this.k = k;
        this.config = config;
        this.sparse = sparse;
        this.um = um;
        this.pages = um.pages;
        this.buddy = buddy;
        this.hotplug = config.has(KernelConfig.CONFIG_MEMORY_HOTPLUG) ? hotplug : null;
        this.vmstat = vmstat;
        this.flow = HwpoisonFlow.of(config);
        this.mfMutex = flow == HwpoisonFlow.MAINLINE ? new Mutex(k, MF_MUTEX) : null;
        this.soft = new SoftOffline(this);
        this.injecting = new MmStruct[k.nrCpus()];
        // the hooks memory-failure installs in page_alloc, migrate and madvise
        if (flow == HwpoisonFlow.PUT_TESTZERO) buddy.setDivertHwpoisonAtFree(true);
        um.migrate.setMemoryFailureSourceHook(soft::releaseMigratedSource);
        um.mmap.registerAdvice(Mmap.MADV_SOFT_OFFLINE, this::madviseSoftOffline);
        um.mmap.registerAdvice(Mmap.MADV_HWPOISON, this::madviseHwpoison);
    }

    public HwpoisonFlow flow() { return flow; }
    public SoftOffline softOffline() { return soft; }
    boolean v46() { return flow.pagesInBuddy; }

    // =========================================================================================
    // mf_mutex, counters, log lines
    // =========================================================================================

    void mfLock() { if (mfMutex != null) mfMutex.lock(); }
    void mfUnlock() { if (mfMutex != null) mfMutex.unlock(); }
    void assertMfLocked() { if (mfMutex != null) mfMutex.assertHeld(); }

    /**
     * num_poisoned_pages_inc(pfn) (mm/memory-failure.c): the global count, and since v6.4 the
     * count of the memory block holding pfn (memblk_nr_poison_inc, drivers/base/memory.c), which
     * keeps a block that had hwpoison from being onlined again after its memmap was poisoned.
     */
    void numPoisonedPagesInc(long pfn) {
        vmstat.add(GlobalStat.NUM_POISONED_PAGES, 1);
        if (hotplug != null) hotplug.memblkNrPoisonAdd(pfn, 1);
    }

    /** num_poisoned_pages_sub(pfn, n): both counts, as {@link #numPoisonedPagesInc}. */
    void numPoisonedPagesSub(long pfn, long n) {
        vmstat.add(GlobalStat.NUM_POISONED_PAGES, -n);
        if (hotplug != null) hotplug.memblkNrPoisonAdd(pfn, -n);
    }
    public long numPoisonedPages() { return vmstat.get(GlobalStat.NUM_POISONED_PAGES); }

    /** pr_err/pr_info with mm/memory-failure.c's pr_fmt: "Memory failure: " today, "MCE " in 2016. */
    void mfLog(String fmt, Object... args) {
        String text = String.format(Locale.ROOT, fmt, args);
        k.log().printk(v46() ? "MCE " + text : "Memory failure: " + text);
    }

    /** unpoison_pr_info: "Unpoison: " (v6.12 pr_fmt) or "MCE: " (2016, [U] facts 1.2). */
    void unpoisonLog(String text2016, String text, long pfn) {
        k.log().printk(v46() ? String.format(Locale.ROOT, "MCE: " + text2016 + " %#x", pfn)
                : String.format(Locale.ROOT, "Unpoison: %#x: " + text, pfn));
    }

    /** %pGp of a page's flags: "0x...(names)". */
    String pGp(long pfn) {
        long f = pages.flagsWord(pfn) & PageFlag.PAGEFLAGS_MASK;
        return String.format(Locale.ROOT, "%#x(%s)", f, PageFlag.names(f));
    }

    // =========================================================================================
    // getting a reference (get_hwpoison_page, get_any_page)
    // =========================================================================================

    /** HWPoisonHandlable(): an LRU page, a free buddy page, (soft offline) a movable page. */
    private boolean handlable(long pfn) {
        if (pages.test(pfn, PageFlag.LRU)) return true;
        return buddy.isFreeBuddyPage(pfn);
    }

    /** shake_page(): drain the LRU batches (and, before v5.11, the per-cpu free lists) so the page shows its state. */
    public void shakePage() {
        um.swap.lruAddDrainAll();
        if (flow != HwpoisonFlow.MAINLINE) buddy.drainAllPages(null);
    }

    /**
     * get_hwpoison_page(): 1 with a reference taken (in use and handlable), 0 for a free page, &lt;0
     * when it cannot be handled. Mainline wraps it in zone_pcp_disable() so a page being freed
     * cannot hide on a per-cpu list; MF_UNPOISON asks whether the page was taken off the buddy
     * (-EHWPOISON) instead.
     */
    int getHwpoisonPage(long pfn, int flags) {
        try (var f = k.enter("get_hwpoison_page")) {
            if (flow == HwpoisonFlow.MAINLINE) {
                var zone = buddy.pageZone(pfn);
                buddy.zonePcpDisable(zone);
                try {
                    if ((flags & MF_UNPOISON) != 0) return getUnpoisonPage(pfn);
                    return getAnyPage(pfn, flags);
                } finally {
                    buddy.zonePcpEnable(zone);
                }
            }
            if ((flags & MF_UNPOISON) != 0) return pages.getPageUnlessZero(pfn) ? 1 : 0;
            return v46() ? getAnyPage2016(pfn, flags) : getAnyPage(pfn, flags);
        }
    }

    /** __get_unpoison_page(): -EHWPOISON for a page taken off the buddy, else get_page_unless_zero. */
    private int getUnpoisonPage(long pfn) {
        if (pages.test(pfn, PageFlag.HWPOISON) && pages.privateData(pfn) == BuddyAllocator.MAGIC_HWPOISON) {
            return Errno.EHWPOISON.neg();
        }
        return pages.getPageUnlessZero(pfn) ? 1 : 0;
    }

    /** get_any_page() of v5.10+ (with __get_hwpoison_page and its three retries). */
    private int getAnyPage(long pfn, int flags) {
        try (var f = k.enter("get_any_page")) {
            boolean countIncreased = (flags & MF_COUNT_INCREASED) != 0;
            int pass = 0;
            while (true) {
                if (!countIncreased) {
                    int ret;
                    if (!handlable(pfn)) ret = Errno.EBUSY.neg();
                    else ret = pages.getPageUnlessZero(pfn) ? 1 : 0;
                    if (ret == 0) {
                        if (pages.refcount(pfn) != 0) {
                            if (pass++ < GET_PAGE_MAX_RETRY_NUM) continue;   // raced with an allocation
                            return Errno.EBUSY.neg();
                        }
                        if (!buddy.isFreeBuddyPage(pfn)) {
                            if (pass++ < GET_PAGE_MAX_RETRY_NUM) continue;   // raced with put_page
                            return unhandlable(pfn);
                        }
                        return 0;
                    }
                    if (ret < 0) {
                        if (pass++ < GET_PAGE_MAX_RETRY_NUM) { shakePage(); continue; }
                        return unhandlable(pfn);
                    }
                }
                if (handlable(pfn)) return 1;
                if (pass++ < GET_PAGE_MAX_RETRY_NUM) {
                    um.putPage(pfn);
                    shakePage();
                    countIncreased = false;
                    continue;
                }
                um.putPage(pfn);
                return unhandlable(pfn);
            }
        }
    }

    private int unhandlable(long pfn) {
        mfLog("%#x: unhandlable page.", pfn);
        return Errno.EIO.neg();
    }

    /** get_any_page() of 2016: __get_any_page, and one shake_page retry for a page that is not on the LRU. */
    private int getAnyPage2016(long pfn, int flags) {
        try (var f = k.enter("get_any_page")) {
            int ret = getAnyPageOnce2016(pfn, flags);
            if (ret == 1 && !pages.test(pfn, PageFlag.LRU)) {
                um.putPage(pfn);
                shakePage();
                ret = getAnyPageOnce2016(pfn, 0);
                if (ret == 1 && !pages.test(pfn, PageFlag.LRU)) {
                    um.putPage(pfn);
                    k.log().printk(String.format(Locale.ROOT, "soft_offline: %#x: unknown non LRU page type %x", pfn,
                            pages.flagsWord(pfn) & PageFlag.PAGEFLAGS_MASK));
                    return Errno.EIO.neg();
                }
            }
            return ret;
        }
    }

    private int getAnyPageOnce2016(long pfn, int flags) {
        if ((flags & MF_COUNT_INCREASED) != 0) return 1;
        if (pages.getPageUnlessZero(pfn)) return 1;
        if (buddy.isFreeBuddyPage(pfn)) {
            k.log().printk(String.format(Locale.ROOT, "__get_any_page: %#x free buddy page", pfn));
            return 0;
        }
        k.log().printk(String.format(Locale.ROOT, "__get_any_page: %#x: unknown zero refcount page type %x", pfn,
                pages.flagsWord(pfn) & PageFlag.PAGEFLAGS_MASK));
        return Errno.EIO.neg();
    }

    // =========================================================================================
    // page_handle_poison (v5.10+)
    // =========================================================================================

    /**
     * page_handle_poison(page, hugepage_or_freepage, release): a free page is first taken off the
     * buddy (false when it is no longer there); then PG_hwpoison, the final put when {@code release}
     * (free_pages_prepare keeps the page off pcp and buddy), and the page pinned with one reference.
     * Caller holds mf_mutex (mainline).
     */
    boolean pageHandlePoison(long pfn, boolean freePage, boolean release) {
        try (var f = k.enter("page_handle_poison")) {
            if (freePage) {
                var zone = buddy.pageZone(pfn);
                if (flow == HwpoisonFlow.MAINLINE) buddy.zonePcpDisable(zone);
                try {
                    buddy.drainAllPages(zone);
                    if (!buddy.takePageOffBuddy(pfn)) return false;
                } finally {
                    if (flow == HwpoisonFlow.MAINLINE) buddy.zonePcpEnable(zone);
                }
                // SetPageHWPoisonTakenOff() came with put_page_back_buddy (v5.18)
                if (flow != HwpoisonFlow.MAINLINE) pages.setPrivateData(pfn, 0);
            }
            pages.set(pfn, PageFlag.HWPOISON);
            if (release) um.putPage(pfn);
            pages.refAdd(pfn, 1);                 // page_ref_inc(): the poisoned page stays pinned
            numPoisonedPagesInc(pfn);
            return true;
        }
    }

    // =========================================================================================
    // hard offline: memory_failure()
    // =========================================================================================

    /** action_page_types[] and action_name[] of mm/memory-failure.c. */
    static final String MSG_BUDDY = "free buddy page", MSG_DIRTY_LRU = "dirty LRU page", MSG_CLEAN_LRU = "clean LRU page",
            MSG_GET_HWPOISON = "get hwpoison page", MSG_UNKNOWN = "unknown page", MSG_ALREADY = "already poisoned page",
            MSG_UNMAP_FAILED = "unmapping failed page", MSG_KERNEL_HIGH_ORDER = "high-order kernel page";
    static final String IGNORED = "Ignored", FAILED = "Failed", DELAYED = "Delayed", RECOVERED = "Recovered";

    /** action_result(): the log line; 0 for Recovered/Delayed, else -EBUSY. */
    private int actionResult(long pfn, String type, String result) {
        mfLog("%#x: recovery action for %s: %s", pfn, type, result);
        return result.equals(RECOVERED) || result.equals(DELAYED) ? 0 : Errno.EBUSY.neg();
    }

    /**
     * memory_failure(pfn, flags): a hardware error on {@code pfn} (or its simulation). The page is
     * flagged PG_hwpoison first, then handled by what it is: a free page (2016: left in the buddy,
     * "Delayed"; today taken off it), an LRU page (unmapped with hwpoison PTEs so its users get
     * SIGBUS on their next access, taken off the LRU and kept pinned), anything else Ignored (still
     * flagged and counted). Returns 0, -ENXIO (no such memory), -EHWPOISON (already poisoned,
     * today), -EBUSY.
     */
    public int memoryFailure(long pfn, int flags) {
        try (var f = k.enter("memory_failure")) {
            // 2016: pfn_valid() only (no SECTION_IS_ONLINE yet); today pfn_to_online_page()
            if (!sparse.pfnValid(pfn) || (!v46() && sparse.pfnToOnlinePage(pfn) < 0)) {
                mfLog("%#x: memory outside kernel control", pfn);
                return Errno.ENXIO.neg();
            }
            mfLock();
            try {
                if (pages.testSet(pfn, PageFlag.HWPOISON)) {
                    if ((flags & MF_COUNT_INCREASED) != 0) um.putPage(pfn);
                    if (v46()) {
                        mfLog("%#x: already hardware poisoned", pfn);
                        return 0;
                    }
                    actionResult(pfn, MSG_ALREADY, FAILED);   // not counted
                    return Errno.EHWPOISON.neg();
                }
                numPoisonedPagesInc(pfn);
                return handlePoisonedPage(pfn, flags);
            } finally {
                mfUnlock();
            }
        }
    }

    private int handlePoisonedPage(long pfn, int flags) {
        int res;
        if (!v46()) res = getHwpoisonPage(pfn, flags);
        else if ((flags & MF_COUNT_INCREASED) != 0 || pages.getPageUnlessZero(pfn)) res = 1;
        else res = buddy.isFreeBuddyPage(pfn) ? 0 : Errno.EBUSY.neg();
        if (res == 0) {
            if (v46()) return actionResult(pfn, MSG_BUDDY, DELAYED);      // stays in the buddy: check_new_page will drop it
            if (buddy.takePageOffBuddy(pfn)) {
                if (flow != HwpoisonFlow.MAINLINE) pages.setPrivateData(pfn, 0);
                pages.refAdd(pfn, 1);
                return actionResult(pfn, MSG_BUDDY, RECOVERED);
            }
            return actionResult(pfn, MSG_BUDDY, FAILED);
        }
        if (res < 0) return actionResult(pfn, v46() ? MSG_KERNEL_HIGH_ORDER : MSG_GET_HWPOISON, IGNORED);
        if (v46() && !pages.test(pfn, PageFlag.LRU)) shakePage();     // 2016: "We ignore non-LRU pages", after a shake
        um.lockPage(pfn);
        try {
            if (!pages.test(pfn, PageFlag.LRU)) {
                um.putPage(pfn);
                return actionResult(pfn, MSG_UNKNOWN, IGNORED);
            }
            if (!hwpoisonUserMappings(pfn, flags)) {
                return actionResult(pfn, MSG_UNMAP_FAILED, FAILED);
            }
            boolean dirty = pages.test(pfn, PageFlag.DIRTY);
            // me_pagecache_dirty/clean: off the LRU (delete_from_lru_cache); our reference stays as the pin
            if (um.vmscan.isolateLruPage(pfn) == 0) {
                um.modIsolated(pfn, -1);
                um.putPage(pfn);
            }
            return actionResult(pfn, dirty ? MSG_DIRTY_LRU : MSG_CLEAN_LRU, RECOVERED);
        } finally {
            um.unlockPage(pfn);
        }
    }

    /**
     * hwpoison_user_mappings(): try_to_unmap(TTU_HWPOISON) - every PTE of the page becomes a
     * hwpoison entry (a later access is VM_FAULT_HWPOISON, SIGBUS BUS_MCEERR_AR); with
     * MF_ACTION_REQUIRED the current task is told now (kill_proc). Caller holds the page lock.
     */
    private boolean hwpoisonUserMappings(long pfn, int flags) {
        try (var f = k.enter("hwpoison_user_mappings")) {
            PgtableArch a = um.arch;
            boolean anon = um.pageAnon(pfn);
            List<MmStruct> mapped = new java.util.ArrayList<>();     // collect_procs()
            um.rmap.rmapWalk(pfn, false, (vma, addr, pte) -> {
                try (var g = k.enter("try_to_unmap_one")) {
                    long pteval = um.tables.getAndClear(pte.table(), pte.idx(), "try_to_unmap_one:ptep_clear_flush");
                    um.flushTlbPage(vma, addr);
                    if (a.pteDirty(pteval)) pages.set(pfn, PageFlag.DIRTY);
                    MmStruct mm = vma.vmMm;
                    mapped.add(mm);
                    mm.rss[anon ? MmStruct.MM_ANONPAGES : MmStruct.MM_SHMEMPAGES]--;
                    um.tables.write(pte.table(), pte.idx(), a.swpEntryToPte(SwapEntry.makeHwpoisonEntry(pfn)),
                            "try_to_unmap_one:set_pte_at(hwpoison)");
                    um.rmap.pageRemoveRmap(pfn);
                    um.putPage(pfn);
                    return true;
                }
            });
            MmStruct current = injecting[k.smpProcessorId()];
            if ((flags & MF_ACTION_REQUIRED) != 0 && current != null && mapped.contains(current)) {
                // kill_procs() -> kill_proc(): current mapped the page: force_sig_mceerr(BUS_MCEERR_AR) now
                mfLog("%#x: Sending SIGBUS to %s:%d due to hardware memory corruption", pfn, k.cpu().comm(), k.cpu().pid());
                sigbusPending.add(current);
            }
            return !um.pageMapped(pfn);
        }
    }

    // =========================================================================================
    // unpoison_memory()
    // =========================================================================================

    /**
     * unpoison_memory(pfn) (debugfs hwpoison/unpoison-pfn): clears PG_hwpoison of a page poisoned
     * by software and gives the page back. Refuses pages someone else holds, maps or caches.
     * Returns 0 (2016: always; today only on success), -ENXIO/-EIO, -EBUSY.
     */
    public int unpoisonMemory(long pfn) {
        try (var f = k.enter("unpoison_memory")) {
            if (v46()) {
                if (!sparse.pfnValid(pfn)) return Errno.ENXIO.neg();
            } else if (sparse.pfnToOnlinePage(pfn) < 0) {
                return Errno.EIO.neg();
            }
            mfLock();
            int ret;
            try {
                ret = unpoisonLocked(pfn);
            } finally {
                mfUnlock();
            }
            return ret;
        }
    }

    private int unpoisonLocked(long pfn) {
        int busy = v46() ? 0 : Errno.EBUSY.neg();
        if (!pages.test(pfn, PageFlag.HWPOISON)) {
            unpoisonLog("Page was already unpoisoned", "page was already unpoisoned", pfn);
            return busy;
        }
        if (pages.refcount(pfn) > 1) {
            unpoisonLog("Someone grabs the hwpoison page", "someone grabs the hwpoison page", pfn);
            return busy;
        }
        if (um.pageMapped(pfn)) {
            unpoisonLog("Someone maps the hwpoison page", "someone maps the hwpoison page", pfn);
            return busy;
        }
        if (pageMapping(pfn) != 0) {
            unpoisonLog("the hwpoison page has non-NULL mapping", "the hwpoison page has non-NULL mapping", pfn);
            return busy;
        }
        if (!v46() && pages.test(pfn, PageFlag.RESERVED)) return busy;
        int got = getHwpoisonPage(pfn, MF_UNPOISON);
        if (got == 0) {
            // a free page (2016: also one on a pcp list, or the orphan check_new_page dropped)
            if (pages.testClear(pfn, PageFlag.HWPOISON)) {
                numPoisonedPagesSub(pfn, 1);
                unpoisonLog("Software-unpoisoned free page", "software-unpoisoned page", pfn);
                return 0;
            }
            return busy;
        }
        if (got < 0) {
            if (buddy.putPageBackBuddy(pfn)) {
                numPoisonedPagesSub(pfn, 1);
                unpoisonLog("Software-unpoisoned page", "software-unpoisoned page", pfn);
                return 0;
            }
            return busy;
        }
        boolean freeit;
        if (v46()) {
            um.lockPage(pfn);
            freeit = pages.testClear(pfn, PageFlag.HWPOISON);
            um.unlockPage(pfn);
        } else {
            freeit = pages.testClear(pfn, PageFlag.HWPOISON);
        }
        um.putPage(pfn);                     // our reference
        if (!freeit) return busy;
        numPoisonedPagesSub(pfn, 1);
        unpoisonLog("Software-unpoisoned page", "software-unpoisoned page", pfn);
        um.putPage(pfn);                     // the reference poisoning kept
        return 0;
    }

    /** page_mapping(): the address_space of a page-cache page; NULL for anonymous pages outside the swap cache. */
    private long pageMapping(long pfn) {
        long mapping = pages.mapping(pfn);
        if ((mapping & MmCore.PAGE_MAPPING_ANON) != 0) return pages.test(pfn, PageFlag.OWNER_PRIV_1) ? 1 : 0;
        return mapping;
    }

    // =========================================================================================
    // madvise(MADV_SOFT_OFFLINE / MADV_HWPOISON) - mm/madvise.c madvise_inject_error()
    // =========================================================================================

    private int madviseSoftOffline(MmStruct mm, long pfn, long addr) {
        if (v46() && pages.test(pfn, PageFlag.HWPOISON)) { um.putPage(pfn); return 0; }
        k.log().printk(String.format(Locale.ROOT, v46() ? "Soft offlining page %#x at %#x"
                : "Soft offlining pfn %#x at process virtual address %#x", pfn, addr));
        return soft.softOfflinePage(pfn, MF_COUNT_INCREASED);
    }

    private int madviseHwpoison(MmStruct mm, long pfn, long addr) {
        if (v46() && pages.test(pfn, PageFlag.HWPOISON)) { um.putPage(pfn); return 0; }
        k.log().printk(String.format(Locale.ROOT, v46() ? "Injecting memory failure for page %#x at %#x"
                : "Injecting memory failure for pfn %#x at process virtual address %#x", pfn, addr));
        int flags = MF_COUNT_INCREASED | (v46() ? 0 : MF_ACTION_REQUIRED | MF_SW_SIMULATED);
        injecting[k.smpProcessorId()] = mm;
        int ret;
        try {
            ret = memoryFailure(pfn, flags);
        } finally {
            injecting[k.smpProcessorId()] = null;
        }
        return ret == Errno.EOPNOTSUPP.neg() ? 0 : ret;
    }

    /**
     * Whether memory_failure sent {@code mm} SIGBUS (BUS_MCEERR_AR) that it has not yet taken on
     * its return to user space; taking it clears it. 6.12's MADV_HWPOISON (MF_ACTION_REQUIRED)
     * kills the injecting process this way; 2016's did not.
     */
    public boolean takeSigbus(MmStruct mm) { return sigbusPending.remove(mm); }

    // =========================================================================================
    // checks
    // =========================================================================================

    /** Pages carrying PG_hwpoison in memory with a memmap (raw reads): what num_poisoned_pages must equal. */
    public static long countPoisonedPages(Memmap mm, SparseMem sparse) {
        long n = 0;
        for (long nr = 0; nr < sparse.nrSections(); nr++) {
            long s = sparse.sectionNrToPfn(nr);
            if (!mm.backed(s)) continue;
            for (long p = s; p < s + sparse.pagesPerSection(); p++) {
                if (!mm.poisoned(p) && mm.testBit(p, PageFlag.HWPOISON)) n++;
            }
        }
        return n;
    }
}
