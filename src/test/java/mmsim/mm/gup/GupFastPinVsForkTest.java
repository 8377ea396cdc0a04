package mmsim.mm.gup;

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
 * Scenario 003g: pin_user_pages_fast against fork. The verdicts come from exploring it: without
 * the write_protect_seq check (57efa1fe5957) GUP-fast pins a page fork has just made shared and
 * sanity_check_pinned_pages fires; with it, every interleaving leaves the pin on the page the
 * pinning mm maps.
 */
class GupFastPinVsForkTest {
    private static final Scenario S = Catalogue.load(Path.of("scenarios", "003g-gup-fast-pin-vs-fork.mms"), OpRegistry.standard());

    private static VariantResult explore(String variant) {
        Scenario.Variant v = S.variants().stream().filter(x -> x.name().equals(variant)).findFirst().orElseThrow();
        return ScenarioRunner.run(S, v, Settings.of(S), p -> { });
    }

    @Test
    void withoutTheSeqcountGupFastPinsAPageForkMadeShared() {
        VariantResult r = explore("no-write-protect-seq");
        assertEquals(ScenarioRunner.Status.OK, r.status(), r.note());
        assertFalse(r.findings().isEmpty());
        var f = r.findings().get(0).failure();
        assertEquals("bug", f.verdict().kind().id());
        assertTrue(f.verdict().report().contains("VM_BUG_ON_PAGE(!PageAnonExclusive"), f.verdict().report());
        String trace = f.trace().render();
        assertTrue(trace.contains("copy_pte_range") && trace.contains("pin_user_pages_fast"), trace);
    }

    @Test
    void withTheSeqcountEveryInterleavingKeepsThePinOnTheMappedPage() {
        VariantResult r = explore("mainline");
        assertEquals(ScenarioRunner.Status.OK, r.status(), r.note());
        assertTrue(r.exhausted() && r.findings().isEmpty(), r.verdict());
        // both ways round were explored: pinned before fork (the child copies) and after (COW by the slow path)
        long distinctPins = r.outcomes().keySet().stream().map(o -> o.observed().get("d")).distinct().count();
        assertEquals(2, distinctPins, r.outcomes().toString());
    }
}
