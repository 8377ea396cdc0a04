package mmsim.mm.linux;

/**
 * Global counters outside the zone/node vmstat arrays that /proc/meminfo prints:
 * num_poisoned_pages (mm/memory-failure.c, "HardwareCorrupted"), vm_committed_as, the hugetlb
 * pool, percpu pages, swap. Storage: {@link Vmstat}.
 */
public enum GlobalStat {
    NUM_POISONED_PAGES, VM_COMMITTED_AS, TOTAL_SWAP_PAGES, NR_SWAP_PAGES, PCPU_NR_PAGES, VMALLOC_USED_PAGES,
    HUGETLB_TOTAL, HUGETLB_FREE, HUGETLB_RSVD, HUGETLB_SURP
}
