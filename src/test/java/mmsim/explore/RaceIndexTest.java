package mmsim.explore;

import java.nio.file.Path;
import java.util.List;

import mmsim.scenario.Catalogue;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioProgram;
import mmsim.scenario.ScenarioRunner;
import mmsim.scenario.ops.OpRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 13: DPOR's race analysis scans, from each step, only the earlier steps that share a
 * footprint key with it ({@link HappensBefore#of}); it must find exactly the clocks and races
 * the scan over every pair of steps found. With {@link HappensBefore#crossCheck} every execution
 * is analysed both ways and any difference fails the exploration.
 */
class RaceIndexTest {
    @AfterEach
    void off() { HappensBefore.crossCheck = false; }

    @Test
    void theIndexedScanFindsThePairwiseScansRacesOnCatalogueRows() {
        HappensBefore.crossCheck = true;
        OpRegistry ops = OpRegistry.standard();
        int rows = 0;
        long executions = 0;
        // struct pages and sections (000, 001b), page tables (003c, 011c), locks and the buddy (010, 012)
        for (String name : List.of("000-kpageflags-vs-offline", "001b-kpageflags-vs-partial-section-device", "003c-gup-fast-vs-collapse",
                "010-buddy-alloc-free", "011c-gup-fast-vs-munmap", "012-memory-block-offline-twice")) {
            Scenario s = Catalogue.load(Path.of("scenarios", name + ".mms"), ops);
            for (Scenario.Variant v : s.variants()) {
                ScenarioProgram p = new ScenarioProgram(s, v);
                ExploreOptions o = ExploreOptions.defaults().preemptionBound(s.bound()).stopAtFirstFailure(false).isFailure(x -> false)
                        .stepLimit(s.stepLimit() > 0 ? s.stepLimit() : ScenarioRunner.stepLimitOf(p)).budget(Budget.of(60, java.time.Duration.ofMinutes(5)))
                        .reduction(ReductionMode.DPOR);
                ExplorationResult r = Explorer.explore(p, o);
                assertTrue(r.executions() > 0, name + " " + v.name());
                executions += r.executions();
                rows++;
            }
        }
        assertTrue(rows >= 10 && executions > 300, rows + " rows, " + executions + " executions");
    }
}
