package mmsim.mm.page_alloc;

import mmsim.mm.linux.Gfp;
import mmsim.mm.linux.MigrateType;
import mmsim.mm.linux.ZoneType;

import mmsim.mm.linux.Zone;

import mmsim.kernel.KernelFault;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.ZoneStat;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BuddyAllocatorTest {
    /** 64 MiB of plain Normal-zone-like RAM above 4 GiB so every zone rule is simple. */
    static final String TINY = """
            arch x86_64
            cpus 2
            ram 0x100000000 +64M
            """;

    static Machine tiny(KernelConfig c) { return Machine.boot(MachineLayout.parse("tiny", TINY), c); }

    static Zone normal(Machine m) { return m.node(0).zone(ZoneType.NORMAL); }

    @Test
    void bootPutsEveryFreePageInMaxOrderBlocks() {
        Machine m = tiny(KernelConfig.mainline());
        Zone z = normal(m);
        assertEquals(16384, z.presentPages());
        assertEquals(16384, z.managedPages());
        assertEquals(16, z.freeArea(Zone.MAX_PAGE_ORDER).nrFree());
        assertEquals(16384, z.stat(ZoneStat.NR_FREE_PAGES));
        ModelCheck.assertConsistent(m);
    }

    @Test
    void splittingLeavesOneBlockPerLowerOrderAndFreeMergesBack() {
        Machine m = tiny(KernelConfig.mainline().without(KernelConfig.PCP_LISTS));
        BuddyAllocator ba = m.allocator();
        Zone z = normal(m);
        long pfn = ba.allocPagesNode(0, Gfp.GFP_KERNEL | Gfp.__GFP_MEMALLOC, 0);
        assertTrue(pfn >= 0);
        for (int o = 0; o < Zone.MAX_PAGE_ORDER; o++) assertEquals(1, z.freeArea(o).nrFree(), "order " + o);
        assertEquals(15, z.freeArea(Zone.MAX_PAGE_ORDER).nrFree());
        // the order-0 buddy of the allocated page is pfn ^ 1
        assertTrue(m.memmap().isBuddy(pfn ^ 1));
        assertEquals(0, m.memmap().privateData(pfn ^ 1));
        ModelCheck.assertConsistent(m);
        ba.freePages(pfn, 0);
        for (int o = 0; o < Zone.MAX_PAGE_ORDER; o++) assertEquals(0, z.freeArea(o).nrFree(), "order " + o);
        assertEquals(16, z.freeArea(Zone.MAX_PAGE_ORDER).nrFree());
        ModelCheck.assertConsistent(m);
    }

    @Test
    void mergeStopsWhenTheBuddyIsAllocated() {
        Machine m = tiny(KernelConfig.mainline().without(KernelConfig.PCP_LISTS));
        BuddyAllocator ba = m.allocator();
        long a = ba.allocPagesNode(0, Gfp.GFP_KERNEL, 0);
        long b = ba.allocPagesNode(0, Gfp.GFP_KERNEL, 0);
        assertEquals(a ^ 1, b, "the second allocation takes the first one's buddy");
        ba.freePages(a, 0);
        assertTrue(m.memmap().isBuddy(a));
        assertEquals(0, m.memmap().privateData(a), "cannot merge: buddy still allocated");
        ba.freePages(b, 0);
        ModelCheck.assertConsistent(m);
        assertEquals(16, normal(m).freeArea(Zone.MAX_PAGE_ORDER).nrFree());
    }

    @Test
    void compoundPagesPointAtTheirHeadAndFreeCleanly() {
        Machine m = tiny(KernelConfig.mainline());
        BuddyAllocator ba = m.allocator();
        Memmap mm = m.memmap();
        long head = ba.allocPagesNode(0, Gfp.GFP_KERNEL | Gfp.__GFP_COMP, 9);
        assertTrue(mm.isHead(head));
        assertEquals(9, mm.compoundOrder(head));
        for (long p = head + 1; p < head + 512; p++) assertEquals(head, mm.compoundHead(p, "test"));
        assertEquals(mm.pageAddress(head) | 1, mm.compoundHeadWord(head + 7));
        ModelCheck.assertConsistent(m);
        ba.freePages(head, 9);
        assertFalse(mm.isHead(head));
        assertFalse(mm.isTail(head + 1));
        ModelCheck.assertConsistent(m);
    }

    @Test
    void freeingAMappedPageIsABadPage() {
        Machine m = tiny(KernelConfig.mainline());
        BuddyAllocator ba = m.allocator();
        long pfn = ba.allocPagesNode(0, Gfp.GFP_KERNEL, 0);
        m.memmap().setMapcount(pfn, 0); // still mapped once
        ba.freePages(pfn, 0);
        var taints = m.kernel().log().taints();
        assertEquals(1, taints.size());
        String r = taints.get(0).report();
        assertTrue(r.startsWith(String.format("BUG: Bad page state in process swapper/0  pfn:%05x%n", pfn)), r);
        assertTrue(r.contains("page dumped because: nonzero mapcount"), r);
        assertTrue(r.contains("page: refcount:0 mapcount:1 mapping:0000000000000000 index:0x0 pfn:" + String.format("%#x", pfn)), r);
        assertFalse(m.memmap().isBuddy(pfn), "a bad page is kept out of the allocator");
    }

    @Test
    void v46HwpoisonInAFreeBlockLeaksTheBlockSilentlyAndRetries() {
        Machine m = tiny(KernelConfig.v4_6().without(KernelConfig.PCP_LISTS));
        BuddyAllocator ba = m.allocator();
        Zone z = normal(m);
        // the next order-9 allocation would take the first half of the first max-order block
        long first = z.freeArea(Zone.MAX_PAGE_ORDER).first(MigrateType.MOVABLE);
        m.memmap().setBit(first + 3, PageFlag.HWPOISON); // soft_offline on a free page (2016)
        long pfn = ba.allocPagesNode(0, Gfp.GFP_HIGHUSER_MOVABLE, 9);
        assertNotEquals(first, pfn, "the poisoned block is skipped");
        assertTrue(m.kernel().log().taints().isEmpty(), "no bad_page report for hwpoison");
        List<ModelCheck.Problem> problems = ModelCheck.check(m);
        assertTrue(problems.stream().anyMatch(p -> p.kind() == ModelCheck.Problem.Kind.LEAK), problems.toString());
        assertEquals(511, problems.stream().filter(p -> p.kind() == ModelCheck.Problem.Kind.LEAK).count(), "every page of the block but the poisoned one");
    }

    @Test
    void theModelCheckFindsAPageListedInsideAnotherFreeBlock() {
        Machine m = tiny(KernelConfig.mainline().without(KernelConfig.PCP_LISTS));
        Zone z = normal(m);
        long first = z.freeArea(Zone.MAX_PAGE_ORDER).first(MigrateType.MOVABLE);
        long inside = first + 4;
        // a corrupted list: a page of a free max-order block also on the order-0 list
        z.lock.lock();
        try {
            m.allocator().addToFreeList(z, inside, 0, MigrateType.MOVABLE, false);
        } finally {
            z.lock.unlock();
        }
        List<String> problems = ModelCheck.check(m).stream().map(ModelCheck.Problem::text).toList();
        assertTrue(problems.contains(String.format("pfn %#x: on two free lists/blocks", inside)), problems.toString());
        assertFalse(problems.contains(String.format("pfn %#x: on two free lists/blocks", inside + 1)), problems.toString());
    }

    @Test
    void fallbackClaimsAPageblockForUnmovableAllocations() {
        Machine m = tiny(KernelConfig.mainline().without(KernelConfig.PCP_LISTS));
        BuddyAllocator ba = m.allocator();
        long pfn = ba.allocPagesNode(0, Gfp.GFP_KERNEL, 0);
        assertEquals(MigrateType.UNMOVABLE, ba.pageblockMigratetype(pfn), "a whole max-order block was stolen");
        ModelCheck.assertConsistent(m);
    }

    @Test
    void isolationMovesFreeBlocksOffTheCountersAndOfflineTakesThem() {
        Machine m = tiny(KernelConfig.mainline());
        BuddyAllocator ba = m.allocator();
        Zone z = normal(m);
        long start = z.zoneStartPfn(), end = start + 1024;
        m.isolation().startIsolatePageRange(start, end);
        assertEquals(16384 - 1024, z.stat(ZoneStat.NR_FREE_PAGES));
        assertEquals(0, m.isolation().testPagesIsolated(start, end));
        ModelCheck.assertConsistent(m);
        assertEquals(1024, ba.offlineIsolatedPages(start, end));
        assertEquals(15, z.freeArea(Zone.MAX_PAGE_ORDER).nrFree());
    }

    @Test
    void takePageOffBuddySplitsAroundTheTarget() {
        Machine m = tiny(KernelConfig.mainline());
        BuddyAllocator ba = m.allocator();
        Zone z = normal(m);
        long target = z.zoneStartPfn() + 5;
        assertTrue(ba.takePageOffBuddy(target));
        assertEquals(16384 - 1, z.stat(ZoneStat.NR_FREE_PAGES));
        m.memmap().setBit(target, PageFlag.HWPOISON);
        m.memmap().setRefcount(target, 1);          // page_handle_poison pins it (page_ref_inc)
        ModelCheck.assertConsistent(m);
        assertFalse(ba.takePageOffBuddy(target));
        assertTrue(ba.putPageBackBuddy(target), "the pin was the last reference: back to the buddy, unpoisoned");
        assertFalse(m.memmap().testBit(target, PageFlag.HWPOISON));
        assertEquals(16, z.freeArea(Zone.MAX_PAGE_ORDER).nrFree());
        ModelCheck.assertConsistent(m);
    }

    @Test
    void exhaustionRespectsTheMinWatermarkUnlessMemalloc() {
        Machine m = tiny(KernelConfig.mainline());
        BuddyAllocator ba = m.allocator();
        Zone z = normal(m);
        List<Long> got = new ArrayList<>();
        for (long p; (p = ba.allocPagesNode(0, Gfp.GFP_KERNEL, 0)) >= 0; ) got.add(p);
        assertTrue(z.stat(ZoneStat.NR_FREE_PAGES) + pcpCount(z) >= z.minWmark(), "stops at the min watermark");
        for (long p; (p = ba.allocPagesNode(0, Gfp.GFP_KERNEL | Gfp.__GFP_MEMALLOC, 0)) >= 0; ) got.add(p);
        assertEquals(16384, got.stream().distinct().count());
        ModelCheck.assertConsistent(m);
        for (long p : got) ba.freePages(p, 0);
        ba.drainAllPages(null);
        assertEquals(16, z.freeArea(Zone.MAX_PAGE_ORDER).nrFree());
        ModelCheck.assertConsistent(m);
    }

    static long pcpCount(Zone z) {
        long n = 0;
        for (int c = 0; c < z.pcp.length; c++) n += z.pcp(c).count();
        return n;
    }

    @Test
    void onliningAHotplugSectionFreesItInMaxOrderBlocks() {
        Machine m = Machine.boot();
        BuddyAllocator ba = m.allocator();
        long start = 0x20000000L >>> 12, nr = 32768;
        Zone movable = m.node(0).zone(ZoneType.MOVABLE);
        movable.resizeZoneRange(start, nr);
        movable.adjustPresentPages(nr);
        MmInit.memmapInitRange(ba, start, start + nr, movable, BuddyAllocator.MeminitContext.HOTPLUG, MigrateType.MOVABLE);
        ba.onlinePageRange(start, nr);
        m.sparse().onlineMemSections(start, start + nr);
        assertEquals(32, movable.freeArea(Zone.MAX_PAGE_ORDER).nrFree());
        assertEquals(nr, movable.managedPages());
        ModelCheck.assertConsistent(m);
    }

    @Test
    void aPoisonedCompoundHeadFaultsAtFffffffffffffffe() {
        Machine m = Machine.boot();
        long pfn = 0x20000000L >>> 12; // the offline hotplug block: memmap poisoned
        assertTrue(m.memmap().poisoned(pfn));
        KernelFault.Oops oops = assertThrows(KernelFault.Oops.class, () -> m.memmap().readCompoundHead(pfn, "stable_page_flags:compound_head"));
        assertEquals(0xfffffffffffffffeL, oops.address());
        assertTrue(oops.report().startsWith("BUG: unable to handle page fault for address: fffffffffffffffe"), oops.report());
    }
}
