package mmsim.mm.page_alloc;

import mmsim.mm.linux.Gfp;
import mmsim.mm.linux.ZoneType;

import mmsim.mm.linux.Zone;

import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.ZoneStat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random sequences of alloc_pages/__free_pages of mixed orders (0 to MAX_PAGE_ORDER), migratetypes
 * (unmovable, reclaimable, movable, so fallback steals pageblocks) and compound or not, on a
 * 64 MiB zone, in both eras, with and without per-cpu lists. After every step: no page is handed
 * out twice, a block is aligned to its order and inside the zone, the whole-model check finds
 * nothing (lists agree with PageBuddy, orders, nr_free and NR_FREE_PAGES), and free + pcp +
 * allocated pages = managed pages. Freeing everything and draining the pcp lists restores the
 * boot state: only MAX_PAGE_ORDER blocks.
 */
class BuddyAllocatorPropertyTest {
    static final String TINY = """
            arch x86_64
            cpus 2
            ram 0x100000000 +64M
            """;
    static final int[] GFPS = {Gfp.GFP_KERNEL, Gfp.GFP_KERNEL | Gfp.__GFP_RECLAIMABLE, Gfp.GFP_HIGHUSER_MOVABLE};

    /** alloc (order, gfp index, compound) or free (index into the live blocks, modulo their number). */
    record Step(boolean alloc, int order, int gfp, boolean comp, int victim) { }

    @Provide
    Arbitrary<List<Step>> steps() {
        // small orders most of the time, so blocks split deep; now and then a large one
        Arbitrary<Integer> order = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(0, 3)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(4, 9)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(10, Zone.MAX_PAGE_ORDER)));
        Arbitrary<Step> step = Combinators.combine(Arbitraries.integers().between(0, 9), order,
                        Arbitraries.integers().between(0, GFPS.length - 1), Arbitraries.of(true, false),
                        Arbitraries.integers().between(0, 1000))
                .as((kind, o, g, c, v) -> new Step(kind < 6, o, g, c, v));
        return step.list().ofMinSize(1).ofMaxSize(80);
    }

    record Block(long pfn, int order) { }

    @Property(tries = 40)
    void randomAllocAndFreeKeepTheAllocatorConsistent(@ForAll("steps") List<Step> steps,
                                                     @ForAll boolean v46, @ForAll boolean pcpLists) {
        KernelConfig c = v46 ? KernelConfig.v4_6() : KernelConfig.mainline();
        if (!pcpLists) c = c.without(KernelConfig.PCP_LISTS);
        Machine m = Machine.boot(MachineLayout.parse("tiny", TINY), c);
        BuddyAllocator ba = m.allocator();
        Memmap mm = m.memmap();
        Zone z = m.node(0).zone(ZoneType.NORMAL);
        long managed = z.managedPages();
        int maxOrderBlocks = (int) z.freeArea(Zone.MAX_PAGE_ORDER).nrFree();
        assertEquals(managed, (long) maxOrderBlocks << Zone.MAX_PAGE_ORDER, "boot: only max-order blocks");

        List<Block> live = new ArrayList<>();
        BitSet handedOut = new BitSet();
        long base = z.zoneStartPfn();
        long allocated = 0;
        for (Step s : steps) {
            if (s.alloc() || live.isEmpty()) {
                int gfp = GFPS[s.gfp()] | (s.comp() && s.order() > 0 ? Gfp.__GFP_COMP : 0);
                long pfn = ba.allocPages(gfp, s.order());
                if (pfn < 0) continue;             // below the watermark: a NULL is allowed, a wrong page is not
                long n = 1L << s.order();
                assertEquals(0, pfn & (n - 1), "block aligned to its order");
                assertTrue(z.spans(pfn) && z.spans(pfn + n - 1), "block inside the zone");
                int from = (int) (pfn - base), to = (int) (pfn - base + n);
                assertTrue(handedOut.get(from, to).isEmpty(), "a page handed out twice in " + pfn + "+" + n);
                handedOut.set(from, to);
                assertFalse(mm.isBuddy(pfn), "an allocated page is not PageBuddy");
                assertEquals(1, mm.refcount(pfn));
                live.add(new Block(pfn, s.order()));
                allocated += n;
            } else {
                Block b = live.remove(s.victim() % live.size());
                ba.freePages(b.pfn(), b.order());
                handedOut.clear((int) (b.pfn() - base), (int) (b.pfn() - base + (1L << b.order())));
                allocated -= 1L << b.order();
            }
            assertEquals(List.of(), ModelCheck.check(m));
            assertEquals(managed, z.stat(ZoneStat.NR_FREE_PAGES) + pcpPages(m, z) + allocated,
                    "free + pcp + allocated = managed");
        }

        for (Block b : live) ba.freePages(b.pfn(), b.order());
        ba.drainAllPages(z);
        assertEquals(List.of(), ModelCheck.check(m));
        assertEquals(managed, z.stat(ZoneStat.NR_FREE_PAGES));
        for (int o = 0; o < Zone.MAX_PAGE_ORDER; o++) assertEquals(0, z.freeArea(o).nrFree(), "order " + o + " merged away");
        assertEquals(maxOrderBlocks, z.freeArea(Zone.MAX_PAGE_ORDER).nrFree(), "maximal blocks restored");
    }

    static long pcpPages(Machine m, Zone z) {
        long n = 0;
        for (int cpu = 0; cpu < m.kernel().nrCpus(); cpu++) n += z.pcp(cpu).count();
        return n;
    }
}
