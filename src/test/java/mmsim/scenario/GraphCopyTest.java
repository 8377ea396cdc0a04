package mmsim.scenario;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

import mmsim.explore.ExplorationResult;
import mmsim.explore.ExploreOptions;
import mmsim.explore.Explorer;
import mmsim.scenario.ops.OpRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.*;

class GraphCopyTest {
    /** A key hashed by identity, as most model objects are. */
    static final class Node {
        int value;
        Node next;
        final int[] words = {1, 2, 3};
    }

    static final Node SENTINEL = new Node();

    static final class Holder {
        Node a, b, sentinel = SENTINEL;
        final Map<Node, String> byNode = new HashMap<>();
        final Map<Node, Integer> identity = new IdentityHashMap<>();
        final List<Node> list = new ArrayList<>();
        IntSupplier reader;
        record Pair(Node left, long n) { }
        Pair pair;
    }

    @Test
    void copiesADeepGraphKeepingSharingAndRehashingIdentityKeys() {
        Holder h = new Holder();
        h.a = new Node();
        h.b = h.a; // shared
        h.a.next = new Node();
        h.a.next.next = h.a; // a cycle
        h.byNode.put(h.a, "a");
        h.identity.put(h.a.next, 7);
        h.list.add(h.a.next);
        Node captured = h.a;
        h.reader = () -> captured.value;
        h.pair = new Holder.Pair(h.a, 42);

        Holder c = GraphCopy.of(h);
        assertNotSame(h, c);
        assertNotSame(h.a, c.a);
        assertSame(c.a, c.b, "sharing inside the graph is kept");
        assertSame(c.a, c.a.next.next, "cycles are kept");
        assertNotSame(h.a.words, c.a.words);
        assertSame(SENTINEL, c.sentinel, "objects held in static fields are shared");
        assertEquals("a", c.byNode.get(c.a), "a HashMap keyed by identity-hashed objects finds the copied key");
        assertNull(c.byNode.get(h.a));
        assertEquals(7, c.identity.get(c.a.next));
        assertSame(c.a.next, c.list.get(0));
        assertSame(c.a, c.pair.left(), "record components are copied");
        assertEquals(42, c.pair.n());

        c.a.value = 5;
        c.a.words[0] = 9;
        assertEquals(5, c.reader.getAsInt(), "a lambda's captured object is the copy");
        assertEquals(0, h.reader.getAsInt(), "the original is untouched");
        assertEquals(1, h.a.words[0]);
    }

    @Test
    void aRecycledCopyIsHandedOutAgainAsItWasMade() {
        Holder h = new Holder();
        h.a = new Node();
        h.a.value = 1;
        h.a.next = new Node();
        h.b = h.a;
        h.byNode.put(h.a, "a");
        h.byNode.put(h.a.next, "next");
        h.identity.put(h.a.next, 7);
        h.list.add(h.a.next);
        GraphCopy.Recycler recycler = new GraphCopy.Recycler();

        Holder c = GraphCopy.of(h, recycler);
        Node a = c.a, next = c.a.next;
        // an execution: changes fields and arrays, adds objects and entries, unlinks an object and then changes it
        a.value = 99;
        a.words[1] = -1;
        c.a.next = null;
        next.value = 42;
        next.next = new Node();
        c.b = new Node();
        c.byNode.remove(a);
        c.byNode.put(new Node(), "new");
        c.identity.clear();
        c.list.add(new Node());
        c.sentinel = null;

        Holder again = GraphCopy.of(h, recycler);
        assertSame(c, again, "the same objects, restored in place");
        assertSame(a, again.a);
        assertSame(a, again.b);
        assertSame(next, again.a.next, "the unlinked object is linked again");
        assertEquals(1, a.value);
        assertEquals(0, next.value, "and written back, though the execution reached it only through a dropped link");
        assertNull(next.next);
        assertArrayEquals(new int[] {1, 2, 3}, a.words);
        assertEquals(Map.of(a, "a", next, "next"), Map.copyOf(again.byNode));
        assertEquals("a", again.byNode.get(a), "the rebuilt table's buckets still fit its keys");
        assertEquals(7, again.identity.get(next));
        assertEquals(List.of(next), again.list);
        assertSame(SENTINEL, again.sentinel);
        assertEquals(0, h.a.words[1] - 2, "the original is untouched");

        assertThrows(IllegalArgumentException.class, () -> GraphCopy.of(new Holder(), recycler), "one recycler, one original");
    }

