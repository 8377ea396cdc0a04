package mmsim.mm.memory_hotplug;

import mmsim.mm.linux.MmCore;

import mmsim.mm.linux.VmemAltmap;

import mmsim.kernel.Access;
import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;
import mmsim.kernel.sync.Mutex;
import mmsim.kernel.sync.PercpuRwSem;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.page_isolation.PageIsolation;
import mmsim.mm.swap.Swap;
import mmsim.mm.vmscan.Vmscan;
import mmsim.mm.migrate.Migrate;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.linux.Memmap;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.linux.MigrateType;
import mmsim.mm.page_alloc.MmInit;
import mmsim.mm.linux.PgData;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.ZoneType;
import mmsim.mm.sparse.SparseMem;

import java.util.Locale;
import java.util.TreeMap;

/**
 * Memory hotplug: mm/memory_hotplug.c (add_memory, online_pages, offline_pages, remove_memory,
 * arch_add_memory / __add_pages / move_pfn_range_to_zone / arch_remove_memory, the locks). The
 * memory block devices (drivers/base/memory.c: the state and online stores, device_online/offline,
 * memory_block_online/offline) are {@code mmsim.mm.memory_block}, above this package: they call
 * online_pages/offline_pages here, and add/remove_memory reach them through
 * {@link MemoryBlockDevices}. One instance per machine: {@code machine.memoryHotplug()}.
 *
 * <p>Files: this one has the locks, add, online and remove and is the package's entry point;
 * {@link HotplugZones} is the zone half (zone_for_pfn_range, move_pfn_range_to_zone,
 * remove_pfn_range_from_zone, the span updates), {@link OfflinePages} is offline_pages with its
 * migrate loop and has_unmovable_pages.
 *
 * <p>Locking, as in the kernel (reference C.6; the whole mm tree is in the {@code mmsim.mm}
 * package-info):
 * <pre>
 *   device_hotplug_lock (Mutex)            sysfs stores, add_memory, remove_memory
 *     mem->dev.mutex (Mutex, per block)    device_online/device_offline of one block (memory_block)
 *       cpu_hotplug_lock (read)            mem_hotplug_begin, mainline only
 *         mem_hotplug_lock (PercpuRwSem)   write: add/online/offline/remove, memremap_pages;
 *                                          read: get_online_mems (soft offline, ptdump, slab)
 *                                          (v4.6: mem_hotplug.lock + refcount, MemHotplugLegacyLock)
 *           memory_chain.rwsem (read)      memory_notify callbacks (page_ext)
 *             zone->lock                   buddy free lists
 * </pre>
 * Section flags, zone spans and present/managed counts change only under mem_hotplug_lock held
 * for write; pfn walkers read them locklessly, so every write that a walker can observe takes a
 * preemption point first (in SparseMem, the allocator, or here).
 *
 * <p>Eras: v4.6 associates hot-added memory with a zone and initialises its memmap (PG_reserved)
 * at add time and offlines with a 120 s timeout loop; mainline (v4.13+) leaves the memmap
 * poisoned until online, marks sections SECTION_IS_ONLINE, re-poisons at offline, and takes
 * cpus_read_lock in mem_hotplug_begin.
 *
 * <p>Asserted: mem_hotplug_lock for write by arch_add_memory, move_pfn_range_to_zone, online_pages,
 * offline_pages and arch_remove_memory; device_hotplug_lock by __add_memory.
 */
public final class MemoryHotplug {
    /** The lock class of every cpu_hotplug_lock (lockdep's static key at the init site). */
    private static final LockClass CPU_HOTPLUG_LOCK = LockClass.percpuRwsem("cpu_hotplug_lock");
    /** The lock class of every mem_hotplug_lock (lockdep's static key at the init site). */
    private static final LockClass MEM_HOTPLUG_LOCK = LockClass.percpuRwsem("mem_hotplug_lock");
    /** The lock class of every device_hotplug_lock (lockdep's static key at the init site). */
    private static final LockClass DEVICE_HOTPLUG_LOCK = LockClass.mutex("device_hotplug_lock");

    /** How many scan/migrate passes offline_pages makes before the model plays the user's signal (see {@link #offlinePagesInZone}). */
    public static final int OFFLINE_MAX_PASSES = 8;

