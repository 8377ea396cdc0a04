package mmsim.mm.page_alloc;

import java.util.Locale;

import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.PgData;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.ZoneType;

/**
 * build_all_zonelists() (mm/page_alloc.c) as memory hotplug calls it when online_pages populates
 * a zone or offline_pages empties one: the model's allocator walks zones directly, so what
 * remains of the rebuild is what the kernel logs:
 * <pre>
 *   Fallback order for Node 0: 0                        (6.x, per node; pr_cont leaves a space)
 *   Built 1 zonelists, mobility grouping on.  Total pages: 63706
 *   Policy zone: Normal                                 (CONFIG_NUMA, as distro kernels)
 * v4.6: Built 1 zonelists in Node order, mobility grouping on.  Total pages: 63706
 * </pre>
 * "Total pages" is nr_free_zone_pages(gfp_zone(GFP_HIGHUSER_MOVABLE)): over the zones up to
 * ZONE_MOVABLE of every node, managed pages above the high watermark; grouping by mobility is
 * off below pageblock_nr_pages * MIGRATE_TYPES. The policy zone is the highest managed zone
 * other than ZONE_MOVABLE (check_highest_zone).
 *
 * <p>Locking: the caller holds mem_hotplug_lock (the kernel serialises the rebuild with
 * zonelist_update_seq); the counts are read without zone->lock, as the kernel does.
 */
final class Zonelists {
    /** MIGRATE_TYPES as page_group_by_mobility_disabled compares it (with CMA and isolation). */
    private static final int MIGRATE_TYPES = 6;

    private Zonelists() { }

    static void buildAllZonelists(Kernel k, KernelConfig config, PgData[] nodes) {
        try (var f = k.enter("build_all_zonelists")) {
            boolean v46 = config.era() == KernelConfig.Era.V4_6;
            if (!v46) {
                for (PgData pg : nodes) {
                    StringBuilder order = new StringBuilder();
                    order.append(pg.nodeId).append(' ');
                    for (PgData other : nodes) if (other != pg) order.append(other.nodeId).append(' ');
                    k.log().printk("Fallback order for Node " + pg.nodeId + ": " + order);
                }
            }
            long total = 0;
            int policy = ZoneType.DMA.ordinal();
            for (PgData pg : nodes) {
                for (int z = 0; z <= ZoneType.MOVABLE.ordinal(); z++) {
                    Zone zone = pg.zone(z);
                    if (zone.managedPages() > zone.highWmark()) total += zone.managedPages() - zone.highWmark();
                    if (zone.managed() && z != ZoneType.MOVABLE.ordinal()) policy = Math.max(policy, z);
                }
            }
            String grouping = total < (long) Zone.PAGEBLOCK_NR_PAGES * MIGRATE_TYPES ? "off" : "on";
            k.log().printk(String.format(Locale.ROOT, v46
                    ? "Built %d zonelists in Node order, mobility grouping %s.  Total pages: %d"
                    : "Built %d zonelists, mobility grouping %s.  Total pages: %d", nodes.length, grouping, total));
            k.log().printk("Policy zone: " + ZoneType.values()[policy].kernelName);
        }
    }
}
