package mmsim.mm.vmscan;

import mmsim.mm.huge_memory.SplitHugePage;
import mmsim.mm.linux.MmCore;
import mmsim.mm.memory.Memory;
import mmsim.mm.pgtable.PageTableStore;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.rmap.Rmap;
import mmsim.mm.swap.Swap;
import mmsim.mm.swap.SwapState;

import mmsim.mm.linux.Lruvec;

import java.util.ArrayList;
import java.util.List;

import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.VmEvent;

/**
 * Page reclaim (mm/vmscan.c): the LRU lists per node, isolating pages from them and putting
 * them back, and one reclaim pass (shrink_active_list + shrink_inactive_list +
 * shrink_folio_list) as kswapd or direct reclaim run it, for anonymous pages. A THP cannot be
 * swapped whole (no THP_SWAP): reclaim splits it (split_folio_to_list; its tails join the list
 * being shrunk) unless an extra reference makes can_split_folio fail, and then keeps it active.
 *
 * <p>The rules the model keeps (and checks): a page is on an LRU list iff PG_lru is set; PG_lru
 * is set and cleared only under lruvec->lru_lock; a page isolated from the LRU has PG_lru clear
 * and one extra reference owned by the isolator; the isolator puts it back with
 * putback_lru_page() or frees it with put_page().
 *
 * <p>Lock order: page lock -> anon_vma rwsem -> PTE lock -> lru_lock (the mm lock tree in the
 * {@code mmsim.mm} package-info). The reclaim
 * pass takes the lru_lock only around list manipulation, never while locking pages.
 *
 * <p>Asserted: lru_lock by lruvec_add_folio/lruvec_del_folio, mmap_lock by madvise_cold/pageout.
 */
public final class Vmscan {
    /** SWAP_CLUSTER_MAX: pages isolated per batch. */
    public static final int SWAP_CLUSTER_MAX = 32;

    /** The outcome of a reclaim pass, as scan_control's counters. */
    public record Result(int scanned, int reclaimed, int activated, int kept) { }

    private final MmCore um;
    private final PgtableArch arch;
    private final PageTableStore tables;
    private final PgtableAlloc pgalloc;
    private final Swap swap;
    private final SwapState swapState;
    private final Rmap rmap;
    private final Memory memory;
    private final Kernel k;
    private final MmPages pages;
    private final SplitHugePage splitHugePage;

    public Vmscan(MmCore um, PgtableArch arch, PageTableStore tables, PgtableAlloc pgalloc, Swap swap, SwapState swapState, Rmap rmap, Memory memory,
                  SplitHugePage splitHugePage) {
        this.um = um;
        this.arch = arch;
        this.tables = tables;
        this.pgalloc = pgalloc;
        this.swap = swap;
        this.swapState = swapState;
        this.rmap = rmap;
        this.memory = memory;
        this.k = um.k;
        this.pages = um.pages;
        this.splitHugePage = splitHugePage;
    }

    /**
     * isolate_lru_page() (folio_isolate_lru): takes the page off its LRU list with a reference
     * of the caller's. Returns 0, or -EBUSY when the page is not on an LRU list (in a per-CPU
     * batch, already isolated, or being freed). The caller must hold a reference.
     */
    public int isolateLruPage(long page) {
        try (var f = k.enter("isolate_lru_page")) {
            long pfn = pages.compoundHead(page); // folio_isolate_lru(page_folio(page)): a THP's tail isolates the folio
            if (pages.refcount(pfn) == 0) {
                throw k.bug("mm/vmscan.c", 1791, pages.dumpPage(pfn, "VM_BUG_ON_PAGE(!page_count(page))"));
            }
            if (!pages.testClear(pfn, PageFlag.LRU)) return Errno.EBUSY.neg();
            um.getPage(pfn);
            Lruvec lv = um.lruvec(pfn);
            lv.lruLock.lock();
            um.delFromLru(lv, pfn);
            lv.lruLock.unlock();
            um.modIsolated(pfn, 1);
            return 0;
        }
    }

    /** putback_lru_page() (folio_putback_lru): back on the LRU via the batch, dropping the isolation reference. */
    public void putbackLruPage(long pfn) {
        try (var f = k.enter("putback_lru_page")) {
            um.modIsolated(pfn, -1);
            swap.lruCacheAdd(pfn);
            um.putPage(pfn);
        }
    }