    private final MachineLayout layout;
    private final MmCore core;
    private final PageIsolation isolation;
    private final Swap swap;
    private final Vmscan vmscan;
    private final Migrate migrate;
    private final Kernel k;
    private final KernelConfig config;
    private final SparseMem sparse;
    private final Memmap memmap;
    private final BuddyAllocator ba;
    private final boolean v46;

    /** cpu_hotplug_lock: only its read side is used (CPU hotplug is not modelled). */
    private final PercpuRwSem cpuHotplugLock;
    private final PercpuRwSem memHotplugLock;
    /** v4.6's mem_hotplug (refcount + mutex) instead of the percpu rwsem; null on mainline. */
    private final MemHotplugLegacyLock legacyLock;
    private final Mutex deviceHotplugLock;
    private final MemoryNotifier notifier;
    private final HotplugZones zones;
    private final OfflinePages offline;

    /** drivers/base/memory.c's block devices: what add/remove_memory create, walk and remove. */
    private MemoryBlockDevices blockDevices;
    private final long sectionsPerBlock;
    private final long blockSizeBytes;
    /** The "System RAM" resources of iomem: start -> end (exclusive), bytes. */
    private final TreeMap<Long, Long> systemRam = new TreeMap<>();
    /** mhp_default_online_type (auto_online_blocks); CONFIG_MHP_DEFAULT_ONLINE_TYPE_OFFLINE. */
    private OnlineType defaultOnlineType = OnlineType.MMOP_OFFLINE;
    /** The arch's linear-map half of arch_add/remove_memory, when kernel page tables are modelled. */
    private ArchMemory archMemory;

    /**
     * Created by start_kernel ({@code mmsim.mm.Machine}) with what it calls; the boot memory's
     * block devices come later, from {@link #memoryDevInit} once the zones exist.
     */
    public MemoryHotplug(Kernel k, KernelConfig config, MachineLayout layout, Memmap memmap, SparseMem sparse,
            BuddyAllocator ba, PageIsolation isolation, MmCore core, Swap swap, Vmscan vmscan, Migrate migrate) {
        this.layout = layout;
        this.core = core;
        this.isolation = isolation;
        this.swap = swap;
        this.vmscan = vmscan;
        this.migrate = migrate;
        this.k = k;
        this.config = config;
        this.sparse = sparse;
        this.memmap = memmap;
        this.ba = ba;
        this.v46 = config.era() == KernelConfig.Era.V4_6;
        this.cpuHotplugLock = new PercpuRwSem(k, CPU_HOTPLUG_LOCK);
        this.memHotplugLock = new PercpuRwSem(k, MEM_HOTPLUG_LOCK);
        this.legacyLock = v46 ? new MemHotplugLegacyLock(k) : null;
        this.deviceHotplugLock = new Mutex(k, DEVICE_HOTPLUG_LOCK);
        this.notifier = new MemoryNotifier(k);
        this.zones = new HotplugZones(k, config, sparse, memmap, ba, this);
        this.offline = new OfflinePages(k, layout, core, isolation, swap, vmscan, migrate, sparse, memmap, ba, this, v46,
                systemRam);
        this.blockSizeBytes = layout.memoryBlockSize();
        this.sectionsPerBlock = Math.max(1, blockSizeBytes >>> layout.arch().sectionSizeBits());
    }

    /** Installs the architecture's arch_add_memory/arch_remove_memory (kernel page tables: start_kernel wires it). */
    public void setArchMemory(ArchMemory a) { this.archMemory = a; }

    // =========================================================================================
    // locks (mm/memory_hotplug.c, drivers/base/core.c)
    // =========================================================================================

    /**
     * mem_hotplug_begin(): mainline cpus_read_lock() then percpu_down_write(&mem_hotplug_lock);
     * v4.6 the hand-rolled lock ({@link MemHotplugLegacyLock}: wait for the readers, keep the mutex).
     */
    public void memHotplugBegin() {
        if (v46) {
            legacyLock.begin();
            return;
        }
        cpuHotplugLock.percpuDownRead();
        memHotplugLock.percpuDownWrite();
    }

    /** mem_hotplug_done(). */
    public void memHotplugDone() {
        if (v46) {
            legacyLock.done();
            return;
        }
        memHotplugLock.percpuUpWrite();
        cpuHotplugLock.percpuUpRead();
    }

