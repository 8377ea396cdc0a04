package mmsim.scenario.ops;

import mmsim.mm.linux.Zone;

import mmsim.mm.Machine;
import mmsim.mm.compaction.Compaction;

/**
 * A compaction scanner's step (mm/compaction.c): {@code pageblock_pfn_to_page PFN [-> var]} runs
 * __pageblock_pfn_to_page() on the pageblock starting at PFN, as isolate_migratepages() does for
 * each pageblock of the zone it compacts; var gets the first page's pfn (0x..) or NULL. The pfn
 * walker of seed 000's "pfn_valid vs remove_memory" (scenario 000b).
 */
final class CompactionOps implements OpProvider {
    @Override
    public void register(OpRegistry r) {
        r.add("pageblock_pfn_to_page", "pageblock_pfn_to_page PFN [-> var]",
                "__pageblock_pfn_to_page() of the pageblock at PFN (pfn_valid, pfn_to_online_page, page_zone); var gets 0x.. or NULL",
                true, a -> {
                    long pfn = a.number("PFN", 0, Long.MAX_VALUE);
                    if (pfn % Zone.PAGEBLOCK_NR_PAGES != 0) throw a.error("PFN must start a pageblock (a multiple of 0x200)");
                    return ctx -> {
                        Machine m = ctx.machine().machine();
                        Compaction c = m.compaction();
                        var zone = c.zoneForWalk(pfn);
                        if (zone == null) return "NULL";
                        long page = c.pageblockPfnToPage(pfn, pfn + Zone.PAGEBLOCK_NR_PAGES, zone);
                        return page < 0 ? "NULL" : "0x" + Long.toHexString(page);
                    };
                });
    }
}
