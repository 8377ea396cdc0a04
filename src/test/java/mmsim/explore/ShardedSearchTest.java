package mmsim.explore;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import mmsim.kernel.Access;
import org.junit.jupiter.api.Test;

/**
 * The shards of a DFS add up to the unsharded search: every execution in exactly one shard, the
 * redundant and pruned counts split without overlap, and the segments ordering them as the
 * unsharded search ran them.
 */
class ShardedSearchTest {

    /** Three CPUs touching shared and private words, some finishing early: short and long executions, sleep sets at work. */
    static Program threeCpus(int steps) {
        Object shared = new Object();
        record World(mmsim.kernel.Kernel k, int[] done) { }
        return Races.program(3, k -> new World(k, new int[3]), new String[] {"a", "b", "c"}, (w, cpu) -> {
            for (int i = 0; i < steps - cpu; i++) {
                boolean touchesShared = (i + cpu) % 2 == 0;
                try {
                    w.k().point("step", touchesShared ? shared : (Object) ("private" + cpu), touchesShared ? Access.WRITE : Access.READ);
                    w.done()[cpu] += touchesShared ? 1 : 2;
                } finally {
                    // as a spin_unlock in a finally block: reached again while an abandoned execution unwinds
                    if (i == 1) w.k().point("unlock", shared, Access.WRITE);
                }
            }
        }, w -> Map.of("last", String.valueOf(w.done()[0] * 100 + w.done()[1] * 10 + w.done()[2])));
    }

    record Run(ExplorationResult result, List<String> schedules) { }

    static Run explore(Program p, ExploreOptions o) {
        List<String> seen = new ArrayList<>();
        return new Run(Explorer.explore(p, o, seen::add), seen);
    }

    static void assertShardsAddUp(Program p, ExploreOptions o, int n) {
        Run whole = explore(p, o);
        List<String> union = new ArrayList<>();
        long executions = 0, redundant = 0, pruned = 0;
        Map<Outcome, Long> outcomes = new HashMap<>();
        Set<Long> executionSegments = new HashSet<>();
        String split = null;
        for (int i = 0; i < n; i++) {
            Run part = explore(p, o.shard(new Shard(i, n)));
            ShardTally t = part.result().shard();
            assertNotNull(t, "a sharded search carries its tally");
            if (split == null) split = t.split();
            assertEquals(split, t.split(), "every shard splits the same way");
            assertTrue(part.result().exhausted(), "shard " + i + " covers its part");
            union.addAll(part.schedules());
            executions += part.result().executions();
            redundant += part.result().reduction().redundant();
            pruned += part.result().reduction().pruned();
            part.result().outcomes().forEach((k, v) -> outcomes.merge(k, v, Long::sum));
            long fromSegments = 0;
            for (ShardTally.Segment s : t.segments()) {
                fromSegments += s.executions();
                if (s.executions() > 0) assertTrue(executionSegments.add(s.index()), "segment " + s.index() + " counted by two shards");
            }
            assertEquals(part.result().executions(), fromSegments, "the segments hold the shard's executions");
        }
        assertEquals(whole.result().executions(), executions, "executions of the shards add up (" + n + " shards)");
        assertEquals(whole.result().reduction().redundant(), redundant, "redundant executions add up");
        assertEquals(whole.result().reduction().pruned(), pruned, "pruned alternatives add up");
        assertEquals(new HashMap<>(whole.result().outcomes()), outcomes, "outcome counts add up");
        List<String> a = new ArrayList<>(whole.schedules()), b = new ArrayList<>(union);
        a.sort(null);
        b.sort(null);
        assertEquals(a, b, "the shards ran exactly the unsharded schedules");
    }

