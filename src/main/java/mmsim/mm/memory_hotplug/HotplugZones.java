package mmsim.mm.memory_hotplug;

import mmsim.kernel.Access;
import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.MemSection;
import mmsim.mm.linux.MigrateType;
import mmsim.mm.linux.PgData;
import mmsim.mm.linux.SectionMemmap;
import mmsim.mm.linux.VmemAltmap;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.ZoneType;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.page_alloc.MmInit;
import mmsim.mm.sparse.SparseMem;

/**
 * The zone half of mm/memory_hotplug.c: which zone a range onlines into (zone_intersects,
 * default_kernel_zone_for_pfn, zone_for_pfn_range), growing a zone over it
 * (move_pfn_range_to_zone, with ZONE_DEVICE's section taint) and shrinking it back
 * (remove_pfn_range_from_zone, shrink_zone_span, update_pgdat_span), and v4.6's
 * move_pfn_range_left/right, test_pages_in_a_zone and __remove_zone. Reached through
 * {@link MemoryHotplug}, which owns the locks.
 *
 * <p>Locking: zone and node spans change only with mem_hotplug_lock held for write
 * (move_pfn_range_to_zone asserts it; the others run inside online/offline/remove, which assert
 * it); pfn walkers read spans locklessly, so each span write takes a preemption point first.
 * Lock order: the mm lock tree in the {@code mmsim.mm} package-info.
 */
final class HotplugZones {
    private final Kernel k;
    private final KernelConfig config;
    private final SparseMem sparse;
    private final Memmap memmap;
    private final BuddyAllocator ba;
    private final MemoryHotplug hp;

    HotplugZones(Kernel k, KernelConfig config, SparseMem sparse, Memmap memmap, BuddyAllocator ba, MemoryHotplug hp) {
        this.k = k;
        this.config = config;
        this.sparse = sparse;
        this.memmap = memmap;
        this.ba = ba;
        this.hp = hp;
    }

    /** zone_intersects(). */
    static boolean zoneIntersects(Zone z, long startPfn, long nrPages) {
        if (z.empty()) return false;
        return startPfn < z.zoneEndPfn() && startPfn + nrPages > z.zoneStartPfn();
    }

    /** default_kernel_zone_for_pfn(): the first kernel zone the range intersects, else ZONE_NORMAL. */
    Zone defaultKernelZoneForPfn(int nid, long startPfn, long nrPages) {
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
    Zone zoneForPfnRange(OnlineType type, int nid, long startPfn, long nrPages) {
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

    /**
     * move_pfn_range_to_zone(): grows the zone and node spans over the range and initialises its
     * memmap for the zone (PageOffline on mainline, PG_reserved on v4.6 and for ZONE_DEVICE),
     * pageblocks of {@code migratetype}. For ZONE_DEVICE only the pages hosting the altmap's memmap
     * are initialised here (memremap_pages initialises the rest with memmap_init_zone_device), and
     * a section shared with other memory is marked SECTION_TAINT_ZONE_DEVICE.
     */
    void movePfnRangeToZone(Zone zone, long startPfn, long nrPages, VmemAltmap altmap, int migratetype) {
        try (var f = k.enter("move_pfn_range_to_zone")) {
            hp.assertMemHotplugHeldWrite();
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
    void removePfnRangeFromZone(Zone zone, long startPfn, long nrPages) {
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
        if (ms == null) return false;
        k.access(ms, Access.READ);   // callers hold mem_hotplug_lock; raw reads of the section and its usage
        if (!ms.valid()) return false;
        if (!ms.online()) return false;
        if (!ms.early() && ms.usage != null) k.access(ms.usage, Access.READ);
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

    /**
     * move_pfn_range_right() (v4.6): online_movable of the last block of ZONE_NORMAL moves it into
     * ZONE_MOVABLE: Normal ends at {@code start}, Movable starts there (its end, or the range's end
     * when empty), and the range's struct pages are relinked (fix_zone_id). -EINVAL unless the
     * range is at the right end of {@code z1}.
     */
    int movePfnRangeRight(Zone z1, Zone z2, long start, long end) {
        k.point("move_pfn_range_right", z1, Access.WRITE);
        if (z1.zoneStartPfn() > start || z1.zoneEndPfn() > end || start >= z1.zoneEndPfn()) return Errno.EINVAL.neg();
        long z2End = z2.empty() ? end : z2.zoneEndPfn();
        z1.setSpan(z1.zoneStartPfn(), start - z1.zoneStartPfn());
        z2.setSpan(start, z2End - start);
        MmInit.memmapInitRange(ba, start, end, z2, BuddyAllocator.MeminitContext.HOTPLUG, MigrateType.MOVABLE);
        return 0;
    }

    /** move_pfn_range_left() (v4.6): online_kernel of the first block of ZONE_MOVABLE moves it into ZONE_NORMAL. */
    int movePfnRangeLeft(Zone z1, Zone z2, long start, long end) {
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
    boolean testPagesInAZone(long start, long end) {
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

    /** v4.6 __remove_zone() -> shrink_zone_span(): the zone loses the range at one of its ends. */
    void shrinkZoneSpanV46(Zone zone, long start, long end) {
        k.point("shrink_zone_span", zone, Access.WRITE);
        long zs = zone.zoneStartPfn(), ze = zone.zoneEndPfn();
        if (zs == start) zone.setSpan(end >= ze ? 0 : end, end >= ze ? 0 : ze - end);
        else if (ze == end) zone.setSpan(zs, start - zs);
        updatePgdatSpan(zone.pgdat);
    }
}
