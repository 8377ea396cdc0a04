package mmsim.mm.linux;

import java.util.Locale;


/**
 * The vm_event_item and node_stat_item counters user memory moves (include/linux/vm_event_item.h,
 * include/linux/mmzone.h), with the names /proc/vmstat prints. Kept per machine in
 * {@link UserMemory#events}; events are summed over CPUs in the kernel, one counter here.
 */
public enum VmEvent {
    // node_stat_item (gauges, also kept per node in the machine's node stats)
    NR_INACTIVE_ANON(NodeStat.NR_INACTIVE_ANON), NR_ACTIVE_ANON(NodeStat.NR_ACTIVE_ANON),
    NR_INACTIVE_FILE(NodeStat.NR_INACTIVE_FILE), NR_ACTIVE_FILE(NodeStat.NR_ACTIVE_FILE),
    NR_UNEVICTABLE(NodeStat.NR_UNEVICTABLE), NR_ISOLATED_ANON(NodeStat.NR_ISOLATED_ANON),
    NR_ANON_MAPPED(NodeStat.NR_ANON_MAPPED), NR_ANON_THPS(NodeStat.NR_ANON_THPS), NR_SWAPCACHE(NodeStat.NR_SWAPCACHE), NR_PAGETABLE(NodeStat.NR_PAGETABLE),
    NR_FILE_MAPPED(NodeStat.NR_FILE_MAPPED), NR_FILE_PAGES(NodeStat.NR_FILE_PAGES), NR_SHMEM(NodeStat.NR_SHMEM),
    // vm_event_item (monotonic)
    PGFAULT, PGMAJFAULT, PSWPIN, PSWPOUT, PGACTIVATE, PGDEACTIVATE,
    PGSCAN_KSWAPD, PGSCAN_DIRECT, PGSTEAL_KSWAPD, PGSTEAL_DIRECT, PGREFILL,
    PGMIGRATE_SUCCESS, PGMIGRATE_FAIL,
    THP_FAULT_ALLOC, THP_FAULT_FALLBACK, THP_COLLAPSE_ALLOC, THP_COLLAPSE_ALLOC_FAILED, THP_SPLIT_PMD, THP_ZERO_PAGE_ALLOC,
    THP_SPLIT_PAGE, THP_SPLIT_PAGE_FAILED, THP_DEFERRED_SPLIT_PAGE, THP_MIGRATION_SUCCESS, THP_MIGRATION_FAIL, THP_MIGRATION_SPLIT, THP_SWPOUT_FALLBACK,
    // CONFIG_PER_VMA_LOCK_STATS (default n, so /proc/vmstat does not print them): how faults fared under the VMA lock
    VMA_LOCK_SUCCESS, VMA_LOCK_ABORT, VMA_LOCK_RETRY, VMA_LOCK_MISS,
    COW_FAULT("cow_fault_not_in_vmstat");

    public final String procName;
    /** The node_stat_item a gauge is, or null for a vm_event_item. */
    public final NodeStat nodeStat;

    VmEvent() {
        this.procName = name().toLowerCase(Locale.ROOT);
        this.nodeStat = null;
    }

    VmEvent(String procName) {
        this.procName = procName;
        this.nodeStat = null;
    }

    VmEvent(NodeStat s) {
        this.procName = s.vmstatName;
        this.nodeStat = s;
    }

    /** True for counters /proc/vmstat does not print (internal to the model). */
    public boolean internal() { return procName.endsWith("_not_in_vmstat"); }
}