    /** get_online_mems(): percpu_down_read(&mem_hotplug_lock); v4.6 the reader count. */
    public void getOnlineMems() {
        if (v46) legacyLock.getOnlineMems();
        else memHotplugLock.percpuDownRead();
    }

    /** put_online_mems(). */
    public void putOnlineMems() {
        if (v46) legacyLock.putOnlineMems();
        else memHotplugLock.percpuUpRead();
    }

    /** lockdep_assert_held_write(&mem_hotplug_lock) (v4.6: the writer holds mem_hotplug.lock). */
    public void assertMemHotplugHeldWrite() {
        if (v46) legacyLock.assertHeldWrite();
        else memHotplugLock.assertHeldWrite();
    }

    /** lock_device_hotplug(). */
    public void lockDeviceHotplug() { deviceHotplugLock.lock(); }

    /** unlock_device_hotplug(). */
    public void unlockDeviceHotplug() { deviceHotplugLock.unlock(); }

    /** The mainline mem_hotplug_lock itself (unused on v4.6: see {@link #assertMemHotplugHeldWrite}). */
    public PercpuRwSem memHotplugLock() { return memHotplugLock; }

    public Mutex deviceHotplugLock() { return deviceHotplugLock; }

    // =========================================================================================
    // the memory notifier chain (drivers/base/memory.c)
    // =========================================================================================

    /**
     * register_memory_notifier(): {@code callback} gets every MEM_* action with its range; it
     * returns NOTIFY_OK / NOTIFY_DONE, NOTIFY_BAD, or {@link MemoryNotifier#notifierFromErrno}(-errno)
     * to veto a MEM_GOING_ONLINE / MEM_GOING_OFFLINE. Higher priority runs first.
     */
    public MemoryNotifier.NotifierBlock registerMemoryNotifier(String name, int priority, MemoryNotifier.Callback callback) {
        return notifier.register(name, priority, callback);
    }

    public void unregisterMemoryNotifier(MemoryNotifier.NotifierBlock nb) { notifier.unregister(nb); }

    public MemoryNotifier notifier() { return notifier; }

    int memoryNotify(int action, MemoryNotify arg) { return notifier.memoryNotify(action, arg); }

    // =========================================================================================
    // what memory_hotplug.c shares with the block devices (drivers/base/memory.c, in
    // mmsim.mm.memory_block, above this package: reached through MemoryBlockDevices)
    // =========================================================================================

    /** Installs the memory block devices (start_kernel wires them: drivers/base/memory.c). */
    public void setMemoryBlockDevices(MemoryBlockDevices d) { this.blockDevices = d; }

    MemoryBlockDevices blockDevices() { return blockDevices; }

    /** memory_block_size_bytes(). */
    public long blockSizeBytes() { return blockSizeBytes; }

    public long sectionsPerBlock() { return sectionsPerBlock; }

    public long pagesPerBlock() { return sectionsPerBlock * sparse.pagesPerSection(); }

    /** mhp_get_default_online_type() (auto_online_blocks). */
    public OnlineType defaultOnlineType() { return defaultOnlineType; }

    public void setDefaultOnlineType(OnlineType t) { defaultOnlineType = t; }

    /** Boot RAM as iomem "System RAM" resources (e820 / memblock at boot), before memory_dev_init. */
    public void registerBootSystemRam() {
        for (MachineLayout.Range r : layout.ranges(MachineLayout.Kind.RAM)) systemRam.merge(r.start(), r.end(), Math::max);
    }

    /**
     * memblk_nr_poison_inc/_sub (drivers/base/memory.c, v6.4+): memory-failure counts a page it
     * poisons (or unpoisons) in the block device holding it, if one does; v4.6 has no such count.
     */
    public void memblkNrPoisonAdd(long pfn, long nr) {
        if (!v46 && blockDevices != null) blockDevices.memblkNrPoisonAdd(pfn, nr);
    }

    // =========================================================================================
    // zones (mm/memory_hotplug.c; the code is HotplugZones)
    // =========================================================================================

    /** zone_intersects(). */
    public static boolean zoneIntersects(Zone z, long startPfn, long nrPages) {
        return HotplugZones.zoneIntersects(z, startPfn, nrPages);
    }

    /**
     * zone_for_pfn_range() with the default "contig-zones" policy and movable_node off:
     * online_kernel -> the kernel zone, online_movable -> ZONE_MOVABLE, online -> whichever of the
     * two the range already touches (kernel when both or neither).
     */
    public Zone zoneForPfnRange(OnlineType type, int nid, long startPfn, long nrPages) {
        return zones.zoneForPfnRange(type, nid, startPfn, nrPages);
    }

