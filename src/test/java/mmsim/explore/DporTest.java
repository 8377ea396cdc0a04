package mmsim.explore;

import java.util.Arrays;
import java.util.Map;
import mmsim.kernel.Access;
import mmsim.kernel.Kernel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 13: the trace count (the lower bound of any sound reduction, {@link Traces}) and
 * source-set DPOR ({@link ReductionMode#DPOR}) on programs small enough to count by hand.
 */
class DporTest {
    private record Cells(Kernel k, int[] v) { }

    /** Each CPU writes locations 0..k-1 in order: its own ones, or ones all CPUs write when {@code shared}. */
    private static Program writers(int cpus, int k, boolean shared) {
        return Races.program(cpus, kern -> new Cells(kern, new int[cpus * k]), new String[] {"w", "w", "w"}, (w, cpu) -> {
            for (int i = 0; i < k; i++) {
                int cell = shared ? i : cpu * k + i;
                w.k().point("write " + cell, "cell " + cell, Access.WRITE);
                w.v()[cell] = cpu + 1;
            }
        }, w -> Map.of("cells", Arrays.toString(w.v())));
    }

    private static ExploreOptions bound(int b) {
        return ExploreOptions.defaults().preemptionBound(b).stopAtFirstFailure(false).isFailure(x -> false);
    }

    @Test
    void disjointWritersAreOneTraceAndDporRunsOneExecution() {
        Traces.Count none = Traces.count(writers(2, 3, false), bound(3).reduction(ReductionMode.NONE));
        assertTrue(none.result().executions() > 10, "the unreduced search runs many orders: " + none.result().executions());
        assertEquals(1, none.traces());
        ExplorationResult dpor = Explorer.explore(writers(2, 3, false), bound(3).reduction(ReductionMode.DPOR));
        assertEquals(1, dpor.executions());
        assertEquals(none.result().outcomes().keySet(), dpor.outcomes().keySet());
    }

    /**
     * Two CPUs write x0 then x1: which CPU writes each location first is free (both orders of each
     * are consistent with program order), so 4 traces and 4 final states. No reduction can run
     * fewer than 4; DPOR runs no more than sleep sets (it is not optimal: the bound's extra
     * backtracks and a CPU's first step, never put to sleep, repeat some traces).
     */
    @Test
    void sharedWritersHaveOneTracePerOrderOfEachLocation() {
        Traces.Count none = Traces.count(writers(2, 2, true), bound(3).reduction(ReductionMode.NONE));
        assertEquals(4, none.traces());
        assertEquals(4, none.result().outcomes().size());
        ExplorationResult sleep = Explorer.explore(writers(2, 2, true), bound(3).reduction(ReductionMode.SLEEP));
        ExplorationResult dpor = Explorer.explore(writers(2, 2, true), bound(3).reduction(ReductionMode.DPOR));
        assertEquals(none.result().outcomes().keySet(), dpor.outcomes().keySet());
        assertEquals(none.result().outcomes().keySet(), sleep.outcomes().keySet());
        assertTrue(dpor.executions() >= none.traces(), dpor.executions() + " executions");
        assertTrue(dpor.executions() <= sleep.executions(), dpor.executions() + " with DPOR, " + sleep.executions() + " with sleep sets");
    }

    /**
     * CPU A oopses when it reads x before CPU B set it; B first writes y, then x. The first
     * execution runs A alone to its oops: B has no step in it, so no race asks for B, yet B run
     * first makes A pass. DPOR must still try the CPUs a failure left runnable (001b mainline lost
     * its {@code passed flags=0x100000000} this way: the kpageflags reader's oops on the poisoned
     * page ended the execution before memmap_init_zone_device ran).
     */
    @Test
    void aFailureEndingTheExecutionEarlyStillLetsTheOtherCpusRunFirst() {
        Program p = Races.program(2, kern -> new Cells(kern, new int[2]), new String[] {"reader", "writer"}, (w, cpu) -> {
            if (cpu == 0) {
                w.k().point("read x", "x", Access.READ);
                if (w.v()[0] == 0) throw w.k().bug("test.c", 1, "x read before it was set");
            } else {
                w.k().point("write y", "y", Access.WRITE);
                w.v()[1] = 1;
                w.k().point("write x", "x", Access.WRITE);
                w.v()[0] = 1;
            }
        }, w -> Map.of("x", "" + w.v()[0]));
        ExploreOptions o = ExploreOptions.defaults().preemptionBound(2).stopAtFirstFailure(false);
        ExplorationResult none = Explorer.explore(p, o.reduction(ReductionMode.NONE));
        ExplorationResult dpor = Explorer.explore(p, o.reduction(ReductionMode.DPOR));
        assertEquals(2, none.outcomes().size(), none.outcomes().toString());
        assertEquals(none.outcomes().keySet(), dpor.outcomes().keySet());
    }

    /** Under a bound too small for a race's plain reversal, Coons et al.'s extra backtrack still reaches every outcome. */
    @Test
    void theBoundDoesNotCostOutcomes() {
        for (int b = 0; b <= 2; b++) {
            for (int cpus = 2; cpus <= 3; cpus++) {
                ExplorationResult none = Explorer.explore(writers(cpus, 2, true), bound(b).reduction(ReductionMode.NONE));
                ExplorationResult dpor = Explorer.explore(writers(cpus, 2, true), bound(b).reduction(ReductionMode.DPOR));
                assertEquals(none.outcomes().keySet(), dpor.outcomes().keySet(), cpus + " CPUs at bound " + b);
                assertTrue(dpor.executions() <= none.executions());
            }
        }
    }

    /** DPOR is the default; a shard of the search runs sleep sets alone (its races would ask for other shards' subtrees). */
    @Test
    void dporIsTheDefaultAndAShardRunsSleepSets() {
        assertEquals(ReductionMode.DPOR, bound(1).reductionMode());
        assertEquals(ReductionMode.SLEEP, bound(1).shard(new Shard(0, 2)).reductionMode());
        assertEquals(ReductionMode.SLEEP, bound(1).reduction(ReductionMode.DPOR).shard(new Shard(0, 2)).reductionMode());
        ExplorationResult whole = Explorer.explore(writers(2, 2, true), bound(1).reduction(ReductionMode.SLEEP));
        long shards = 0;
        for (int i = 0; i < 2; i++) shards += Explorer.explore(writers(2, 2, true), bound(1).shard(new Shard(i, 2))).executions();
        assertEquals(whole.executions(), shards, "the shards of a default search add up to one search with sleep sets");
        assertEquals(ReductionMode.DPOR, ReductionMode.parse("dpor"));
        assertThrows(IllegalArgumentException.class, () -> ReductionMode.parse("optimal"));
    }

    /**
     * The footprint check: a raw access the running step's point did not announce is reported
     * with the point's label and the location; one it announced (or a read under a write) is not;
     * without a sink the model is not even asked to report.
     */
    @Test
    void theFootprintCheckNamesTheStepAndTheUndeclaredLocation() {
        Program p = Races.program(1, kern -> kern, new String[] {"w"}, (kern, cpu) -> {
            kern.access("cell 9", Access.WRITE);                     // before the first point: announces nothing
            kern.point("write cell 0", "cell 0", Access.WRITE);
            kern.access("cell 0", Access.READ);
            kern.access("cell 0", Access.WRITE);
            kern.access("cell 1", Access.WRITE);                     // not announced
            kern.point("read cell 2", "cell 2", Access.READ);
            kern.access("cell 2", Access.WRITE);                     // a write under a read point
        }, kern -> Map.of());
        java.util.List<String> undeclared = new java.util.ArrayList<>();
        Explorer.explore(p, bound(0).footprintCheck(undeclared::add));
        assertEquals(java.util.List.of("(before the first point) -> WRITE cell 9", "'write cell 0' (WRITE cell 0) -> WRITE cell 1",
                "'read cell 2' (READ cell 2) -> WRITE cell 2"), undeclared);
        boolean[] asked = {false};
        Program q = Races.program(1, kern -> kern, new String[] {"w"}, (kern, cpu) -> asked[0] |= kern.checkingFootprints(), kern -> Map.of());
        Explorer.explore(q, bound(0).reduction(ReductionMode.SLEEP));
        assertFalse(asked[0], "sleep sets need no raw accesses: the model is not asked");
        Explorer.explore(q, bound(0));
        assertTrue(asked[0], "DPOR (the default) observes them");
    }

    private record Pages(long firstPfn, long endPfn) implements mmsim.kernel.StructPages { }

    private static final class PageWorld {
        final Kernel k;
        int word, seen = -1;

        PageWorld(Kernel k) { this.k = k; }
    }

    /**
     * A write its point does not announce (A's step announces "cell" and also writes page 5, as the
     * offline's SetPageReserved loop did): DPOR sees it through the raw access the model reports,
     * so B's read of page 5 still races with it and both orders are explored.
     */
    @Test
    void dporSeesTheStructPagesAStepTouchedBeyondItsPoint() {
        Program p = Races.program(2, PageWorld::new, new String[] {"writer", "reader"}, (w, cpu) -> {
            if (cpu == 0) {
                w.k.point("write cell", "cell", Access.WRITE);
                w.k.access(new Pages(5, 6), Access.WRITE);
                w.word = 1;
            } else {
                w.k.point("read page 5", new Pages(5, 6), Access.READ);
                w.k.access(new Pages(5, 6), Access.READ);
                w.seen = w.word;
            }
        }, w -> Map.of("seen", Integer.toString(w.seen)));
        ExplorationResult none = Explorer.explore(p, bound(1).reduction(ReductionMode.NONE));
        ExplorationResult dpor = Explorer.explore(p, bound(1).reduction(ReductionMode.DPOR));
        assertEquals(2, none.outcomes().size());
        assertEquals(none.outcomes().keySet(), dpor.outcomes().keySet());
    }

    /**
     * A read before the reader's first point (a path walk before a {@code cat}'s first point, as
     * the sysfs tree reports it): no point announces it, so only the raw access lets DPOR see that
     * the writer's step changes what it reads. With it, the reader runs after the write in some
     * execution, as without reduction (without it, DPOR saw only {@code seen=1}); VirtualFs
     * reports its lookups and changes for this.
     */
    @Test
    void dporSeesAReadBeforeTheFirstPointThroughItsRawAccess() {
        Program p = Races.program(2, PageWorld::new, new String[] {"add", "cat"}, (w, cpu) -> {
            if (cpu == 0) {
                w.k.point("add the file", "cell", Access.WRITE);
                w.k.access("tree", Access.WRITE);
                w.word = 1;
            } else {
                w.k.access("tree", Access.READ);   // the lookup, before any point
                w.seen = w.word;
                w.k.point("read the file", "other cell", Access.READ);
            }
        }, w -> Map.of("seen", Integer.toString(w.seen)));
        ExplorationResult none = Explorer.explore(p, bound(1).reduction(ReductionMode.NONE));
        ExplorationResult dpor = Explorer.explore(p, bound(1));
        assertEquals(2, none.outcomes().size(), none.outcomes().toString());
        assertEquals(none.outcomes().keySet(), dpor.outcomes().keySet());
    }
}
