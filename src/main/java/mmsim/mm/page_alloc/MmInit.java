package mmsim.mm.page_alloc;

import java.util.List;
import java.util.Locale;

import mmsim.mm.linux.ArchProfile;
import mmsim.mm.linux.PgData;

import mmsim.kernel.Kernel;
import mmsim.kernel.Printf;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.sparse.SparseMem;

import mmsim.mm.linux.MigrateType;
import mmsim.mm.linux.ZoneType;

import mmsim.mm.linux.Zone;

import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.PageFlagsLayout;
import mmsim.mm.linux.PageType;
import mmsim.mm.linux.SectionMemmap;

/**
 * Struct page initialisation (mm/mm_init.c: memmap_init_range, __init_single_page,
 * init_unavailable_range, reserve_bootmem_region).
 *
 * <p>__init_single_page zeroes a struct page, links it to its zone and node, sets refcount 1,
 * _mapcount -1, last_cpupid all ones and points lru at itself. memmap_init_range then marks
 * each pageblock with the given migratetype, and for hotplugged memory makes every page
 * PageOffline (v6.12: "initialize memmap of !ZONE_DEVICE with PageOffline() instead of
 * PageReserved()") or PG_reserved (v4.6) until online_pages frees it.
 *
 * <p>Locking: boot runs single-threaded; hotplug callers hold mem_hotplug_lock and the range is
 * not yet visible to pfn walkers (pfn_to_online_page says no). The bulk writes take no points.
 */
public final class MmInit {
    private MmInit() { }

    /** memmap_init_range() over [start, end) for {@code zone}; sets each pageblock's type. */
    public static void memmapInitRange(BuddyAllocator ba, long start, long end, Zone zone,
                                       BuddyAllocator.MeminitContext context, int migratetype) {
        Memmap memmap = ba.memmap();
        long flagsWord = PageFlagsLayout.initialFlags(zone.idx(), zone.nid());
        boolean hotplug = context == BuddyAllocator.MeminitContext.HOTPLUG;
        boolean v46 = ba.config().era() == KernelConfig.Era.V4_6;
        if (hotplug && v46) flagsWord |= mmsim.mm.linux.PageFlag.RESERVED.mask;
        for (long p = start; p < end; ) {
            SectionMemmap sm = memmap.sectionOf(p);
            int from = memmap.index(p);
            long sectionEnd = sm.startPfn + sm.nrPages;
            long stop = Math.min(end, sectionEnd);
            int to = (int) (stop - sm.startPfn);
            sm.initRange(from, to, flagsWord);
            if (hotplug && !v46) java.util.Arrays.fill(sm.mapcount, from, to, PageType.OFFLINE.word);
            p = stop;
        }
        long firstBlock = (start + Zone.PAGEBLOCK_NR_PAGES - 1) & ~(Zone.PAGEBLOCK_NR_PAGES - 1L);
        for (long pb = firstBlock; pb < end; pb += Zone.PAGEBLOCK_NR_PAGES) ba.setPageblockMigratetype(pb, migratetype);
        if ((start & (Zone.PAGEBLOCK_NR_PAGES - 1)) != 0) ba.setPageblockMigratetype(start, migratetype);
    }

    /**
     * init_unavailable_range() / reserve_bootmem_region(): pages that exist in the memmap but
     * never reach the allocator (holes inside a section, memblock-reserved memory): initialised
     * for {@code zone} and PG_reserved, refcount 1.
     */
    public static void initReservedRange(BuddyAllocator ba, long start, long end, int zoneIdx, int nid) {
        Memmap memmap = ba.memmap();
        long flagsWord = PageFlagsLayout.initialFlags(zoneIdx, nid) | mmsim.mm.linux.PageFlag.RESERVED.mask;
        for (long p = start; p < end; ) {
            SectionMemmap sm = memmap.sectionOf(p);
            int from = memmap.index(p);
            long stop = Math.min(end, sm.startPfn + sm.nrPages);
            sm.initRange(from, (int) (stop - sm.startPfn), flagsWord);
            p = stop;
        }
    }

    // ---- ZONE_DEVICE (mm/mm_init.c; owned with mmsim.mm.memremap, which calls it) -------------