    /** move_pfn_range_to_zone() (see {@link HotplugZones}); caller holds mem_hotplug_lock for write. */
    public void movePfnRangeToZone(Zone zone, long startPfn, long nrPages, VmemAltmap altmap, int migratetype) {
        zones.movePfnRangeToZone(zone, startPfn, nrPages, altmap, migratetype);
    }

    /** remove_pfn_range_from_zone() (see {@link HotplugZones}). */
    public void removePfnRangeFromZone(Zone zone, long startPfn, long nrPages) {
        zones.removePfnRangeFromZone(zone, startPfn, nrPages);
    }

    /** test_pages_in_a_zone() (v4.6): every valid page of the range is in one zone. */
    public boolean testPagesInAZone(long start, long end) { return zones.testPagesInAZone(start, end); }

    /** is_mem_section_removable() (v4.6): no pageblock of the range has unmovable pages (see {@link OfflinePages}). */
    public boolean isMemSectionRemovable(long startPfn, long nrPages) { return offline.isMemSectionRemovable(startPfn, nrPages); }

    // =========================================================================================
    // add (mm/memory_hotplug.c: add_memory, add_memory_resource, arch_add_memory, __add_pages)
    // =========================================================================================

    /**
     * add_memory(nid, start, size, MHP_NONE): takes device_hotplug_lock, registers the range as
     * "System RAM" (-EEXIST when it overlaps), checks block alignment (-EINVAL), then under
     * mem_hotplug_lock adds the sections (arch_add_memory) and creates offline block devices.
     * Onlines the new blocks when auto_online_blocks says so. Returns 0 or -errno.
     */
    public int addMemory(int nid, long startBytes, long sizeBytes) {
        try (var f = k.enter("add_memory")) {
            lockDeviceHotplug();
            try {
                return addMemoryLocked(nid, startBytes, sizeBytes);
            } finally {
                unlockDeviceHotplug();
            }
        }
    }

    /** __add_memory(), under device_hotplug_lock. */
    public int addMemoryLocked(int nid, long startBytes, long sizeBytes) {
        try (var f = k.enter("__add_memory")) {
            deviceHotplugLock.assertHeld();
            int shift = layout.arch().pageShift();
            if (sizeBytes <= 0 || startBytes < 0) return Errno.EINVAL.neg();
            if (startBytes + sizeBytes > (1L << layout.arch().maxPhysmemBits())) return Errno.E2BIG.neg();
            // register_memory_resource(): __request_region on iomem
            k.point("register_memory_resource", systemRam, Access.WRITE);
            if (overlapsSystemRam(startBytes, startBytes + sizeBytes)) return Errno.EEXIST.neg();
            // check_hotplug_memory_range()
            if ((startBytes & (blockSizeBytes - 1)) != 0 || (sizeBytes & (blockSizeBytes - 1)) != 0) {
                k.log().printk(String.format(Locale.ROOT, "Block size [%#x] unaligned hotplug range: start %#x, size %#x",
                        blockSizeBytes, startBytes, sizeBytes));
                return Errno.EINVAL.neg();
            }
            if (nid < 0 || nid >= ba.nrNodes()) {
                k.warn("mm/memory_hotplug.c", 1420, String.format(Locale.ROOT, "node %d was absent from the node_possible_map", nid));
                return Errno.EINVAL.neg();
            }
            // one resource per block, so that remove_memory may release part of what was added
            for (long b = startBytes; b < startBytes + sizeBytes; b += blockSizeBytes) systemRam.put(b, b + blockSizeBytes);
            long startPfn = startBytes >>> shift, nrPages = sizeBytes >>> shift;
            memHotplugBegin();
            int ret;
            try {
                ret = archAddMemory(nid, startPfn, nrPages, MhpParams.NONE);
                if (ret == 0) blockDevices.createMemoryBlockDevices(nid, startPfn, nrPages);
            } finally {
                memHotplugDone();
            }
            if (ret < 0) {
                for (long b = startBytes; b < startBytes + sizeBytes; b += blockSizeBytes) systemRam.remove(b);
                return ret;
            }
            // walk_memory_blocks(start, size, online_memory_block) when auto-onlining
            if (defaultOnlineType != OnlineType.MMOP_OFFLINE) blockDevices.onlineMemoryBlocks(startPfn, nrPages, defaultOnlineType);
            return 0;
        }
    }

