package mmsim.mm.memory_hotplug;

/**
 * What mm/memory_hotplug.c calls in drivers/base/memory.c: the memory block devices live above
 * this package ({@code mmsim.mm.memory_block}, which calls online_pages/offline_pages here), so
 * hotplug reaches them through this boundary, installed by start_kernel
 * ({@link MemoryHotplug#setMemoryBlockDevices}), as {@link ArchMemory} is for the arch's half.
 *
 * <p>Locking: every call is made with device_hotplug_lock held (add_memory, remove_memory),
 * create/remove also with mem_hotplug_lock held for write, as in the kernel.
 */
public interface MemoryBlockDevices {

    /** create_memory_block_devices(): one offline block device per block of [startPfn, +nrPages). */
    void createMemoryBlockDevices(int nid, long startPfn, long nrPages);

    /** remove_memory_block_devices(): unregisters the block devices of the range. */
    void removeMemoryBlockDevices(long startPfn, long nrPages);

    /** find_memory_block_by_id() != NULL. */
    boolean hasBlock(long id);

    /** mem->nid of the block holding {@code pfn}, or -1 (NUMA_NO_NODE) when no block holds it. */
    int nidOfBlock(long pfn);

    /**
     * walk_memory_blocks(check_memblock_offlined_cb): the start pfn of the range's first block
     * that is not offline, or -1 when all are offline.
     */
    long firstOnlineBlock(long startPfn, long nrPages);

    /** walk_memory_blocks(online_memory_block): each block of the range onlined as {@code type}. */
    void onlineMemoryBlocks(long startPfn, long nrPages, OnlineType type);

    /** memblk_nr_poison_add(): {@code nr} hwpoisoned pages counted in the block holding {@code pfn}, if any. */
    void memblkNrPoisonAdd(long pfn, long nr);
}
