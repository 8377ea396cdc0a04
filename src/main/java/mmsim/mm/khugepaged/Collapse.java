package mmsim.mm.khugepaged;

import mmsim.kernel.Kernel;
import mmsim.kernel.sync.SpinLock;
import mmsim.mm.huge_memory.HugeMemory;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.linux.MmCore;
import mmsim.mm.memory.Memory;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.rmap.Rmap;
import mmsim.mm.swap.Swap;
import mmsim.mm.swap.SwapState;
import mmsim.mm.vmscan.Vmscan;
import mmsim.mm.linux.VmArea;
import mmsim.mm.linux.VmEvent;
import mmsim.mm.pgtable.PageTableStore;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.linux.AnonVma;

/**
 * One collapse_huge_page() (mm/khugepaged.c) of the PMD range at {@code haddr}: entered with
 * mmap_lock held for read (from hpage_collapse_scan_pmd), which it drops first. The order of
 * locks and steps is the one {@link Khugepaged}'s header draws; the variant switches change
 * only the steps they name.
 *
 * <p>The old pages go through: isolate (trylock_page, refcount check, isolate_lru_page, under the
 * detached table's pte lock) -> copy -> release_pte_page (unlock_page + putback_lru_page) ->
 * under the pte lock pte_clear + page_remove_rmap -> free_page_and_swap_cache (the mapping's
 * reference). From putback on a page is on an LRU (once its CPU's batch drains) and reclaim may
 * isolate it; Kirill's argument is that reclaim's rmap walk cannot reach the detached PTE.
 *
 * <p>A page of a PTE-mapped THP (v5.8+, 6.12's compound_pagelist) is handled as its folio: the
 * folio is locked, checked (is_refcount_suitable over all its mappings) and isolated once, at its
 * first PTE; the copy unmaps each of its PTEs under the pte lock (folio_remove_rmap_pte, one
 * reference each) without releasing it, and after the loop each such folio is unlocked, its
 * swap cache dropped and put back on the LRU, which frees it when no mapping is left.
 */
final class Collapse {
    private final Khugepaged kh;
    private final MmCore um;
    private final PgtableAlloc pgalloc;
    private final Swap swap;
    private final SwapState swapState;
    private final Rmap rmap;
    private final Memory memory;
    private final Vmscan vmscan;
    private final HugeMemory huge;
    private final Kernel k;
    private final MmPages pages;
    private final PageTableStore store;
    private final PgtableArch arch;
    private final MmStruct mm;
    private final long haddr;
    private final int unmapped;
    /** cc->is_khugepaged: the daemon's limits apply (MADV_COLLAPSE ignores max_ptes_* and the referenced test). */
    private final boolean khugepaged;
    /** compound_pagelist: the PTE-mapped THPs isolate locked and isolated, each once (v5.8+). */
    private final java.util.List<Long> compoundPagelist = new java.util.ArrayList<>();
    /** The detached table's entries as isolate saw them under its lock (the copy re-reads present ones). */
    private final long[] seen = new long[HugeMemory.HPAGE_PMD_NR];

    Collapse(Khugepaged kh, MmStruct mm, long haddr, int unmapped, boolean khugepaged) {
        this.kh = kh;
        this.khugepaged = khugepaged;
        this.um = kh.um;
        this.k = kh.k;
        this.pages = kh.pages;
        this.store = kh.store;
        this.arch = kh.arch;
        this.pgalloc = kh.pgalloc;
        this.swap = kh.swap;
        this.swapState = kh.swapState;
        this.rmap = kh.rmap;
        this.memory = kh.memory;
        this.vmscan = kh.vmscan;
        this.huge = kh.huge;
        this.mm = mm;
        this.haddr = haddr;
        this.unmapped = unmapped;
    }