    /** A page that was never isolated (a migration target): onto the LRU, dropping the caller's reference. */
    public void putbackLruPageNotIsolated(long pfn) {
        swap.lruCacheAdd(pfn);
        um.putPage(pfn);
    }

    /**
     * One reclaim pass over node {@code nid}: deactivate unreferenced active anonymous pages, then
     * shrink the inactive list by up to {@code nrToScan} pages. {@code kswapd} picks the counters.
     */
    public Result shrinkNode(int nid, int nrToScan, boolean kswapd) {
        try (var f = k.enter(kswapd ? "kswapd" : "try_to_free_pages")) {
            swap.lruAddDrain();
            Lruvec lv = um.lruvecOfNode(nid);
            shrinkActiveList(lv, nrToScan);
            return shrinkInactiveList(lv, nrToScan, kswapd);
        }
    }

    /** shrink_active_list(): referenced mapped pages stay active, the rest move to the inactive list. */
    public void shrinkActiveList(Lruvec lv, int nrToScan) {
        try (var f = k.enter("shrink_active_list")) {
            List<Long> isolated = isolateLruPages(lv, Lruvec.LRU_ACTIVE_ANON, nrToScan);
            um.count(VmEvent.PGREFILL, isolated.size());
            List<Long> back = new ArrayList<>();
            for (long pfn : isolated) {
                int refs = 0;
                if (um.pageMapped(pfn) && !pages.testSet(pfn, PageFlag.LOCKED)) {
                    refs = rmap.pageReferenced(pfn, null);
                    unlockPage(pfn);
                }
                if (refs == 0) {
                    pages.clear(pfn, PageFlag.ACTIVE);
                    um.count(VmEvent.PGDEACTIVATE);
                }
                back.add(pfn);
            }
            moveFoliosToLru(lv, back);
        }
    }

    /** isolate_lru_folios(): up to {@code n} pages from the tail of list {@code lru}. */
    private List<Long> isolateLruPages(Lruvec lv, int lru, int n) {
        List<Long> out = new ArrayList<>();
        lv.lruLock.lock();
        for (int i = 0; i < n; i++) {
            long pfn = lv.tail(lru);
            if (pfn < 0) break;
            // folio_try_get() then TestClearPageLRU(): a page being freed (refcount 0) is skipped
            if (!pages.getPageUnlessZero(pfn)) break;
            if (!pages.testClear(pfn, PageFlag.LRU)) {
                lv.lruLock.unlock();
                um.putPage(pfn);
                lv.lruLock.lock();
                continue;
            }
            um.delFromLru(lv, pfn);
            um.modIsolated(pfn, 1);
            out.add(pfn);
        }
        lv.lruLock.unlock();
        return out;
    }

    /** move_folios_to_lru(): isolated pages go back on their lists; pages whose last ref we hold are freed. */
    private void moveFoliosToLru(Lruvec lv, List<Long> list) {
        for (long pfn : list) {
            um.modIsolated(pfn, -1);
            lv.lruLock.lock();
            pages.set(pfn, PageFlag.LRU);
            um.addToLru(lv, pfn);
            lv.lruLock.unlock();
            um.putPage(pfn);
        }
    }

    /** shrink_inactive_list(): isolate a batch from the inactive anon tail, try to reclaim each, put the rest back. */
    public Result shrinkInactiveList(Lruvec lv, int nrToScan, boolean kswapd) {
        try (var f = k.enter("shrink_inactive_list")) {
            List<Long> isolated = isolateLruPages(lv, Lruvec.LRU_INACTIVE_ANON, nrToScan);
            um.count(kswapd ? VmEvent.PGSCAN_KSWAPD : VmEvent.PGSCAN_DIRECT, isolated.size());
            List<Long> keep = new ArrayList<>();
            int[] stat = new int[3];
            // a THP split on the way appends its tails to the list being shrunk (split_folio_to_list)
            for (int i = 0; i < isolated.size(); i++) shrinkPage(isolated.get(i), isolated, keep, stat, false);
            um.count(kswapd ? VmEvent.PGSTEAL_KSWAPD : VmEvent.PGSTEAL_DIRECT, stat[0]);
            moveFoliosToLru(lv, keep);
            return new Result(isolated.size(), stat[0], stat[1], stat[2]);
        }
    }

