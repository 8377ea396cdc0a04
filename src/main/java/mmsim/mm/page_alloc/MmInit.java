package mmsim.mm.page_alloc;

import mmsim.mm.KernelConfig;
import mmsim.mm.memmap.Memmap;
import mmsim.mm.memmap.PageFlagsLayout;
import mmsim.mm.memmap.PageType;
import mmsim.mm.memmap.SectionMemmap;

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
        if (hotplug && v46) flagsWord |= mmsim.mm.memmap.PageFlag.RESERVED.mask;
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
        long firstBlock = (start + BuddyAllocator.PAGEBLOCK_NR_PAGES - 1) & ~(BuddyAllocator.PAGEBLOCK_NR_PAGES - 1L);
        for (long pb = firstBlock; pb < end; pb += BuddyAllocator.PAGEBLOCK_NR_PAGES) ba.setPageblockMigratetype(pb, migratetype);
        if ((start & (BuddyAllocator.PAGEBLOCK_NR_PAGES - 1)) != 0) ba.setPageblockMigratetype(start, migratetype);
    }

    /**
     * init_unavailable_range() / reserve_bootmem_region(): pages that exist in the memmap but
     * never reach the allocator (holes inside a section, memblock-reserved memory): initialised
     * for {@code zone} and PG_reserved, refcount 1.
     */
    public static void initReservedRange(BuddyAllocator ba, long start, long end, int zoneIdx, int nid) {
        Memmap memmap = ba.memmap();
        long flagsWord = PageFlagsLayout.initialFlags(zoneIdx, nid) | mmsim.mm.memmap.PageFlag.RESERVED.mask;
        for (long p = start; p < end; ) {
            SectionMemmap sm = memmap.sectionOf(p);
            int from = memmap.index(p);
            long stop = Math.min(end, sm.startPfn + sm.nrPages);
            sm.initRange(from, (int) (stop - sm.startPfn), flagsWord);
            p = stop;
        }
    }
}