    private boolean overlapsSystemRam(long start, long end) {
        var below = systemRam.floorEntry(end - 1);
        return below != null && below.getValue() > start;
    }

    /**
     * arch_add_memory() (x86_64: linear map, then add_pages -> __add_pages): adds the sections of
     * [startPfn, +nrPages) section by section (subsection granular on mainline: 2 MiB on x86_64),
     * memmap poisoned (mainline) or, on v4.6, zeroed then initialised PG_reserved in ZONE_NORMAL
     * (ZONE_DEVICE for a pgmap owner) by __add_zone.
     * Returns 0 or -errno; on an error the sections already added stay (as in the kernel, whose
     * callers then call arch_remove_memory).
     */
    public int archAddMemory(int nid, long startPfn, long nrPages, MhpParams params) {
        try (var f = k.enter("arch_add_memory")) {
            assertMemHotplugHeldWrite();
            if (v46 && layout.arch().kernelArch() == Kernel.Arch.X86_64) {
                // init_memory_mapping() of the linear map: printk(KERN_DEBUG) in v4.6, pr_debug today
                int shift = layout.arch().pageShift();
                k.log().printk(String.format(Locale.ROOT, "init_memory_mapping: [mem %#010x-%#010x]",
                        startPfn << shift, ((startPfn + nrPages) << shift) - 1));
            }
            MhpParams p = params == null ? MhpParams.NONE : params;
            if (archMemory != null) return archMemory.archAddMemory(nid, startPfn, nrPages, p.altmap(), () -> addPages(nid, startPfn, nrPages, p));
            return addPages(nid, startPfn, nrPages, p);
        }
    }

    /** __add_pages(). */
    private int addPages(int nid, long pfn, long nrPages, MhpParams params) {
        try (var f = k.enter("__add_pages")) {
            VmemAltmap altmap = params.altmap();
            if (altmap != null && (altmap.basePfn != pfn || altmap.offset() > nrPages)) {
                k.log().printk("memory add fail, invalid altmap");
                return Errno.EINVAL.neg();
            }
            long min = v46 ? sparse.pagesPerSection() : sparse.pagesPerSubsection();
            if (nrPages <= 0 || ((pfn | nrPages) & (min - 1)) != 0) {
                k.warn("mm/memory_hotplug.c", 330, String.format(Locale.ROOT, "Misaligned __add_pages start: %#x end: #%x", pfn, pfn + nrPages - 1));
                return Errno.EINVAL.neg();
            }
            if (!Memmap.fitsInHeap(nrPages)) {
                // the model's vmemmap_alloc_block() failing: populate_section_memmap returns NULL
                k.log().printk(String.format(Locale.ROOT, "vmemmap alloc failure: %d pages of struct page do not fit"
                        + " in the model's heap (room for %d)", nrPages, Memmap.heapRoomPages()));
                return Errno.ENOMEM.neg();
            }
            long end = pfn + nrPages;
            for (long p = pfn; p < end; ) {
                long sectionEnd = (p / sparse.pagesPerSection() + 1) * sparse.pagesPerSection();
                long cur = Math.min(end, sectionEnd) - p;
                int err = sparse.sparseAddSection(nid, p, cur);
                if (err != 0) return err;
                // the step after it makes the next section's mem_section entry (sparse_add_section), or
                // in v4.6 resizes the zone, before any point: not NONE but an access the explorer
                // cannot place (no location), dependent with every step
                k.point("__add_pages:cond_resched", null, Access.WRITE);
                p += cur;
            }
            if (v46) {
                // __add_zone(): the zone is chosen and the memmap initialised at add time (v4.6)
                Zone zone = ba.node(nid).zone(params.pgmapOwner() != null ? ZoneType.DEVICE : ZoneType.NORMAL);
                zone.resizeZoneRange(pfn, nrPages);
                ba.node(nid).resizePgdatRange(pfn, nrPages);
                MmInit.memmapInitRange(ba, pfn, end, zone, BuddyAllocator.MeminitContext.HOTPLUG, MigrateType.MOVABLE);
            }
            return 0;
        }
    }

