package mmsim.mm.memory_failure;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.MigrateType;
import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.migrate.Migrate;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.page_alloc.BuddyAllocator;

/**
 * soft_offline_page() (mm/memory-failure.c): take a page that is still good, but had corrected
 * errors, out of use without killing anyone - a free page by flagging it (2016) or taking it
 * off the buddy (today), an in-use page by migrating its contents away and poisoning the old
 * page. Where the flag is set on the migrated source, and what the last put of it does, is what
 * seed 002 argues; {@link HwpoisonFlow} lists the generations and {@link #releaseMigratedSource}
 * is the hook in unmap_and_move where they differ.
 *
 * <p>Locking: mf_mutex (mainline) around the whole call; get_online_mems() around the reference
 * grab; the page lock while checking PG_hwpoison again; migration takes the page lock itself.
 * v4.19 marks the page's pageblock MIGRATE_ISOLATE for the duration (set_pageblock_migratetype,
 * without moving free pages) so the freed source skips the per-cpu lists.
 */
public final class SoftOffline {
    private final MemoryFailure mf;
    private final Kernel k;
    private final UserMemory um;
    private final MmPages pages;
    private final BuddyAllocator buddy;
    private final HwpoisonFlow flow;
    /** v4.19: set_hwpoison_free_buddy_page() found the migrated source reallocated (per CPU: no mf_mutex then). */
    private final boolean[] raceLost;

    SoftOffline(MemoryFailure mf) {
        this.mf = mf;
        this.k = mf.k;
        this.um = mf.um;
        this.pages = mf.pages;
        this.buddy = mf.buddy;
        this.flow = mf.flow;
        this.raceLost = new boolean[k.nrCpus()];
    }

    /**
     * soft_offline_page(pfn, flags): 0 when the page is poisoned and out of use (or was already,
     * today); -ENXIO outside memory, -EIO for offline memory (today), -EBUSY when it could not be
     * isolated, migrated or (v4.19) was reallocated, -EBUSY for an already poisoned page in 2016,
     * -EIO for a failed migration in 2016. With MF_COUNT_INCREASED the caller's reference
     * (madvise's GUP) is consumed.
     */
    public int softOfflinePage(long pfn, int flags) {
        try (var f = k.enter("soft_offline_page")) {
            if (!mf.sparse.pfnValid(pfn)) return Errno.ENXIO.neg();
            if (!mf.v46() && mf.sparse.pfnToOnlinePage(pfn) < 0) {
                if ((flags & MemoryFailure.MF_COUNT_INCREASED) != 0) um.putPage(pfn);
                return Errno.EIO.neg();
            }
            mf.mfLock();
            try {
                if (pages.test(pfn, PageFlag.HWPOISON)) {
                    log("%#x page already poisoned", "%#x: page already poisoned", pfn);
                    if ((flags & MemoryFailure.MF_COUNT_INCREASED) != 0) um.putPage(pfn);
                    return mf.v46() ? Errno.EBUSY.neg() : 0;
                }
                return mf.v46() ? softOffline2016(pfn, flags) : softOfflineToday(pfn, flags);
            } finally {
                mf.mfUnlock();
            }
        }
    }

    /** "soft offline: ..." (2016, no pr_fmt) or "Soft offline: ..." (v6.12 pr_fmt). */
    private void log(String fmt2016, String fmtToday, Object... args) {
        k.log().printk(mf.v46() ? "soft offline: " + String.format(Locale.ROOT, fmt2016, args)
                : "Soft offline: " + String.format(Locale.ROOT, fmtToday, args));
    }

    private int grab(long pfn, int flags) {
        if (mf.hotplug != null) mf.hotplug.getOnlineMems();
        try {
            return mf.getHwpoisonPage(pfn, flags | MemoryFailure.MF_SOFT_OFFLINE);
        } finally {
            if (mf.hotplug != null) mf.hotplug.putOnlineMems();
        }
    }

    // =========================================================================================
    // 2016 (v4.2-rc .. v4.19)
    // =========================================================================================

    private int softOffline2016(long pfn, int flags) {
        int ret = grab(pfn, flags);
        if (ret > 0) {
            if (flow != HwpoisonFlow.V4_19_FREE_BUDDY_ONLY) return softOfflineInUse(pfn);
            // soft_offline_in_use_page() of d4ae9916ea29: the freed source must reach the buddy directly
            int mt = buddy.pageblockMigratetype(pfn);
            buddy.setPageblockMigratetype(pfn, MigrateType.ISOLATE);
            try {
                return softOfflineInUse(pfn);
            } finally {
                buddy.setPageblockMigratetype(pfn, mt);
            }
        }
        if (ret == 0) {
            // a free page: flagged where it lies, in the buddy lists (2016), or only if still there (v4.19)
            if (flow == HwpoisonFlow.V4_19_FREE_BUDDY_ONLY) {
                if (!setHwpoisonFreeBuddyPage(pfn)) return Errno.EBUSY.neg();
                mf.numPoisonedPagesInc(pfn);
            } else if (!pages.testSet(pfn, PageFlag.HWPOISON)) {
                mf.numPoisonedPagesInc(pfn);
            }
        }
        return ret;
    }