    /** Nothing can change one after construction: final fields of final, immutable types. */
    record Range(long start, long end, String name) { }

    /** Final fields, but one holds a mutable object. */
    record RangeOfNode(long start, Node node) { }

    /** A field that is not final. */
    static final class Counter { final String name = "c"; long n; }

    @Test
    void sharesObjectsNothingCanChangeAndCopiesTheRest() {
        Range r = new Range(1, 2, "ram");
        RangeOfNode rn = new RangeOfNode(3, new Node());
        Counter counter = new Counter();
        List<Object> copy = GraphCopy.of(new ArrayList<>(List.of(r, rn, counter)));
        assertSame(r, copy.get(0), "a deeply immutable record is shared");
        assertNotSame(rn, copy.get(1), "a record holding a mutable object is copied");
        assertNotSame(rn.node(), ((RangeOfNode) copy.get(1)).node());
        assertNotSame(counter, copy.get(2), "a class with a field that is not final is copied");
    }

    @Test
    void refusesHashedTablesItCannotRebuild() {
        Map<Node, String> weak = new java.util.WeakHashMap<>();
        weak.put(new Node(), "x");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> GraphCopy.of(List.of(weak)));
        assertTrue(e.getMessage().contains("WeakHashMap"), e.getMessage());
    }

    /**
     * Every execution starts from a copy of the machine setup left: the same executions and
     * outcomes (verdict kinds and observed values) as booting a fresh machine for each.
     */
    @ParameterizedTest
    @ValueSource(strings = {"010-buddy-alloc-free", "011c-gup-fast-vs-munmap",
            "000b-pfn-valid-vs-remove-memory"})
    void exploringFromACopyEqualsRebootingEachExecution(String name) {
        Scenario s = Catalogue.load(Path.of("scenarios", name + ".mms"), OpRegistry.standard());
        for (Scenario.Variant v : s.variants()) {
            ExploreOptions o = ExploreOptions.defaults().preemptionBound(s.bound()).stopAtFirstFailure(false).isFailure(x -> false);
            ExplorationResult copied = Explorer.explore(new ScenarioProgram(s, v), o);
            ExplorationResult rebooted = Explorer.explore(new ScenarioProgram(s, v).rebootingEachExecution(), o);
            assertEquals(rebooted.executions(), copied.executions(), v.name());
            assertEquals(rebooted.outcomes(), copied.outcomes(), v.name());
        }
    }

    /**
     * The end-of-execution check that looks only at the memmap an execution wrote finds exactly
     * what the full check finds, in every execution of these scenarios (all of the catalogue in
     * the slow suite).
     */
    @ParameterizedTest
    @ValueSource(strings = {"010-buddy-alloc-free", "000c-online-page-vs-offline"})
    void checkingWhatAnExecutionWroteFindsWhatTheFullCheckFinds(String name) {
        assertTrue(assertWrittenCheckAgrees(Catalogue.load(Path.of("scenarios", name + ".mms"), OpRegistry.standard())) > 0);
    }

    @org.junit.jupiter.api.Tag("slow")
    @Test
    void checkingWhatAnExecutionWroteFindsWhatTheFullCheckFindsOnTheWholeCatalogue() {
        long compared = 0;
        for (Path f : Catalogue.standard().files()) compared += assertWrittenCheckAgrees(Catalogue.load(f, OpRegistry.standard()));
        assertTrue(compared > 1000, compared + " executions compared");
    }

    /** Explores every variant comparing both checks; returns how many executions were compared (faulting ones have no check). */
    private static long assertWrittenCheckAgrees(Scenario s) {
        long total = 0;
        for (Scenario.Variant v : s.variants()) {
            ScenarioProgram p = new ScenarioProgram(s, v);
            int[] compared = {0};
            mmsim.explore.Program both = () -> {
                mmsim.explore.Program.Instance i = p.instantiate();
                return new mmsim.explore.Program.Instance() {
                    @Override public mmsim.kernel.Kernel kernel() { return i.kernel(); }
                    @Override public int nrCpus() { return i.nrCpus(); }
                    @Override public String cpuName(int cpu) { return i.cpuName(cpu); }
                    @Override public void runCpu(int cpu) { i.runCpu(cpu); }
                    @Override public Map<String, String> finish() {
                        mmsim.mm.Machine m = ScenarioProgram.machineOf(i).machine();
                        assertEquals(mmsim.mm.debug.ModelCheck.check(m), mmsim.mm.debug.ModelCheck.checkWritten(m),
                                s.name() + " " + v.name());
                        compared[0]++;
                        return i.finish();
                    }
                };
            };
            ExploreOptions o = ExploreOptions.defaults().preemptionBound(s.bound()).stopAtFirstFailure(false).isFailure(x -> false);
            Explorer.explore(both, o);
            total += compared[0];
        }
        return total;
    }

    /**
     * Restoring the last execution's struct pages in place (only the blocks it wrote) gives every
     * execution the machine setup left: each restore is compared with the original in full (a
     * write that missed its mark fails the exploration), and the executions and outcomes are
     * those of copying the whole machine for every execution (all of the catalogue in the slow suite).
     */
    @ParameterizedTest
    @ValueSource(strings = {"010-buddy-alloc-free", "011-fault-vs-munmap", "003b-collapse-without-pmd-lock",
            "001d-kpageflags-vs-memunmap-shared-section", "000b-pfn-valid-vs-remove-memory",
            "000-kpageflags-vs-offline:v4.6" /* the page_ext tables, freed and KASAN-poisoned by the offline */})
    void restoringInPlaceGivesTheExecutionsOfACopy(String name) {
        String[] fileAndVariant = name.split(":");
        Scenario s = Catalogue.load(Path.of("scenarios", fileAndVariant[0] + ".mms"), OpRegistry.standard());
        assertTrue(assertRestoreAgrees(s, fileAndVariant.length > 1 ? fileAndVariant[1] : null) > 0);
    }

    @org.junit.jupiter.api.Tag("slow")
    @Test
    void restoringInPlaceGivesTheExecutionsOfACopyOnTheWholeCatalogue() {
        long compared = 0;
        for (Path f : Catalogue.standard().files()) compared += assertRestoreAgrees(Catalogue.load(f, OpRegistry.standard()), null);
        assertTrue(compared > 1000, compared + " executions compared");
    }

    /** Explores the variants of {@code s} (only {@code variant} unless null) both ways; returns the executions compared. */
    private static long assertRestoreAgrees(Scenario s, String variant) {
        long total = 0;
        for (Scenario.Variant v : s.variants()) {
            if (variant != null && !v.name().equals(variant)) continue;
            ExploreOptions o = ExploreOptions.defaults().preemptionBound(s.bound()).stopAtFirstFailure(false).isFailure(x -> false);
            var restored = Explorer.explore(new ScenarioProgram(s, v).verifyingEveryRestore(), o);
            var copied = Explorer.explore(new ScenarioProgram(s, v).copyingEachExecution(), o);
            assertEquals(copied.executions(), restored.executions(), s.name() + " " + v.name());
            assertEquals(copied.outcomes(), restored.outcomes(), s.name() + " " + v.name());
            total += restored.executions();
        }
        return total;
    }
}
