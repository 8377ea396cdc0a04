package mmsim.scenario;

import mmsim.explore.Verdict;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import mmsim.explore.Explorer;
import mmsim.explore.Failure;
import mmsim.explore.Replayed;
import mmsim.scenario.ScenarioRunner.Finding;
import mmsim.scenario.ScenarioRunner.Status;
import mmsim.scenario.ScenarioRunner.VariantResult;
import mmsim.scenario.ops.OpRegistry;

/**
 * Seed 000's catalogue scenarios, each variant explored as {@code mmsim check} explores it. A
 * broken variant must come out of exploration with a failure of the kind the kernel would
 * suffer, whose replay string reproduces it; a holding variant must exhaust its bound with no
 * failure it forbids. Nothing here states a verdict the explorer did not reach. The two
 * scenarios that offline a block run for tens of seconds and are tagged slow; 000b runs in the
 * default suite.
 */
class Seed000ScenariosTest {

    static Scenario load(String name) {
        return Catalogue.load(Path.of("scenarios/" + name + ".mms"), OpRegistry.standard());
    }

    static VariantResult run(Scenario s, String variant) {
        return ScenarioRunner.run(s, s.variant(variant), ScenarioRunner.Settings.of(s), p -> { });
    }

    /** The variant broke: the failure is one of {@code kinds}, its class {@code cls}, and its replay reproduces it. */
    static Failure assertBroken(Scenario s, VariantResult r, OutcomeClass cls, Set<String> kinds) {
        String v = r.variant().name();
        assertEquals(Status.OK, r.status(), v + ": " + r.verdict() + " / " + r.note());
        Finding f = r.findings().stream().filter(x -> x.cls() == cls).findFirst()
                .orElseThrow(() -> new AssertionError(v + ": no " + cls + " finding: " + r.verdict() + " / " + r.note()));
        Failure failure = f.failure();
        assertTrue(kinds.contains(failure.verdict().kind().id()), v + ": " + failure.render());
        assertTrue(failure.render().contains(" | "), "the two-column trace: " + failure.render());
        Replayed again = Explorer.replay(new ScenarioProgram(s, r.variant()), failure.schedule());
        assertEquals(failure.verdict().title(), again.verdict().title(), v + " replay of " + failure.schedule());
        assertEquals(failure.verdict().report(), again.verdict().report(), v + " replay report");
        return failure;
    }

    /** The variant held: every schedule within the bound explored, nothing forbidden found. */
    static void assertHolds(VariantResult r) {
        String v = r.variant().name();
        assertEquals(Status.OK, r.status(), v + ": " + r.verdict() + " / " + r.note());
        assertTrue(r.exhausted(), v + ": " + r.coverage());
        assertTrue(r.findings().stream().noneMatch(f -> f.cls() == OutcomeClass.FORBIDDEN), v + ": " + r.findings());
        // schedules the search covered: run, or cut short as reorderings of runs (sleep sets)
        long covered = r.executions() + r.reduction().redundant() + r.reduction().pruned();
        assertTrue(covered > 10, v + ": " + r.executions() + " executions, " + r.reduction());
    }

    /** About 1,400 executions of a 256 MiB machine offlining a block, plus the minimiser's. */
    @Test
    @Tag("slow")
    void kpageflagsVsOffline() {
        Scenario s = load("000-kpageflags-vs-offline");
        Failure v46 = assertBroken(s, run(s, "v4.6"), OutcomeClass.EXPECTED, Set.of("oops", "kasan"));
        assertTrue(v46.render().contains("page_is_idle"), v46.render());

        // the thread's question, answered by exploring: the NULL checks do not close the race
        VariantResult v47 = run(s, "v4.7-null-checks");
        Failure uaf = assertBroken(s, v47, OutcomeClass.INTERESTING, Set.of("kasan"));
        assertTrue(uaf.preemptions() >= 1, uaf.render());
        assertTrue(uaf.verdict().report().contains("page_ext table of section 1"), uaf.verdict().report());
        assertTrue(v47.exhausted(), "nothing forbidden behind the interesting finding: " + v47.coverage());

        VariantResult memmap = run(s, "page_ext-with-memmap");
        assertHolds(memmap);
        assertTrue(memmap.findings().isEmpty(), memmap.findings().toString());

        VariantResult mainline = run(s, "mainline");
        assertHolds(mainline);
        // page_ext itself holds under RCU; what remains is the memmap race of 000c, never page_ext
        mainline.findings().forEach(f -> assertNotEquals(Verdict.Kind.KASAN, f.failure().verdict().kind(), f.failure().render()));
        assertFalse(mainline.findings().stream().anyMatch(f -> f.failure().render().contains("<-- KASAN")));
    }

