package mmsim.scenario;

import mmsim.explore.Verdict;
import mmsim.kernel.KernelLog;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.linux.PageType;
import mmsim.mm.linux.Gfp;
import mmsim.scenario.ops.OpRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole-model check at the end of every scenario execution: a page lost to the allocator
 * is a "leak" verdict, corrupted allocator state an "inconsistency" verdict, both found by
 * exploring (not declared), graded like any other verdict.
 */
class EndOfExecutionCheckTest {
    static final OpRegistry OPS = OpRegistry.standard();

    static final String LAYOUT = """
            layout
              arch x86_64
              cpus 2
              ram 0x1000 +0x9e000
              ram 0x100000 +127M
              reserve 0x100000 +15M
            end
            """;

    /** __free_pages() with a smaller order than the allocation: the kernel loses the rest of the block. */
    static String wrongOrderFree(String expect) {
        return """
                scenario 090-wrong-order
                title    a block freed with the wrong order
                """ + LAYOUT + """
                variant mainline era=mainline
                cpu A "alloc order 1, free order 0"
                  alloc_pages 1 -> a
                  free_pages $a 0
                end
                cpu B "alloc+free"
                  alloc_pages 0 -> b
                  free_pages $b 0
                end
                """ + expect + "bound 1\n";
    }

    static ScenarioRunner.VariantResult run(String text) {
        Scenario s = ScenarioParser.parse("090-wrong-order.mms", text, OPS);
        return ScenarioRunner.run(s, s.variants().get(0), ScenarioRunner.Settings.of(s), null);
    }

    @Test
    void aLeakedPageIsFoundByExploringAndIsForbiddenUndeclared() {
        ScenarioRunner.VariantResult r = run(wrongOrderFree(""));
        assertEquals(ScenarioRunner.Status.VIOLATED, r.status(), r.note());
        Verdict v = r.findings().get(0).failure().verdict();
        assertInstanceOf(Verdict.Leak.class, v);
        assertTrue(v.title().startsWith("memory leak: 1 page lost to the page allocator (pfn 0x"), v.title());
        assertTrue(v.report().contains("page:") && v.report().contains("refcount:0"), "dump_page of the leaked page:\n" + v.report());
        assertTrue(r.note().contains("leak (undeclared)"), r.note());
    }

    @Test
    void aDeclaredLeakIsReached() {
        ScenarioRunner.VariantResult r = run(wrongOrderFree("expect * leak EXPECTED \"the second page of the block is lost\"\n"));
        assertEquals(ScenarioRunner.Status.OK, r.status(), r.note());
        assertTrue(r.verdict().startsWith("memory leak: 1 page"), r.verdict());
    }

    @Test
    void theLessonThatHoldsStillHolds() {
        ScenarioRunner.VariantResult r = run(wrongOrderFree("").replace("free_pages $a 0", "free_pages $a 1"));
        assertEquals(ScenarioRunner.Status.OK, r.status(), r.note());
        assertEquals("holds", r.verdict());
        assertTrue(r.exhausted());
    }

    /** A refcount dropped to zero by a path that never gives the block back (seed 002's shape): every page is reported. */
    @Test
    void aBlockWhoseRefcountDroppedWithoutAFreeIsALeakOfEachPage() {
        Booted b = Booted.boot(MachineLayout.small(), KernelConfig.mainline());
        long head = b.machine().allocator().allocPages(Gfp.GFP_KERNEL, 3);
        b.machine().memmap().setRefcount(head, 0);
        b.checkConsistency();
        List<KernelLog.Taint> t = b.kernel().log().taints();
        assertEquals(1, t.size(), t.toString());
        Verdict v = Verdict.ofTaints(t);
        assertInstanceOf(Verdict.Leak.class, v);
        String range = "0x" + Long.toHexString(head) + "-0x" + Long.toHexString(head + 7);
        assertTrue(v.title().startsWith("memory leak: 8 pages lost to the page allocator (pfn " + range), v.title());
        assertTrue(v.report().contains("  pfn " + range + "\n"), v.report());
    }

    @Test
    void corruptedFreeListsAreAnInconsistency() {
        Booted b = Booted.boot(MachineLayout.small(), KernelConfig.mainline());
        long pfn = b.machine().allocator().allocPages(Gfp.GFP_KERNEL, 0);
        b.machine().memmap().setType(pfn, PageType.BUDDY);     // PageBuddy on a page that is on no free list
        b.checkConsistency();
        Verdict v = Verdict.ofTaints(b.kernel().log().taints());
        assertInstanceOf(Verdict.Inconsistency.class, v);
        assertEquals(Verdict.Kind.INCONSISTENCY, v.kind());
        assertTrue(v.title().contains(String.format("pfn %#x: PageBuddy but on no free list", pfn)), v.title());
    }

    @Test
    void aCleanMachineLeavesNoTaint() {
        Booted b = Booted.boot(MachineLayout.small(), KernelConfig.mainline());
        long pfn = b.machine().allocator().allocPages(Gfp.GFP_KERNEL, 2);
        b.machine().allocator().freePages(pfn, 2);
        b.checkConsistency();
        assertEquals(List.of(), b.kernel().log().taints());
    }
}