    /** collapse_huge_page(). Caller holds mmap_lock for read; returns with it dropped. */
    ScanResult run() {
        mm.mmapLock.assertHeldRead();
        try (var f = k.enter("collapse_huge_page")) {
            mm.mmapLock.upRead();
            // alloc_charge_folio(): counted at the allocation, whether or not the collapse then succeeds
            long folio = pages.allocCompound(HugeMemory.HPAGE_PMD_ORDER);
            if (folio < 0) {
                um.count(VmEvent.THP_COLLAPSE_ALLOC_FAILED);
                return ScanResult.SCAN_ALLOC_HUGE_PAGE_FAIL;
            }
            um.count(VmEvent.THP_COLLAPSE_ALLOC);
            ScanResult r = locked(folio);
            if (r != ScanResult.SCAN_SUCCEED) um.putPage(folio);
            return r;
        }
    }

    private ScanResult locked(long folio) {
        if (unmapped > 0) {
            // __collapse_huge_page_swapin(): fault the swapped PTEs back in under mmap_lock (read)
            mm.mmapLock.downRead();
            VmArea v = kh.revalidate(mm, haddr);
            if (v == null) { mm.mmapLock.upRead(); return ScanResult.SCAN_VMA_CHECK; }
            int swappedIn = 0;
            for (long a = haddr; a < haddr + PgtableArch.PMD_SIZE; a += PgtableArch.PAGE_SIZE) {
                PgtableAlloc.Loc pmd = pgalloc.pmdLoc(mm, a, false);
                if (pmd == null) break;
                PgtableAlloc.PteLock pte = pgalloc.pteOffsetMapLock(pmd, a);
                if (pte == null) break;
                boolean swap = arch.isSwapPte(store.readLocked(pte.table(), pte.idx(), "__collapse_huge_page_swapin:ptep_get"));
                pte.unlock();
                if (swap) {
                    memory.handleMmFault(v, a, 0);
                    swappedIn++;
                }
            }
            // "Drain LRU cache to remove extra pin on the swapped in pages" (mm/khugepaged.c)
            if (swappedIn > 0) this.swap.lruAddDrain();
            mm.mmapLock.upRead();
        }
        mm.mmapLock.downWrite();
        try {
            VmArea vma = kh.revalidate(mm, haddr);
            if (vma == null) return ScanResult.SCAN_VMA_CHECK;
            PgtableAlloc.Loc pmd = pgalloc.pmdLoc(mm, haddr, false);
            if (pmd == null || !arch.isTableEntry(store.read(pmd.table(), pmd.idx(), "check_pmd_still_valid"))) return ScanResult.SCAN_PMD_NULL;
            // v6.4+ (Suren Baghdasaryan): no fault under the per-VMA lock while the table is detached
            if (!kh.has(Khugepaged.NO_VMA_START_WRITE)) mm.vmaStartWrite(vma);
            AnonVma av = vma.anonVma;
            if (av == null) return ScanResult.SCAN_VMA_CHECK;
            av.root.rwsem.downWrite(); // anon_vma_lock_write
            SpinLock pmdPtl = pgalloc.pmdLockptr(pmd);
            boolean pmdLock = !kh.has(Khugepaged.NO_PMD_LOCK);
            if (pmdLock) pmdPtl.lock();
            long oldPmd = kh.pmdpCollapseFlush(vma, haddr, pmd);
            if (pmdLock) pmdPtl.unlock();
            if (!kh.has(Khugepaged.NO_TABLE_SYNC)) kh.tlbRemoveTableSyncOne();
            long table = arch.tableEntryPfn(oldPmd);
            kh.setDetached(mm, haddr, table);
            SpinLock ptePtl = store.ptl(table); // pte_offset_map_lock(mm, &_pmd, ...): through the saved PMD value
            ptePtl.lock();
            ScanResult r = isolate(vma, table);
            ptePtl.unlock();
            if (r != ScanResult.SCAN_SUCCEED) {
                // reattach the table: nothing was collapsed
                pmdPtl.lock();
                store.write(pmd.table(), pmd.idx(), oldPmd, "collapse_huge_page:pmd_populate");
                pmdPtl.unlock();
                kh.setDetached(null, 0, -1);
                av.root.rwsem.upWrite();
                return r;
            }
            av.root.rwsem.upWrite(); // "all pages are isolated and locked so anon_vma rmap can't run anymore"
            copy(table, ptePtl);
            pages.set(folio, PageFlag.UPTODATE);
            long entry = arch.pfnPmdHuge(folio, vma.vmPageProt);
            if ((vma.vmFlags & mmsim.mm.linux.VmFlags.VM_WRITE) != 0) entry = arch.pmdMkwrite(arch.pmdMkdirty(entry));
            pmdPtl.lock();
            huge.addNewAnonRmapPmd(folio, vma, haddr);
            swap.lruCacheAdd(folio);
            huge.deposit(pmd, table); // pgtable_trans_huge_deposit: the old table, kept for a split
            store.write(pmd.table(), pmd.idx(), entry, "collapse_huge_page:set_pmd_at");
            pmdPtl.unlock();
            kh.setDetached(null, 0, -1);
            kh.collapsed(); // the allocation's reference is now the PMD mapping's

            return ScanResult.SCAN_SUCCEED;
        } finally {
            mm.mmapWriteUnlock();
        }
    }

