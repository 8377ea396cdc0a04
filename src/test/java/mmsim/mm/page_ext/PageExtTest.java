package mmsim.mm.page_ext;

import mmsim.explore.Verdict;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import mmsim.explore.ExplorationResult;
import mmsim.explore.ExploreOptions;
import mmsim.explore.Explorer;
import mmsim.explore.Program;
import mmsim.explore.Replayed;
import mmsim.kernel.Kernel;
import mmsim.kernel.KernelFault;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.PageType;

/**
 * page_ext's table lifecycle and its readers per era, directly and under the explorer: a
 * page_is_idle reader on one CPU against offline_page_ext on another.
 */
class PageExtTest {
    /** 32-bit page_idle: page_ext is needed. */
    static final KernelConfig V46 = KernelConfig.v4_6().without(KernelConfig.CONFIG_64BIT);
    static final KernelConfig MAINLINE = KernelConfig.mainline().without(KernelConfig.CONFIG_64BIT);
    /** A pfn in the second boot section of the small layout. */
    static final long PFN = 0x8000 + 0x123;

    static Machine boot(KernelConfig c) {
        return Machine.boot(MachineLayout.small(), c);
    }

    @Test
    void noClientNoTables() {
        Machine m = boot(KernelConfig.mainline());
        assertFalse(m.pageExt().needed());
        assertNull(m.pageExt().table(1));
        assertEquals(0, m.pageExt().totalUsage());
    }

    @Test
    void bootAllocatesOneTablePerBootSectionFromTheBuddyAllocator() {
        Machine m = boot(V46);
        PageExt pe = m.pageExt();
        assertTrue(pe.needed());
        long pps = m.sparse().pagesPerSection();
        int boot = 0;
        for (long nr = 0; nr < m.sparse().nrSections(); nr++) {
            boolean bootRam = m.sparse().section(nr).valid() && m.sparse().sectionNrToPfn(nr) < (m.layout().bootMemEnd() >>> 12);
            if (!bootRam) continue;
            boot++;
            PageExt.Table t = pe.table(nr);
            assertNotNull(t, "section " + nr);
            assertFalse(t.vmalloced());
            assertEquals(6, t.order(), "8-byte entries x 32768 pages = 64 pages");
            assertTrue(m.memmap().refcount(t.memPfn()) > 0, "table pages are allocated");
        }
        assertEquals(boot * 8L * pps, pe.totalUsage());
        assertEquals(java.util.List.of(), ModelCheck.check(m));
    }

    @Test
    void offlineFreesTheTableBackToTheAllocator() {
        for (KernelConfig c : new KernelConfig[] {V46, MAINLINE}) {
            Machine m = boot(c);
            PageExt pe = m.pageExt();
            PageExt.Table t = pe.table(1);
            long freeBefore = m.allocator().globalZoneState(mmsim.mm.linux.ZoneStat.NR_FREE_PAGES);
            pe.offlinePageExt(0x8000, m.sparse().pagesPerSection());
            assertNull(pe.table(1));
            assertFalse(pe.invalid(1));
            assertTrue(t.freed());
            assertEquals(freeBefore + 64, m.allocator().globalZoneState(mmsim.mm.linux.ZoneStat.NR_FREE_PAGES), c.toString());
            assertTrue(PageType.BUDDY.isSet(m.memmap().mapcount(t.memPfn())), "the table's first page is a free buddy block");
            assertEquals(java.util.List.of(), ModelCheck.check(m));
        }
    }

    @Test
    void idleBitRoundTrip() {
        for (KernelConfig c : new KernelConfig[] {V46, MAINLINE}) {
            Machine m = boot(c);
            PageExt pe = m.pageExt();
            assertFalse(pe.pageIsIdle(PFN));
            pe.setPageIdle(PFN, true);
            assertTrue(pe.pageIsIdle(PFN));
            assertFalse(pe.pageIsIdle(PFN + 1));
            pe.setPageIdle(PFN, false);
            assertFalse(pe.pageIsIdle(PFN));
            assertEquals(0, m.kernel().log().taints().size(), "mainline readers hold rcu_read_lock: no WARN");
        }
    }

