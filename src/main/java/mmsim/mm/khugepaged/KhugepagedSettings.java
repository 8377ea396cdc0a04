package mmsim.mm.khugepaged;

import mmsim.mm.huge_memory.HugeMemory;

/**
 * The daemon's tunables and counters (mm/khugepaged.c, shown in
 * /sys/kernel/mm/transparent_hugepage/khugepaged/), with the kernel's defaults: pages_to_scan
 * HPAGE_PMD_NR*8, scan_sleep_millisecs 10000, alloc_sleep_millisecs 60000, max_ptes_none
 * HPAGE_PMD_NR-1, max_ptes_swap HPAGE_PMD_NR/8, max_ptes_shared HPAGE_PMD_NR/2, defrag 1.
 * The sleeps are kept and shown; a scenario runs passes explicitly, so nothing sleeps on them.
 */
public final class KhugepagedSettings {
    public int pagesToScan = HugeMemory.HPAGE_PMD_NR * 8;
    public int scanSleepMillisecs = 10000;
    public int allocSleepMillisecs = 60000;
    public int maxPtesNone = HugeMemory.HPAGE_PMD_NR - 1;
    public int maxPtesSwap = HugeMemory.HPAGE_PMD_NR / 8;
    public int maxPtesShared = HugeMemory.HPAGE_PMD_NR / 2;
    public boolean defrag = true;
    /** khugepaged_pages_collapsed (read-only in sysfs). */
    public long pagesCollapsed;
    /** khugepaged_full_scans (read-only in sysfs). */
    public long fullScans;
}
