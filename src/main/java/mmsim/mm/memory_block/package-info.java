/**
 * Memory block devices (drivers/base/memory.c, include/linux/memory.h's struct memory_block):
 * one {@link mmsim.mm.memory_block.MemoryBlocks} per machine, {@code machine.memoryBlocks()}.
 *
 * <p>Above {@code mmsim.mm.memory_hotplug}: the state/online stores online and offline through
 * its online_pages/offline_pages and mem_hotplug_lock; add_memory/remove_memory call back here
 * only through {@link mmsim.mm.memory_hotplug.MemoryBlockDevices}, so there is no package cycle.
 * User space: {@code stateStore(block, "online_movable")}, {@code onlineStore(block, "0")}, or the
 * sysfs files of mmsim.iface.sysfs.MemorySysfs.
 */
package mmsim.mm.memory_block;
