package mmsim.mm.memory_block;

import mmsim.kernel.Access;
import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.linux.MemSection;
import mmsim.mm.linux.PgData;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.ZoneType;
import mmsim.mm.memory_hotplug.MemoryBlockDevices;
import mmsim.mm.memory_hotplug.MemoryHotplug;
import mmsim.mm.memory_hotplug.OnlineType;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.sparse.SparseMem;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The memory block devices: drivers/base/memory.c (memory_dev_init, create/remove_memory_block_devices,
 * memory_block_online/offline, memory_block_change_state, memory_subsys_online/offline, the
 * state/online/valid_zones/removable attributes) and the driver-core half they use from
 * drivers/base/core.c (device_online/device_offline, online_store). One instance per machine,
 * created by start_kernel above {@link MemoryHotplug}: the stores call online_pages/offline_pages
 * there; add_memory/remove_memory call back here through {@link MemoryBlockDevices}.
 *
 * <p>Locking (the whole mm tree is in the {@code mmsim.mm} package-info):
 * <pre>
 *   device_hotplug_lock (MemoryHotplug)    sysfs stores; add/remove_memory hold it when they call here
 *     mem->dev.mutex (per block)           device_online/device_offline of one block
 *       mem_hotplug_lock (write)           memory_block_online/offline, around online/offline_pages
 * </pre>
 * A block's state, online_type, zone and dev->offline change with device_hotplug_lock and the
 * block's dev.mutex held; state_show and valid_zones read them locklessly, as the kernel does.
 * The block table changes under device_hotplug_lock (and mem_hotplug_lock on add/remove).
 */
public final class MemoryBlocks implements MemoryBlockDevices {
    private final Kernel k;
    private final KernelConfig config;
    private final MachineLayout layout;
    private final SparseMem sparse;
    private final BuddyAllocator ba;
    private final MemoryHotplug hp;
    private final mmsim.mm.linux.Vmstat vmstat;
    private final boolean v46;
    private final long sectionsPerBlock;

    /** Memory block devices by id (memory_blocks xarray). */
    private final TreeMap<Long, MemoryBlock> blocks = new TreeMap<>();
    private final List<Consumer<MemoryBlock>> blockAdded = new ArrayList<>();
    private final List<Consumer<MemoryBlock>> blockRemoved = new ArrayList<>();

    /** Created by start_kernel ({@code mmsim.mm.Machine}), which installs it in {@code hp}. */
    public MemoryBlocks(Kernel k, KernelConfig config, MachineLayout layout, SparseMem sparse, BuddyAllocator ba,
            MemoryHotplug hp, mmsim.mm.linux.Vmstat vmstat) {
        this.k = k;
        this.vmstat = vmstat;
        this.config = config;
        this.layout = layout;
        this.sparse = sparse;
        this.ba = ba;
        this.hp = hp;
        this.v46 = config.era() == KernelConfig.Era.V4_6;
        this.sectionsPerBlock = hp.sectionsPerBlock();
    }

    private long pagesPerBlock() { return hp.pagesPerBlock(); }

    /** The block devices, by id. */
    public List<MemoryBlock> blocks() { return List.copyOf(blocks.values()); }

    /** find_memory_block_by_id(), or null. */
    public MemoryBlock block(long id) { return blocks.get(id); }

    /** The block holding {@code pfn}, or null. */
    public MemoryBlock blockOfPfn(long pfn) { return blocks.get(pfn / pagesPerBlock()); }

    /** Called when a block device is registered / unregistered (sysfs creates and removes memoryN). */
    public void onBlockAdded(Consumer<MemoryBlock> c) { blockAdded.add(c); }

    public void onBlockRemoved(Consumer<MemoryBlock> c) { blockRemoved.add(c); }

    /**
     * memory_dev_init(): a block device for every block with a present boot section, online,
     * with mem->zone the single zone its pages belong to (early_node_zone_for_memory_block) or
     * null when it spans several. (Boot RAM's iomem "System RAM" is memory_hotplug's:
     * {@link MemoryHotplug#registerBootSystemRam}.)
     */
    public void memoryDevInit() {
        for (MachineLayout.Range r : layout.ranges(MachineLayout.Kind.RAM)) {
            long first = r.startPfn() / pagesPerBlock(), last = (r.endPfn() - 1) / pagesPerBlock();
            for (long id = first; id <= last; id++) {
                if (blocks.containsKey(id)) continue;
                long start = id * pagesPerBlock();
                Zone zone = earlyZoneForBlock(r.nid(), start, pagesPerBlock());
                addBlock(new MemoryBlock(k, id, id * sectionsPerBlock, start, pagesPerBlock(), r.nid(), MemoryBlock.MEM_ONLINE, zone));
            }
        }
    }

