package mmsim.mm.page_alloc;

import mmsim.mm.linux.ZoneType;
import mmsim.mm.linux.MigrateType;
import mmsim.mm.linux.FreeArea;
import mmsim.mm.linux.PgData;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.ZoneStat;

/**
 * Zone watermarks, lowmem reserves and the global totals derived from zones (mm/page_alloc.c):
 * __zone_watermark_ok, init_per_zone_wmark_min, __setup_per_zone_wmarks,
 * setup_per_zone_lowmem_reserve, nr_free_buffer_pages, totalram_pages, totalreserve_pages and the
 * global zone/node counters.
 *
 * <p>Locking: __setup_per_zone_wmarks writes each zone's watermarks under zone-&gt;lock; the
 * readers take no lock (the kernel reads them racily too).
 */
final class ZoneWatermarks {
    private final BuddyAllocator b;
    private long minFreeKbytes;
    private final PgData[] nodes;

    ZoneWatermarks(BuddyAllocator b) {
        this.b = b;
        this.nodes = b.nodes;
    }

    /**
     * __zone_watermark_ok(): enough free pages above {@code mark} plus the lowmem reserve for
     * the requested zone, and for order &gt; 0 a free block of at least that order.
     */
    public boolean zoneWatermarkOk(Zone z, int order, long mark, int highestZoneIdx, int allocFlags, long freePages) {
        long min = mark;
        freePages -= (1L << order) - 1;
        if ((allocFlags & BuddyAllocator.ALLOC_HIGH) != 0) min -= min / 2;
        if ((allocFlags & BuddyAllocator.ALLOC_CMA) == 0) freePages -= z.stat(ZoneStat.NR_FREE_CMA_PAGES);
        if (freePages <= min + z.lowmemReserve[highestZoneIdx]) return false;
        if (order == 0) return true;
        for (int o = order; o < Zone.NR_PAGE_ORDERS; o++) {
            FreeArea area = z.freeArea[o];
            if (area.nrFree == 0) continue;
            for (int mt = 0; mt < MigrateType.PCPTYPES; mt++) if (!area.empty(mt)) return true;
            if ((allocFlags & BuddyAllocator.ALLOC_CMA) != 0 && !area.empty(MigrateType.CMA)) return true;
            if (!area.empty(MigrateType.HIGHATOMIC)) return true;
        }
        return false;
    }

    // =========================================================================================
    // watermarks and pcp sizing
    // =========================================================================================

    long minFreeKbytes() { return minFreeKbytes; }

    /**
     * init_per_zone_wmark_min(): min_free_kbytes = sqrt(lowmem_kbytes * 16) clamped to
     * [128, 262144], then the zone watermarks, lowmem reserves and pcp high/batch.
     */
    public void initPerZoneWmarkMin() {
        long lowmemKbytes = nrFreeBufferPages() * 4;
        long m = (long) Math.floor(Math.sqrt((double) lowmemKbytes * 16));
        minFreeKbytes = Math.max(128, Math.min(262144, m));
        setupPerZoneWmarks();
        setupPerZoneLowmemReserve();
        for (PgData pg : nodes) for (Zone z : pg.zones) b.pcp.zoneSetPagesetHighAndBatch(z);
    }

    /** nr_free_buffer_pages(): managed pages above the high watermark in zones up to Normal. */
    public long nrFreeBufferPages() {
        long sum = 0;
        for (PgData pg : nodes)
            for (int z = 0; z <= ZoneType.NORMAL.ordinal(); z++) {
                Zone zone = pg.zones[z];
                sum += Math.max(0, zone.managedPages - zone.highWmark());
            }
        return sum;
    }

    /** __setup_per_zone_wmarks(). watermark_scale_factor = 10. */
    public void setupPerZoneWmarks() {
        long pagesMin = minFreeKbytes >> 2;
        long lowmemPages = 0;
        for (PgData pg : nodes)
            for (Zone z : pg.zones)
                if (z.type != ZoneType.MOVABLE) lowmemPages += z.managedPages;   // ZONE_DEVICE counts (it manages 0 pages)
        for (PgData pg : nodes) {
            for (Zone z : pg.zones) {
                z.lock.lock();
                try {
                    long tmp = lowmemPages == 0 ? 0 : pagesMin * z.managedPages / lowmemPages;
                    // __setup_per_zone_wmarks(): only highmem and ZONE_MOVABLE get the clamped minimum; ZONE_DEVICE keeps 0
                    if (z.type == ZoneType.MOVABLE) {
                        long minPages = z.managedPages / 1024;
                        tmp = Math.max(32, Math.min(128, minPages));
                    }
                    z.watermark[Zone.WMARK_MIN] = tmp;
                    long step = Math.max(tmp >> 2, z.managedPages * 10 / 10000);
                    z.watermarkBoost = 0;
                    z.watermark[Zone.WMARK_LOW] = tmp + step;
                    z.watermark[Zone.WMARK_HIGH] = tmp + 2 * step;
                    z.watermark[Zone.WMARK_PROMO] = tmp + 3 * step;
                } finally {
                    z.lock.unlock();
                }
            }
        }
    }

    /** sysctl_lowmem_reserve_ratio: DMA 256, DMA32 256, Normal 32, Movable 0, Device 0. */
    private static final int[] LOWMEM_RESERVE_RATIO = {256, 256, 32, 0, 0};

    /** setup_per_zone_lowmem_reserve(). */
    public void setupPerZoneLowmemReserve() {
        for (PgData pg : nodes) {
            for (int i = 0; i < ZoneType.MAX_NR_ZONES; i++) {
                Zone zone = pg.zones[i];
                int ratio = LOWMEM_RESERVE_RATIO[i];
                boolean clear = ratio == 0 || zone.managedPages == 0;
                long managed = 0;
                for (int j = i + 1; j < ZoneType.MAX_NR_ZONES; j++) {
                    managed += pg.zones[j].managedPages;
                    zone.lowmemReserve[j] = clear ? 0 : managed / ratio;
                }
            }
        }
    }

    // =========================================================================================
    // totals
    // =========================================================================================

    /** totalram_pages(): managed pages of all zones. */
    public long totalramPages() {
        long n = 0;
        for (PgData pg : nodes) for (Zone z : pg.zones) n += z.managedPages;
        return n;
    }

    /** global_zone_page_state(item). */
    public long globalZoneState(ZoneStat s) {
        long n = 0;
        for (PgData pg : nodes) for (Zone z : pg.zones) n += z.stat(s);
        return n;
    }

    /** global_node_page_state(item). */
    public long globalNodeState(mmsim.mm.linux.NodeStat s) {
        long n = 0;
        for (PgData pg : nodes) n += pg.stat(s);
        return n;
    }

    /** totalreserve_pages (calculate_totalreserve_pages): per zone max lowmem_reserve + high watermark. */
    public long totalreservePages() {
        long total = 0;
        for (PgData pg : nodes) {
            for (Zone z : pg.zones) {
                long max = 0;
                for (int j = z.idx(); j < ZoneType.MAX_NR_ZONES; j++) max = Math.max(max, z.lowmemReserve[j]);
                max += z.highWmark();
                if (max > z.managedPages) max = z.managedPages;
                total += max;
            }
        }
        return total;
    }
}
