package mmsim.explore;

import static org.junit.jupiter.api.Assertions.*;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The four races of the issue, each broken and fixed: bounded DFS finds the broken one with a
 * minimal trace that replays exactly, and exhausts the fixed one; random and PCT find the broken
 * one within a stated budget (fixed seeds).
 */
class SyntheticRacesTest {

    static Stream<Arguments> races() {
        return Stream.of(
                Arguments.of("lost refcount update", Races.lostRefcount(false), Races.lostRefcount(true), "bug", 1),
                Arguments.of("ABBA deadlock (lockdep off)", Races.abba(false, false), Races.abba(true, false), "deadlock", 1),
                Arguments.of("ABBA (lockdep on)", Races.abba(false, true), Races.abba(true, true), "lockdep", 0),
                Arguments.of("RCU without grace period", Races.rcu(false), Races.rcu(true), "kasan", 1),
                Arguments.of("RCU call_rcu", Races.rcu(false), Races.rcuCallback(), "kasan", 1),
                Arguments.of("page-table walker, IPI without wait", Races.pageTableWalk(false), Races.pageTableWalk(true), "kasan", 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("races")
    void dfsFindsTheBrokenOneWithAMinimalTraceThatReplays(String name, Program broken, Program fixed, String kind, int preemptions) {
        ExplorationResult r = Explorer.explore(broken, ExploreOptions.defaults().preemptionBound(3));
        Failure f = r.failure().orElseThrow(() -> new AssertionError(name + ": " + r.summary()));
        assertEquals(kind, f.verdict().kind().id(), f.render());
        assertEquals(preemptions, f.preemptions(), f.render());
        assertTrue(r.summary().startsWith("FAILED after "), r.summary());
        Replayed again = Explorer.replay(broken, f.schedule());
        assertEquals(f.verdict(), again.verdict());
        assertEquals(f.trace().render(), again.trace().render());
        if (preemptions > 0) assertTrue(f.trace().render().contains("-- preempted --"), f.render());
    }

    static Stream<Arguments> racesAndALongUse() {
        return Stream.concat(races().map(a -> Arguments.of(a.get()[0], a.get()[1])),
                Stream.of(Arguments.of("use after free, five uses after the lookup", useAfterLookup(5))));
    }

    /**
     * A reader looks an object up once, then uses it five times; a writer frees it. Every
     * failing schedule preempts the reader once, and the later the preemption the longer the
     * execution: the DFS meets the longest first (it tries the deepest alternative first), so a
     * minimisation that kept its first find instead of the shortest would show here.
     */
    static Program useAfterLookup(int uses) {
        final class Obj { boolean freed; boolean looked; }
        return Races.program(2, k -> new Object[] {k, new Obj()}, new String[] {"reader", "free"}, (w, cpu) -> {
            mmsim.kernel.Kernel k = (mmsim.kernel.Kernel) w[0];
            Obj o = (Obj) w[1];
            if (cpu == 1) {
                k.point("free", o, mmsim.kernel.Access.WRITE);
                o.freed = true;
                return;
            }
            k.point("lookup", o, mmsim.kernel.Access.READ);
            if (o.freed) return; // gone already: nothing to use
            for (int i = 0; i < uses; i++) {
                k.point("use", o, mmsim.kernel.Access.READ);
                if (o.freed) throw Races.kasan(k, "reader");
            }
        }, w -> java.util.Map.of());
    }

    /**
     * Minimisation (its length cut and its sleep sets included) keeps what running every
     * schedule within the bound to its end keeps: the fewest preemptions, then the fewest steps,
     * among the executions that fail with the same verdict.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("racesAndALongUse")
    void minimisationKeepsTheFewestPreemptionsThenTheFewestSteps(String name, Program broken) {
        ExploreOptions o = ExploreOptions.defaults().preemptionBound(3);
        Failure f = Explorer.explore(broken, o).failure().orElseThrow();
        Engine e = new Engine(Carrier.best(), o.stepLimit());
        DfsSearch everything = new DfsSearch(3);
        int fewestPre = Integer.MAX_VALUE, fewestSteps = Integer.MAX_VALUE;
        do {
            Engine.Run r = e.run(broken.instantiate(), everything, false);
            if (!r.verdict.kind().equals(f.verdict().kind()) || !r.verdict.title().equals(f.verdict().title())) continue;
            if (e.preemptions < fewestPre || e.preemptions == fewestPre && e.steps < fewestSteps) {
                fewestPre = e.preemptions;
                fewestSteps = e.steps;
            }
        } while (everything.advance(e));
        assertEquals(fewestPre, f.preemptions(), f.render());
        assertEquals(fewestSteps, f.steps(), f.render());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("races")
    void dfsExhaustsTheFixedOne(String name, Program broken, Program fixed, String kind, int preemptions) {
        ExplorationResult r = Explorer.explore(fixed, ExploreOptions.defaults().preemptionBound(3));
        assertTrue(r.failure().isEmpty(), () -> r.failure().get().render());
        assertTrue(r.exhausted());
        assertFalse(r.budgetCut());
        assertTrue(r.summary().matches("no failure in [0-9,]+ executions, exhaustive within preemption bound 3"), r.summary());
        assertEquals(r.executions(), r.outcomes().values().stream().mapToLong(Long::longValue).sum());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("races")
    void randomAndPctFindTheBrokenOneWithin200Executions(String name, Program broken, Program fixed, String kind, int preemptions) {
        for (Strategy s : new Strategy[] {Strategy.RANDOM, Strategy.PCT}) {
            ExplorationResult r = Explorer.explore(broken, ExploreOptions.defaults().strategy(s).seed(1).maxExecutions(200));
            Failure f = r.failure().orElseThrow(() -> new AssertionError(s + " " + name + ": " + r.summary()));
            assertEquals(kind, f.verdict().kind().id());
            assertEquals(preemptions, f.preemptions(), "minimised like the DFS failure");
            assertEquals(f.trace().render(), Explorer.replay(broken, f.schedule()).trace().render());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("races")
    void aBudgetCutIsNeverAPass(String name, Program broken, Program fixed, String kind, int preemptions) {
        ExplorationResult r = Explorer.explore(fixed, ExploreOptions.defaults().strategy(Strategy.RANDOM).seed(3).maxExecutions(50));
        assertTrue(r.failure().isEmpty());
        assertTrue(r.budgetCut());
        assertFalse(r.exhausted());
        assertEquals("budget cut after 50 executions (random, seed 3): no failure found", r.summary());
    }
}
