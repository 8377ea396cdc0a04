package mmsim.iface.procfs;

import mmsim.iface.VirtualFs;
import mmsim.kernel.Kernel;
import mmsim.kernel.Printf;
import mmsim.mm.Machine;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.linux.FreeArea;
import mmsim.mm.linux.MigrateType;
import mmsim.mm.linux.PerCpuPages;
import mmsim.mm.linux.PgData;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.ZoneType;
import mmsim.mm.linux.GlobalStat;
import mmsim.mm.linux.NodeStat;
import mmsim.mm.linux.ZoneStat;

import java.util.Locale;

/**
 * /proc/buddyinfo, /proc/pagetypeinfo, /proc/zoneinfo (mm/vmstat.c) and /proc/meminfo
 * (fs/proc/meminfo.c) in the v6.12 layout, byte for byte for the modelled state.
 *
 * <p>Locking as in mm/vmstat.c: buddyinfo and pagetypeinfo walk each populated zone under
 * zone->lock (pagetypeinfo drops it between orders, with cond_resched); zoneinfo and meminfo
 * read counters without locks. The readers run on the calling simulated CPU.
 */
public final class MmProcFiles {
    private MmProcFiles() { }

    public static void install(VirtualFs fs, Machine m) {
        fs.textFile("/proc/buddyinfo", 0444, () -> buddyinfo(m)).onWriteWithoutStore(mmsim.kernel.Errno.EIO);   // proc_reg_write without proc_write
        fs.textFile("/proc/pagetypeinfo", 0400, () -> pagetypeinfo(m)).onWriteWithoutStore(mmsim.kernel.Errno.EIO);
        fs.textFile("/proc/zoneinfo", 0444, () -> zoneinfo(m)).onWriteWithoutStore(mmsim.kernel.Errno.EIO);
        fs.textFile("/proc/meminfo", 0444, () -> meminfo(m)).onWriteWithoutStore(mmsim.kernel.Errno.EIO);
    }

    /** frag_show(): "Node %d, zone %8s " then "%6lu " per order, for populated zones. */
    public static String buddyinfo(Machine m) {
        Kernel k = m.kernel();
        StringBuilder sb = new StringBuilder();
        try (var f = k.enter("frag_show")) {
            BuddyAllocator ba = m.allocator();
            for (int n = 0; n < ba.nrNodes(); n++) {
                for (ZoneType t : ZoneType.values()) {
                    Zone z = ba.node(n).zone(t);
                    if (!z.populated()) continue;
                    z.lock.lock();
                    try {
                        sb.append(String.format(Locale.ROOT, "Node %d, zone %8s ", n, z.name()));
                        for (int o = 0; o < Zone.NR_PAGE_ORDERS; o++)
                            sb.append(String.format(Locale.ROOT, "%6d ", z.freeArea(o).nrFree()));
                        sb.append('\n');
                    } finally {
                        z.lock.unlock();
                    }
                }
            }
        }
        return sb.toString();
    }

