package mmsim.mm.mmap;

import java.util.Locale;

/**
 * The vm_event_item and node_stat_item counters user memory moves (include/linux/vm_event_item.h,
 * include/linux/mmzone.h), with the names /proc/vmstat prints. Kept per machine in
 * {@link UserMemory#events}; events are summed over CPUs in the kernel, one counter here.
 */
public enum VmEvent {
    // node_stat_item (gauges)
    NR_INACTIVE_ANON, NR_ACTIVE_ANON, NR_INACTIVE_FILE, NR_ACTIVE_FILE, NR_UNEVICTABLE,
    NR_ISOLATED_ANON, NR_ANON_MAPPED("nr_anon_pages"), NR_SWAPCACHE, NR_PAGETABLE("nr_page_table_pages"),
    // vm_event_item (monotonic)
    PGFAULT, PGMAJFAULT, PSWPIN, PSWPOUT, PGACTIVATE, PGDEACTIVATE,
    PGSCAN_KSWAPD, PGSCAN_DIRECT, PGSTEAL_KSWAPD, PGSTEAL_DIRECT, PGREFILL,
    PGMIGRATE_SUCCESS, PGMIGRATE_FAIL, COW_FAULT("cow_fault_not_in_vmstat");

    public final String procName;

    VmEvent() { this.procName = name().toLowerCase(Locale.ROOT); }

    VmEvent(String procName) { this.procName = procName; }

    /** True for counters /proc/vmstat does not print (internal to the model). */
    public boolean internal() { return procName.endsWith("_not_in_vmstat"); }
}
