package mmsim.mm.linux;

/**
 * enum node_stat_item (include/linux/mmzone.h, v6.12) with mm/vmstat.c's names. Counted in
 * pages unless the name says otherwise. Storage: {@code long[]} per node, indexed by ordinal.
 * Later subsystems (rmap, vmscan, huge_memory) update these; /proc/meminfo and the
 * "per-node stats" block of /proc/zoneinfo read them.
 */
public enum NodeStat {
    NR_INACTIVE_ANON("nr_inactive_anon"),
    NR_ACTIVE_ANON("nr_active_anon"),
    NR_INACTIVE_FILE("nr_inactive_file"),
    NR_ACTIVE_FILE("nr_active_file"),
    NR_UNEVICTABLE("nr_unevictable"),
    NR_SLAB_RECLAIMABLE_B("nr_slab_reclaimable"),
    NR_SLAB_UNRECLAIMABLE_B("nr_slab_unreclaimable"),
    NR_ISOLATED_ANON("nr_isolated_anon"),
    NR_ISOLATED_FILE("nr_isolated_file"),
    WORKINGSET_NODES("workingset_nodes"),
    WORKINGSET_REFAULT_ANON("workingset_refault_anon"),
    WORKINGSET_REFAULT_FILE("workingset_refault_file"),
    WORKINGSET_ACTIVATE_ANON("workingset_activate_anon"),
    WORKINGSET_ACTIVATE_FILE("workingset_activate_file"),
    WORKINGSET_RESTORE_ANON("workingset_restore_anon"),
    WORKINGSET_RESTORE_FILE("workingset_restore_file"),
    WORKINGSET_NODERECLAIM("workingset_nodereclaim"),
    NR_ANON_MAPPED("nr_anon_pages"),
    NR_FILE_MAPPED("nr_mapped"),
    NR_FILE_PAGES("nr_file_pages"),
    NR_FILE_DIRTY("nr_dirty"),
    NR_WRITEBACK("nr_writeback"),
    NR_WRITEBACK_TEMP("nr_writeback_temp"),
    NR_SHMEM("nr_shmem"),
    NR_SHMEM_THPS("nr_shmem_hugepages"),
    NR_SHMEM_PMDMAPPED("nr_shmem_pmdmapped"),
    NR_FILE_THPS("nr_file_hugepages"),
    NR_FILE_PMDMAPPED("nr_file_pmdmapped"),
    NR_ANON_THPS("nr_anon_transparent_hugepages"),
    NR_VMSCAN_WRITE("nr_vmscan_write"),
    NR_VMSCAN_IMMEDIATE("nr_vmscan_immediate_reclaim"),
    NR_DIRTIED("nr_dirtied"),
    NR_WRITTEN("nr_written"),
    NR_THROTTLED_WRITTEN("nr_throttled_written"),
    NR_KERNEL_MISC_RECLAIMABLE("nr_kernel_misc_reclaimable"),
    NR_FOLL_PIN_ACQUIRED("nr_foll_pin_acquired"),
    NR_FOLL_PIN_RELEASED("nr_foll_pin_released"),
    NR_KERNEL_STACK_KB("nr_kernel_stack"),
    NR_PAGETABLE("nr_page_table_pages"),
    NR_SECONDARY_PAGETABLE("nr_sec_page_table_pages"),
    NR_IOMMU_PAGES("nr_iommu_pages"),
    NR_SWAPCACHE("nr_swapcached");

    public final String vmstatName;

    NodeStat(String n) { this.vmstatName = n; }
}