    /** __collapse_huge_page_isolate(). Caller holds the detached table's pte lock. */
    private ScanResult isolate(VmArea vma, long table) {
        try (var f = k.enter("__collapse_huge_page_isolate")) {
            int noneOrZero = 0, shared = 0, referenced = 0;
            boolean writable = false;
            KhugepagedSettings s = kh.settings;
            int i = 0;
            ScanResult r = ScanResult.SCAN_SUCCEED;
            for (; i < HugeMemory.HPAGE_PMD_NR; i++) {
                long v = store.readLocked(table, i, "__collapse_huge_page_isolate:ptep_get");
                seen[i] = v;
                if (arch.pteNone(v) || arch.ptePresent(v) && arch.ptePfn(v) == um.zeroPfn) {
                    if (++noneOrZero > s.maxPtesNone && khugepaged) { r = ScanResult.SCAN_EXCEED_NONE_PTE; break; }
                    continue;
                }
                if (!arch.ptePresent(v)) { r = ScanResult.SCAN_PTE_NON_PRESENT; break; }
                long page = memory.vmNormalPage(v);
                if (page < 0) { r = ScanResult.SCAN_PAGE_NULL; break; }
                long folio = pages.compoundHead(page);
                boolean large = pages.compoundOrder(folio) > 0;
                if (!kh.has(Khugepaged.NO_COMPOUND) && kh.mappedShared(page, folio) && ++shared > s.maxPtesShared && khugepaged) {
                    r = ScanResult.SCAN_EXCEED_SHARED_PTE; // max_ptes_shared: v5.8+
                    break;
                }
                if (large && kh.has(Khugepaged.NO_COMPOUND)) { r = ScanResult.SCAN_PAGE_COMPOUND; break; }
                if (!large || !compoundPagelist.contains(folio)) { // a PTE-mapped THP is isolated once, at its first PTE
                    if (!um.trylockPage(folio)) { r = ScanResult.SCAN_PAGE_LOCK; break; }
                    // a GUP pin (or anyone's reference) makes the page unsuitable: its holder could write the old copy
                    if (!kh.refcountSuitable(folio)) { um.unlockPage(folio); r = ScanResult.SCAN_PAGE_COUNT; break; }
                    if (vmscan.isolateLruPage(folio) != 0) { um.unlockPage(folio); r = ScanResult.SCAN_DEL_PAGE_LRU; break; }
                    if (large) compoundPagelist.add(folio);
                }
                if (arch.pteYoung(v) || pages.test(folio, PageFlag.REFERENCED)) referenced++;
                if (arch.pteWrite(v)) writable = true;
            }
            if (r == ScanResult.SCAN_SUCCEED) {
                if (!writable) r = ScanResult.SCAN_PAGE_RO;
                else if (referenced == 0 && khugepaged) r = ScanResult.SCAN_LACK_REFERENCED_PAGE;
                else return r;
                i = HugeMemory.HPAGE_PMD_NR;
            }
            // release_pte_pages(): what was isolated before the failure goes back, a THP once
            for (int j = 0; j < i; j++) {
                long page = arch.ptePresent(seen[j]) ? memory.vmNormalPage(seen[j]) : -1;
                if (page >= 0 && pages.compoundOrder(pages.compoundHead(page)) == 0) releasePtePage(page);
            }
            for (long folio : compoundPagelist) releasePtePage(folio);
            compoundPagelist.clear();
            return r;
        }
    }