    @Test
    void readerOfASectionWithoutTablePerEra() {
        // v4.6 with CONFIG_DEBUG_VM: lookup returns NULL, page_is_idle dereferences it
        Machine m = boot(V46);
        m.pageExt().offlinePageExt(0x8000, 0x8000);
        KernelFault.Oops o = assertInstanceOf(KernelFault.Oops.class, assertThrows(KernelFault.class, () -> m.pageExt().pageIsIdle(PFN)));
        assertEquals(0, o.address());
        // v4.6 without CONFIG_DEBUG_VM: NULL base + pfn
        Machine m2 = boot(V46.without(KernelConfig.CONFIG_DEBUG_VM));
        m2.pageExt().offlinePageExt(0x8000, 0x8000);
        o = assertInstanceOf(KernelFault.Oops.class, assertThrows(KernelFault.class, () -> m2.pageExt().pageIsIdle(PFN)));
        assertEquals(PFN * 8, o.address());
        assertTrue(o.report().contains("unable to handle page fault for address: " + String.format("%016x", PFN * 8)), o.report());
        // v4.7 NULL checks and mainline: not idle
        for (KernelConfig c : new KernelConfig[] {V46.with(PageExt.NULL_CHECKS), MAINLINE}) {
            Machine m3 = boot(c);
            m3.pageExt().offlinePageExt(0x8000, 0x8000);
            assertFalse(m3.pageExt().pageIsIdle(PFN));
        }
    }

    @Test
    void aStaleEntryUsedAfterTheFreeIsAUseAfterFree() {
        Machine m = boot(V46.with(PageExt.NULL_CHECKS));
        PageExt pe = m.pageExt();
        PageExt.Entry e = pe.lookupPageExt(PFN);
        assertNotNull(e);
        pe.offlinePageExt(0x8000, 0x8000);
        KernelFault f = assertThrows(KernelFault.class, () -> pe.testFlag(e, 4, "page_is_idle:test_bit"));
        assertInstanceOf(KernelFault.Kasan.class, f);
        assertTrue(f.report().contains("BUG: KASAN: use-after-free in page_is_idle"), f.report());
        assertTrue(f.report().contains(String.format("Read of size 8 at addr %016x", e.address())), f.report());
    }

    // ---- under the explorer -------------------------------------------------------------------

    /** CPU A: page_is_idle(PFN) through page_ext; CPU B: offline_page_ext of PFN's section. */
    static Program readerVsOffline(KernelConfig c) {
        MachineLayout l = MachineLayout.parse("test", "arch x86_64\ncpus 2\nram 0x1000 +0x9e000\nram 0x100000 +511M\nreserve 0x100000 +15M\n");
        return () -> {
            Machine m = Machine.boot(l, c);
            Kernel k = m.kernel();
            return new Program.Instance() {
                String idle = "?";
                public Kernel kernel() { return k; }
                public int nrCpus() { return 2; }
                public String cpuName(int cpu) { return cpu == 0 ? "CPU A (page_is_idle)" : "CPU B (offline_page_ext)"; }
                public void runCpu(int cpu) {
                    if (cpu == 0) {
                        try (var f = k.enter("page_is_idle")) {
                            idle = Boolean.toString(m.pageExt().pageIsIdle(PFN));
                        }
                    } else {
                        m.pageExt().offlinePageExt(0x8000, 0x8000);
                    }
                }
                public Map<String, String> finish() {
                    var problems = ModelCheck.check(m);
                    if (!problems.isEmpty()) throw new AssertionError(problems.toString());
                    return Map.of("idle", idle);
                }
            };
        };
    }

    static ExplorationResult explore(KernelConfig c) {
        return Explorer.explore(readerVsOffline(c), ExploreOptions.defaults().preemptionBound(2).stopAtFirstFailure(true));
    }

    @Test
    void v47NullChecksDoNotCloseTheRaceTheExplorerFindsTheUseAfterFree() {
        ExplorationResult r = explore(V46.with(PageExt.NULL_CHECKS));
        assertTrue(r.failure().isPresent(), r.summary());
        var f = r.failure().get();
        assertEquals(Verdict.Kind.KASAN, f.verdict().kind(), f.render());
        assertTrue(f.preemptions() >= 1, "needs the reader preempted between load and use: " + f.render());
        Replayed again = Explorer.replay(readerVsOffline(V46.with(PageExt.NULL_CHECKS)), f.schedule());
        assertEquals(f.verdict().title(), again.verdict().title());
    }

    @Test
    void mainlineRcuHoldsExhaustively() {
        ExplorationResult r = explore(MAINLINE);
        assertTrue(r.failure().isEmpty(), () -> r.failure().get().render());
        assertTrue(r.exhausted(), r.summary());
        assertTrue(r.executions() > 1, r.summary());
    }

    // ---- through memory hotplug ---------------------------------------------------------------

    static final MachineLayout HOTPLUG = MachineLayout.parse("test",
            "arch x86_64\ncpus 2\nram 0x1000 +0x9e000\nram 0x100000 +255M\nreserve 0x100000 +15M\nhotplug 0x10000000 +128M\n");