    /**
     * shrink_folio_list() for one isolated anonymous page: lock, check references, add to swap,
     * unmap, write out, and free it if nothing else holds it. stat = {reclaimed, activated, kept}.
     * {@code ignoreReferences}: MADV_PAGEOUT's reclaim_pages() skips the referenced check.
     */
    private void shrinkPage(long pfn, List<Long> folioList, List<Long> keep, int[] stat, boolean ignoreReferences) {
        try (var f = k.enter("shrink_folio_list")) {
            if (pages.testSet(pfn, PageFlag.LOCKED)) { // !folio_trylock(): someone else has it
                keep.add(pfn);
                stat[2]++;
                return;
            }
            if (!um.pageAnon(pfn)) { keepLocked(pfn, keep, stat); return; } // shmem writeout not modelled
            long[] vmFlags = {0};
            int refs = ignoreReferences ? 0 : rmap.pageReferenced(pfn, vmFlags);
            boolean referencedPage = pages.testClear(pfn, PageFlag.REFERENCED);
            if ((vmFlags[0] & mmsim.mm.linux.VmFlags.VM_LOCKED) != 0 || refs > 0 && (referencedPage || refs > 1)) {
                activate(pfn, keep, stat);
                return;
            }
            if (refs > 0) pages.set(pfn, PageFlag.REFERENCED); // one young PTE: give it another round
            if (refs > 0) { keepLocked(pfn, keep, stat); return; }
            if (pages.compoundOrder(pfn) > 0) {
                // a THP cannot go to swap whole (no THP_SWAP): split it, its tails join folioList, and
                // the head goes on as a base page; an extra reference (a GUP pin) keeps the THP
                if (!splitHugePage.canSplitFolio(pfn) || splitHugePage.splitHugePage(pfn, folioList) != 0) {
                    activate(pfn, keep, stat);
                    return;
                }
                um.count(VmEvent.THP_SWPOUT_FALLBACK);
            }
            if (pages.test(pfn, PageFlag.SWAPBACKED) && !pages.test(pfn, PageFlag.OWNER_PRIV_1)) {
                if (!swapState.addToSwap(pfn)) { activate(pfn, keep, stat); return; }
            }
            if (um.pageMapped(pfn) && !rmap.tryToUnmap(pfn, 0)) { activate(pfn, keep, stat); return; }
            if (pages.test(pfn, PageFlag.DIRTY)) {
                // pageout(): swap_writepage with no disk completes at once
                pages.clear(pfn, PageFlag.DIRTY);
                um.count(VmEvent.PSWPOUT);
            }
            if (!removeMapping(pfn)) { keepLocked(pfn, keep, stat); return; }
            unlockPage(pfn);
            // the refcount was frozen at zero by __remove_mapping: free without put_page
            um.freeRefcountZero(pfn);
            stat[0]++;
        }
    }

    /**
     * __remove_mapping(): under the swap cache lock, freeze the refcount from 2 (isolation + swap
     * cache) to 0; fails if anyone else holds a reference (a GUP pin, a racing lookup).
     */
    private boolean removeMapping(long pfn) {
        try (var f = k.enter("__remove_mapping")) {
            if (!pages.test(pfn, PageFlag.OWNER_PRIV_1)) return false;
            swapState.xaLock.lock();
            int expected = 2;
            if (pages.refcount(pfn) != expected || pages.test(pfn, PageFlag.DIRTY)) {
                swapState.xaLock.unlock();
                return false;
            }
            pages.refAdd(pfn, -expected); // page_ref_freeze
            swapState.deleteFromSwapCacheLocked(pfn);
            swapState.xaLock.unlock();
            um.modIsolated(pfn, -1);
            return true;
        }
    }

    private void activate(long pfn, List<Long> keep, int[] stat) {
        pages.set(pfn, PageFlag.ACTIVE);
        um.count(VmEvent.PGACTIVATE);
        stat[1]++;
        unlockPage(pfn);
        keep.add(pfn);
    }

    private void keepLocked(long pfn, List<Long> keep, int[] stat) {
        stat[2]++;
        unlockPage(pfn);
        keep.add(pfn);
    }

