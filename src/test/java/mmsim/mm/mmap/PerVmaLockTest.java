package mmsim.mm.mmap;

import java.nio.file.Path;

import mmsim.scenario.Catalogue;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioRunner;
import mmsim.scenario.ScenarioRunner.Settings;
import mmsim.scenario.ScenarioRunner.VariantResult;
import mmsim.scenario.ops.OpRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * CONFIG_PER_VMA_LOCK (v6.4+): arch/x86/mm/fault.c tries lock_vma_under_rcu (mm/memory.c)
 * before mmap_lock, and collapse_huge_page (mm/khugepaged.c) must vma_start_write the VMA it
 * collapses. Scenario 003f explores a write fault against a collapse of its PMD range; the
 * verdicts come from exploring it.
 */
class PerVmaLockTest {
    private static final Scenario S = Catalogue.load(Path.of("scenarios", "003f-fault-vs-collapse-vma-lock.mms"), OpRegistry.standard());

    private static VariantResult explore(String variant) {
        Scenario.Variant v = S.variants().stream().filter(x -> x.name().equals(variant)).findFirst().orElseThrow();
        return ScenarioRunner.run(S, v, Settings.of(S), p -> { });
    }

    @Test
    void collapseWithoutVmaStartWriteLetsAFaultUnderTheVmaLockMapIntoTheClearedPmd() {
        VariantResult r = explore("no-vma-start-write");
        assertEquals(ScenarioRunner.Status.OK, r.status(), r.note());
        assertFalse(r.findings().isEmpty());
        var f = r.findings().get(0).failure();
        assertEquals("inconsistency", f.verdict().kind().id());
        String trace = f.trace().render();
        // the fault ran under its VMA's lock, not mmap_lock, inside the collapse's mmap_lock section
        assertTrue(trace.contains("lock_vma_under_rcu"), trace);
        assertTrue(trace.contains("up_read(&vma->vm_lock->lock)"), trace);
        assertFalse(trace.contains("down_read(&mm->mmap_lock)") && trace.indexOf("down_read(&mm->mmap_lock)") > trace.indexOf("lock_vma_under_rcu"),
                "the fault must not have fallen back to mmap_lock:\n" + trace);
    }

    @Test
    void vmaStartWriteInCollapseAndNoPerVmaLockBothHoldExhaustively() {
        for (String v : new String[] {"mainline", "v6.3"}) {
            VariantResult r = explore(v);
            assertEquals(ScenarioRunner.Status.OK, r.status(), v + ": " + r.note());
            assertTrue(r.exhausted() && r.findings().isEmpty(), v + ": " + r.verdict());
        }
    }
}
