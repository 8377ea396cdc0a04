package mmsim.explore;

import static org.junit.jupiter.api.Assertions.*;

import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Minimisation with a probed length cap ({@link Explorer#minimize}) against the uncapped search
 * it replaces: the same schedule, for fewer executions where the shortest failure is a fraction
 * of the first one found.
 */
class MinimizeTest {

    /**
     * Seed 000d in small: a reader checks that the section is online, then looks its page_ext up;
     * an offline walks {@code before} pages, frees the page_ext, walks {@code window} more, marks
     * the section offline and walks {@code after} more. The reader fails when it looks up between
     * the free and the mark. The DFS meets first a failure that preempts the reader after its
     * check and runs the whole offline (all the steps); the shortest (bound 1) runs the offline
     * first up to the free and then the reader.
     */
    static Program offlineVsReader(int before, int window, int after) {
        final class Section { boolean extFreed, offline; }
        return Races.program(2, k -> new Object[] {k, new Section()}, new String[] {"reader", "offline"}, (w, cpu) -> {
            mmsim.kernel.Kernel k = (mmsim.kernel.Kernel) w[0];
            Section s = (Section) w[1];
            Object pages = "struct pages", ext = "page_ext", online = "section online";
            if (cpu == 0) {
                k.point("pfn_to_online_page", online, mmsim.kernel.Access.READ);
                if (s.offline) return;
                k.point("page_ext_get", ext, mmsim.kernel.Access.READ);
                if (s.extFreed) throw Races.kasan(k, "page_ext_get");
                return;
            }
            for (int i = 0; i < before; i++) k.point("offline walk", pages, mmsim.kernel.Access.WRITE);
            k.point("free page_ext", ext, mmsim.kernel.Access.WRITE);
            s.extFreed = true;
            for (int i = 0; i < window; i++) k.point("offline walk", pages, mmsim.kernel.Access.WRITE);
            k.point("mark section offline", online, mmsim.kernel.Access.WRITE);
            s.offline = true;
            for (int i = 0; i < after; i++) k.point("offline walk", pages, mmsim.kernel.Access.WRITE);
        }, w -> java.util.Map.of());
    }

    @Test
    void aShortFailureFoundByAProbeIsTheOneTheUncappedSearchKeepsForAFractionOfTheExecutions() {
        Program p = offlineVsReader(40, 30, 2000);
        ExploreOptions o = ExploreOptions.defaults().preemptionBound(1);
        Failure old = Explorer.explore(p, o.minimizeByCaps(false)).failure().orElseThrow();
        Failure now = Explorer.explore(p, o).failure().orElseThrow();
        assertEquals("B42A3", now.schedule(), now.render());   // each CPU's first decision is a step too
        assertEquals(old.schedule(), now.schedule());
        assertEquals(old.trace().render(), now.trace().render());

        // the first find, as the search hands it over: the reader preempted after its check
        Engine e = new Engine(Carrier.best(), o.stepLimit());
        DfsSearch d = new DfsSearch(1, e);
        Predicate<Engine.Run> kasan = r -> r.verdict.kind() == Verdict.Kind.KASAN;
        byte[] first;
        while (true) {
            Engine.Run r = e.run(p.instantiate(), d, false);
            if (!r.redundant && kasan.test(r)) {
                first = java.util.Arrays.copyOf(e.chosen, e.steps);
                break;
            }
            assertTrue(d.advance(e), "the search finds the race");
        }
        assertTrue(first.length > 2000, Schedule.encode(first, first.length));
        long[] uncapped = {0}, capped = {0};
        byte[] a = Explorer.minimize(p, Carrier.best(), o.stepLimit(), kasan, first, 1, 20_000, Budget.unlimited(), true, false, uncapped);
        byte[] b = Explorer.minimize(p, Carrier.best(), o.stepLimit(), kasan, first, 1, 20_000, Budget.unlimited(), true, true, capped);
        assertArrayEquals(a, b);
        assertTrue(capped[0] * 3 < uncapped[0], "capped " + capped[0] + " executions, uncapped " + uncapped[0]);
    }

    static Stream<Arguments> programs() {
        return Stream.concat(SyntheticRacesTest.races().map(a -> Arguments.of(a.get()[0], a.get()[1])),
                Stream.of(Arguments.of("use after free, five uses", SyntheticRacesTest.useAfterLookup(5)),
                        Arguments.of("offline vs reader", offlineVsReader(10, 5, 60)),
                        Arguments.of("offline vs reader, no window", offlineVsReader(10, 0, 60))));
    }

    /** Whatever the probes find (or not), the capped search keeps the uncapped one's schedule. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void theCappedSearchKeepsTheUncappedOnesSchedule(String name, Program broken) {
        for (int bound = 1; bound <= 3; bound++) {
            for (boolean reduce : new boolean[] {true, false}) {
                ExploreOptions o = ExploreOptions.defaults().preemptionBound(bound).reduction(reduce);
                var old = Explorer.explore(broken, o.minimizeByCaps(false)).failure();
                var now = Explorer.explore(broken, o).failure();
                assertEquals(old.map(Failure::schedule), now.map(Failure::schedule), name + " bound " + bound + " reduce " + reduce);
            }
        }
    }

    /** The probes and the capped searches spend the run's budget like the rest of it. */
    @Test
    void minimisationStopsWhenTheBudgetIsSpent() {
        Program p = offlineVsReader(40, 30, 300);
        Budget budget = Budget.of(20, null);
        ExplorationResult r = Explorer.explore(p, ExploreOptions.defaults().preemptionBound(1).budget(budget));
        assertEquals(20, budget.used());
        assertTrue(r.failure().isPresent(), r.summary());
    }
}
