package mmsim.explore;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mmsim.kernel.Access;
import org.junit.jupiter.api.Test;

/** Detectors, determinism, replay and the carriers. */
class ExplorerTest {

    @Test
    void aFailingTraceShowsBothColumnsNestingPreemptionAndTheReport() {
        Failure f = Explorer.explore(Races.pageTableWalk(false), ExploreOptions.defaults()).failure().orElseThrow();
        String out = f.render();
        String[] lines = f.trace().render().split("\n");
        assertTrue(lines[0].startsWith("CPU A (gup_fast walker)") && lines[0].contains("| CPU B (freer, IPI without wait)"), out);
        assertTrue(out.contains("  gup_fast_pmd_range"), "nesting shown: " + out);
        assertTrue(out.contains("BUG: KASAN: slab-use-after-free in gup_fast_pte_range"), out);
        assertTrue(out.contains("replay: " + f.schedule()), out);
        assertTrue(f.schedule().matches("([A-H][0-9]+)+"), f.schedule());
    }

    @Test
    void deadlockIsReportedWithWhatEachCpuWaitsFor() {
        Failure f = Explorer.explore(Races.abba(false, false), ExploreOptions.defaults()).failure().orElseThrow();
        assertInstanceOf(Verdict.Deadlock.class, f.verdict());
        assertTrue(f.verdict().title().contains("CPU A waits for spin_lock(&b_lock)"), f.verdict().title());
        assertTrue(f.verdict().title().contains("CPU B waits for spin_lock(&a_lock)"), f.verdict().title());
    }

    @Test
    void lockdepReportsBothChainsAndTheUnsafeScenario() {
        Failure f = Explorer.explore(Races.abba(false, true), ExploreOptions.defaults()).failure().orElseThrow();
        assertEquals("possible deadlock in path_two", f.verdict().title());
        String rep = f.verdict().report();
        assertTrue(rep.contains("WARNING: possible circular locking dependency detected"), rep);
        assertTrue(rep.contains("-> #1 (&a_lock)") || rep.contains("-> #1 (&b_lock)"), rep);
        assertTrue(rep.contains("Possible unsafe locking scenario"), rep);
        assertTrue(rep.contains("path_one") && rep.contains("path_two"), "both chains: " + rep);
    }

    @Test
    void aLivelockHitsTheStepLimit() {
        Program spin = Races.program(2, k -> k, new String[] {"spinner", "idle"}, (k, cpu) -> {
            while (cpu == 0) k.point("cpu_relax", null, Access.NONE); // waits for a flag nobody sets
        }, w -> Map.of());
        ExplorationResult r = Explorer.explore(spin, ExploreOptions.defaults().stepLimit(500));
        Failure f = r.failure().orElseThrow();
        assertEquals(Verdict.Kind.STEP_LIMIT, f.verdict().kind());
        assertEquals("A500!", f.schedule());
        assertEquals(f.trace().render(), Explorer.replay(spin, f.schedule()).trace().render());
    }

    @Test
    void aJavaExceptionInModelCodeIsAModelDefectNotAKernelVerdict() {
        Program npe = Races.program(2, k -> k, new String[] {"a", "b"}, (k, cpu) -> {
            k.point("x", null, Access.NONE);
            if (cpu == 1) {
                String s = null;
                s.length();
            }
        }, k -> Map.of());
        Failure f = Explorer.explore(npe, ExploreOptions.defaults()).failure().orElseThrow();
        assertInstanceOf(Verdict.ModelDefect.class, f.verdict());
        assertTrue(f.verdict().title().startsWith("model defect: NullPointerException"), f.verdict().title());
        assertTrue(f.verdict().report().contains("at mmsim.explore.ExplorerTest"), "Java stack trace in the report");
    }

    @Test
    void sameInputsAndSeedGiveTheSameExecutionsInTheSameOrder() {
        for (ExploreOptions o : List.of(ExploreOptions.defaults().preemptionBound(2).stopAtFirstFailure(false),
                ExploreOptions.defaults().strategy(Strategy.RANDOM).seed(11).maxExecutions(100).stopAtFirstFailure(false),
                ExploreOptions.defaults().strategy(Strategy.PCT).seed(11).maxExecutions(100).stopAtFirstFailure(false))) {
            List<String> one = new ArrayList<>(), two = new ArrayList<>();
            Explorer.explore(Races.rcu(false), o, one::add);
            Explorer.explore(Races.rcu(false), o, two::add);
            assertEquals(one, two, o.toString());
            assertTrue(one.size() > 5);
        }
    }

