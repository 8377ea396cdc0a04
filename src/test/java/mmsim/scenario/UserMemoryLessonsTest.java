package mmsim.scenario;

import mmsim.explore.Verdict;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import mmsim.explore.Outcome;
import mmsim.scenario.ops.OpRegistry;

/**
 * The catalogue's user-memory lessons as users run them: every variant holds exhaustively within
 * the file's bound (the whole-model check ending each execution included), and the exploration
 * reaches each outcome the file's comments promise.
 */
class UserMemoryLessonsTest {
    /** Explores every variant of a catalogue file; returns the observed outcomes, summarised by {@code key}. */
    static Set<String> holds(String file, Function<Outcome, String> key) {
        Scenario s = Catalogue.load(Path.of("scenarios/" + file), OpRegistry.standard());
        Set<String> seen = new TreeSet<>();
        for (Scenario.Variant v : s.variants()) {
            ScenarioRunner.VariantResult r = ScenarioRunner.run(s, v, ScenarioRunner.Settings.of(s), p -> { });
            assertEquals(ScenarioRunner.Status.OK, r.status(), v.name() + ": " + r.verdict() + " " + r.note());
            assertTrue(r.exhausted(), v.name() + ": " + r.coverage());
            r.outcomes().keySet().forEach(o -> {
                assertEquals(Verdict.Kind.PASSED, o.verdictKind(), o.toString());
                seen.add(key.apply(o));
            });
        }
        return seen;
    }

    @Test
    void faultVsMunmapReachesEveryOrder() {
        Set<String> seen = holds("011-fault-vs-munmap.mms",
                o -> o.observed().get("w1") + "/" + o.observed().get("w2") + "/" + o.observed().get("r"));
        assertEquals(Set.of("ok/ok/ok", "ok/SIGSEGV/ok", "SIGSEGV/SIGSEGV/ok"), seen);
    }

    @Test
    void gupFastVsMunmapHoldsOnlyWithTheIpi() {
        Scenario s = Catalogue.load(Path.of("scenarios/011c-gup-fast-vs-munmap.mms"), OpRegistry.standard());
        ScenarioRunner.VariantResult ok = ScenarioRunner.run(s, s.variant("mainline"), ScenarioRunner.Settings.of(s), p -> { });
        assertEquals(ScenarioRunner.Status.OK, ok.status(), ok.verdict());
        assertTrue(ok.exhausted());
        Set<String> seen = new TreeSet<>();
        ok.outcomes().keySet().forEach(o -> seen.add(o.observed().get("p").startsWith("0x") ? "pinned" : o.observed().get("p")));
        assertEquals(Set.of("pinned", "-EFAULT"), seen);
        ScenarioRunner.VariantResult broken = ScenarioRunner.run(s, s.variant("no-ipi"), ScenarioRunner.Settings.of(s), p -> { });
        assertEquals(ScenarioRunner.Status.OK, broken.status(), "the declared KASAN report is reached: " + broken.verdict());
        assertTrue(broken.verdict().contains("use-after-free Read in gup_fast"), broken.verdict());
    }

    @Test
    void kswapdVsMunmapReclaimsWhatTheUnmapLeft() {
        Set<String> seen = holds("011b-kswapd-vs-munmap.mms", o -> o.observed().get("r") + "/" + o.observed().get("n"));
        assertEquals(Set.of("ok/0", "ok/1", "ok/2"), seen);
    }
}
