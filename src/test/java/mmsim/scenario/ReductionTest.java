package mmsim.scenario;

import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

import mmsim.explore.ExplorationResult;
import mmsim.explore.ExploreOptions;
import mmsim.explore.Explorer;
import mmsim.explore.ReductionMode;

import mmsim.scenario.ScenarioRunner.Settings;
import mmsim.scenario.ScenarioRunner.VariantResult;
import mmsim.scenario.ops.OpRegistry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 13: reduction (sleep sets, and source-set DPOR with sleep sets) changes how many executions a DFS runs, never what it finds:
 * every variant gets the same status, verdict and failures (kind, title, and how minimal the minimised schedule is)
 * with and without it, and explored to the end of its bound without stopping at failures, the
 * same set of outcomes (verdict kind and observed values). The whole catalogue runs in the slow
 * suite.
 */
class ReductionTest {
    private static final OpRegistry OPS = OpRegistry.standard();

    @ParameterizedTest
    @ValueSource(strings = {"010-buddy-alloc-free", "011c-gup-fast-vs-munmap", "001c-kpageflags-vs-memmap-init-zone-device",
            "000b-pfn-valid-vs-remove-memory"})
    void sameVerdictsAndFailuresWithAndWithoutReduction(String name) {
        Scenario s = Catalogue.load(Path.of("scenarios", name + ".mms"), OPS);
        assertSameWithAndWithout(s, ReductionMode.SLEEP, ReductionMode.DPOR);
        assertSameOutcomesWithAndWithout(s, ReductionMode.SLEEP, ReductionMode.DPOR);
    }

    /** Sleep sets and DPOR (the default) over the whole catalogue. */
    @Tag("slow")
    @Test
    void sameVerdictsAndFailuresOnTheWholeCatalogue() {
        for (Path f : Catalogue.standard().files()) {
            Scenario s = Catalogue.load(f, OPS);
            assertSameWithAndWithout(s, ReductionMode.SLEEP, ReductionMode.DPOR);
            assertSameOutcomesWithAndWithout(s, ReductionMode.SLEEP, ReductionMode.DPOR);
        }
    }

    /**
     * DPOR on the rows where it lost outcomes before it observed the struct pages and page tables
     * each step touched (000 page_ext-with-memmap, 000c v4.6, 003f, 002 v4.6).
     */
    @Tag("slow")
    @ParameterizedTest
    @ValueSource(strings = {"000-kpageflags-vs-offline", "000c-online-page-vs-offline", "003f-fault-vs-collapse-vma-lock",
            "002-soft-offline-vs-allocation"})
    void dporKeepsTheOutcomesOfWritesItDoesNotSeeAnnounced(String name) {
        Scenario s = Catalogue.load(Path.of("scenarios", name + ".mms"), OPS);
        assertSameWithAndWithout(s, ReductionMode.DPOR);
        assertSameOutcomesWithAndWithout(s, ReductionMode.DPOR);
    }

    /**
     * A CPU that finds a lock taken takes no step (a conditional point), yet the block reads the
     * lock word: sleep sets wake the holder whose release writes it, and DPOR reverses the block's
     * race with the holder's acquire. Without either rule, moving the release before the block
     * needs a preemption the bound does not allow, and 000e v4.6 (the reader blocks on
     * lruvec->lru_lock inside the offline's migration) lost {@code r=-EAGAIN
     * idle=0x8000000000000000} under sleep sets and six outcomes under DPOR.
     */
    @Test
    void aBlockOnATakenLockKeepsEveryOutcome() {
        Scenario s = Catalogue.load(Path.of("scenarios", "000e-page-idle-vs-offline.mms"), OPS);
        assertSameOutcomesWithAndWithout(s, "v4.6", ReductionMode.SLEEP, ReductionMode.DPOR);
    }

