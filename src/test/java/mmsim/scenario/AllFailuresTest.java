package mmsim.scenario;

import java.nio.file.Path;
import java.util.List;

import mmsim.explore.Explorer;
import mmsim.explore.Replayed;
import mmsim.scenario.ScenarioRunner.Finding;
import mmsim.scenario.ScenarioRunner.Settings;
import mmsim.scenario.ScenarioRunner.Status;
import mmsim.scenario.ScenarioRunner.VariantResult;
import mmsim.scenario.ops.OpRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Issue 13: --all keeps exploring after the first failure and reports each distinct one with its own replay. */
class AllFailuresTest {
    @Test
    void aVariantDeclaringTwoExpectedKindsShowsBothEachReplayable() {
        Scenario s = Catalogue.load(Path.of("scenarios", "000-kpageflags-vs-offline.mms"), OpRegistry.standard());
        Scenario.Variant v46 = s.variants().stream().filter(v -> v.name().equals("v4.6")).findFirst().orElseThrow();
        VariantResult first = ScenarioRunner.run(s, v46, Settings.of(s), p -> { });
        VariantResult all = ScenarioRunner.run(s, v46, Settings.of(s).all(true), p -> { });
        assertEquals(1, first.findings().size());
        assertEquals(Status.OK, all.status(), all.note());
        assertTrue(all.exhausted(), "--all explores the whole bounded space");
        List<String> kinds = all.findings().stream().map(f -> f.failure().verdict().kind().id()).sorted().toList();
        assertEquals(List.of("kasan", "oops"), kinds);
        ScenarioProgram program = new ScenarioProgram(s, v46);
        for (Finding f : all.findings()) {
            assertEquals(OutcomeClass.EXPECTED, f.cls());
            Replayed r = Explorer.replay(program, f.failure().schedule());
            assertEquals(f.failure().verdict().title(), r.verdict().title(), "replay of " + f.failure().schedule());
        }
    }
}
