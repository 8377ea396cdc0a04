package mmsim.mm.memory_block;

import mmsim.mm.linux.VmemAltmap;

import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;
import mmsim.kernel.sync.Mutex;
import mmsim.mm.linux.Zone;
import mmsim.mm.memory_hotplug.MemoryNotifier;
import mmsim.mm.memory_hotplug.OnlineType;

/**
 * struct memory_block (include/linux/memory.h) with the parts of its struct device that matter:
 * the device lock (dev->mutex) and dev->offline. One per memory block (block_size_bytes of
 * physical memory, memory_block_size_bytes() / section size sections).
 *
 * <p>Locking (drivers/base/memory.c): {@link #state}, {@link #onlineType}, {@link #zone} and
 * {@link #devOffline} change with device_hotplug_lock and {@link #devLock} held (sysfs stores take
 * both, add/remove_memory hold device_hotplug_lock). Readers of {@code state} (state_show) read
 * without locks, as the kernel does, so "going-offline" is visible during an offline.
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info.
 */
public final class MemoryBlock {
    /** The lock class of every mem->dev.mutex (lockdep's static key at the init site). */
    private static final LockClass DEV_MUTEX = LockClass.mutex("mem->dev.mutex");

    /** Memory block states (include/linux/memory.h); the user-visible ones are the first three. */
    public static final int MEM_ONLINE = MemoryNotifier.MEM_ONLINE, MEM_GOING_OFFLINE = MemoryNotifier.MEM_GOING_OFFLINE,
            MEM_OFFLINE = MemoryNotifier.MEM_OFFLINE;

    /** The block id (memoryN's N): start_section_nr / sections_per_block. */
    public final long id;
    public final long startSectionNr;
    /** Pfns the block covers (sections_per_block * PAGES_PER_SECTION). */
    public final long startPfn;
    public final long nrPages;
    /** mem->nid: the node the block was added for (NUMA_NO_NODE never happens in the model). */
    public final int nid;
    /** dev->mutex: device_lock(&mem->dev). */
    public final Mutex devLock;
    /** mem->altmap (memmap_on_memory), null here. */
    public final VmemAltmap altmap;
    int state;
    OnlineType onlineType = OnlineType.MMOP_OFFLINE;
    Zone zone;
    boolean devOffline;
    /** mem->nr_hwpoison (v6.4+): hwpoisoned pages of the block; onlining is refused while non-zero. */
    long nrHwpoison;
    /** Set when remove_memory unregistered the device (device_unregister). */
    boolean removed;

    MemoryBlock(Kernel k, long id, long startSectionNr, long startPfn, long nrPages, int nid, int state, Zone zone) {
        this.id = id;
        this.startSectionNr = startSectionNr;
        this.startPfn = startPfn;
        this.nrPages = nrPages;
        this.nid = nid;
        this.state = state;
        this.zone = zone;
        this.devOffline = state == MEM_OFFLINE;
        this.altmap = null;
        this.devLock = new Mutex(k, DEV_MUTEX);
    }

    /** mem->state: MEM_ONLINE, MEM_GOING_OFFLINE or MEM_OFFLINE. */
    public int state() { return state; }
    /** mem->online_type: what the next online uses (MMOP_OFFLINE = the default policy). */
    public OnlineType onlineType() { return onlineType; }
    /** mem->zone: the zone an online block's pages belong to; null when offline or spanning zones. */
    public Zone zone() { return zone; }
    /** dev->offline, what the generic "online" attribute shows negated. */
    public boolean devOffline() { return devOffline; }
    public long endPfn() { return startPfn + nrPages; }

    /** "memory" + id, the sysfs directory name. */
    public String name() { return "memory" + id; }

    @Override public String toString() { return name(); }
}