    /**
     * Variant switch (Toshiki Fukasawa, "[RFC PATCH v2] mm: initialize struct pages reserved by
     * ZONE_DEVICE driver", Sep 2019, not merged): memmap_init_range no longer skips the altmap's
     * reserve, so the driver-reserved pfns get initialised (PG_reserved, ZONE_DEVICE) struct pages
     * under mem_hotplug_lock instead of keeping the poison of section_activate.
     */
    public static final String INIT_ZONE_DEVICE_RESERVED = "init-zone-device-reserved";
    /** The variant switches of this file, collected at boot into the options a scenario may name. */
    public static final java.util.List<String> OPTIONS = java.util.List.of(INIT_ZONE_DEVICE_RESERVED);

    /**
     * memmap_init_zone_device() (mm/mm_init.c; mm/page_alloc.c before v6.4): initialises the
     * device data pages [pfn_first, end) of a pgmap after memremap_pages dropped
     * mem_hotplug_lock. With an altmap the start moves to base_pfn + reserve + free (memmap_init_range
     * did the memmap storage; the reserve is never initialised). Per page,
     * __init_zone_device_page: __init_single_page (zone ZONE_DEVICE, node), PG_reserved,
     * page->pgmap (not stored: see DevPagemap), MIGRATE_MOVABLE at each pageblock start, refcount
     * 0 for FS_DAX/PRIVATE/P2PDMA and 1 for GENERIC (v6.x conventions).
     *
     * <p>Locking: none. The pages are already pfn_valid() (their subsections were marked present
     * by sparse_add_section under the lock), so a pfn walker using pfn_valid() can read a struct
     * page before this reaches it: case 4 of David Hildenbrand's list. One preemption point per
     * pageblock, where the kernel calls cond_resched(); the pageblock is then written in bulk.
     */
    public static void memmapInitZoneDevice(BuddyAllocator ba, Zone zone, long startPfn, long nrPages,
                                            mmsim.mm.linux.DevPagemap pgmap) {
        var k = ba.kernel();
        try (var f = k.enter("memmap_init_zone_device")) {
            if (pgmap == null || zone.type != ZoneType.DEVICE) {
                k.warn("mm/mm_init.c", 1063, "");
                return;
            }
            long end = startPfn + nrPages;
            if (pgmap.altmap != null) startPfn = pgmap.altmap.basePfn + pgmap.altmap.offset();
            Memmap memmap = ba.memmap();
            long flagsWord = PageFlagsLayout.initialFlags(zone.idx(), zone.nid()) | mmsim.mm.linux.PageFlag.RESERVED.mask;
            int refcount = pgmap.type == mmsim.mm.linux.DevPagemap.MemoryType.GENERIC ? 1 : 0;
            for (long p = startPfn; p < end; ) {
                long blockEnd = Math.min(end, (p + Zone.PAGEBLOCK_NR_PAGES) & ~(Zone.PAGEBLOCK_NR_PAGES - 1L));
                k.point("memmap_init_zone_device:__init_zone_device_page", null, mmsim.kernel.Access.WRITE);
                for (long q = p; q < blockEnd; ) {
                    SectionMemmap sm = memmap.sectionOf(q);
                    if (sm == null) throw k.pageFault(memmap.pageAddress(q), true, "memmap_init_zone_device");
                    long stop = Math.min(blockEnd, sm.startPfn + sm.nrPages);
                    int from = memmap.index(q), to = (int) (stop - sm.startPfn);
                    sm.initRange(from, to, flagsWord);
                    if (refcount != 1) java.util.Arrays.fill(sm.refcount, from, to, refcount);
                    q = stop;
                }
                if ((p & (Zone.PAGEBLOCK_NR_PAGES - 1)) == 0) ba.setPageblockMigratetype(p, MigrateType.MOVABLE);
                p = blockEnd;
            }
            k.log().printk("memmap_init_zone_device initialised " + (end - startPfn) + " pages in 0ms");
        }
    }

    // =========================================================================================
    // boot (mm/mm_init.c: mm_core_init's memory part, run by start_kernel)
    // =========================================================================================

