package mmsim.mm.compaction;

import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.PageFlagsLayout;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.linux.Zone;
import mmsim.mm.sparse.SparseMem;

/**
 * mm/compaction.c, the part a PFN walker needs: {@code __pageblock_pfn_to_page()}, how the
 * migration and free scanners turn a pageblock into its first struct page. Only this much of
 * compaction is modelled: it is the pfn_valid() walker of CVE-2023-52489 (5ec8e8ea8b77, v6.8),
 * the "pfn_valid vs remove_memory" race of seed 000.
 *
 * <p>Locking: none, as in the kernel. The scanners hold no hotplug lock; each read of a section
 * or a struct page is a preemption point (in {@link SparseMem} and {@link Memmap}).
 */
public final class Compaction {
    private final Kernel k;
    private final KernelConfig config;
    private final SparseMem sparse;
    private final Memmap memmap;
    private final BuddyAllocator allocator;

    public Compaction(Kernel k, KernelConfig config, SparseMem sparse, BuddyAllocator allocator) {
        this.k = k;
        this.config = config;
        this.sparse = sparse;
        this.memmap = allocator.memmap();
        this.allocator = allocator;
    }

    /**
     * __pageblock_pfn_to_page(start_pfn, end_pfn, zone): the first struct page of the pageblock
     * [startPfn, endPfn) if the whole block exists and lies in {@code zone}, else -1 (NULL).
     * <ul>
     * <li>v4.6: pfn_valid(start) and pfn_valid(end - 1), then page_zone(start_page) and
     *     page_zone_id of both ends: reads of the struct pages' flags.</li>
     * <li>mainline: pfn_valid(end - 1), then pfn_to_online_page(start) (offline memory is NULL),
     *     then the same zone checks.</li>
     * </ul>
     */
    public long pageblockPfnToPage(long startPfn, long endPfn, Zone zone) {
        try (var f = k.enter("__pageblock_pfn_to_page")) {
            long last = endPfn - 1;                    // end_pfn is one past the range
            long start;
            if (config.era() == KernelConfig.Era.V4_6) {
                if (!sparse.pfnValid(startPfn) || !sparse.pfnValid(last)) return -1;
                start = sparse.pfnToPage(startPfn);
            } else {
                if (!sparse.pfnValid(last)) return -1;
                start = sparse.pfnToOnlinePage(startPfn);
                if (start < 0) return -1;
            }
            // page_zone(start_page) != zone; page_zone_id(start_page) != page_zone_id(end_page)
            long sf = memmap.readFlags(start, "__pageblock_pfn_to_page:page_zone(start_page)");
            if (zoneOf(sf) != zone) return -1;
            long ef = memmap.readFlags(sparse.pfnToPage(last), "__pageblock_pfn_to_page:page_zone_id(end_page)");
            if (PageFlagsLayout.node(sf) != PageFlagsLayout.node(ef) || PageFlagsLayout.zone(sf) != PageFlagsLayout.zone(ef)) return -1;
            return start;
        }
    }

    /**
     * The zone a compaction pass over {@code pfn} works on (cc->zone): the zone of the pfn's node
     * whose span holds it, else the node's highest populated zone. Read once, before the walk.
     */
    public Zone zoneForWalk(long pfn) {
        var ms = sparse.section(sparse.pfnToSectionNr(pfn));
        var pg = allocator.node(ms == null ? 0 : Math.min(ms.nid, allocator.nrNodes() - 1));
        Zone best = null;
        for (var t : mmsim.mm.linux.ZoneType.values()) {
            Zone z = pg.zone(t);
            if (z.empty()) continue;
            if (z.spans(pfn)) return z;
            best = z;
        }
        return best;
    }

    private Zone zoneOf(long flags) {
        int nid = PageFlagsLayout.node(flags), zid = PageFlagsLayout.zone(flags);
        if (nid >= allocator.nrNodes() || zid >= mmsim.mm.linux.ZoneType.values().length) return null;   // garbage flags: no zone
        return allocator.node(nid).zone(zid);
    }
}