    // =========================================================================================
    // online (mm/memory_hotplug.c: online_pages)
    // =========================================================================================

    /**
     * online_pages() for a caller that names the online type instead of a zone (the sysfs path
     * picks the zone with {@link #zoneForPfnRange}): takes mem_hotplug_lock (mainline), as
     * memory_block_online does. Returns 0 or -errno. A raw entry point: the memory block device's
     * state is not changed (user space goes through {@link #stateStore}).
     */
    public int onlinePages(long startPfn, long nrPages, OnlineType onlineType) {
        if (v46) {
            memHotplugBegin();
            try {
                return onlinePagesV46(startPfn, nrPages, onlineType);
            } finally {
                memHotplugDone();
            }
        }
        int blockNid = blockDevices.nidOfBlock(startPfn);
        int nid = blockNid >= 0 ? blockNid : sparse.section(sparse.pfnToSectionNr(startPfn)).nid;
        Zone zone = zoneForPfnRange(onlineType, nid, startPfn, nrPages);
        memHotplugBegin();
        try {
            return onlinePagesToZone(startPfn, nrPages, zone);
        } finally {
            memHotplugDone();
        }
    }

    /**
     * online_pages(pfn, nr_pages, zone) (mainline): associates the range with the zone under
     * MIGRATE_ISOLATE, notifies MEM_GOING_ONLINE (a veto: MEM_CANCEL_ONLINE, memmap poisoned again,
     * the errno returned), frees the pages to the buddy allocator (online_pages_range), marks the
     * sections SECTION_IS_ONLINE, counts them present, undoes the isolation, recomputes the
     * watermarks and notifies MEM_ONLINE.
     */
    public int onlinePagesToZone(long pfn, long nrPages, Zone zone) {
        try (var f = k.enter("online_pages")) {
            assertMemHotplugHeldWrite();
            if (nrPages == 0 || pfn % Zone.PAGEBLOCK_NR_PAGES != 0 || (pfn + nrPages) % sparse.pagesPerSection() != 0) {
                k.warn("mm/memory_hotplug.c", 1090, "online_pages: misaligned range");
                return Errno.EINVAL.neg();
            }
            long end = pfn + nrPages;
            int nid = zone.nid();
            // move_pfn_range_to_zone(zone, pfn, nr_pages, NULL, MIGRATE_ISOLATE); the model initialises
            // MOVABLE then isolates (no page is free yet), which also counts nr_isolate_pageblock
            movePfnRangeToZone(zone, pfn, nrPages, null, MigrateType.MOVABLE);
            isolation.startIsolatePageRange(pfn, end);
            MemoryNotify arg = new MemoryNotify(pfn, nrPages, zone.pgdat.nodePresentPages() == 0 ? nid : -1);
            int ret = MemoryNotifier.notifierToErrno(memoryNotify(MemoryNotifier.MEM_GOING_ONLINE, arg));
            if (ret != 0) {
                // failed_addition (pr_debug "online_pages [mem ...] failed")
                memoryNotify(MemoryNotifier.MEM_CANCEL_ONLINE, arg);
                isolation.undoIsolatePageRange(pfn, end, MigrateType.MOVABLE);
                removePfnRangeFromZone(zone, pfn, nrPages);
                return ret;
            }
            // online_pages_range(): every page to the buddy (isolated lists), then online_mem_sections
            boolean needZonelistsRebuild = !zone.populated();
            ba.onlinePageRange(pfn, nrPages);
            sparse.onlineMemSections(pfn, end);
            k.point("adjust_present_page_count", zone, Access.WRITE);
            zone.adjustPresentPages(nrPages);
            if (needZonelistsRebuild) ba.buildAllZonelists();
            isolation.undoIsolatePageRange(pfn, end, MigrateType.MOVABLE);
            ba.initPerZoneWmarkMin();
            memoryNotify(MemoryNotifier.MEM_ONLINE, arg);
            return 0;
        }
    }

