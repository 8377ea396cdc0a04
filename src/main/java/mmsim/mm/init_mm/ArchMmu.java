package mmsim.mm.init_mm;

/**
 * An architecture's kernel-mapping code (arch/arm64/mm/mmu.c, arch/x86/mm/init_64.c) as
 * start_kernel sees it: paging_init() builds init_mm's tables for the boot memory, its vmemmap
 * and the kernel image, and hooks the arch's half of memory hotplug.
 */
public interface ArchMmu {
    /** paging_init() / init_mem_mapping(): after sparse_init, before any memory is hot-added. */
    void pagingInit();
}
