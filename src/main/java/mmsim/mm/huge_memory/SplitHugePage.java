package mmsim.mm.huge_memory;

import java.util.ArrayList;
import java.util.List;

import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.AnonVma;
import mmsim.mm.linux.DeferredSplitQueue;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.Lruvec;
import mmsim.mm.linux.MmCore;
import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.VmEvent;
import mmsim.mm.rmap.Rmap;

/**
 * Splitting an anonymous THP into base pages (mm/huge_memory.c): split_huge_page_to_list_to_order
 * with new_order 0 (can_split_folio, unmap_folio, the refcount freeze, __split_huge_page,
 * remap_page) and the THP shrinker's deferred_split_scan over the deferred split queue.
 *
 * <p>Locking (mm/huge_memory.c): the caller holds the folio lock and a reference. The split takes
 * the folio's anon_vma for write (anon_vma_lock_write: no rmap walk, collapse or other split of the
 * tree runs meanwhile), unmaps every PMD and PTE mapping into migration entries under the page
 * table locks (try_to_migrate with TTU_SPLIT_HUGE_PMD | TTU_RMAP_LOCKED), freezes the refcount at
 * exactly the caller's reference (plus the swap cache's) under split_queue_lock, so a GUP pin or
 * any other extra reference makes it fail, then splits the struct pages under the lruvec's
 * lru_lock and puts the PTEs back (remove_migration_ptes with RMP_LOCKED). Lock order: page lock
 * -> anon_vma rwsem -> PTE/pmd lock; split_queue_lock and lru_lock are each taken alone below the
 * anon_vma rwsem.
 */
public final class SplitHugePage {
    private final MmCore um;
    private final Kernel k;
    private final MmPages pages;
    private final Rmap rmap;
    private final HugeMemory huge;

    public SplitHugePage(MmCore um, Rmap rmap, HugeMemory huge) {
        this.um = um;
        this.k = um.k;
        this.pages = um.pages;
        this.rmap = rmap;
        this.huge = huge;
    }

    /** The PMD-level THP code this splits through. */
    public HugeMemory hugeMemory() { return huge; }

    /**
     * The errno of a split that found extra references: -EAGAIN today (split_huge_page_to_list_to_order,
     * 6.12); -EBUSY in the v4.6 era (split_huge_page_to_list's can_split_huge_page check, the 2016-2020 code; 6.1 already has -EAGAIN).
     */
    private int extraRefErrno() {
        return um.config.era() == KernelConfig.Era.V4_6 ? Errno.EBUSY.neg() : Errno.EAGAIN.neg();
    }

    /**
     * can_split_folio(folio, caller_pins=1, &extra_pins): every reference but the caller's and the
     * swap cache's is a mapping's. A GUP pin (or any other get_page) makes it false.
     */
    public boolean canSplitFolio(long head) {
        int extraPins = pages.test(head, PageFlag.OWNER_PRIV_1) ? 1 << pages.compoundOrder(head) : 0;
        return huge.folioMapcount(head) == pages.refcount(head) - extraPins - 1;
    }

    /**
     * split_huge_page_to_list(page, list): 0 when the THP holding {@code page} became base pages
     * (tails go on {@code list} with a reference each when reclaim isolated the THP, else onto the
     * LRU beside the head); -EBUSY for a folio that is not anonymous or has no anon_vma; the
     * extra-reference errno (see {@link #extraRefErrno}) when someone else holds a reference. The
     * caller holds the page lock and a reference on the folio.
     */
    public int splitHugePage(long page, List<Long> list) {
        long head = pages.compoundHead(page);
        try (var f = k.enter("split_huge_page_to_list_to_order")) {
            if (!pages.peek(head, PageFlag.LOCKED)) throw k.bug("mm/huge_memory.c", 3521, pages.dumpPage(head, "VM_BUG_ON_FOLIO(!folio_test_locked(folio))"));
            if (pages.compoundOrder(head) == 0) return 0;
            if (head == huge.hugeZeroPfn() || !um.pageAnon(head)) return Errno.EBUSY.neg(); // shmem THPs are not modelled
            AnonVma av = rmap.anonVmaOf(head); // folio_get_anon_vma()
            if (av == null || av.freed) return Errno.EBUSY.neg();
            av.refcount++;
            av.root.rwsem.downWrite(); // anon_vma_lock_write()
            int ret;
            int nr = 1 << pages.compoundOrder(head);
            int extraPins = pages.test(head, PageFlag.OWNER_PRIV_1) ? nr : 0;
            if (!canSplitFolio(head)) {
                ret = extraRefErrno();
            } else {
                java.util.BitSet converted = unmapFolio(head, nr, av);
                DeferredSplitQueue ds = um.deferredSplit;
                ds.splitQueueLock.lock();
                if (pages.refcount(head) == 1 + extraPins) {
                    pages.refAdd(head, -(1 + extraPins)); // folio_ref_freeze(folio, 1 + extra_pins)
                    ds.removeLocked(head);
                    ds.splitQueueLock.unlock();
                    splitFrozen(head, nr, list, extraPins, converted);
                    ret = 0;
                } else {
                    ds.splitQueueLock.unlock();
                    remapPage(head, nr, converted);
                    ret = extraRefErrno();
                }
            }
            av.root.rwsem.upWrite();
            rmap.putAnonVma(av);
            um.count(ret == 0 ? VmEvent.THP_SPLIT_PAGE : VmEvent.THP_SPLIT_PAGE_FAILED);
            return ret;
        }
    }

