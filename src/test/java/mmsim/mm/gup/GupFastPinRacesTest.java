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
 * Scenarios 003g and 003h: pin_user_pages_fast against fork and against reclaim's unmap. The
 * verdicts come from exploring them. Without fork's write_protect_seq (57efa1fe5957), or with the
 * unmap checking for a pin before it clears the PTE, GUP-fast pins a page that is no longer
 * exclusive and sanity_check_pinned_pages fires; as the kernel has it, every interleaving leaves
 * the pin on the page the pinning mm maps.
 */
class GupFastPinRacesTest {
    private static VariantResult explore(String file, String variant) {
        Scenario s = Catalogue.load(Path.of("scenarios", file), OpRegistry.standard());
        Scenario.Variant v = s.variants().stream().filter(x -> x.name().equals(variant)).findFirst().orElseThrow();
        return ScenarioRunner.run(s, v, Settings.of(s), p -> { });
    }

    private static String assertSanityCheckFires(VariantResult r) {
        assertEquals(ScenarioRunner.Status.OK, r.status(), r.note());
        assertFalse(r.findings().isEmpty(), r.verdict());
        var f = r.findings().get(0).failure();
        assertEquals("bug", f.verdict().kind().id());
        assertTrue(f.verdict().report().contains("VM_BUG_ON_PAGE(!PageAnonExclusive"), f.verdict().report());
        String trace = f.trace().condensed();   // as a commit message shows it
        // the failing step: the last thing CPU A's column shows before the marker (which may wrap)
        String before = trace.substring(0, trace.indexOf("<-- BUG")).replaceAll("[\\s|]+", " ").strip();
        assertTrue(before.endsWith("sanity_check_pinned_pages"), trace);
        return trace;
    }

    private static void assertHoldsBothWaysRound(VariantResult r) {
        assertEquals(ScenarioRunner.Status.OK, r.status(), r.note());
        assertTrue(r.exhausted() && r.findings().isEmpty(), r.verdict());
        long distinctPins = r.outcomes().keySet().stream().map(o -> o.observed().get("d")).distinct().count();
        assertEquals(2, distinctPins, "pinned before and after the other side: " + r.outcomes());
    }

    @Test
    void withoutTheSeqcountGupFastPinsAPageForkMadeShared() {
        String trace = assertSanityCheckFires(explore("003g-gup-fast-pin-vs-fork.mms", "no-write-protect-seq"));
        assertTrue(trace.contains("copy_pte_range"), trace);
    }

    @Test
    void withTheSeqcountEveryInterleavingKeepsThePinOnTheMappedPage() {
        // pinned before fork (the child copies) and after (the slow path breaks COW)
        assertHoldsBothWaysRound(explore("003g-gup-fast-pin-vs-fork.mms", "mainline"));
    }

    @Test
    void checkingForThePinBeforeClearingThePteLetsGupFastPinAPageReclaimMadeShared() {
        String trace = assertSanityCheckFires(explore("003h-gup-fast-pin-vs-reclaim.mms", "share-before-clear"));
        assertTrue(trace.indexOf("folio_try_share_anon_rmap_pte") < trace.indexOf("pin_user_pages_fast"), trace);
    }

    @Test
    void clearingThePteFirstKeepsEveryPinOnAMappedExclusivePage() {
        // pinned first (reclaim puts the PTE back) or after the page was swapped out and faulted back
        assertHoldsBothWaysRound(explore("003h-gup-fast-pin-vs-reclaim.mms", "mainline"));
    }
}