    /**
     * The boot sequence of mm_init.c over the firmware's memory map: zone ranges, sparse_init,
     * free_area_init (zone spans, memmap_init over RAM), init_unavailable_range (holes),
     * reserve_bootmem_region, memblock_free_all (free RAM into the buddy allocator in max-order
     * chunks) and init_per_zone_wmark_min.
     */
    public static void bootMemory(Kernel kernel, MachineLayout layout, SparseMem sparse, BuddyAllocator allocator) {
        ArchProfile arch = layout.arch();
        int shift = arch.pageShift();
        long dmaEnd = arch.dmaLimit() >>> shift;
        long dma32End = arch.dma32Limit() >>> shift;
        List<MachineLayout.Range> ram = layout.ranges(MachineLayout.Kind.RAM);
        long minPfn = Long.MAX_VALUE, maxPfn = 0;
        for (MachineLayout.Range r : ram) {
            minPfn = Math.min(minPfn, r.startPfn());
            maxPfn = Math.max(maxPfn, r.endPfn());
        }
        printZoneRanges(kernel, layout, minPfn, maxPfn, dmaEnd, dma32End);

        // memblocks_present + sparse_init
        for (MachineLayout.Range r : ram) sparse.memoryPresent(r.nid(), r.startPfn(), r.endPfn());
        for (long nr = 0; nr < sparse.nrSections(); nr++)
            if (sparse.section(nr).present()) sparse.sparseInitOneSection(nr);
        sparse.subsectionMapInit(ram.stream().map(r -> new long[] {r.startPfn(), r.endPfn()}).toList());

        // free_area_init: zone spans per node, then memmap_init over RAM and holes
        long[] zoneBounds = {0, dmaEnd, dma32End, Long.MAX_VALUE};
        for (int nid = 0; nid < layout.nodes(); nid++) {
            PgData pg = allocator.node(nid);
            long ns = Long.MAX_VALUE, ne = 0;
            for (MachineLayout.Range r : ram) if (r.nid() == nid) { ns = Math.min(ns, r.startPfn()); ne = Math.max(ne, r.endPfn()); }
            if (ne == 0) continue;
            pg.setSpan(ns, ne - ns);
            kernel.log().printk(Printf.format("Initmem setup node %d [mem %#018x-%#018x]", nid, ns << shift, (ne << shift) - 1));
            for (int z = 0; z < 3; z++) {
                long zs = Math.max(ns, zoneBounds[z]), ze = Math.min(ne, zoneBounds[z + 1]);
                if (zs >= ze) continue;
                Zone zone = pg.zone(z);
                zone.setSpan(zs, ze - zs);
                long present = 0;
                for (MachineLayout.Range r : ram) {
                    if (r.nid() != nid) continue;
                    long s = Math.max(zs, r.startPfn()), e = Math.min(ze, r.endPfn());
                    if (s < e) {
                        present += e - s;
                        memmapInitRange(allocator, s, e, zone, BuddyAllocator.MeminitContext.EARLY, MigrateType.MOVABLE);
                    }
                }
                zone.adjustPresentPages(present);
                zone.setPresentEarlyPages(present);
            }
        }
        // init_unavailable_range: holes inside present sections get reserved struct pages
        for (long nr = 0; nr < sparse.nrSections(); nr++) {
            if (!sparse.section(nr).valid()) continue;
            long s = sparse.sectionNrToPfn(nr), e = s + sparse.pagesPerSection();
            int nid = sparse.section(nr).nid;
            long p = s;
            while (p < e) {
                long next = e;
                boolean inRam = false;
                for (MachineLayout.Range r : ram) {
                    if (r.startPfn() <= p && p < r.endPfn()) { inRam = true; next = Math.min(e, r.endPfn()); break; }
                    if (r.startPfn() > p) next = Math.min(next, r.startPfn());
                }
                if (!inRam) {
                    for (long b : zoneBounds) if (b > p && b < next) next = b;
                    initReservedRange(allocator, p, next, holeZone(allocator, nid, p), nid);
                }
                p = next;
            }
        }
        // reserve_bootmem_region: memblock.reserved pages stay PG_reserved with refcount 1
        for (MachineLayout.Range r : layout.ranges(MachineLayout.Kind.RESERVE)) {
            for (long p = r.startPfn(); p < r.endPfn(); ) {
                long next = r.endPfn();
                for (long b : zoneBounds) if (b > p && b < next) next = b;
                int nid = sparse.section(sparse.pfnToSectionNr(p)).nid;
                initReservedRange(allocator, p, next, holeZone(allocator, nid, p), nid);
                p = next;
            }
        }
        // memblock_free_all: every free range in max-order chunks
        List<MachineLayout.Range> reserves = layout.ranges(MachineLayout.Kind.RESERVE);
        for (MachineLayout.Range r : ram) {
            long p = r.startPfn();
            while (p < r.endPfn()) {
                long next = r.endPfn();
                long skipTo = -1;
                for (MachineLayout.Range res : reserves) {
                    if (res.startPfn() <= p && p < res.endPfn()) skipTo = Math.max(skipTo, res.endPfn());
                    else if (res.startPfn() > p) next = Math.min(next, res.startPfn());
                }
                if (skipTo >= 0) { p = Math.min(skipTo, r.endPfn()); continue; }
                for (long b : zoneBounds) if (b > p && b < next) next = b;
                freeBootRange(allocator, allocator.memmap(), p, next);
                p = next;
            }
        }
        allocator.initPerZoneWmarkMin();
    }

