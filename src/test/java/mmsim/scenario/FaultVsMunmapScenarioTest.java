package mmsim.scenario;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import mmsim.scenario.ops.OpRegistry;

/**
 * The catalogue's lesson 011 (scenarios/011-fault-vs-munmap.mms) as users run it: every variant
 * holds exhaustively within its bound, and the exploration reaches each of the three orders a
 * user can observe (both writes before the unmap, the unmap between them, the unmap first).
 */
class FaultVsMunmapScenarioTest {
    @Test
    void holdsAndReachesEveryAcceptableOrder() {
        Scenario s = Catalogue.load(Path.of("scenarios/011-fault-vs-munmap.mms"), OpRegistry.standard());
        for (Scenario.Variant v : s.variants()) {
            ScenarioRunner.VariantResult r = ScenarioRunner.run(s, v, ScenarioRunner.Settings.of(s), p -> { });
            assertEquals(ScenarioRunner.Status.OK, r.status(), v.name() + ": " + r.verdict() + " " + r.note());
            assertTrue(r.exhausted(), v.name() + ": " + r.coverage());
            Set<String> seen = new TreeSet<>();
            r.outcomes().keySet().forEach(o -> {
                assertEquals("passed", o.verdictKind(), o.toString());
                seen.add(o.observed().get("w1") + "/" + o.observed().get("w2") + "/" + o.observed().get("r"));
            });
            assertEquals(Set.of("ok/ok/ok", "ok/SIGSEGV/ok", "SIGSEGV/SIGSEGV/ok"), seen, v.name());
        }
    }
}