    @Test
    void dfsVisitsDistinctSchedulesAndCountsGrowWithTheBound() {
        List<String> seen = new ArrayList<>();
        // without reduction: sleep sets may find nothing new to run at a higher bound
        ExploreOptions none = ExploreOptions.defaults().reduction(ReductionMode.NONE);
        ExplorationResult r = Explorer.explore(Races.lostRefcount(true), none.preemptionBound(2), seen::add);
        assertEquals(seen.size(), new java.util.HashSet<>(seen).size(), "no schedule twice");
        assertEquals(r.executions(), seen.size());
        long b0 = Explorer.explore(Races.lostRefcount(true), none.preemptionBound(0)).executions();
        long b1 = Explorer.explore(Races.lostRefcount(true), none.preemptionBound(1)).executions();
        assertEquals(2, b0, "bound 0: each CPU first, run to completion");
        assertTrue(b0 < b1 && b1 < r.executions());
    }

    @Test
    void replayThatDivergesFailsLoudlyNamingThePosition() {
        Program p = Races.lostRefcount(true);
        // A takes the lock; B reaches spin_lock, where it is not runnable while A holds it: a
        // schedule that runs B a second step there diverges.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Explorer.replay(p, "A2B3A10"));
        assertTrue(e.getMessage().contains("diverges at step 3 (position 2): CPU B is not runnable"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Explorer.replay(p, "A2C3"));
        assertTrue(e.getMessage().contains("CPU C is not runnable"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Explorer.replay(p, "A5B4"));
        assertTrue(e.getMessage().contains("ends after 9 steps"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Explorer.replay(p, "A5B9"));
        assertTrue(e.getMessage().contains("has 14 steps but the execution ended after 10"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Explorer.replay(p, "A5x"));
        assertTrue(e.getMessage().contains("position 2"), e.getMessage());
        assertEquals(Verdict.Kind.PASSED, Explorer.replay(p, "A5B5").verdict().kind());
    }

    @Test
    void bothCarriersGiveTheSameExecutions() {
        for (Program p : List.of(Races.rcu(false), Races.pageTableWalk(true), Races.abba(false, false))) {
            List<String> cont = new ArrayList<>(), threads = new ArrayList<>();
            ExploreOptions o = ExploreOptions.defaults().stopAtFirstFailure(false);
            ExplorationResult a = Explorer.explore(p, o.carrier(Carrier.Kind.CONTINUATION), cont::add);
            ExplorationResult b = Explorer.explore(p, o.carrier(Carrier.Kind.VIRTUAL_THREAD), threads::add);
            assertEquals(cont, threads);
            assertEquals(a.outcomes(), b.outcomes());
            assertEquals(a.failure().map(f -> f.trace().render()), b.failure().map(f -> f.trace().render()));
        }
    }

    @Test
    void outcomesAreAHistogramAndIsFailureGradesThem() {
        // The fixed RCU reader either sees the object (42) or NULL (-1); call 42 forbidden.
        ExplorationResult r = Explorer.explore(Races.rcu(true), ExploreOptions.defaults().stopAtFirstFailure(false));
        assertEquals(2, r.outcomes().size(), r.outcomes().toString());
        assertTrue(r.outcomes().containsKey(new Outcome(Verdict.Kind.PASSED, Map.of("seen", "42"))));
        assertTrue(r.outcomes().containsKey(new Outcome(Verdict.Kind.PASSED, Map.of("seen", "-1"))));
        ExplorationResult g = Explorer.explore(Races.rcu(true), ExploreOptions.defaults()
                .isFailure(o -> "42".equals(o.observed().get("seen"))));
        assertEquals(Map.of("seen", "42"), g.failure().orElseThrow().observed());
        assertTrue(g.summary().contains("forbidden outcome {seen=42}"), g.summary());
    }
}
