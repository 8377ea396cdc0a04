package mmsim.mm.swap;

import mmsim.mm.linux.MmCore;

import mmsim.kernel.Kernel;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.Lruvec;

/**
 * mm/swap.c: adding pages to the LRU through per-CPU batches (lru_cache_add, lru_add_drain).
 * The page references (get_page/put_page and the final __page_cache_release) are the header
 * layer's ({@link MmCore}).
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
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info.
 */
public final class Swap {
    /** PAGEVEC_SIZE (2016 and folio_batch's FOLIO_BATCH_SIZE... 15 until v6.x raised it to 31). */
    public static final int PAGEVEC_SIZE = 15;

    private final MmCore um;
    private final Kernel k;
    private final MmPages pages;
    private final long[][] batch;
    private final int[] batchLen;

    /** mm/swap.c's per-CPU LRU batches over the page API of {@code core}. */
    public Swap(MmCore core) {
        this.um = core;
        this.k = core.k;
        this.pages = core.pages;
        this.batch = new long[k.nrCpus()][PAGEVEC_SIZE];
        this.batchLen = new int[k.nrCpus()];
    }

    /**
     * lru_cache_add() (folio_add_lru): the page goes to this CPU's batch with an extra reference;
     * a full batch is drained onto the LRU.
     */
    public void lruCacheAdd(long pfn) {
        try (var f = k.enter("lru_cache_add")) {
            if (pages.test(pfn, PageFlag.LRU)) {
                throw k.bug("mm/swap.c", 507, pages.dumpPage(pfn, "VM_BUG_ON_PAGE(PageLRU(page))"));
            }
            um.getPage(pfn);
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
                Lruvec lv = um.lruvec(pfn);
                lv.lruLock.lock();
                // lru_add_fn(): PG_lru set under the lock, then the page is linked
                pages.set(pfn, PageFlag.LRU);
                um.addToLru(lv, pfn);
                lv.lruLock.unlock();
            }
            for (long pfn : todo) um.putPage(pfn); // release_pages(): the batch references
        }
    }
}
