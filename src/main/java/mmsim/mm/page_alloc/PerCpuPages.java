package mmsim.mm.page_alloc;

import mmsim.kernel.Kernel;
import mmsim.kernel.sync.SpinLock;
import mmsim.mm.memmap.Memmap;

/**
 * struct per_cpu_pages (include/linux/mmzone.h): order-0 pages a CPU keeps out of the buddy
 * lists, one list per PCP migratetype, linked through page->pcp_list (the lru slots). Pages here
 * are free but neither PageBuddy nor counted in NR_FREE_PAGES. Modelled for order 0 only (the
 * kernel also caches orders 1-3 and pageblock order). Lock: pcp->lock (v6.x; 2016 kernels
 * disabled IRQs instead), then zone->lock for bulk moves.
 */
public final class PerCpuPages {
    public final int cpu;
    final SpinLock lock;
    final int[] head = new int[MigrateType.PCPTYPES];
    final int[] tail = new int[MigrateType.PCPTYPES];
    int count;
    int high;
    int batch;

    PerCpuPages(Kernel k, int cpu) {
        this.cpu = cpu;
        this.lock = new SpinLock(k, "pcp->lock");
        java.util.Arrays.fill(head, Memmap.NIL);
        java.util.Arrays.fill(tail, Memmap.NIL);
    }

    public int count() { return count; }
    public int high() { return high; }
    public int batch() { return batch; }
    public long first(int mt) { return head[mt] == Memmap.NIL ? -1 : head[mt]; }
}