    private Zone earlyZoneForBlock(int nid, long start, long nr) {
        Zone match = null;
        PgData pg = ba.node(nid);
        for (ZoneType t : ZoneType.values()) {
            Zone z = pg.zone(t);
            if (!MemoryHotplug.zoneIntersects(z, start, nr)) continue;
            if (match != null) return null;
            match = z;
        }
        return match;
    }

    private void addBlock(MemoryBlock b) {
        blocks.put(b.id, b);
        for (Consumer<MemoryBlock> c : blockAdded) c.accept(b);
    }

    /** create_memory_block_devices(): one offline block per block of [startPfn, +nrPages). */
    @Override
    public void createMemoryBlockDevices(int nid, long startPfn, long nrPages) {
        for (long pfn = startPfn; pfn < startPfn + nrPages; pfn += pagesPerBlock()) {
            long id = pfn / pagesPerBlock();
            k.point("create_memory_block_devices", blocks, Access.WRITE);
            // v4.6: the zone was chosen at add time; mainline: no zone until online
            Zone zone = v46 ? ba.pageZone(pfn) : null;
            addBlock(new MemoryBlock(k, id, id * sectionsPerBlock, pfn, pagesPerBlock(), nid, MemoryBlock.MEM_OFFLINE, zone));
        }
    }

    /** remove_memory_block_devices(). */
    @Override
    public void removeMemoryBlockDevices(long startPfn, long nrPages) {
        for (long pfn = startPfn; pfn < startPfn + nrPages; pfn += pagesPerBlock()) {
            k.point("remove_memory_block_devices", blocks, Access.WRITE);
            MemoryBlock b = blocks.remove(pfn / pagesPerBlock());
            if (b == null) continue;
            b.removed = true;
            // num_poisoned_pages_sub(-1UL, memblk_nr_poison(mem)): the block's hwpoison leaves
            // HardwareCorrupted with the memory (drivers/base/memory.c)
            vmstat.add(mmsim.mm.linux.GlobalStat.NUM_POISONED_PAGES, -b.nrHwpoison);
            for (Consumer<MemoryBlock> c : blockRemoved) c.accept(b);
        }
    }

    /**
     * state_store(): {@code buf} names an online type ("online", "online_kernel", "online_movable",
     * "offline"); anything else is -EINVAL. Takes device_hotplug_lock, then device_online or
     * device_offline. Writing the state the block is already in gives -EINVAL (device_online
     * returns 1, "already"). Returns 0 or -errno; the block's state is unchanged after a failure.
     */
    public int stateStore(MemoryBlock mem, String buf) {
        try (var f = k.enter("state_store")) {
            OnlineType t = OnlineType.fromString(buf);
            if (t == null) return Errno.EINVAL.neg();
            hp.lockDeviceHotplug();
            int ret;
            try {
                // a writer that opened the file before remove_memory unregistered the device
                // (kernfs: the attribute is deactivated, the store answers -ENODEV)
                if (mem.removed) return Errno.ENODEV.neg();
                if (t == OnlineType.MMOP_OFFLINE) {
                    ret = deviceOffline(mem);
                } else {
                    mem.onlineType = t;
                    ret = deviceOnline(mem);
                }
            } finally {
                hp.unlockDeviceHotplug();
            }
            if (ret < 0) return ret;
            if (ret > 0) return Errno.EINVAL.neg();
            return 0;
        }
    }

    /**
     * online_store() (drivers/base/core.c): kstrtobool, then device_online / device_offline. The
     * current state again is not an error here (device_online's 1 is not negative).
     */
    public int onlineStore(MemoryBlock mem, String buf) {
        try (var f = k.enter("online_store")) {
            Boolean val = kstrtobool(buf, !v46);
            if (val == null) return Errno.EINVAL.neg();
            hp.lockDeviceHotplug();
            try {
                if (mem.removed) return Errno.ENODEV.neg();
                int ret = val ? deviceOnline(mem) : deviceOffline(mem);
                return Math.min(ret, 0);
            } finally {
                hp.unlockDeviceHotplug();
            }
        }
    }

    /**
     * kstrtobool() (lib/kstrtox.c), by first characters: y/Y/1/on -> true, n/N/0/off -> false,
     * else null. {@code trueFalse}: today's also takes t/T (true) and f/F (false), so "true" and
     * "false" are accepted; the 2016 strtobool did not.
     */
    static Boolean kstrtobool(String s, boolean trueFalse) {
        if (s.isEmpty()) return null;
        char c = s.charAt(0);
        if (trueFalse && (c == 't' || c == 'T')) return true;
        if (trueFalse && (c == 'f' || c == 'F')) return false;
        switch (c) {
            case 'y', 'Y', '1': return true;
            case 'n', 'N', '0': return false;
            case 'o', 'O':
                if (s.length() < 2) return null;
                char d = s.charAt(1);
                if (d == 'n' || d == 'N') return true;
                if (d == 'f' || d == 'F') return false;
                return null;
            default: return null;
        }
    }