    /**
     * unmap_folio(): every huge PMD mapping the folio is split (split_huge_pmd_address), then every
     * PTE mapping one of its pages becomes a migration entry (try_to_migrate, rmap locked).
     */
    private java.util.BitSet unmapFolio(long head, int nr, AnonVma av) {
        try (var f = k.enter("unmap_folio")) {
            long index = pages.index(head);
            for (AnonVma.Chain c : new ArrayList<>(av.chains)) {
                long addr = c.vma().vmaAddress(index);
                if (addr >= 0 && HugeMemory.suitable(c.vma(), addr)) huge.splitHugePmdAddress(c.vma(), addr, head);
            }
            return rmap.migration.tryToMigrateFolioLocked(head, nr);
        }
    }

    /** remap_page(folio, nr): each page's migration entries become PTEs of it again. */
    private void remapPage(long head, int nr, java.util.BitSet converted) {
        try (var f = k.enter("remap_page")) {
            rmap.migration.removeMigrationPtesFolioLocked(head, nr, converted);
        }
    }

    /**
     * __split_huge_page() of a frozen, unmapped folio: the struct pages split under lru_lock (the
     * tails onto the caller's list or beside the head on the LRU), the head's references back,
     * the PTEs back, and the tails unlocked with their split reference dropped (a tail no PTE maps
     * is freed here).
     */
    private void splitFrozen(long head, int nr, List<Long> list, int extraPins, java.util.BitSet converted) {
        try (var f = k.enter("__split_huge_page")) {
            Lruvec lv = um.lruvec(head);
            lv.lruLock.lock();
            boolean onLru = pages.test(head, PageFlag.LRU);
            if (onLru) um.delFromLru(lv, head); // re-added below as a base page, with its tails
            pages.splitCompound(head, 1);
            if (onLru) um.addToLru(lv, head);
            for (long p = head + 1; p < head + nr; p++) {
                // lru_add_split_folio()
                if (list != null) {
                    pages.refAdd(p, 1); // folio_get(): the reclaim list's reference
                    list.add(p);
                } else if (onLru) {
                    pages.set(p, PageFlag.LRU);
                    um.addToLru(lv, p);
                }
            }
            lv.lruLock.unlock();
            pages.splitPageOwner(head, Integer.numberOfTrailingZeros(nr), 0); // split_page_owner(head, order, new_order)
            pages.refAdd(head, 1 + extraPins); // folio_ref_unfreeze(origin_folio, 1 + extra_pins)
            remapPage(head, nr, converted);
            for (long p = head + 1; p < head + nr; p++) {
                pages.clear(p, PageFlag.LOCKED);
                um.putPage(p); // free_page_and_swap_cache(): the split reference
            }
        }
    }

    /**
     * split_huge_pages_pid() (the debugfs file split_huge_pages, "PID,0xSTART,0xEND") for the one
     * page at addr: under mmap_lock for read, the large anonymous folio mapped there is referenced,
     * trylocked and split. 0 when split; -EINVAL when no THP is mapped there; -EAGAIN when its lock
     * is taken; else the split's errno.
     */
    public int splitHugePagesPid(mmsim.mm.linux.MmStruct mm, long addr) {
        try (var f = k.enter("split_huge_pages_pid")) {
            mm.mmapLock.downRead();
            try {
                mmsim.mm.linux.VmArea vma = mm.vmaLookup(addr);
                if (vma == null || !vma.isAnonymous()) return Errno.EINVAL.neg();
                long head = huge.getLargeFolioAt(vma, addr);
                if (head < 0) return Errno.EINVAL.neg();
                int rc = Errno.EAGAIN.neg();
                if (um.trylockPage(head)) {
                    rc = splitHugePage(head, null);
                    um.unlockPage(head);
                }
                um.putPage(head);
                return rc;
            } finally {
                mm.mmapLock.upRead();
            }
        }
    }

    /**
     * deferred_split_scan(): the THP shrinker splits up to {@code nrToScan} queued folios it can
     * get a reference on and lock; those it cannot split go back on the queue. Returns the number
     * split.
     */
    public int deferredSplitScan(int nrToScan) {
        try (var f = k.enter("deferred_split_scan")) {
            DeferredSplitQueue ds = um.deferredSplit;
            List<Long> mine = new ArrayList<>();
            ds.splitQueueLock.lock();
            for (long head : ds.takeLocked(nrToScan)) {
                if (pages.getPageUnlessZero(head)) mine.add(head); // folio_try_get(); else it is being freed: dropped
            }
            ds.splitQueueLock.unlock();
            int split = 0;
            List<Long> back = new ArrayList<>();
            for (long head : mine) {
                if (um.trylockPage(head)) {
                    if (splitHugePage(head, null) == 0) split++;
                    else back.add(head);
                    um.unlockPage(head);
                } else {
                    back.add(head);
                }
            }
            if (!back.isEmpty()) {
                ds.splitQueueLock.lock();
                for (long head : back) ds.addLocked(head); // list_splice_tail back onto the queue
                ds.splitQueueLock.unlock();
            }
            for (long head : mine) um.putPage(head);
            return split;
        }
    }
}