    @Test
    void reductionRunsFewerExecutionsAndSaysSo() {
        Scenario s = Catalogue.load(Path.of("scenarios", "010-buddy-alloc-free.mms"), OPS);
        VariantResult on = ScenarioRunner.run(s, s.variants().get(0), Settings.of(s).reduction(ReductionMode.SLEEP), p -> { });
        VariantResult off = ScenarioRunner.run(s, s.variants().get(0), Settings.of(s).reduction(false), p -> { });
        VariantResult dpor = ScenarioRunner.run(s, s.variants().get(0), Settings.of(s), p -> { });
        assertTrue(on.exhausted() && off.exhausted() && dpor.exhausted());
        assertTrue(on.executions() < off.executions(), on.executions() + " with reduction, " + off.executions() + " without");
        assertTrue(on.reduction().on() && !off.reduction().on() && dpor.reduction().on());
        assertTrue(on.reduction().redundant() > 0);
        // with sleep sets, every schedule without reduction is either explored or a reordering that was cut short
        assertTrue(on.executions() + on.reduction().redundant() + on.reduction().pruned() >= off.executions());
        // DPOR, the default, tries a subset of the alternatives sleep sets try
        assertTrue(dpor.executions() < on.executions(), dpor.executions() + " with DPOR, " + on.executions() + " with sleep sets");
    }

    private static void assertSameWithAndWithout(Scenario s, ReductionMode... modes) {
        for (Scenario.Variant v : s.variants()) {
            VariantResult off = ScenarioRunner.run(s, v, Settings.of(s).reduction(ReductionMode.NONE), p -> { });
            for (ReductionMode mode : modes) {
                VariantResult on = ScenarioRunner.run(s, v, Settings.of(s).reduction(mode), p -> { });
                String what = s.name() + " " + v.name() + " (" + mode.id() + ")";
                assertEquals(off.status(), on.status(), what);
                assertEquals(off.verdict(), on.verdict(), what);
                assertEquals(failures(off), failures(on), what);
                assertTrue(on.executions() <= off.executions(), what + ": " + on.executions() + " > " + off.executions());
            }
        }
    }

    /**
     * Every variant explored to the end of the scenario's bound, failures included (none stops
     * the search): the reduction must reach every outcome the full search reaches, and no other.
     */
    private static void assertSameOutcomesWithAndWithout(Scenario s, ReductionMode... modes) {
        assertSameOutcomesWithAndWithout(s, null, modes);
    }

    /** As above, for one variant (null: every variant). */
    private static void assertSameOutcomesWithAndWithout(Scenario s, String variant, ReductionMode... modes) {
        if (!s.strategy().equalsIgnoreCase("dfs")) return;
        for (Scenario.Variant v : s.variants()) {
            if (variant != null && !v.name().equals(variant)) continue;
            ScenarioProgram p = new ScenarioProgram(s, v);
            ExploreOptions o = ExploreOptions.defaults().preemptionBound(s.bound()).stepLimit(s.stepLimit() > 0 ? s.stepLimit() : ScenarioRunner.stepLimitOf(p))
                    .stopAtFirstFailure(false).isFailure(x -> false);
            ExplorationResult off = Explorer.explore(p, o.reduction(false));
            for (ReductionMode mode : modes) {
                ExplorationResult on = Explorer.explore(new ScenarioProgram(s, v), o.reduction(mode));
                String what = s.name() + " " + v.name() + " at bound " + s.bound() + " (" + mode.id() + ")";
                assertTrue(off.exhausted() && on.exhausted(), what);
                assertEquals(new TreeSet<>(names(off)), new TreeSet<>(names(on)), what);
                assertTrue(on.executions() <= off.executions(), what + ": " + on.executions() + " > " + off.executions());
            }
        }
    }

    private static List<String> names(ExplorationResult r) {
        return r.outcomes().keySet().stream().map(x -> x.verdictKind().id() + " " + x.observed()).toList();
    }

    /**
     * What a failure must keep under reduction: its class, kind and title, and how minimal it is
     * (preemptions, then steps). The schedule itself may be another interleaving of the same
     * length, since minimisation explores with sleep sets too and reaches its class's
     * representative first (000e mainline in stop 23: A3B1769A1 unreduced, A2B1769A2 reduced, both 1,773 steps).
     */
    private static List<String> failures(VariantResult r) {
        return r.findings().stream().map(f -> f.cls() + " " + f.failure().verdict().kind() + " " + f.failure().verdict().title()
                + " preemptions=" + f.failure().preemptions() + " steps=" + f.failure().steps()).toList();
    }
}