    /**
     * __soft_offline_page() (2016) / soft_offline_in_use_page() (today): lock and recheck the
     * flag, isolate, drop the grab reference, migrate; then the source is poisoned by the era's
     * release in unmap_and_move (2016) or by page_handle_poison (today).
     */
    private int softOfflineInUse(long pfn) {
        boolean today = !mf.v46();
        try (var f = k.enter(today ? "soft_offline_in_use_page" : "__soft_offline_page")) {
            um.lockPage(pfn);
            if (pages.test(pfn, PageFlag.HWPOISON)) {
                um.unlockPage(pfn);
                um.putPage(pfn);
                log("%#x page already poisoned", "%#x: page already poisoned", pfn);
                return today ? 0 : Errno.EBUSY.neg();
            }
            // invalidate_inode_page() / mapping_evict_folio() only drop clean unmapped page cache,
            // which the model has none of
            um.unlockPage(pfn);
            int iso = um.vmscan.isolateLruPage(pfn);
            um.putPage(pfn);                                 // get_any_page's reference
            if (iso != 0) {
                log("%#x: isolation failed: %d, page count %d, type %x", "%#x: page isolation failed, page count %d, type %s",
                        today ? new Object[] {pfn, pages.refcount(pfn), mf.pGp(pfn)}
                                : new Object[] {pfn, iso, pages.refcount(pfn), pages.flagsWord(pfn) & PageFlag.PAGEFLAGS_MASK});
                return today ? Errno.EBUSY.neg() : iso;
            }
            if (flow == HwpoisonFlow.V4_2_RC_SET_BEFORE_MIGRATE && !pages.testSet(pfn, PageFlag.HWPOISON)) {
                mf.numPoisonedPagesInc(pfn);                    // 4491f712606: flagged while still isolated
            }
            raceLost[k.smpProcessorId()] = false;
            List<Long> list = new ArrayList<>(List.of(pfn));
            int ret = um.migrate.migratePages(list, src -> um.pages.allocPage(false), Migrate.MigrateMode.SYNC,
                    Migrate.MigrateReason.MEMORY_FAILURE);
            if (ret == 0) {
                if (today) return mf.pageHandlePoison(pfn, false, true) ? 0 : Errno.EBUSY.neg();
                return raceLost[k.smpProcessorId()] ? Errno.EBUSY.neg() : 0;   // v4.19: reallocated, not poisoned
            }
            if (!list.isEmpty()) um.migrate.putbackMovablePages(list);
            log("%#x: migration failed %d, type %x", "%#x: page migration failed %d, type %s",
                    pfn, ret, today ? mf.pGp(pfn) : pages.flagsWord(pfn) & PageFlag.PAGEFLAGS_MASK);
            if (flow == HwpoisonFlow.V4_2_RC_SET_BEFORE_MIGRATE && pages.testClear(pfn, PageFlag.HWPOISON)) {
                mf.numPoisonedPagesSub(pfn, 1);
            }
            if (ret > 0) return today ? Errno.EBUSY.neg() : Errno.EIO.neg();
            return ret;
        }
    }

    /**
     * set_hwpoison_free_buddy_page() (v4.19): under zone->lock, flag the page only if it is still
     * inside a free buddy block; false when someone allocated it meanwhile.
     */
    private boolean setHwpoisonFreeBuddyPage(long pfn) {
        try (var f = k.enter("set_hwpoison_free_buddy_page")) {
            var zone = buddy.pageZone(pfn);
            zone.lock.lock();
            try {
                return buddy.freeBuddyPageLocked(zone, pfn) && !pages.testSet(pfn, PageFlag.HWPOISON);
            } finally {
                zone.lock.unlock();
            }
        }
    }

    /**
     * unmap_and_move()'s release of a migrated MR_MEMORY_FAILURE source, holding the isolation
     * reference (installed in mm/migrate.c by {@link MemoryFailure}). The heart of seed 002.
     */
    void releaseMigratedSource(long pfn) {
        switch (flow) {
            case V4_2_RC_SET_BEFORE_MIGRATE -> {
                // already flagged: putback_lru_page() as for any other reason
                um.swap.lruCacheAdd(pfn);
                um.putPage(pfn);
            }
            case V4_6_PUT_THEN_SET -> {
                um.putPage(pfn);                         // normally the last reference: to the pcp list
                if (!pages.testSet(pfn, PageFlag.HWPOISON)) mf.numPoisonedPagesInc(pfn);   // "nothing prevents" a realloc in between
            }
            case SET_THEN_PUT -> {
                if (!pages.testSet(pfn, PageFlag.HWPOISON)) mf.numPoisonedPagesInc(pfn);
                um.putPage(pfn);
            }
            case PUT_TESTZERO -> {
                // if (put_page_testzero(page)) { test_set_page_hwpoison(); __put_page(); }
                int now = pages.refAdd(pfn, -1);
                if (now < 0) throw k.bug("include/linux/mm.h", 1140, pages.dumpPage(pfn, "VM_BUG_ON_PAGE(page_ref_count(page) == 0)"));
                if (now == 0) {
                    if (!pages.testSet(pfn, PageFlag.HWPOISON)) mf.numPoisonedPagesInc(pfn);
                    um.freeRefcountZero(pfn);            // free_pages_check's hook keeps it out of the buddy
                }
            }
            case V4_19_FREE_BUDDY_ONLY -> {
                um.putPage(pfn);                         // pageblock isolated: straight into the buddy
                if (setHwpoisonFreeBuddyPage(pfn)) mf.numPoisonedPagesInc(pfn);
                else raceLost[k.smpProcessorId()] = true;
            }
            case V5_10_REWORK, MAINLINE -> { }               // the reference stays for page_handle_poison()
        }
    }

    // =========================================================================================
    // v5.10 and today
    // =========================================================================================

    private int softOfflineToday(long pfn, int flags) {
        boolean tryAgain = true;
        while (true) {
            int ret = grab(pfn, flags);
            if (ret > 0) return softOfflineInUse(pfn);
            if (ret < 0) return ret;
            if (mf.pageHandlePoison(pfn, true, false)) return 0;
            if (!tryAgain) return Errno.EBUSY.neg();
            tryAgain = false;
            flags &= ~MemoryFailure.MF_COUNT_INCREASED;
        }
    }
}