    @Test
    void shardsOfASearchWithSleepSetsRunExactlyTheUnshardedExecutions() {
        ExploreOptions o = ExploreOptions.defaults().stopAtFirstFailure(false).minimize(false).reduction(ReductionMode.SLEEP);
        for (int n : new int[] {1, 2, 3, 4, 7}) {
            assertShardsAddUp(threeCpus(4), o.preemptionBound(2), n);
            assertShardsAddUp(Races.lostRefcount(false), o.preemptionBound(2), n);
            assertShardsAddUp(Races.pageTableWalk(false), o.preemptionBound(1), n);
        }
    }

    @Test
    void shardsWithoutReductionAddUpToo() {
        ExploreOptions o = ExploreOptions.defaults().stopAtFirstFailure(false).minimize(false).reduction(false);
        for (int n : new int[] {2, 4}) {
            assertShardsAddUp(threeCpus(3), o.preemptionBound(2), n);
            assertShardsAddUp(Races.lostRefcount(true), o.preemptionBound(2), n);
        }
    }

    @Test
    void aTreeTooSmallForTheShardsLeavesSomeShardsIdleButAddsUp() {
        // two steps per CPU: fewer subtrees than 16 x 7; executions ending above the split go to shard 0
        assertShardsAddUp(threeCpus(2), ExploreOptions.defaults().stopAtFirstFailure(false).preemptionBound(1).reduction(ReductionMode.SLEEP), 7);
    }

    @Test
    void theSplitLeavesManyMoreSubtreesThanShardsAndSpreadsTheWork() {
        Program p = threeCpus(6);
        ExploreOptions o = ExploreOptions.defaults().stopAtFirstFailure(false).minimize(false).preemptionBound(2).reduction(ReductionMode.SLEEP);
        long total = Explorer.explore(p, o).executions();
        Map<Integer, Long> perShard = new LinkedHashMap<>();
        for (int i = 0; i < 4; i++) {
            ExplorationResult r = Explorer.explore(p, o.shard(new Shard(i, 4)));
            assertTrue(r.shard().subtrees() >= 16 * 4, "subtrees: " + r.shard().subtrees());
            perShard.put(i, r.executions());
        }
        for (long e : perShard.values()) assertTrue(e > total / 8, "each shard does a fair part of " + total + ": " + perShard);
    }

    @Test
    void theFirstFailureInDfsOrderIsTheUnshardedOnesAndItsSegmentIsRecorded() {
        Program p = Races.lostRefcount(false);
        ExploreOptions o = ExploreOptions.defaults().minimize(false).preemptionBound(2).reduction(ReductionMode.SLEEP);
        ExplorationResult whole = Explorer.explore(p, o);
        long firstSegment = Long.MAX_VALUE;
        Failure first = null;
        for (int i = 0; i < 4; i++) {
            ExplorationResult r = Explorer.explore(p, o.shard(new Shard(i, 4)));
            if (r.failure().isEmpty()) continue;
            long seg = r.shard().failureSegments().get(0);
            if (seg < firstSegment) {
                firstSegment = seg;
                first = r.failure().get();
            }
        }
        assertNotNull(first);
        assertEquals(whole.failure().orElseThrow().schedule(), first.schedule(), "the earliest segment's failure is the unsharded run's");
    }

    @Test
    void shardSpecificationsAreChecked() {
        assertEquals(new Shard(2, 8), Shard.parse("2/8"));
        assertThrows(IllegalArgumentException.class, () -> Shard.parse("8/8"));
        assertThrows(IllegalArgumentException.class, () -> Shard.parse("-1/4"));
        assertThrows(IllegalArgumentException.class, () -> Shard.parse("1-4"));
        assertThrows(IllegalArgumentException.class, () -> Shard.parse("a/4"));
        assertThrows(IllegalArgumentException.class, () -> Shard.parse("0/0"));
        assertThrows(IllegalArgumentException.class,
                () -> Explorer.explore(Races.lostRefcount(false), ExploreOptions.defaults().strategy(Strategy.RANDOM).shard(new Shard(0, 2))));
    }
}
