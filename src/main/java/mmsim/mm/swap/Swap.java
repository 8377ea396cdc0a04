package mmsim.mm.swap;

import mmsim.kernel.Kernel;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.MmPages;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.rmap.Rmap;
import mmsim.mm.linux.Lruvec;

/**
 * mm/swap.c: page references (get_page/put_page and the final __page_cache_release), and
 * adding pages to the LRU through per-CPU batches (lru_cache_add, lru_add_drain).
 *
 * <p>Per-CPU batching: {@code lru_cache_add()} takes a reference and parks the page in the
 * current CPU's batch (struct pagevec lru_add_pvec, PAGEVEC_SIZE 15, a folio_batch today); only
 * when the batch fills, or on {@code lru_add_drain()}, does the CPU take the lru_lock, set
 * PG_lru and link the pages, then drop the batch references (release_pages). Until then the
 * page is off every list and PG_lru is clear, so isolate_lru_page() fails on it; that window
 * is what seed 003's khugepaged-vs-reclaim argument is about.
 *
 * <p>Locking: the batch is per CPU (local_lock; the model runs one CPU at a time, so only the
 * preemption points matter). lruvec->lru_lock nests inside the page lock and the PTE lock.
 */
public final class Swap {
    /** PAGEVEC_SIZE (2016 and folio_batch's FOLIO_BATCH_SIZE... 15 until v6.x raised it to 31). */
    public static final int PAGEVEC_SIZE = 15;

    private final UserMemory um;
    private final Kernel k;
    private final MmPages pages;
    private final long[][] batch;
    private final int[] batchLen;

    public Swap(UserMemory um) {
        this.um = um;
        this.k = um.k;
        this.pages = um.pages;
        this.batch = new long[k.nrCpus()][PAGEVEC_SIZE];
        this.batchLen = new int[k.nrCpus()];
    }

    public void getPage(long pfn) {
        int now = pages.refAdd(pfn, 1);
        if (now <= 1) {
            throw k.bug("include/linux/mm.h", 0, pages.dumpPage(pfn, "VM_BUG_ON_PAGE(page_ref_zero_or_close_to_overflow(page))"));
        }
    }

    /**
     * put_page(): drops a reference; the last one frees the page (__folio_put: off the LRU if
     * still on it, mapping cleared, back to the allocator). A count going negative is the
     * VM_BUG_ON_PAGE of put_page_testzero.
     */
    public void putPage(long pfn) {
        try (var f = k.enter("put_page")) {
            int now = pages.refAdd(pfn, -1);
            if (now < 0) throw k.bug("include/linux/mm.h", 0, pages.dumpPage(pfn, "VM_BUG_ON_PAGE(page_ref_count(page) == 0)"));
            if (now == 0) freeUnrefPage(pfn);
        }
    }

    /** Frees a page whose refcount was frozen at zero (__remove_mapping, then free_unref_folios). */
    public void freeRefcountZero(long pfn) { freeUnrefPage(pfn); }

    /** trylock_page() (mm/filemap.c): true when the caller got PG_locked. */
    public boolean trylockPage(long pfn) { return !pages.testSet(pfn, PageFlag.LOCKED); }

    /** lock_page() (mm/filemap.c, folio_lock): sleeps until PG_locked is clear, then sets it. */
    public void lockPage(long pfn) {
        k.mightSleep("mm/filemap.c", 0);
        while (pages.testSet(pfn, PageFlag.LOCKED)) {
            k.sched().waitUntil(() -> !pages.peek(pfn, PageFlag.LOCKED), String.format("PG_locked of pfn %#x", pfn));
        }
    }

    /** unlock_page(). */
    public void unlockPage(long pfn) { pages.clear(pfn, PageFlag.LOCKED); }

    /** __page_cache_release() + free_unref_page(): the page's last reference is gone. */
    void freeUnrefPage(long pfn) {
        try (var f = k.enter("__folio_put")) {
            if (pages.test(pfn, PageFlag.LRU)) {
                Lruvec lv = um.vmscan.lruvec(pfn);
                lv.lruLock.lock();
                if (pages.testClear(pfn, PageFlag.LRU)) um.vmscan.delFromLru(lv, pfn);
                lv.lruLock.unlock();
            }
            // free_pages_prepare(): anonymous mapping pointer and swap-backed/active state go away
            if ((pages.mapping(pfn) & Rmap.PAGE_MAPPING_FLAGS) != 0) pages.setMapping(pfn, 0);
            pages.clear(pfn, PageFlag.SWAPBACKED);
            pages.clear(pfn, PageFlag.ACTIVE);
            pages.clear(pfn, PageFlag.REFERENCED);
            pages.clear(pfn, PageFlag.UPTODATE);
            pages.clear(pfn, PageFlag.DIRTY);
            pages.freePage(pfn);
        }
    }

    /**
     * lru_cache_add() (folio_add_lru): the page goes to this CPU's batch with an extra reference;
     * a full batch is drained onto the LRU.
     */
    public void lruCacheAdd(long pfn) {
        try (var f = k.enter("lru_cache_add")) {
            if (pages.test(pfn, PageFlag.LRU)) {
                throw k.bug("mm/swap.c", 0, pages.dumpPage(pfn, "VM_BUG_ON_PAGE(PageLRU(page))"));
            }
            getPage(pfn);
            int cpu = k.smpProcessorId();
            k.point("lru_cache_add:pagevec_add", batch[cpu], mmsim.kernel.Access.WRITE);
            batch[cpu][batchLen[cpu]++] = pfn;
            if (batchLen[cpu] == PAGEVEC_SIZE) drainCpu(cpu);
        }
    }

    /** lru_add_drain(): moves this CPU's batch onto the LRU. */
    public void lruAddDrain() {
        drainCpu(k.smpProcessorId());
    }

    /**
     * lru_add_drain_all(): drains every CPU's batch. The kernel queues lru_add_drain_per_cpu work
     * on each CPU and waits for it; the model drains the batches directly from the caller.
     */
    public void lruAddDrainAll() {
        try (var f = k.enter("lru_add_drain_all")) {
            for (int cpu = 0; cpu < batch.length; cpu++) drainCpu(cpu);
        }
    }

    /** Pages parked in a CPU's batch (for checks and dumps). */
    public long[] batch(int cpu) { return java.util.Arrays.copyOf(batch[cpu], batchLen[cpu]); }

    private void drainCpu(int cpu) {
        try (var f = k.enter("__pagevec_lru_add")) {
            k.point("lru_add_drain:pagevec", batch[cpu], mmsim.kernel.Access.WRITE);
            int n = batchLen[cpu];
            if (n == 0) return;
            long[] todo = java.util.Arrays.copyOf(batch[cpu], n);
            batchLen[cpu] = 0;
            for (long pfn : todo) {
                Lruvec lv = um.vmscan.lruvec(pfn);
                lv.lruLock.lock();
                // lru_add_fn(): PG_lru set under the lock, then the page is linked
                pages.set(pfn, PageFlag.LRU);
                um.vmscan.addToLru(lv, pfn);
                lv.lruLock.unlock();
            }
            for (long pfn : todo) putPage(pfn); // release_pages(): the batch references
        }
    }
}