    /** device_online(): 1 when already online, else memory_subsys_online's result. */
    public int deviceOnline(MemoryBlock mem) {
        try (var f = k.enter("device_online")) {
            mem.devLock.lock();
            try {
                if (!mem.devOffline) return 1;
                int ret = memorySubsysOnline(mem);
                if (ret == 0) mem.devOffline = false;
                return ret;
            } finally {
                mem.devLock.unlock();
            }
        }
    }

    /** device_offline(): 1 when already offline, else memory_subsys_offline's result. */
    public int deviceOffline(MemoryBlock mem) {
        try (var f = k.enter("device_offline")) {
            mem.devLock.lock();
            try {
                if (mem.devOffline) return 1;
                int ret = memorySubsysOffline(mem);
                if (ret == 0) mem.devOffline = true;
                return ret;
            } finally {
                mem.devLock.unlock();
            }
        }
    }

    private int memorySubsysOnline(MemoryBlock mem) {
        try (var f = k.enter("memory_subsys_online")) {
            if (mem.state == MemoryBlock.MEM_ONLINE) return 0;
            // v4.6: MMOP_ONLINE_KEEP (MMOP_ONLINE here: keep the zone chosen at add time)
            if (mem.onlineType == OnlineType.MMOP_OFFLINE) mem.onlineType = v46 ? OnlineType.MMOP_ONLINE : hp.defaultOnlineType() == OnlineType.MMOP_OFFLINE ? OnlineType.MMOP_ONLINE : hp.defaultOnlineType();
            int ret = memoryBlockChangeState(mem, MemoryBlock.MEM_ONLINE, MemoryBlock.MEM_OFFLINE);
            mem.onlineType = OnlineType.MMOP_OFFLINE;
            return ret;
        }
    }

    private int memorySubsysOffline(MemoryBlock mem) {
        try (var f = k.enter("memory_subsys_offline")) {
            if (mem.state == MemoryBlock.MEM_OFFLINE) return 0;
            return memoryBlockChangeState(mem, MemoryBlock.MEM_OFFLINE, MemoryBlock.MEM_ONLINE);
        }
    }

    /**
     * memory_block_change_state(): -EINVAL unless the block is in {@code fromState}; an offline
     * shows MEM_GOING_OFFLINE while it runs; ends in {@code toState} on success, {@code fromState}
     * on failure.
     */
    private int memoryBlockChangeState(MemoryBlock mem, int toState, int fromState) {
        try (var f = k.enter("memory_block_change_state")) {
            k.point("memory_block_change_state:state", mem, Access.READ);
            if (mem.state != fromState) return Errno.EINVAL.neg();
            if (toState == MemoryBlock.MEM_OFFLINE) {
                k.point("memory_block_change_state:going_offline", mem, Access.WRITE);
                mem.state = MemoryBlock.MEM_GOING_OFFLINE;
            }
            int ret = toState == MemoryBlock.MEM_ONLINE ? memoryBlockOnline(mem) : memoryBlockOffline(mem);
            k.point("memory_block_change_state:state", mem, Access.WRITE);
            mem.state = ret != 0 ? fromState : toState;
            return ret;
        }
    }

    /** memory_block_online(): the zone for the block's online type, then online_pages under mem_hotplug_lock. */
    private int memoryBlockOnline(MemoryBlock mem) {
        try (var f = k.enter("memory_block_online")) {
            if (v46) {
                return hp.onlinePages(mem.startPfn, mem.nrPages, mem.onlineType);
            }
            if (blockHasHwpoison(mem)) return Errno.EHWPOISON.neg();
            Zone zone = hp.zoneForPfnRange(mem.onlineType, mem.nid, mem.startPfn, mem.nrPages);
            hp.memHotplugBegin();
            try {
                int ret = hp.onlinePagesToZone(mem.startPfn, mem.nrPages, zone);
                if (ret == 0) mem.zone = zone;
                return ret;
            } finally {
                hp.memHotplugDone();
            }
        }
    }

    /** memory_block_offline(): -EINVAL for a block spanning zones (mem->zone NULL). */
    private int memoryBlockOffline(MemoryBlock mem) {
        try (var f = k.enter("memory_block_offline")) {
            if (v46) return hp.offlinePages(mem.startPfn, mem.nrPages);
            if (mem.zone == null) return Errno.EINVAL.neg();
            hp.memHotplugBegin();
            try {
                int ret = hp.offlinePagesInZone(mem.startPfn, mem.nrPages, mem.zone);
                if (ret == 0) mem.zone = null;
                return ret;
            } finally {
                hp.memHotplugDone();
            }
        }
    }

