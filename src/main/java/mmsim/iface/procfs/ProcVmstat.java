package mmsim.iface.procfs;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import mmsim.iface.VirtualFs;
import mmsim.kernel.Kernel;
import mmsim.mm.Machine;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.linux.VmEvent;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.ZoneType;
import mmsim.mm.linux.NodeStat;
import mmsim.mm.linux.ZoneStat;

/**
 * /proc/vmstat (mm/vmstat.c: vmstat_start/vmstat_show over vmstat_text): "name value" lines in
 * the kernel's order, zone_stat_item sums, numa_stat_item, node_stat_item sums, the two
 * writeback thresholds, then vm_event_item counters.
 *
 * <p>The vm_event_item list is v6.1's for an x86_64 config with NUMA, SWAP, MIGRATION,
 * COMPACTION, HUGETLB, CMA, THP and the memory balloon (NUMA balancing, KSM, zswap and
 * DEBUG_TLBFLUSH off); arm64 lacks the two direct_map lines. The model keeps the fault,
 * swap, LRU, reclaim and migration events (pgfault, pgmajfault, pswpin, pswpout, pgactivate,
 * pgdeactivate, pgrefill, pgscan_/pgsteal_kswapd/direct and _anon, pgmigrate_success/fail);
 * every other event, the numa counters and nr_memmap_* read 0 because the model does not count
 * them. The dirty thresholds follow global_dirty_limits() with the default ratios (20 and 10 %
 * of free + file pages), without highmem or the totalreserve_pages subtraction.
 *
 * <p>Locking: none, as in the kernel (the counters are read with their per-CPU diffs folded).
 */
public final class ProcVmstat {
    private ProcVmstat() { }

    static final List<String> NUMA = List.of("numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other");

    /** vm_event_item names up to the per-zone ones. */
    static final List<String> EVENTS_HEAD = List.of("pgpgin", "pgpgout", "pswpin", "pswpout");
    static final List<String> PER_ZONE = List.of("pgalloc", "allocstall", "pgskip");
    static final List<String> EVENTS_TAIL = List.of(
            "pgfree", "pgactivate", "pgdeactivate", "pglazyfree",
            "pgfault", "pgmajfault", "pglazyfreed",
            "pgrefill", "pgreuse", "pgsteal_kswapd", "pgsteal_direct", "pgdemote_kswapd", "pgdemote_direct",
            "pgscan_kswapd", "pgscan_direct", "pgscan_direct_throttle", "pgscan_anon", "pgscan_file", "pgsteal_anon", "pgsteal_file",
            "zone_reclaim_failed", "pginodesteal", "slabs_scanned", "kswapd_inodesteal",
            "kswapd_low_wmark_hit_quickly", "kswapd_high_wmark_hit_quickly", "pageoutrun",
            "pgrotated", "drop_pagecache", "drop_slab", "oom_kill",
            "pgmigrate_success", "pgmigrate_fail", "thp_migration_success", "thp_migration_fail", "thp_migration_split",
            "compact_migrate_scanned", "compact_free_scanned", "compact_isolated", "compact_stall", "compact_fail",
            "compact_success", "compact_daemon_wake", "compact_daemon_migrate_scanned", "compact_daemon_free_scanned",
            "htlb_buddy_alloc_success", "htlb_buddy_alloc_fail", "cma_alloc_success", "cma_alloc_fail",
            "unevictable_pgs_culled", "unevictable_pgs_scanned", "unevictable_pgs_rescued", "unevictable_pgs_mlocked",
            "unevictable_pgs_munlocked", "unevictable_pgs_cleared", "unevictable_pgs_stranded",
            "thp_fault_alloc", "thp_fault_fallback", "thp_fault_fallback_charge", "thp_collapse_alloc",
            "thp_collapse_alloc_failed", "thp_file_alloc", "thp_file_fallback", "thp_file_fallback_charge",
            "thp_file_mapped", "thp_split_page", "thp_split_page_failed", "thp_deferred_split_page", "thp_split_pmd",
            "thp_scan_exceed_none_pte", "thp_scan_exceed_swap_pte", "thp_scan_exceed_share_pte", "thp_split_pud",
            "thp_zero_page_alloc", "thp_zero_page_alloc_failed", "thp_swpout", "thp_swpout_fallback",
            "balloon_inflate", "balloon_deflate", "balloon_migrate",
            "swap_ra", "swap_ra_hit");

    public static void install(VirtualFs fs, Machine m) {
        fs.textFile("/proc/vmstat", 0444, () -> vmstat(m)).onWriteWithoutStore(mmsim.kernel.Errno.EIO);
    }

    /** vmstat_show() for every item. */
    public static String vmstat(Machine m) {
        Kernel k = m.kernel();
        StringBuilder sb = new StringBuilder();
        try (var f = k.enter("vmstat_show")) {
            BuddyAllocator ba = m.allocator();
            List<Zone> zones = m.zones();
            for (ZoneStat s : ZoneStat.values()) line(sb, s.vmstatName, sum(zones, s));
            for (String n : NUMA) line(sb, n, 0);
            for (NodeStat s : NodeStat.values()) line(sb, s.vmstatName, ba.globalNodeState(s));
            long dirtyable = Math.max(0, sum(zones, ZoneStat.NR_FREE_PAGES)
                    + ba.globalNodeState(NodeStat.NR_INACTIVE_FILE) + ba.globalNodeState(NodeStat.NR_ACTIVE_FILE));
            line(sb, "nr_dirty_threshold", dirtyable * 20 / 100);
            line(sb, "nr_dirty_background_threshold", dirtyable * 10 / 100);
            line(sb, "nr_memmap_pages", 0);
            line(sb, "nr_memmap_boot_pages", 0);
            Map<String, Long> ev = events(m);
            for (String n : EVENTS_HEAD) line(sb, n, ev.getOrDefault(n, 0L));
            for (String prefix : PER_ZONE) {
                for (ZoneType t : ZoneType.values()) line(sb, prefix + "_" + t.name().toLowerCase(Locale.ROOT), ev.getOrDefault(prefix + "_" + t, 0L));
            }
            for (String n : EVENTS_TAIL) line(sb, n, ev.getOrDefault(n, 0L));
            if (k.arch() == Kernel.Arch.X86_64) {
                line(sb, "direct_map_level2_splits", 0);
                line(sb, "direct_map_level3_splits", 0);
            }
        }
        return sb.toString();
    }

    /** The vm_event_item values the model keeps, by /proc/vmstat name. */
    static Map<String, Long> events(Machine m) {
        Map<String, Long> ev = new HashMap<>();
        UserMemory um = m.userMemory();
        for (VmEvent e : VmEvent.values()) if (e.nodeStat == null && !e.internal()) ev.put(e.procName, um.event(e));
        // every page the model reclaims is anonymous
        ev.put("pgscan_anon", um.event(VmEvent.PGSCAN_KSWAPD) + um.event(VmEvent.PGSCAN_DIRECT));
        ev.put("pgsteal_anon", um.event(VmEvent.PGSTEAL_KSWAPD) + um.event(VmEvent.PGSTEAL_DIRECT));
        return ev;
    }

    private static long sum(List<Zone> zones, ZoneStat s) {
        long v = 0;
        for (Zone z : zones) v += z.stat(s);
        return v;
    }

    private static void line(StringBuilder sb, String name, long v) {
        sb.append(name).append(' ').append(v).append('\n');
    }
}