    /** pagetypeinfo_show() per node with memory: header, free counts per type and order, block counts. */
    public static String pagetypeinfo(Machine m) {
        Kernel k = m.kernel();
        BuddyAllocator ba = m.allocator();
        StringBuilder sb = new StringBuilder();
        try (var f = k.enter("pagetypeinfo_show")) {
            for (int n = 0; n < ba.nrNodes(); n++) {
                PgData pg = ba.node(n);
                if (pg.nodePresentPages() == 0) continue;
                sb.append("Page block order: ").append(Zone.PAGEBLOCK_ORDER).append('\n');
                sb.append("Pages per block:  ").append(Zone.PAGEBLOCK_NR_PAGES).append('\n');
                sb.append('\n');
                sb.append(String.format(Locale.ROOT, "%-43s ", "Free pages count per migrate type at order"));
                for (int o = 0; o < Zone.NR_PAGE_ORDERS; o++) sb.append(String.format(Locale.ROOT, "%6d ", o));
                sb.append('\n');
                for (ZoneType t : ZoneType.values()) {
                    Zone z = pg.zone(t);
                    if (!z.populated()) continue;
                    z.lock.lock();
                    try {
                        for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) {
                            sb.append(String.format(Locale.ROOT, "Node %4d, zone %8s, type %12s ", n, z.name(), MigrateType.name(mt)));
                            for (int o = 0; o < Zone.NR_PAGE_ORDERS; o++) {
                                long count = countList(m, z, o, mt);
                                boolean overflow = count >= 100000;
                                sb.append(String.format(Locale.ROOT, "%s%6d ", overflow ? ">" : "", Math.min(count, 100000)));
                                // the kernel drops the lock between orders (cond_resched)
                                z.lock.unlock();
                                z.lock.lock();
                            }
                            sb.append('\n');
                        }
                    } finally {
                        z.lock.unlock();
                    }
                }
                sb.append(String.format(Locale.ROOT, "%n%-23s", "Number of blocks type "));
                for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) sb.append(String.format(Locale.ROOT, "%12s ", MigrateType.name(mt)));
                sb.append('\n');
                for (ZoneType t : ZoneType.values()) {
                    Zone z = pg.zone(t);
                    if (!z.populated()) continue;
                    long[] count = new long[MigrateType.MIGRATE_TYPES];
                    for (long pfn = z.zoneStartPfn(); pfn < z.zoneEndPfn(); pfn += Zone.PAGEBLOCK_NR_PAGES) {
                        long page = m.config().era() == mmsim.mm.linux.KernelConfig.Era.V4_6
                                ? (m.sparse().pfnValid(pfn) ? pfn : -1) : m.sparse().pfnToOnlinePage(pfn);
                        if (page < 0 || ba.pageZone(page) != z) continue;
                        int mt = ba.pageblockMigratetype(page);
                        if (mt < MigrateType.MIGRATE_TYPES) count[mt]++;
                    }
                    sb.append(String.format(Locale.ROOT, "Node %d, zone %8s ", n, z.name()));
                    for (long c : count) sb.append(String.format(Locale.ROOT, "%12d ", c));
                    sb.append('\n');
                }
            }
        }
        return sb.toString();
    }

    /** Walks a free list of {@code zone} (stops at 100000 like the kernel), under zone->lock. */
    private static long countList(Machine m, Zone zone, int order, int mt) {
        zone.lock.assertHeld();
        long n = 0;
        long p = zone.freeArea(order).first(mt);
        while (p >= 0 && n < 100000) {
            n++;
            int next = m.memmap().lruNext(p);
            p = next == mmsim.mm.linux.Memmap.NIL ? -1 : Integer.toUnsignedLong(next);
        }
        return n;
    }

    /** zoneinfo_show_print() for every zone of every node. */
    public static String zoneinfo(Machine m) {
        BuddyAllocator ba = m.allocator();
        Kernel k = m.kernel();
        StringBuilder sb = new StringBuilder();
        try (var f = k.enter("zoneinfo_show")) {
            for (int n = 0; n < ba.nrNodes(); n++) {
                PgData pg = ba.node(n);
                Zone firstPopulated = null;
                for (ZoneType t : ZoneType.values()) if (firstPopulated == null && pg.zone(t).populated()) firstPopulated = pg.zone(t);
                for (ZoneType t : ZoneType.values()) {
                    Zone z = pg.zone(t);
                    sb.append(String.format(Locale.ROOT, "Node %d, zone %8s", n, z.name()));
                    if (z == firstPopulated) {
                        sb.append("\n  per-node stats");
                        for (NodeStat s : NodeStat.values())
                            sb.append(String.format(Locale.ROOT, "\n      %-12s %d", s.vmstatName, pg.stat(s)));
                    }
                    sb.append(String.format(Locale.ROOT,
                            "\n  pages free     %d\n        boost    %d\n        min      %d\n        low      %d"
                                    + "\n        high     %d\n        promo    %d\n        spanned  %d\n        present  %d"
                                    + "\n        managed  %d\n        cma      %d",
                            z.stat(ZoneStat.NR_FREE_PAGES), z.watermarkBoost(), z.minWmark(), z.lowWmark(), z.highWmark(),
                            z.promoWmark(), z.spannedPages(), z.presentPages(), z.managedPages(), z.cmaPages()));
                    sb.append("\n        protection: (").append(z.lowmemReserve(0));
                    for (int i = 1; i < ZoneType.MAX_NR_ZONES; i++) sb.append(", ").append(z.lowmemReserve(i));
                    sb.append(')');
                    if (!z.populated()) {
                        sb.append('\n');
                        continue;
                    }
                    for (ZoneStat s : ZoneStat.values())
                        sb.append(String.format(Locale.ROOT, "\n      %-12s %d", s.vmstatName, z.stat(s)));
                    for (String numa : new String[] {"numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other"})
                        sb.append(String.format(Locale.ROOT, "\n      %-12s %d", numa, 0));
                    sb.append("\n  pagesets");
                    int threshold = statThreshold(z, k.nrCpus());
                    for (int c = 0; c < k.nrCpus(); c++) {
                        PerCpuPages pcp = z.pcp(c);
                        sb.append(String.format(Locale.ROOT, "\n    cpu: %d\n              count:    %d\n              high:     %d"
                                + "\n              batch:    %d", c, pcp.count(), pcp.high(), pcp.batch()));
                        sb.append("\n  vm stats threshold: ").append(threshold);
                    }
                    sb.append(String.format(Locale.ROOT, "\n  node_unreclaimable:  %d\n  start_pfn:           %d", 0, z.zoneStartPfn()));
                    sb.append('\n');
                }
            }
        }
        return sb.toString();
    }

    /** calculate_normal_threshold(). */
    static int statThreshold(Zone z, int cpus) {
        long mem = z.managedPages() >> (27 - 12);
        int t = 2 * fls(cpus) * (1 + fls(mem));
        return Math.min(125, t);
    }

    private static int fls(long x) { return 64 - Long.numberOfLeadingZeros(x); }

    /** meminfo_proc_show() (v6.12, x86_64, CONFIG_MEMORY_FAILURE, CONFIG_CMA, no zswap). */
    public static String meminfo(Machine m) {
        BuddyAllocator ba = m.allocator();
        var vs = m.vmstat();
        long totalram = ba.totalramPages();
        long free = ba.globalZoneState(ZoneStat.NR_FREE_PAGES);
        long activeAnon = ba.globalNodeState(NodeStat.NR_ACTIVE_ANON), inactiveAnon = ba.globalNodeState(NodeStat.NR_INACTIVE_ANON);
        long activeFile = ba.globalNodeState(NodeStat.NR_ACTIVE_FILE), inactiveFile = ba.globalNodeState(NodeStat.NR_INACTIVE_FILE);
        long swapcache = ba.globalNodeState(NodeStat.NR_SWAPCACHE);
        long cached = Math.max(0, ba.globalNodeState(NodeStat.NR_FILE_PAGES) - swapcache);
        long sreclaimable = ba.globalNodeState(NodeStat.NR_SLAB_RECLAIMABLE_B);
        long sunreclaim = ba.globalNodeState(NodeStat.NR_SLAB_UNRECLAIMABLE_B);
        long kreclaimable = sreclaimable + ba.globalNodeState(NodeStat.NR_KERNEL_MISC_RECLAIMABLE);
        long hugeTotal = vs.get(GlobalStat.HUGETLB_TOTAL);
        long commitLimit = (totalram - hugeTotal * 512) * 50 / 100 + vs.get(GlobalStat.TOTAL_SWAP_PAGES);
        StringBuilder sb = new StringBuilder();
        kb(sb, "MemTotal:", totalram);
        kb(sb, "MemFree:", free);
        kb(sb, "MemAvailable:", memAvailable(m));
        kb(sb, "Buffers:", 0);
        kb(sb, "Cached:", cached);
        kb(sb, "SwapCached:", swapcache);
        kb(sb, "Active:", activeAnon + activeFile);
        kb(sb, "Inactive:", inactiveAnon + inactiveFile);
        kb(sb, "Active(anon):", activeAnon);
        kb(sb, "Inactive(anon):", inactiveAnon);
        kb(sb, "Active(file):", activeFile);
        kb(sb, "Inactive(file):", inactiveFile);
        kb(sb, "Unevictable:", ba.globalNodeState(NodeStat.NR_UNEVICTABLE));
        kb(sb, "Mlocked:", ba.globalZoneState(ZoneStat.NR_MLOCK));
        kb(sb, "SwapTotal:", vs.get(GlobalStat.TOTAL_SWAP_PAGES));
        kb(sb, "SwapFree:", vs.get(GlobalStat.NR_SWAP_PAGES));
        kb(sb, "Dirty:", ba.globalNodeState(NodeStat.NR_FILE_DIRTY));
        kb(sb, "Writeback:", ba.globalNodeState(NodeStat.NR_WRITEBACK));
        kb(sb, "AnonPages:", ba.globalNodeState(NodeStat.NR_ANON_MAPPED));
        kb(sb, "Mapped:", ba.globalNodeState(NodeStat.NR_FILE_MAPPED));
        kb(sb, "Shmem:", ba.globalNodeState(NodeStat.NR_SHMEM));
        kb(sb, "KReclaimable:", kreclaimable);
        kb(sb, "Slab:", sreclaimable + sunreclaim);
        kb(sb, "SReclaimable:", sreclaimable);
        kb(sb, "SUnreclaim:", sunreclaim);
        sb.append(Printf.format("%-16s%8d kB%n", "KernelStack:", ba.globalNodeState(NodeStat.NR_KERNEL_STACK_KB)));
        kb(sb, "PageTables:", ba.globalNodeState(NodeStat.NR_PAGETABLE));
        kb(sb, "SecPageTables:", ba.globalNodeState(NodeStat.NR_SECONDARY_PAGETABLE));
        kb(sb, "NFS_Unstable:", 0);
        kb(sb, "Bounce:", ba.globalZoneState(ZoneStat.NR_BOUNCE));
        kb(sb, "WritebackTmp:", ba.globalNodeState(NodeStat.NR_WRITEBACK_TEMP));
        kb(sb, "CommitLimit:", commitLimit);
        kb(sb, "Committed_AS:", vs.get(GlobalStat.VM_COMMITTED_AS));
        sb.append(Printf.format("%-16s%8d kB%n", "VmallocTotal:", 34359738367L));
        kb(sb, "VmallocUsed:", vs.get(GlobalStat.VMALLOC_USED_PAGES));
        kb(sb, "VmallocChunk:", 0);
        kb(sb, "Percpu:", vs.get(GlobalStat.PCPU_NR_PAGES));
        sb.append(Printf.format("HardwareCorrupted: %5d kB%n", vs.get(GlobalStat.NUM_POISONED_PAGES) * 4));
        kb(sb, "AnonHugePages:", ba.globalNodeState(NodeStat.NR_ANON_THPS));
        kb(sb, "ShmemHugePages:", ba.globalNodeState(NodeStat.NR_SHMEM_THPS));
        kb(sb, "ShmemPmdMapped:", ba.globalNodeState(NodeStat.NR_SHMEM_PMDMAPPED));
        kb(sb, "FileHugePages:", ba.globalNodeState(NodeStat.NR_FILE_THPS));
        kb(sb, "FilePmdMapped:", ba.globalNodeState(NodeStat.NR_FILE_PMDMAPPED));
        long cmaTotal = 0;
        for (Zone z : m.zones()) cmaTotal += z.cmaPages();
        kb(sb, "CmaTotal:", cmaTotal);
        kb(sb, "CmaFree:", ba.globalZoneState(ZoneStat.NR_FREE_CMA_PAGES));
        sb.append(Printf.format("HugePages_Total:   %5d%nHugePages_Free:    %5d%nHugePages_Rsvd:    %5d%nHugePages_Surp:    %5d%n",
                hugeTotal, vs.get(GlobalStat.HUGETLB_FREE), vs.get(GlobalStat.HUGETLB_RSVD), vs.get(GlobalStat.HUGETLB_SURP)));
        sb.append(Printf.format("%-16s%8d kB%n", "Hugepagesize:", 2048));
        sb.append(Printf.format("%-16s%8d kB%n", "Hugetlb:", hugeTotal * 2048));
        if (m.arch().kernelArch() == Kernel.Arch.X86_64) directMap(sb, m);
        return sb.toString();
    }

    private static void kb(StringBuilder sb, String label, long pages) {
        sb.append(Printf.format("%-16s%8d kB%n", label, pages * 4));
    }

    /** si_mem_available(). */
    public static long memAvailable(Machine m) {
        BuddyAllocator ba = m.allocator();
        long wmarkLow = 0;
        for (Zone z : m.zones()) wmarkLow += z.lowWmark();
        long available = ba.globalZoneState(ZoneStat.NR_FREE_PAGES) - ba.totalreservePages();
        long pagecache = ba.globalNodeState(NodeStat.NR_ACTIVE_FILE) + ba.globalNodeState(NodeStat.NR_INACTIVE_FILE);
        pagecache -= Math.min(pagecache / 2, wmarkLow);
        available += pagecache;
        long reclaimable = ba.globalNodeState(NodeStat.NR_SLAB_RECLAIMABLE_B) + ba.globalNodeState(NodeStat.NR_KERNEL_MISC_RECLAIMABLE);
        available += reclaimable - Math.min(reclaimable / 2, wmarkLow);
        return Math.max(0, available);
    }

    /** arch_report_meminfo() on x86_64: the direct map split by page size (4k below 2 MiB alignment, 1G where aligned). */
    private static void directMap(StringBuilder sb, Machine m) {
        long k4 = 0, m2 = 0, g1 = 0;
        for (var r : m.layout().ranges(mmsim.mm.linux.MachineLayout.Kind.RAM)) {
            for (long a = r.start(); a < r.end(); ) {
                if ((a & ((1L << 30) - 1)) == 0 && a + (1L << 30) <= r.end()) { g1 += 1L << 30; a += 1L << 30; }
                else if ((a & ((1L << 21) - 1)) == 0 && a + (1L << 21) <= r.end()) { m2 += 1L << 21; a += 1L << 21; }
                else { k4 += 4096; a += 4096; }
            }
        }
        sb.append(Printf.format("%-16s%8d kB%n", "DirectMap4k:", k4 >> 10));
        sb.append(Printf.format("%-16s%8d kB%n", "DirectMap2M:", m2 >> 10));
        sb.append(Printf.format("%-16s%8d kB%n", "DirectMap1G:", g1 >> 10));
    }
}