    /**
     * v4.6 online_pages(pfn, nr_pages, online_type): the memmap was initialised in its zone at add
     * time; "online" (MMOP_ONLINE_KEEP) keeps it, online_movable moves the last block of Normal to
     * Movable and online_kernel the first block of Movable to Normal (-EINVAL for any other block
     * of those zones); then MEM_GOING_ONLINE, pages freed one by one, MEM_ONLINE.
     */
    private int onlinePagesV46(long pfn, long nrPages, OnlineType type) {
        try (var f = k.enter("online_pages")) {
            Zone zone = ba.pageZone(pfn);
            PgData pg = zone.pgdat;
            long end = pfn + nrPages;
            if (type == OnlineType.MMOP_ONLINE_KERNEL && zone.type == ZoneType.MOVABLE
                    && zones.movePfnRangeLeft(pg.zone(ZoneType.NORMAL), zone, pfn, end) != 0) return Errno.EINVAL.neg();
            if (type == OnlineType.MMOP_ONLINE_MOVABLE && zone.type == ZoneType.NORMAL
                    && zones.movePfnRangeRight(zone, pg.zone(ZoneType.MOVABLE), pfn, end) != 0) return Errno.EINVAL.neg();
            // the moves above may have changed the range's zone
            zone = ba.pageZone(pfn);
            MemoryNotify arg = new MemoryNotify(pfn, nrPages, zone.pgdat.nodePresentPages() == 0 ? zone.nid() : -1);
            int ret = MemoryNotifier.notifierToErrno(memoryNotify(MemoryNotifier.MEM_GOING_ONLINE, arg));
            if (ret != 0) {
                memoryNotify(MemoryNotifier.MEM_CANCEL_ONLINE, arg);
                k.log().printk(String.format(Locale.ROOT, "online_pages [mem %#010x-%#010x] failed",
                        pfn << layout.arch().pageShift(), ((pfn + nrPages) << layout.arch().pageShift()) - 1));
                return ret;
            }
            boolean needZonelistsRebuild = !zone.populated();
            ba.onlinePageRange(pfn, nrPages);
            k.point("online_pages:present_pages", zone, Access.WRITE);
            zone.adjustPresentPages(nrPages);
            if (needZonelistsRebuild) ba.buildAllZonelists();
            ba.initPerZoneWmarkMin();
            memoryNotify(MemoryNotifier.MEM_ONLINE, arg);
            return 0;
        }
    }

    // =========================================================================================
    // offline (mm/memory_hotplug.c: offline_pages; the code is OfflinePages)
    // =========================================================================================

    /**
     * offline_pages() for a caller without a zone (v4.6's signature): takes mem_hotplug_lock.
     * Mainline: the zone of the first page; a range over several zones is -EINVAL. A raw entry
     * point, like {@link #onlinePages}: the block device's state is not changed.
     */
    public int offlinePages(long startPfn, long nrPages) {
        memHotplugBegin();
        try {
            Zone zone = ba.pageZone(startPfn);
            return offlinePagesInZone(startPfn, nrPages, zone);
        } finally {
            memHotplugDone();
        }
    }

    /**
     * offline_pages(start_pfn, nr_pages, zone) (the code is {@link OfflinePages}): isolate,
     * MEM_GOING_OFFLINE, migrate until free, take off the buddy, MEM_OFFLINE; caller holds
     * mem_hotplug_lock for write. The model plays the user's signal after
     * {@link #OFFLINE_MAX_PASSES} passes (mainline -EINTR, v4.6 -EAGAIN).
     */
    public int offlinePagesInZone(long startPfn, long nrPages, Zone zone) {
        return offline.offlinePagesInZone(startPfn, nrPages, zone);
    }

    // =========================================================================================
    // remove (mm/memory_hotplug.c: remove_memory, try_remove_memory, arch_remove_memory)
    // =========================================================================================

    /**
     * remove_memory(start, size): every block of the range must be offline, else -EBUSY with
     * "removing memory fails, because memory [%pa-%pa] is onlined" (v4.6: BUG()); then the block
     * devices go, and under mem_hotplug_lock the sections and their memmap (arch_remove_memory)
     * and the "System RAM" resource. Only blocks add_memory added can be removed (-EINVAL
     * otherwise). Returns 0 or -errno.
     */
    public int removeMemory(long startBytes, long sizeBytes) {
        try (var f = k.enter("remove_memory")) {
            lockDeviceHotplug();
            try {
                return tryRemoveMemory(startBytes, sizeBytes);
            } finally {
                unlockDeviceHotplug();
            }
        }
    }