    /**
     * madvise_cold_or_pageout_pte_range() + reclaim_pages(): isolate the range's anonymous pages
     * that only this mm maps; MADV_COLD moves them to the inactive list, MADV_PAGEOUT reclaims
     * them at once.
     */
    public void pageoutRange(mmsim.mm.linux.VmArea vma, long start, long end, boolean pageout) {
        try (var f = k.enter(pageout ? "madvise_pageout" : "madvise_cold")) {
            vma.vmMm.mmapAssertLocked();
            // mm/madvise.c: lru_add_drain() first, so this CPU's freshly faulted pages are on the LRU
            swap.lruAddDrain();
            List<Long> isolated = new ArrayList<>();
            for (long a = start; a < end; a += mmsim.mm.pgtable.PgtableArch.PAGE_SIZE) {
                var pmd = pgalloc.pmdLoc(vma.vmMm, a, false);
                if (pmd == null) continue;
                if (pageoutHugePmd(vma, pmd, a, end, isolated)) {
                    a = (a & PgtableArch.PMD_MASK) + PgtableArch.PMD_SIZE - PgtableArch.PAGE_SIZE;
                    continue;
                }
                var pte = pgalloc.pteOffsetMapLock(pmd, a);
                if (pte == null) continue;
                long v = tables.read(pte.table(), pte.idx(), "madvise_cold_or_pageout_pte_range:ptep_get");
                long pfn = arch.ptePresent(v) ? memory.vmNormalPage(v) : -1;
                // shmem pages (not PageAnon) would be written out by shmem_writeout: not modelled, left alone
                if (pfn >= 0 && um.pageMapcount(pfn) == 1 && um.pageAnon(pfn)) {
                    long head = pages.compoundHead(pfn);
                    um.getPage(head); // folio_get(): on the folio, which is the head after a split too
                    pte.unlock();
                    if (pages.compoundOrder(head) > 0) {
                        // a PTE-mapped THP: split it first so only the pages in range are reclaimed
                        // (split_folio under the folio lock); if that fails the page is skipped
                        boolean split = um.trylockPage(head) && splitLocked(head);
                        um.putPage(head);
                        if (split) a -= mmsim.mm.pgtable.PgtableArch.PAGE_SIZE; // look at this PTE again
                        continue;
                    }
                    if (isolateLruPage(pfn) == 0) isolated.add(pfn);
                    um.putPage(pfn);
                    continue;
                }
                pte.unlock();
            }
            List<Long> keep = new ArrayList<>();
            int[] stat = new int[3];
            for (int i = 0; i < isolated.size(); i++) {
                long pfn = isolated.get(i);
                pages.clear(pfn, PageFlag.ACTIVE);
                pages.clear(pfn, PageFlag.REFERENCED);
                if (pageout) shrinkPage(pfn, isolated, keep, stat, true); // reclaim_pages(): ignore_references
                else keep.add(pfn);
            }
            for (long pfn : keep) putbackLruPage(pfn);
        }
    }

    /**
     * madvise_cold_or_pageout_pte_range()'s huge PMD part: a THP that only this PMD maps and the
     * range covers whole is isolated as one folio (reclaim splits it); a THP the range covers in
     * part has its PMD split so the PTE loop handles the pages in range. True when the PMD was
     * huge and fully handled here.
     */
    private boolean pageoutHugePmd(mmsim.mm.linux.VmArea vma, PgtableAlloc.Loc pmd, long addr, long end, List<Long> isolated) {
        var ptl = pgalloc.pmdLockptr(pmd);
        ptl.lock();
        long v = tables.read(pmd.table(), pmd.idx(), "madvise_cold_or_pageout_pte_range:pmd_trans_huge");
        if (!arch.pmdTransHuge(v)) { ptl.unlock(); return false; }
        long head = arch.pmdPfn(v);
        long haddr = addr & PgtableArch.PMD_MASK;
        boolean whole = haddr == addr && end - addr >= PgtableArch.PMD_SIZE;
        if (whole && head != splitHugePage.hugeMemory().hugeZeroPfn() && pages.entireMapcount(head) == 0 && um.pageAnon(head)) {
            um.getPage(head);
            ptl.unlock();
            if (isolateLruPage(head) == 0) isolated.add(head);
            um.putPage(head);
            return true;
        }
        ptl.unlock();
        if (!whole) splitHugePage.hugeMemory().splitHugePmd(vma, pmd, addr);
        return whole;
    }

    /** split_folio() of a folio the caller just locked; unlocks it. True when it was split. */
    private boolean splitLocked(long head) {
        int rc = splitHugePage.splitHugePage(head, null);
        unlockPage(head);
        return rc == 0;
    }

    /** unlock_page(). */
    public void unlockPage(long pfn) {
        pages.clear(pfn, PageFlag.LOCKED);
    }
}