    /** release_pte_page(): NR_ISOLATED_ANON--, unlock_page, putback_lru_page. */
    private void releasePtePage(long page) {
        try (var f = k.enter("release_pte_page")) {
            um.unlockPage(page);
            vmscan.putbackLruPage(page);
        }
    }

    /**
     * __collapse_huge_page_copy() (v5.x) / _copy_succeeded() (v6.4+): per PTE, a none or zero entry
     * becomes a zeroed subpage (rss + 1, a zero-page PTE cleared under the lock); a page is copied,
     * released (release_pte_page) and unmapped under the pte lock (pte_clear + page_remove_rmap),
     * then the mapping's reference is dropped. The pte lock is not held between entries.
     */
    private void copy(long table, SpinLock ptePtl) {
        try (var f = k.enter("__collapse_huge_page_copy")) {
            for (int i = 0; i < HugeMemory.HPAGE_PMD_NR; i++) {
                // entries isolate saw none stay none (nothing can populate a detached table); the rest are re-read
                long v = arch.pteNone(seen[i]) ? 0 : store.read(table, i, "__collapse_huge_page_copy:ptep_get");
                if (arch.pteNone(v) || arch.ptePresent(v) && arch.ptePfn(v) == um.zeroPfn) {
                    mm.rss[MmStruct.MM_ANONPAGES]++; // clear_user_highpage + add_mm_counter
                    if (!arch.pteNone(v)) {
                        ptePtl.lock();
                        store.write(table, i, 0, "__collapse_huge_page_copy:ptep_clear(zero)");
                        ptePtl.unlock();
                    }
                    continue;
                }
                long page = arch.ptePresent(v) ? memory.vmNormalPage(v) : -1;
                if (page < 0) page = memory.vmNormalPage(seen[i]); // the counterfactual's reclaim replaced it
                // copy_user_highpage(): contents are not modelled
                if (pages.compoundOrder(pages.compoundHead(page)) > 0) {
                    // a page of a PTE-mapped THP: unmapped here, its folio released once after the loop
                    ptePtl.lock();
                    store.write(table, i, 0, "__collapse_huge_page_copy:ptep_clear");
                    rmap.pageRemoveRmap(page);
                    ptePtl.unlock();
                    um.putPage(page); // free_page_and_swap_cache(): the folio is locked by us, only the reference goes
                    continue;
                }
                if (kh.has(Khugepaged.YANG_V1)) {
                    ptePtl.lock();
                    store.write(table, i, 0, "__collapse_huge_page_copy:pte_clear");
                    rmap.pageRemoveRmap(page);
                    ptePtl.unlock();
                    // Yang Shi's v1: no putback; the page is freed with its last reference
                    um.count(page, VmEvent.NR_ISOLATED_ANON, -1);
                    pages.clear(page, PageFlag.ACTIVE);
                    pages.clear(page, PageFlag.UNEVICTABLE);
                    um.unlockPage(page);
                    um.putPage(page); // the isolation reference
                } else if (kh.has(Khugepaged.RELEASE_UNDER_PTL)) {
                    ptePtl.lock();
                    releasePtePage(page);
                    store.write(table, i, 0, "__collapse_huge_page_copy:pte_clear");
                    rmap.pageRemoveRmap(page);
                    ptePtl.unlock();
                } else {
                    releasePtePage(page);
                    ptePtl.lock();
                    store.write(table, i, 0, "__collapse_huge_page_copy:pte_clear");
                    rmap.pageRemoveRmap(page);
                    ptePtl.unlock();
                }
                // free_page_and_swap_cache(): the mapping's reference
                swapState.freeSwapCache(page);
                um.putPage(page);
            }
            // the compound_pagelist: each THP unlocked, its swap cache dropped, back on the LRU (freed if now unmapped)
            for (long folio : compoundPagelist) {
                um.unlockPage(folio);
                swapState.freeSwapCache(folio);
                vmscan.putbackLruPage(folio);
            }
            compoundPagelist.clear();
        }
    }
}