    /**
     * memblk_nr_poison() != 0 (v6.4+): a block that had hwpoisoned pages is not onlined again
     * (-EHWPOISON). memory_failure counts them in the block as it marks them
     * ({@link #memblkNrPoisonAdd}): the flags themselves are gone once offline poisons the memmap.
     */
    private boolean blockHasHwpoison(MemoryBlock mem) {
        return mem.nrHwpoison > 0;
    }


    /** online_memory_block() (mm/memory_hotplug.c): mem->online_type, then device_online. */
    private void onlineMemoryBlock(MemoryBlock mem, OnlineType type) {
        mem.onlineType = type;
        deviceOnline(mem);
    }

    /**
     * valid_zones_show()'s text without the newline: an online block's zone (or "none" when it
     * spans zones); an offline block's default zone then the other zones it may go to.
     * v4.6 (zone fixed at add): the pages' zone, plus the other of Normal/Movable when the block
     * sits at their boundary (move_pfn_range_right/left can move it there).
     */
    public String validZones(MemoryBlock mem) {
        // lockless: mem->state, mem->zone and the zone spans may change under the reader
        k.point("valid_zones_show", mem, Access.READ);
        if (v46) {
            // v4.6 show_valid_zones: the zone of the pages, plus the neighbour zone a block at the
            // Normal/Movable boundary could move to
            if (!hp.testPagesInAZone(mem.startPfn, mem.endPfn())) return "none";
            Zone z = ba.pageZone(mem.startPfn);
            if (z.type == ZoneType.NORMAL && mem.endPfn() == z.zoneEndPfn()) return z.name() + " " + z.pgdat.zone(ZoneType.MOVABLE).name();
            if (z.type == ZoneType.MOVABLE && mem.startPfn == z.zoneStartPfn()) return z.name() + " " + z.pgdat.zone(ZoneType.NORMAL).name();
            return z.name();
        }
        if (mem.state == MemoryBlock.MEM_ONLINE) return mem.zone == null ? "none" : mem.zone.name();
        Zone def = hp.zoneForPfnRange(OnlineType.MMOP_ONLINE, mem.nid, mem.startPfn, mem.nrPages);
        StringBuilder sb = new StringBuilder(def.name());
        for (OnlineType t : new OnlineType[] {OnlineType.MMOP_ONLINE_KERNEL, OnlineType.MMOP_ONLINE_MOVABLE}) {
            Zone z = hp.zoneForPfnRange(t, mem.nid, mem.startPfn, mem.nrPages);
            if (z != def) sb.append(' ').append(z.name());
        }
        return sb.toString();
    }

    /**
     * removable_show(): mainline prints 1 for every block when hot-remove is configured; v4.6
     * printed is_mem_section_removable() over the block's present sections (1 only when no
     * pageblock holds an unmovable page).
     */
    public int removable(MemoryBlock mem) {
        if (!v46) return config.has(KernelConfig.CONFIG_MEMORY_HOTREMOVE) ? 1 : 0;
        int ret = 1;
        for (long i = 0; i < sectionsPerBlock; i++) {
            MemSection ms = sparse.readSection(mem.startSectionNr + i, "removable_show:section");
            if (ms == null || !ms.present()) continue;
            long pfn = sparse.sectionNrToPfn(mem.startSectionNr + i);
            if (!hp.isMemSectionRemovable(pfn, sparse.pagesPerSection())) ret = 0;
        }
        return ret;
    }

    // =========================================================================================
    // called by mm/memory_hotplug.c (MemoryBlockDevices)
    // =========================================================================================

    @Override
    public boolean hasBlock(long id) { return blocks.get(id) != null; }

    @Override
    public int nidOfBlock(long pfn) {
        MemoryBlock mem = blockOfPfn(pfn);
        return mem != null ? mem.nid : -1;
    }

    /** check_memblock_offlined_cb for each block of the range, until one is not offline. */
    @Override
    public long firstOnlineBlock(long startPfn, long nrPages) {
        for (long pfn = startPfn; pfn < startPfn + nrPages; pfn += pagesPerBlock()) {
            MemoryBlock b = blocks.get(pfn / pagesPerBlock());
            if (b == null) continue;
            k.point("check_memblock_offlined_cb", b, Access.READ);
            if (b.state != MemoryBlock.MEM_OFFLINE) return b.startPfn;
        }
        return -1;
    }

    @Override
    public void onlineMemoryBlocks(long startPfn, long nrPages, OnlineType type) {
        for (long pfn = startPfn; pfn < startPfn + nrPages; pfn += pagesPerBlock()) {
            MemoryBlock b = blocks.get(pfn / pagesPerBlock());
            if (b != null) onlineMemoryBlock(b, type);
        }
    }

    @Override
    public void memblkNrPoisonAdd(long pfn, long nr) {
        MemoryBlock mem = blockOfPfn(pfn);
        if (mem != null) mem.nrHwpoison += nr;
    }
}