    @Test
    void notifierAllocatesAtOnlineAndFreesAtOffline() {
        for (KernelConfig c : new KernelConfig[] {V46, MAINLINE}) {
            Machine m = Machine.boot(HOTPLUG, c);
            var hp = m.memoryHotplug();
            assertNull(m.pageExt().table(2), "added, never onlined: no page_ext yet (the memory saving Joonsoo defended)");
            assertEquals(0, hp.onlinePages(0x10000, 0x8000, mmsim.mm.memory_hotplug.OnlineType.MMOP_ONLINE));
            PageExt.Table t = m.pageExt().table(2);
            assertNotNull(t, c.toString());
            assertEquals(java.util.List.of(), ModelCheck.check(m));
            assertEquals(0, hp.offlinePages(0x10000, 0x8000));
            assertNull(m.pageExt().table(2));
            assertTrue(t.freed());
            assertEquals(java.util.List.of(), ModelCheck.check(m));
        }
    }

    @Test
    void withMemmapTheTableFollowsTheMemmap() {
        Machine m = Machine.boot(HOTPLUG, V46.with(PageExt.WITH_MEMMAP));
        var hp = m.memoryHotplug();
        PageExt.Table t = m.pageExt().table(2);
        assertNotNull(t, "allocated by add_memory with the memmap");
        assertFalse(m.pageExt().pageIsIdle(0x10000), "a valid pfn always has page_ext");
        assertEquals(0, hp.onlinePages(0x10000, 0x8000, mmsim.mm.memory_hotplug.OnlineType.MMOP_ONLINE));
        assertEquals(0, hp.offlinePages(0x10000, 0x8000));
        assertTrue(m.pageExt().table(2) == t && !t.freed(), "offline leaves it");
        assertEquals(0, hp.removeMemory(0x10000000L, 0x8000000L));
        assertNull(m.pageExt().table(2));
        assertTrue(t.freed(), "remove frees it with the memmap");
        assertEquals(java.util.List.of(), ModelCheck.check(m));
    }

    @Test
    void whenThePageAllocatorCannotGiveTheTableItIsVmallocedAndAStaleReaderFaults() {
        Machine m = Machine.boot(HOTPLUG, V46.with(PageExt.NULL_CHECKS));
        var hp = m.memoryHotplug();
        // fragment memory: no free block of order 6 (the 64-page table) is left
        int taken = 0;
        while (m.allocator().allocPages(mmsim.mm.linux.Gfp.GFP_KERNEL | mmsim.mm.linux.Gfp.__GFP_HIGH, 6) >= 0) taken++;
        assertTrue(taken > 100, "took " + taken + " order-6 blocks");
        assertEquals(0, hp.onlinePages(0x10000, 0x8000, mmsim.mm.memory_hotplug.OnlineType.MMOP_ONLINE));
        PageExt.Table t = m.pageExt().table(2);
        assertTrue(t.vmalloced(), "vzalloc_node fallback");
        PageExt.Entry e = m.pageExt().lookupPageExt(0x10000);
        assertTrue(e.address() >= 0xffffc90000000000L, Long.toHexString(e.address()));
        assertEquals(0, hp.offlinePages(0x10000, 0x8000));
        KernelFault.Oops o = assertInstanceOf(KernelFault.Oops.class,
                assertThrows(KernelFault.class, () -> m.pageExt().testFlag(e, 4, "page_is_idle:test_bit")));
        assertEquals(e.address(), o.address(), "vfree unmapped the area: the read itself faults");
    }

    @Test
    void aVetoedOnlineFreesTheTableAgainOnMemCancelOnline() {
        for (KernelConfig c : new KernelConfig[] {V46, MAINLINE}) {
            Machine m = Machine.boot(HOTPLUG, c);
            var hp = m.memoryHotplug();
            var fs = mmsim.iface.VirtualFs.of(m);
            var inject = mmsim.iface.debugfs.MemoryNotifierErrorInject.of(m);
            long free = m.allocator().globalZoneState(mmsim.mm.linux.ZoneStat.NR_FREE_PAGES);
            assertEquals(0, inject.modprobe(fs, -1), "after page_ext (priority 0) in the chain");
            fs.echo(mmsim.iface.debugfs.MemoryNotifierErrorInject.DIR + "/memory/actions/MEM_GOING_ONLINE/error", "-12");
            assertEquals(-12, hp.onlinePages(0x10000, 0x8000, mmsim.mm.memory_hotplug.OnlineType.MMOP_ONLINE), c.toString());
            assertNull(m.pageExt().table(2), c + ": MEM_CANCEL_ONLINE -> offline_page_ext");
            assertEquals(free, m.allocator().globalZoneState(mmsim.mm.linux.ZoneStat.NR_FREE_PAGES), c + ": the table went back");
            assertEquals(java.util.List.of(), ModelCheck.check(m));
        }
    }
}
