/**
 * Memory hotplug (mm/memory_hotplug.c, the memory notifier chain of drivers/base/memory.c,
 * include/linux/memory.h): one {@link mmsim.mm.memory_hotplug.MemoryHotplug} per machine,
 * {@code machine.memoryHotplug()}. The block devices themselves are {@code mmsim.mm.memory_block}
 * (above this package), reached from here only through
 * {@link mmsim.mm.memory_hotplug.MemoryBlockDevices}.
 *
 * <h2>For other subsystems</h2>
 * <ul>
 *   <li>A memory notifier (page_ext): {@code registerMemoryNotifier(name, priority, (action, arg) -> ...)}
 *       gets MEM_GOING_ONLINE / MEM_ONLINE / MEM_CANCEL_ONLINE / MEM_GOING_OFFLINE / MEM_OFFLINE /
 *       MEM_CANCEL_OFFLINE with a {@link mmsim.mm.memory_hotplug.MemoryNotify} range; return
 *       {@code NOTIFY_OK}, or {@code MemoryNotifier.notifierFromErrno(-ENOMEM)} to veto a GOING_*.</li>
 *   <li>ZONE_DEVICE (memremap_pages): {@code memHotplugBegin()}, {@code archAddMemory(nid, pfn, nr,
 *       new MhpParams(altmap, pgmap))} (2 MiB subsections on mainline), {@code movePfnRangeToZone(zone,
 *       pfn, nr, altmap, migratetype)}, {@code memHotplugDone()}; and back with
 *       {@code removePfnRangeFromZone} + {@code archRemoveMemory}.</li>
 *   <li>Readers that must keep memory from going away: {@code getOnlineMems()} / {@code putOnlineMems()}.</li>
 *   <li>User space: {@code machine.memoryBlocks().stateStore(block, "online_movable")}, {@code onlineStore(block, "0")}, or
 *       the sysfs files of mmsim.iface.sysfs.MemorySysfs; drivers: {@code addMemory}, {@code removeMemory}.</li>
 * </ul>
 */
package mmsim.mm.memory_hotplug;