    /**
     * __remove_memory(start, size): remove_memory for a caller that already holds
     * device_hotplug_lock (the ACPI memory driver's detach); a failure is a BUG() there, the
     * caller having offlined every block first.
     */
    public void removeMemoryLocked(long startBytes, long sizeBytes) {
        try (var f = k.enter("__remove_memory")) {
            deviceHotplugLock.assertHeld();
            if (tryRemoveMemory(startBytes, sizeBytes) != 0) throw k.bug("mm/memory_hotplug.c", 2332, ""); // BUG(): a block was not offlined first
        }
    }

    /** Whether every block of [start, start+size) was hot-added (add_memory) and still has its block device. */
    public boolean hotAdded(long startBytes, long sizeBytes) {
        if (sizeBytes <= 0 || ((startBytes | sizeBytes) & (blockSizeBytes - 1)) != 0) return false;
        for (long b = startBytes; b < startBytes + sizeBytes; b += blockSizeBytes) {
            Long end = systemRam.get(b);
            if (end == null || end != b + blockSizeBytes || !blockDevices.hasBlock(b / blockSizeBytes)) return false;
        }
        return true;
    }

    private int tryRemoveMemory(long startBytes, long sizeBytes) {
        try (var f = k.enter("try_remove_memory")) {
            int shift = layout.arch().pageShift();
            if (sizeBytes <= 0 || ((startBytes | sizeBytes) & (blockSizeBytes - 1)) != 0)
                throw k.bug("mm/memory_hotplug.c", 2266, ""); // BUG_ON(check_hotplug_memory_range())
            long startPfn = startBytes >>> shift, nrPages = sizeBytes >>> shift;
            // walk_memory_blocks(start, size, NULL, check_memblock_offlined_cb): the first check, so
            // an online block is -EBUSY whether boot memory or hot-added
            long onlinePfn = blockDevices.firstOnlineBlock(startPfn, nrPages);
            if (onlinePfn >= 0) {
                long begin = onlinePfn << shift, endpa = begin + blockSizeBytes - 1;
                if (v46) throw k.bug("mm/memory_hotplug.c", 2097, ""); // v4.6: BUG_ON(ret) of the offlined check
                k.log().printk(String.format(Locale.ROOT, "removing memory fails, because memory [0x%016x-0x%016x] is onlined", begin, endpa));
                return Errno.EBUSY.neg();
            }
            // the model removes only what add_memory added (as the ACPI driver does): anything else
            // is a caller error the kernel does not check for, reported here as -EINVAL
            if (!hotAdded(startBytes, sizeBytes)) return Errno.EINVAL.neg();
            blockDevices.removeMemoryBlockDevices(startPfn, nrPages);
            memHotplugBegin();
            try {
                archRemoveMemory(startPfn, nrPages, null);
                k.point("release_mem_region_adjustable", systemRam, Access.WRITE);
                for (long b = startBytes; b < startBytes + sizeBytes; b += blockSizeBytes) systemRam.remove(b);
            } finally {
                memHotplugDone();
            }
            return 0;
        }
    }

    /**
     * arch_remove_memory() -> __remove_pages(): removes the sections (or subsections) of the range
     * (sparse_remove_section: memmap freed, ms->usage dropped when the section empties). v4.6
     * first shrinks the zone span (__remove_zone).
     */
    public void archRemoveMemory(long startPfn, long nrPages, VmemAltmap altmap) {
        try (var f = k.enter("arch_remove_memory")) {
            assertMemHotplugHeldWrite();
            if (archMemory != null) archMemory.archRemoveMemory(startPfn, nrPages, altmap, () -> removePages(startPfn, nrPages));
            else removePages(startPfn, nrPages);
        }
    }

    /** __remove_pages() (no frame of its own: the traces of seeds 000/001 show it as arch_remove_memory). */
    private void removePages(long startPfn, long nrPages) {
        {
            long end = startPfn + nrPages;
            if (v46) {
                Zone zone = ba.pageZone(startPfn);
                zones.shrinkZoneSpanV46(zone, startPfn, end);
            }
            for (long p = startPfn; p < end; ) {
                long sectionEnd = (p / sparse.pagesPerSection() + 1) * sparse.pagesPerSection();
                long cur = Math.min(end, sectionEnd) - p;
                // the step after it reads the section and its usage (sparse_remove_section) before that
                // function's own point: not NONE but an access the explorer cannot place
                k.point("__remove_pages:cond_resched", null, Access.READ);
                sparse.sparseRemoveSection(p, cur);
                p += cur;
            }
        }
    }
}
