package mmsim.mm.memory_hotplug;

import mmsim.explore.Verdict;
import mmsim.explore.Outcome;
import mmsim.scenario.Catalogue;
import mmsim.scenario.OutcomeClass;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioRunner;
import mmsim.scenario.ops.OpRegistry;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * scenarios/012: explored exhaustively within its bound; the outcomes the lesson describes all
 * occur. About 20 s (each execution boots, onlines and offlines 128 MiB): slow.
 */
class Lesson012Test {
    @Test
    @org.junit.jupiter.api.Tag("slow")
    void twoOfflineWritersAreSerialisedAndGoingOfflineIsSeen() {
        Scenario s = Catalogue.load(Path.of("scenarios/012-memory-block-offline-twice.mms"), OpRegistry.standard());
        ScenarioRunner.VariantResult r = ScenarioRunner.run(s, s.variant("mainline"), ScenarioRunner.Settings.of(s), p -> { });
        assertEquals(ScenarioRunner.Status.OK, r.status(), r.verdict() + " / " + r.note());
        assertTrue(r.exhausted(), r.coverage());
        assertTrue(r.findings().stream().noneMatch(f -> f.cls() == OutcomeClass.FORBIDDEN), r.findings().toString());
        Set<String> seen = new TreeSet<>(), results = new TreeSet<>();
        for (Outcome o : r.outcomes().keySet()) {
            assertEquals(Verdict.Kind.PASSED, o.verdictKind(), o.toString());
            seen.add(o.observed().get("seen"));
            results.add(o.observed().get("a") + "/" + o.observed().get("b"));
        }
        assertEquals(Set.of("going-offline", "offline", "online"), seen);
        assertEquals(Set.of("-EINVAL/ok", "ok/-EINVAL"), results);
    }
}