    /** The zone index a hole's struct page is linked to: the zone spanning it, else the nearest below, else the first. */
    private static int holeZone(BuddyAllocator allocator, int nid, long pfn) {
        PgData pg = allocator.node(nid);
        int best = -1;
        for (int z = 0; z < 3; z++) {
            Zone zone = pg.zone(z);
            if (zone.empty()) continue;
            if (zone.spans(pfn)) return z;
            if (zone.zoneStartPfn() <= pfn) best = z;
            else if (best < 0) best = z;
        }
        return Math.max(best, 0);
    }

    private static void printZoneRanges(Kernel kernel, MachineLayout layout, long minPfn, long maxPfn, long dmaEnd, long dma32End) {
        int shift = layout.arch().pageShift();
        var log = kernel.log();
        log.printk("Zone ranges:");
        long[][] zr = {{minPfn, Math.min(dmaEnd, maxPfn)}, {Math.max(minPfn, dmaEnd), Math.min(dma32End, maxPfn)},
                {Math.max(minPfn, dma32End), maxPfn}};
        String[] names = {"DMA", "DMA32", "Normal"};
        for (int i = 0; i < 3; i++) {
            if (zr[i][0] >= zr[i][1]) log.printk(String.format(Locale.ROOT, "  %-8s empty", names[i]));
            else log.printk(String.format(Locale.ROOT, "  %-8s [mem %#018x-%#018x]", names[i], zr[i][0] << shift, (zr[i][1] << shift) - 1));
        }
        log.printk(String.format(Locale.ROOT, "  %-8s empty", "Device"));
        log.printk("Movable zone start for each node");
        log.printk("Early memory node ranges");
        for (MachineLayout.Range r : layout.ranges(MachineLayout.Kind.RAM))
            log.printk(Printf.format("  node %3d: [mem %#018x-%#018x]", r.nid(), r.start(), r.end() - 1));
    }

    /**
     * __free_pages_memory() at boot: frees a memblock range in max-order aligned chunks, fast
     * (no checks: memblock_free_all runs before anything can race and every page was just
     * initialised).
     */
    private static void freeBootRange(BuddyAllocator allocator, Memmap memmap, long start, long end) {
        for (long p = start; p < end; ) {
            int order = Math.min(Zone.MAX_PAGE_ORDER, Long.numberOfTrailingZeros(p));
            while (p + (1L << order) > end) order--;
            long nr = 1L << order;
            mmsim.mm.linux.SectionMemmap sm = memmap.sectionOf(p);
            int i = memmap.index(p);
            java.util.Arrays.fill(sm.refcount, i, i + (int) nr, 0);
            sm.markWritten(i, i + (int) nr);
            Zone zone = allocator.pageZone(p);
            zone.managedPages += nr;
            zone.lock.lock();
            try {
                allocator.freeOnePageLocked(zone, p, order, allocator.pageblockMigratetype(p), BuddyAllocator.FPI_TO_TAIL);
            } finally {
                zone.lock.unlock();
            }
            p += nr;
        }
    }
}
