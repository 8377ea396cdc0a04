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
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.PageType;
import mmsim.mm.linux.SectionMemmap;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.linux.Gfp;
import mmsim.mm.linux.MigrateType;
import mmsim.mm.page_alloc.MmInit;
import mmsim.mm.linux.PgData;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.ZoneType;
import mmsim.mm.linux.MemSection;
import mmsim.mm.sparse.SparseMem;

import java.util.ArrayList;
import java.util.List;
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

    /** drivers/base/memory.c's block devices: what add/remove_memory create, walk and remove. */
    private MemoryBlockDevices blockDevices;
    private final long sectionsPerBlock;
    private final long blockSizeBytes;
    /** The "System RAM" resources of iomem: start -> end (exclusive), bytes. */
    private final TreeMap<Long, Long> systemRam = new TreeMap<>();
    /** mhp_default_online_type (auto_online_blocks); CONFIG_MHP_DEFAULT_ONLINE_TYPE_OFFLINE. */
    private OnlineType defaultOnlineType = OnlineType.MMOP_OFFLINE;
    /** Messages printed under migrate_rs in the current offline_pages. */
    private int migrateMessages;
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

    private int memoryNotify(int action, MemoryNotify arg) { return notifier.memoryNotify(action, arg); }

    // =========================================================================================
    // what memory_hotplug.c shares with the block devices (drivers/base/memory.c, in
    // mmsim.mm.memory_block, above this package: reached through MemoryBlockDevices)
    // =========================================================================================

    /** Installs the memory block devices (start_kernel wires them: drivers/base/memory.c). */
    public void setMemoryBlockDevices(MemoryBlockDevices d) { this.blockDevices = d; }

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
     * The hwpoisoned pages of [start, end) still visible in an initialised memmap (poisoned
     * memmap and holes count nothing); the block devices' memblk_nr_poison bookkeeping uses it.
     */
    public long countHwpoison(long start, long end) {
        long n = 0;
        for (long p = start; p < end; p++) {
            SectionMemmap sm = memmap.sectionOf(p);
            if (sm == null) { p = (p / sparse.pagesPerSection() + 1) * sparse.pagesPerSection() - 1; continue; }
            long fl = sm.flags[memmap.index(p)];
            if (fl != SectionMemmap.POISON && (fl & PageFlag.HWPOISON.mask) != 0) n++;
        }
        return n;
    }

    // =========================================================================================
    // zones (mm/memory_hotplug.c)
    // =========================================================================================

    /** zone_intersects(). */
    public static boolean zoneIntersects(Zone z, long startPfn, long nrPages) {
        if (z.empty()) return false;
        return startPfn < z.zoneEndPfn() && startPfn + nrPages > z.zoneStartPfn();
    }

    /** default_kernel_zone_for_pfn(): the first kernel zone the range intersects, else ZONE_NORMAL. */
    public Zone defaultKernelZoneForPfn(int nid, long startPfn, long nrPages) {
        PgData pg = ba.node(nid);
        for (int zid = 0; zid <= ZoneType.NORMAL.ordinal(); zid++) {
            Zone z = pg.zone(zid);
            if (zoneIntersects(z, startPfn, nrPages)) return z;
        }
        return pg.zone(ZoneType.NORMAL);
    }

    /**
     * zone_for_pfn_range() with the default "contig-zones" policy and movable_node off:
     * online_kernel -> the kernel zone, online_movable -> ZONE_MOVABLE, online -> whichever of the
     * two the range already touches (kernel when both or neither).
     */
    public Zone zoneForPfnRange(OnlineType type, int nid, long startPfn, long nrPages) {
        PgData pg = ba.node(nid);
        if (type == OnlineType.MMOP_ONLINE_KERNEL) return defaultKernelZoneForPfn(nid, startPfn, nrPages);
        if (type == OnlineType.MMOP_ONLINE_MOVABLE) return pg.zone(ZoneType.MOVABLE);
        Zone kernelZone = defaultKernelZoneForPfn(nid, startPfn, nrPages);
        Zone movable = pg.zone(ZoneType.MOVABLE);
        boolean inKernel = zoneIntersects(kernelZone, startPfn, nrPages);
        boolean inMovable = zoneIntersects(movable, startPfn, nrPages);
        if (inKernel ^ inMovable) return inKernel ? kernelZone : movable;
        return kernelZone;
    }

    /** is_mem_section_removable() (v4.6): no pageblock of the range has unmovable pages. */
    public boolean isMemSectionRemovable(long startPfn, long nrPages) {
        for (long pb = startPfn; pb < startPfn + nrPages; pb += Zone.PAGEBLOCK_NR_PAGES) {
            if (!memmap.backed(pb) || memmap.poisoned(pb)) continue;
            // is_pageblock_removable_nolock(): outside its zone's span (a hole's struct page) is not removable
            if (!ba.pageZone(pb).spans(pb)) return false;
            if (hasUnmovablePages(pb, pb + Zone.PAGEBLOCK_NR_PAGES, true) >= 0) return false;
        }
        return true;
    }

    /**
     * has_unmovable_pages() (mm/page_isolation.c; v4.6 mm/page_alloc.c): the first pfn of
     * [start, end) that can be neither freed nor migrated, or -1. Free buddy pages, LRU pages and
     * (offlining) hwpoisoned / PageOffline pages are fine; anything in ZONE_MOVABLE passes (mainline:
     * except PG_reserved); v4.6 passes whole MIGRATE_MOVABLE pageblocks.
     */
    private long hasUnmovablePages(long start, long end, boolean memoryOffline) {
        Zone zone = ba.pageZone(start);
        if (v46) {
            if (zone.type == ZoneType.MOVABLE) return -1;
            int mt = ba.pageblockMigratetype(start);
            if (mt == MigrateType.MOVABLE || mt == MigrateType.CMA) return -1;
        }
        for (long p = start; p < end; p++) {
            long fl = memmap.flags(p);
            if (!v46 && (fl & PageFlag.RESERVED.mask) != 0) return p;
            if (zone.type == ZoneType.MOVABLE) continue;
            if (memmap.refcount(p) == 0) {
                if (memmap.isBuddy(p)) p += (1L << memmap.privateData(p)) - 1;
                continue;
            }
            if (memoryOffline && (fl & PageFlag.HWPOISON.mask) != 0) continue;
            if (memoryOffline && memmap.hasType(p, PageType.OFFLINE)) continue;
            if ((headFlags(p) & PageFlag.LRU.mask) != 0) continue;
            if (v46 && (fl & PageFlag.RESERVED.mask) != 0) return p;
            return p;
        }
        return -1;
    }

    /** The flags of the page's head (PageLRU is a PF_HEAD flag). */
    private long headFlags(long p) {
        if (memmap.isTail(p)) return memmap.flags(memmap.compoundHead(p, k.currentFunction()));
        return memmap.flags(p);
    }

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
                k.point("__add_pages:cond_resched", null, Access.NONE);
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

    /**
     * move_pfn_range_to_zone(): grows the zone and node spans over the range and initialises its
     * memmap for the zone (PageOffline on mainline, PG_reserved on v4.6 and for ZONE_DEVICE),
     * pageblocks of {@code migratetype}. For ZONE_DEVICE only the pages hosting the altmap's memmap
     * are initialised here (memremap_pages initialises the rest with memmap_init_zone_device), and
     * a section shared with other memory is marked SECTION_TAINT_ZONE_DEVICE.
     */
    public void movePfnRangeToZone(Zone zone, long startPfn, long nrPages, VmemAltmap altmap, int migratetype) {
        try (var f = k.enter("move_pfn_range_to_zone")) {
            assertMemHotplugHeldWrite();
            k.point("move_pfn_range_to_zone:resize_zone_range", zone, Access.WRITE);
            zone.resizeZoneRange(startPfn, nrPages);
            zone.pgdat.resizePgdatRange(startPfn, nrPages);
            long end = startPfn + nrPages;
            if (zone.type == ZoneType.DEVICE) {
                if (startPfn % sparse.pagesPerSection() != 0) sectionTaintZoneDevice(startPfn);
                if (end % sparse.pagesPerSection() != 0) sectionTaintZoneDevice(end);
                if (altmap == null) return;
                // memmap_init_range honours the driver's reserve; Fukasawa's RFC (variant
                // MmInit.INIT_ZONE_DEVICE_RESERVED) dropped that skip and initialised it too
                boolean skipReserve = startPfn == altmap.basePfn && !ba.config().has(MmInit.INIT_ZONE_DEVICE_RESERVED);
                long s = skipReserve ? startPfn + altmap.reserve : startPfn;
                long e = altmap.basePfn + altmap.offset();
                if (s < e) {
                    MmInit.initReservedRange(ba, s, e, zone.idx(), zone.nid());
                    setPageblocks(s, e, migratetype);
                }
                return;
            }
            // pfn_valid() walkers (v4.13-v5.3 kpageflags, seed 001) can see this memmap: one point
            // before the bulk initialisation lets them run before or after it
            k.point("memmap_init_range", memmap.sectionOf(startPfn), Access.WRITE);
            MmInit.memmapInitRange(ba, startPfn, end, zone, BuddyAllocator.MeminitContext.HOTPLUG, migratetype);
        }
    }

    private void setPageblocks(long s, long e, int mt) {
        for (long pb = s & ~(Zone.PAGEBLOCK_NR_PAGES - 1L); pb < e; pb += Zone.PAGEBLOCK_NR_PAGES)
            ba.setPageblockMigratetype(pb, mt);
    }

    private void sectionTaintZoneDevice(long pfn) {
        MemSection ms = sparse.section(sparse.pfnToSectionNr(pfn));
        if (ms == null) return;
        k.point("section_taint_zone_device", ms, Access.WRITE);
        ms.flags |= MemSection.SECTION_TAINT_ZONE_DEVICE;
    }

    /**
     * remove_pfn_range_from_zone(): poisons the range's memmap (page_init_poison: the struct pages
     * are uninitialised again; with CONFIG_DEBUG_VM, as every default config here has) and, except
     * for ZONE_DEVICE, shrinks the zone and node spans to
     * the online sections left. v4.6 has no such step (the memmap stays initialised until remove).
     */
    public void removePfnRangeFromZone(Zone zone, long startPfn, long nrPages) {
        try (var f = k.enter("remove_pfn_range_from_zone")) {
            long end = startPfn + nrPages;
            // page_init_poison() writes only when struct page poisoning is on (CONFIG_DEBUG_VM);
            // otherwise the stale struct pages stay as the offline left them
            for (long p = startPfn; p < end && config.has(KernelConfig.CONFIG_DEBUG_VM); ) {
                SectionMemmap sm = memmap.sectionOf(p);
                long stop = Math.min(end, sm.startPfn + sm.nrPages);
                k.point("page_init_poison", sm, Access.WRITE);
                sm.poison(memmap.index(p), (int) (stop - sm.startPfn));
                p = stop;
            }
            if (zone.type == ZoneType.DEVICE) return;
            shrinkZoneSpan(zone, startPfn, end);
            updatePgdatSpan(zone.pgdat);
        }
    }

    /** shrink_zone_span(): moves a zone edge that the range touched to the nearest online subsection of the zone. */
    private void shrinkZoneSpan(Zone zone, long startPfn, long endPfn) {
        k.point("shrink_zone_span", zone, Access.WRITE);
        long zs = zone.zoneStartPfn(), ze = zone.zoneEndPfn();
        if (zs == startPfn) {
            long pfn = findSmallestSectionPfn(zone, endPfn, ze);
            if (pfn >= 0) zone.setSpan(pfn, ze - pfn);
            else zone.setSpan(0, 0);
        } else if (ze == endPfn) {
            long pfn = findBiggestSectionPfn(zone, zs, startPfn);
            if (pfn >= 0) zone.setSpan(zs, pfn + 1 - zs);
            else zone.setSpan(0, 0);
        }
    }

    private boolean subsectionInZone(Zone zone, long pfn) {
        MemSection ms = sparse.section(sparse.pfnToSectionNr(pfn));
        if (ms == null || !ms.valid()) return false;
        if (!ms.online()) return false;
        if (!ms.early() && (ms.usage == null || (ms.usage.subsectionMap & (1L << sparse.subsectionMapIndex(pfn))) == 0)) return false;
        if (memmap.poisoned(pfn)) return false;
        return ba.pageZone(pfn) == zone;
    }

    private long findSmallestSectionPfn(Zone zone, long start, long end) {
        for (long p = start; p < end; p += sparse.pagesPerSubsection()) if (subsectionInZone(zone, p)) return p;
        return -1;
    }

    private long findBiggestSectionPfn(Zone zone, long start, long end) {
        for (long p = end - 1; p >= start; p -= sparse.pagesPerSubsection())
            if (subsectionInZone(zone, p & ~(sparse.pagesPerSubsection() - 1))) return p;
        return -1;
    }

    /** update_pgdat_span(): the node spans its non-empty zones. */
    private void updatePgdatSpan(PgData pg) {
        long ns = 0, ne = 0;
        for (ZoneType t : ZoneType.values()) {
            Zone z = pg.zone(t);
            if (z.spannedPages() == 0) continue;
            if (ne == 0) { ns = z.zoneStartPfn(); ne = z.zoneEndPfn(); continue; }
            ns = Math.min(ns, z.zoneStartPfn());
            ne = Math.max(ne, z.zoneEndPfn());
        }
        pg.setSpan(ns, ne - ns);
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
            ba.onlinePageRange(pfn, nrPages);
            sparse.onlineMemSections(pfn, end);
            k.point("adjust_present_page_count", zone, Access.WRITE);
            zone.adjustPresentPages(nrPages);
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
                    && movePfnRangeLeft(pg.zone(ZoneType.NORMAL), zone, pfn, end) != 0) return Errno.EINVAL.neg();
            if (type == OnlineType.MMOP_ONLINE_MOVABLE && zone.type == ZoneType.NORMAL
                    && movePfnRangeRight(zone, pg.zone(ZoneType.MOVABLE), pfn, end) != 0) return Errno.EINVAL.neg();
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
            ba.onlinePageRange(pfn, nrPages);
            k.point("online_pages:present_pages", zone, Access.WRITE);
            zone.adjustPresentPages(nrPages);
            ba.initPerZoneWmarkMin();
            memoryNotify(MemoryNotifier.MEM_ONLINE, arg);
            return 0;
        }
    }

    /**
     * move_pfn_range_right() (v4.6): online_movable of the last block of ZONE_NORMAL moves it into
     * ZONE_MOVABLE: Normal ends at {@code start}, Movable starts there (its end, or the range's end
     * when empty), and the range's struct pages are relinked (fix_zone_id). -EINVAL unless the
     * range is at the right end of {@code z1}.
     */
    private int movePfnRangeRight(Zone z1, Zone z2, long start, long end) {
        k.point("move_pfn_range_right", z1, Access.WRITE);
        if (z1.zoneStartPfn() > start || z1.zoneEndPfn() > end || start >= z1.zoneEndPfn()) return Errno.EINVAL.neg();
        long z2End = z2.empty() ? end : z2.zoneEndPfn();
        z1.setSpan(z1.zoneStartPfn(), start - z1.zoneStartPfn());
        z2.setSpan(start, z2End - start);
        MmInit.memmapInitRange(ba, start, end, z2, BuddyAllocator.MeminitContext.HOTPLUG, MigrateType.MOVABLE);
        return 0;
    }

    /** move_pfn_range_left() (v4.6): online_kernel of the first block of ZONE_MOVABLE moves it into ZONE_NORMAL. */
    private int movePfnRangeLeft(Zone z1, Zone z2, long start, long end) {
        k.point("move_pfn_range_left", z2, Access.WRITE);
        if (start > z2.zoneStartPfn() || end <= z2.zoneStartPfn() || z2.zoneEndPfn() < end) return Errno.EINVAL.neg();
        long z1Start = z1.empty() ? start : z1.zoneStartPfn();
        long z2End = z2.zoneEndPfn();
        z1.setSpan(z1Start, end - z1Start);
        z2.setSpan(end, z2End - end);
        MmInit.memmapInitRange(ba, start, end, z1, BuddyAllocator.MeminitContext.HOTPLUG, MigrateType.MOVABLE);
        return 0;
    }

    /** test_pages_in_a_zone() (v4.6): every valid page of the range is in one zone. */
    public boolean testPagesInAZone(long start, long end) {
        Zone zone = null;
        for (long p = start; p < end; p += 1L << Zone.MAX_PAGE_ORDER) {
            if (!memmap.backed(p) || memmap.poisoned(p)) continue;
            for (long q = p; q < Math.min(end, p + (1L << Zone.MAX_PAGE_ORDER)); q++) {
                Zone z = ba.pageZone(q);
                if (zone == null) zone = z;
                else if (z != zone) return false;
            }
        }
        return zone != null;
    }

    // =========================================================================================
    // offline (mm/memory_hotplug.c: offline_pages)
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
     * offline_pages(start_pfn, nr_pages, zone): isolates the range's pageblocks (-EBUSY "failure to
     * isolate range" when a pageblock holds an unmovable page), notifies MEM_GOING_OFFLINE (a veto
     * ends in MEM_CANCEL_OFFLINE), then repeats migrating the LRU pages out (mm/migrate.c,
     * MR_MEMORY_HOTPLUG) until every page is free and isolated; takes the free pages off the
     * buddy allocator, clears SECTION_IS_ONLINE, adjusts the counts, notifies MEM_OFFLINE and
     * poisons the memmap again (mainline). Any failure after isolation undoes it and notifies
     * MEM_CANCEL_OFFLINE.
     *
     * <p>A page that never becomes free (pinned, or an unmovable page in ZONE_MOVABLE) keeps the
     * kernel's loop going until the writer gets a signal; the model sends that signal after
     * {@link #OFFLINE_MAX_PASSES} passes: mainline returns -EINTR ("signal backoff"), v4.6 -EAGAIN
     * (its 120 s timeout).
     */
    public int offlinePagesInZone(long startPfn, long nrPages, Zone zone) {
        try (var f = k.enter("offline_pages")) {
            assertMemHotplugHeldWrite();
            long end = startPfn + nrPages;
            String reason;
            int ret;
            if (nrPages == 0 || startPfn % Zone.PAGEBLOCK_NR_PAGES != 0 || end % sparse.pagesPerSection() != 0) {
                k.warn("mm/memory_hotplug.c", 1930, "offline_pages: misaligned range");
                return Errno.EINVAL.neg();
            }
            if (!rangeIsSystemRam(startPfn, end)) {
                ret = Errno.EINVAL.neg();
                reason = "memory holes";
                return failedRemoval(startPfn, end, reason, ret);
            }
            if (ba.pageZone(startPfn) != zone || ba.pageZone(end - 1) != zone) {
                ret = Errno.EINVAL.neg();
                reason = "multizone range";
                return failedRemoval(startPfn, end, reason, ret);
            }
            // zone_pcp_disable + lru_cache_disable: nothing of the range may sit on a per-cpu list
            ba.drainAllPages(zone);
            lruCacheDrain();
            // start_isolate_page_range(): set_migratetype_isolate checks has_unmovable_pages per
            // pageblock under zone->lock, then isolates
            for (long pb = startPfn; pb < end; pb += Zone.PAGEBLOCK_NR_PAGES) {
                long bad;
                zone.lock.lock();
                try {
                    bad = hasUnmovablePages(pb, pb + Zone.PAGEBLOCK_NR_PAGES, true);
                } finally {
                    zone.lock.unlock();
                }
                if (bad >= 0) {
                    if (!v46) dumpUnmovable(bad);
                    return failedRemoval(startPfn, end, "failure to isolate range", Errno.EBUSY.neg());
                }
            }
            isolation.startIsolatePageRange(startPfn, end);
            migrateMessages = 0;
            MemoryNotify arg = new MemoryNotify(startPfn, nrPages, nodeLosesLastMemory(zone, nrPages) ? zone.nid() : -1);
            ret = MemoryNotifier.notifierToErrno(memoryNotify(MemoryNotifier.MEM_GOING_OFFLINE, arg));
            if (ret != 0) return failedRemovalIsolated(startPfn, end, arg, "notifier failure", ret);
            int passes = 0;
            while (true) {
                if (++passes > OFFLINE_MAX_PASSES)
                    return failedRemovalIsolated(startPfn, end, arg, v46 ? "timeout" : "signal backoff",
                            v46 ? Errno.EAGAIN.neg() : Errno.EINTR.neg());
                k.point("offline_pages:cond_resched", null, Access.NONE);
                long pfn = startPfn;
                boolean unmovable = false;
                while (true) {
                    long found = scanMovablePages(pfn, end);
                    if (found == -1) break;
                    if (found == -2) { unmovable = true; break; }
                    pfn = doMigrateRange(found, end);
                }
                if (unmovable) return failedRemovalIsolated(startPfn, end, arg, "unmovable page", Errno.EBUSY.neg());
                ba.drainAllPages(zone);
                if (isolation.testPagesIsolated(startPfn, end) == 0) break;
                lruCacheDrain();
            }
            // __offline_isolated_pages(): free pages out of the buddy, sections no longer online
            ba.offlineIsolatedPages(startPfn, end);
            sparse.offlineMemSections(startPfn, end);
            if (v46) {
                for (long p = startPfn; p < end; p++) memmap.setBit(p, PageFlag.RESERVED);
                k.log().printk("Offlined Pages " + nrPages);
            }
            // nr_isolate_pageblock -= nr_pages / pageblock_nr_pages: the kernel leaves the stale
            // MIGRATE_ISOLATE marks for the next online to overwrite; the model resets them to MOVABLE
            // (no free page is left in the range to move), which uncounts them the same way
            isolation.undoIsolatePageRange(startPfn, end, MigrateType.MOVABLE);
            k.point("offline_pages:adjust_managed_page_count", zone, Access.WRITE);
            zone.adjustManagedPages(-nrPages);
            zone.adjustPresentPages(-nrPages);
            ba.initPerZoneWmarkMin();
            memoryNotify(MemoryNotifier.MEM_OFFLINE, arg);
            if (!v46) blockDevices.memblkNrPoisonAdd(startPfn, countHwpoison(startPfn, end));
            if (!v46) removePfnRangeFromZone(zone, startPfn, nrPages);
            return 0;
        }
    }

    private void dumpUnmovable(long pfn) {
        // set_migratetype_isolate with REPORT_FAILURE: dump_page(unmovable, "unmovable page")
        k.log().printk(mmsim.mm.linux.DumpPage.dumpPage(memmap, pfn, "unmovable page"));
    }

    private int failedRemovalIsolated(long start, long end, MemoryNotify arg, String reason, int ret) {
        isolation.undoIsolatePageRange(start, end, MigrateType.MOVABLE);
        memoryNotify(MemoryNotifier.MEM_CANCEL_OFFLINE, arg);
        return failedRemoval(start, end, reason, ret);
    }

    /** failed_removal: pr_debug on mainline (not in the log by default), KERN_INFO on v4.6. */
    private int failedRemoval(long start, long end, String reason, int ret) {
        if (v46) {
            int shift = layout.arch().pageShift();
            k.log().printk(String.format(Locale.ROOT, "memory offlining [mem %#010x-%#010x] failed", start << shift, (end << shift) - 1));
        }
        return ret;
    }

    private boolean nodeLosesLastMemory(Zone zone, long nrPages) {
        return zone.pgdat.nodePresentPages() <= nrPages;
    }

    /** walk_system_ram_range(): the whole range is iomem "System RAM". */
    private boolean rangeIsSystemRam(long startPfn, long endPfn) {
        int shift = layout.arch().pageShift();
        long s = startPfn << shift, e = endPfn << shift;
        while (s < e) {
            var en = systemRam.floorEntry(s);
            if (en == null || en.getValue() <= s) return false;
            s = en.getValue();
        }
        return true;
    }

    /** lru_add_drain_all(): pages in per-CPU LRU batches reach the LRU (PG_lru) so they can be isolated. */
    private void lruCacheDrain() {
        swap.lruAddDrainAll();
    }

    /**
     * scan_movable_pages(): the first LRU page of [start, end) (-1 = -ENOENT none left, -2 =
     * -EBUSY a PageOffline page with a reference, which neither migrates nor frees).
     */
    private long scanMovablePages(long start, long end) {
        for (long p = start; p < end; p++) {
            // lockless pfn walk; one point per pageblock keeps the explorer's choices few (the
            // flags it reads are re-checked under the page's isolation in do_migrate_range)
            if ((p & (Zone.PAGEBLOCK_NR_PAGES - 1)) == 0) k.point("scan_movable_pages", memmap.sectionOf(p), Access.READ);
            if (memmap.isBuddy(p)) { p += (1L << memmap.privateData(p)) - 1; continue; }
            if ((headFlags(p) & PageFlag.LRU.mask) != 0) return p;
            if (memmap.hasType(p, PageType.OFFLINE) && memmap.refcount(p) > 0) return -2;
        }
        return -1;
    }

    /**
     * do_migrate_range(): isolates the LRU pages from {@code start} (hwpoisoned ones are skipped),
     * migrates them to pages allocated outside the range (MR_MEMORY_HOTPLUG), puts back the ones
     * that failed. Returns the pfn to continue scanning from.
     */
    private long doMigrateRange(long start, long end) {
        try (var f = k.enter("do_migrate_range")) {
            List<Long> source = new ArrayList<>();
            long p = start;
            for (; p < end && source.size() < 512; p++) {
                if ((headFlags(p) & PageFlag.LRU.mask) == 0 || memmap.isTail(p)) continue;
                if (memmap.testBit(p, PageFlag.HWPOISON)) continue;
                k.point("do_migrate_range:get_page_unless_zero", memmap.sectionOf(p), Access.WRITE);
                int rc = memmap.refcount(p);
                if (rc == 0) continue;
                memmap.setRefcount(p, rc + 1);
                if (vmscan.isolateLruPage(p) == 0) {
                    source.add(p);
                } else if (migrateRatelimit()) {
                    k.log().printk(String.format(Locale.ROOT, "failed to isolate pfn %x", p));
                    k.log().printk(mmsim.mm.linux.DumpPage.dumpPage(memmap, p, "isolation failed"));
                }
                core.putPage(p);
            }
            if (!source.isEmpty()) {
                int nid = ba.pageZone(source.get(0)).nid();
                int target = nid;
                for (int n = 0; n < ba.nrNodes(); n++) if (n != nid && ba.node(n).nodePresentPages() > 0) { target = n; break; }
                final int t = target;
                int ret = migrate.migratePages(source, src -> ba.allocPagesNode(t, Gfp.GFP_HIGHUSER_MOVABLE, 0),
                        mmsim.mm.migrate.Migrate.MigrateMode.SYNC, mmsim.mm.migrate.Migrate.MigrateReason.MEMORY_HOTPLUG);
                if (ret != 0) {
                    for (long s : source) {
                        if (!migrateRatelimit()) break;
                        k.log().printk(String.format(Locale.ROOT, "migrating pfn %x failed ret:%d", s, ret));
                        k.log().printk(mmsim.mm.linux.DumpPage.dumpPage(memmap, s, "migration failure"));
                    }
                    migrate.putbackMovablePages(source);
                }
            }
            return p;
        }
    }

    /**
     * migrate_rs (DEFINE_RATELIMIT_STATE, DEFAULT_RATELIMIT_BURST 10 per 5 s): the model has no
     * clock, so the burst is counted per offline_pages call.
     */
    private boolean migrateRatelimit() {
        return migrateMessages++ < 10;
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

    private int tryRemoveMemory(long startBytes, long sizeBytes) {
        try (var f = k.enter("try_remove_memory")) {
            int shift = layout.arch().pageShift();
            if (sizeBytes <= 0 || ((startBytes | sizeBytes) & (blockSizeBytes - 1)) != 0)
                throw k.bug("mm/memory_hotplug.c", 2200, "kernel BUG at mm/memory_hotplug.c: check_hotplug_memory_range");
            long startPfn = startBytes >>> shift, nrPages = sizeBytes >>> shift;
            // the model removes only what add_memory added (as the ACPI driver does): anything else
            // is a caller error the kernel does not check for, reported here as -EINVAL
            for (long b = startBytes; b < startBytes + sizeBytes; b += blockSizeBytes) {
                Long end = systemRam.get(b);
                if (end == null || end != b + blockSizeBytes || !blockDevices.hasBlock(b / blockSizeBytes)) return Errno.EINVAL.neg();
            }
            // walk_memory_blocks(start, size, NULL, check_memblock_offlined_cb)
            long onlinePfn = blockDevices.firstOnlineBlock(startPfn, nrPages);
            if (onlinePfn >= 0) {
                long begin = onlinePfn << shift, endpa = begin + blockSizeBytes - 1;
                if (v46) throw k.bug("mm/memory_hotplug.c", 2097, "kernel BUG at mm/memory_hotplug.c:2097!");
                k.log().printk(String.format(Locale.ROOT, "removing memory fails, because memory [0x%016x-0x%016x] is onlined", begin, endpa));
                return Errno.EBUSY.neg();
            }
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
                shrinkZoneSpanV46(zone, startPfn, end);
            }
            for (long p = startPfn; p < end; ) {
                long sectionEnd = (p / sparse.pagesPerSection() + 1) * sparse.pagesPerSection();
                long cur = Math.min(end, sectionEnd) - p;
                k.point("__remove_pages:cond_resched", null, Access.NONE);
                sparse.sparseRemoveSection(p, cur);
                p += cur;
            }
        }
    }

    private void shrinkZoneSpanV46(Zone zone, long start, long end) {
        k.point("shrink_zone_span", zone, Access.WRITE);
        long zs = zone.zoneStartPfn(), ze = zone.zoneEndPfn();
        if (zs == start) zone.setSpan(end >= ze ? 0 : end, end >= ze ? 0 : ze - end);
        else if (ze == end) zone.setSpan(zs, start - zs);
        updatePgdatSpan(zone.pgdat);
    }
}
