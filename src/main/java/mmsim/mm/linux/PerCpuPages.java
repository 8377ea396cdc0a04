package mmsim.mm.linux;

import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;
import mmsim.kernel.sync.SpinLock;

/**
 * struct per_cpu_pages (include/linux/mmzone.h): order-0 pages a CPU keeps out of the buddy
 * lists, one list per PCP migratetype, linked through page->pcp_list (the lru slots). Pages here
 * are free but neither PageBuddy nor counted in NR_FREE_PAGES. Modelled for order 0 only (the
 * kernel also caches orders 1-3 and pageblock order). Lock: pcp->lock (v6.x; 2016 kernels
 * disabled IRQs instead), then zone->lock for bulk moves.
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info.
 */
public final class PerCpuPages {
    /** The lock class of every pcp->lock (lockdep's static key at the init site). */
    private static final LockClass PCP_LOCK = LockClass.spinlock("pcp->lock");

    public final int cpu;
    public final SpinLock lock;
    public final int[] head = new int[MigrateType.PCPTYPES];
    public final int[] tail = new int[MigrateType.PCPTYPES];
    public int count;
    public int high;
    public int batch;
    /** high before zone_pcp_disable() set it to 0. */
    public int savedHigh;

    PerCpuPages(Kernel k, int cpu) {
        this.cpu = cpu;
        this.lock = new SpinLock(k, PCP_LOCK);
        java.util.Arrays.fill(head, Memmap.NIL);
        java.util.Arrays.fill(tail, Memmap.NIL);
    }

    public int count() { return count; }
    public int high() { return high; }
    public int batch() { return batch; }
    public long first(int mt) { return head[mt] == Memmap.NIL ? -1 : head[mt]; }
}
