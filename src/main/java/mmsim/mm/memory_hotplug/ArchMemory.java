package mmsim.mm.memory_hotplug;

import java.util.function.IntSupplier;

import mmsim.mm.linux.VmemAltmap;

/**
 * The architecture's half of memory hotplug: arch_add_memory() and arch_remove_memory()
 * (arch/arm64/mm/mmu.c, arch/x86/mm/init_64.c), which map or unmap the range in the kernel's
 * linear map around the generic __add_pages() / __remove_pages(). A machine whose kernel page
 * tables are modelled installs one ({@link MemoryHotplug#setArchMemory}); without one, arch_add_memory
 * is __add_pages alone. Both run with mem_hotplug_lock held for write.
 */
public interface ArchMemory {
    /** arch_add_memory(): maps the range, then runs {@code addPages} (__add_pages); 0 or -errno. */
    int archAddMemory(int nid, long startPfn, long nrPages, VmemAltmap altmap, IntSupplier addPages);

    /** arch_remove_memory(): runs {@code removePages} (__remove_pages), then unmaps the range. */
    void archRemoveMemory(long startPfn, long nrPages, VmemAltmap altmap, Runnable removePages);
}