    @Test
    @Tag("slow")
    void onlinePageVsOfflineIsTheResidualMainlineRace() {
        Scenario s = load("000c-online-page-vs-offline");
        Failure oops = assertBroken(s, run(s, "mainline"), OutcomeClass.EXPECTED, Set.of("oops"));
        assertTrue(oops.verdict().report().contains("fffffffffffffffe"), oops.verdict().report());
        assertTrue(oops.render().contains("pfn_to_online_page"), "the check passed before the offline: " + oops.render());
        assertTrue(oops.preemptions() >= 1, oops.render());
        assertHolds(run(s, "v4.6"));
    }

    @Test
    void pfnValidVsRemoveMemory() {
        Scenario s = load("000b-pfn-valid-vs-remove-memory");
        Failure v46 = assertBroken(s, run(s, "v4.6"), OutcomeClass.EXPECTED, Set.of("oops"));
        assertTrue(v46.verdict().title().contains("__pageblock_pfn_to_page"), "page_zone() of the freed memmap: " + v46.render());
        Failure pre = assertBroken(s, run(s, "pre-v6.8"), OutcomeClass.EXPECTED, Set.of("oops", "kasan"));
        assertTrue(pre.verdict().title().contains("pfn_valid"), "inside pfn_valid (ms->usage): " + pre.render());
        assertHolds(run(s, "mainline"));
    }

    /** The same race on a 64-bit kernel, through page_owner's PFN walker. */
    @Test
    @Tag("slow")
    void pageOwnerVsOffline() {
        Scenario s = load("000d-page-owner-vs-offline");
        Failure v46 = assertBroken(s, run(s, "v4.6"), OutcomeClass.EXPECTED, Set.of("oops", "kasan"));
        assertTrue(v46.render().contains("read_page_owner"), v46.render());
        assertBroken(s, run(s, "v4.7-null-checks"), OutcomeClass.INTERESTING, Set.of("kasan"));
        assertHolds(run(s, "page_ext-with-memmap"));
        VariantResult mainline = run(s, "mainline");
        assertHolds(mainline);
        assertTrue(mainline.findings().isEmpty(), mainline.findings().toString());
    }

    /**
     * The idle page bitmap on 32-bit: the page reference page_idle_get_page() takes keeps
     * offline_pages from freeing page_ext under the reader in both 2016 variants; mainline's
     * pfn_to_online_page() leaves the 000c window open in this reader too.
     */
    @Test
    @Tag("slow")
    void pageIdleVsOffline() {
        Scenario s = load("000e-page-idle-vs-offline");
        assertHolds(run(s, "v4.6"));
        assertHolds(run(s, "v4.7-null-checks"));
        Failure ml = assertBroken(s, run(s, "mainline"), OutcomeClass.EXPECTED, Set.of("oops"));
        assertTrue(ml.render().contains("page_idle_get_folio"), ml.render());
    }

    /**
     * {@code report all} in the file (as {@code --all}): 000's v4.6 declares two EXPECTED kinds,
     * the oops of NULL + pfn and the KASAN of the freed table; exploring on past the first failure
     * shows both, each with its own replay. Without the line, the first one alone.
     */
    @Test
    void reportAllInTheFileShowsBothExpectedKinds() throws Exception {
        String text = java.nio.file.Files.readString(Path.of("scenarios/000-kpageflags-vs-offline.mms"))
                .replace("\nbound 1", "\nreport all\nbound 1");
        Scenario all = ScenarioParser.parse("scenarios/000-kpageflags-vs-offline.mms", text, OpRegistry.standard());
        assertTrue(ScenarioRunner.Settings.of(all).all());
        VariantResult r = run(all, "v4.6");
        Set<String> kinds = new java.util.TreeSet<>();
        for (var f : r.findings()) {
            kinds.add(f.failure().verdict().kind().id());
            assertTrue(f.failure().schedule() != null && !f.failure().schedule().isEmpty(), f.failure().render());
        }
        assertEquals(Set.of("kasan", "oops"), kinds);
        assertEquals(1, run(load("000-kpageflags-vs-offline"), "v4.6").findings().size());
    }
}
