package mmsim.explore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import mmsim.kernel.Access;
import mmsim.scenario.Catalogue;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioRunner;
import mmsim.scenario.ScenarioRunner.Finding;
import mmsim.scenario.ScenarioRunner.VariantResult;
import mmsim.scenario.ops.OpRegistry;

/**
 * The condensed trace: what it keeps is decided from the execution (accesses, locks, the fault),
 * so these tests build executions and check what a reader of a commit message would see.
 */
class TraceCondenserTest {

    static final int LINES = 40, WIDTH = 80;

    /** B frees a table after 64 lock round trips on zone->lock; A, preempted by nothing, reads the table and faults. C does unrelated work. */
    static Trace race() {
        List<Trace.Event> ev = new ArrayList<>();
        ev.add(new Trace.Event(1, Trace.Kind.ENTER, 0, "offline_pages"));
        ev.add(new Trace.Event(1, Trace.Kind.STEP, 1, "mutex_lock(&mem_hotplug.lock)", Access.SYNC, 0));
        for (int i = 0; i < 64; i++) {
            ev.add(new Trace.Event(1, Trace.Kind.STEP, 1, "spin_lock(&zone->lock)", Access.SYNC, 1));
            ev.add(new Trace.Event(1, Trace.Kind.STEP, 1, "spin_unlock(&zone->lock)", Access.SYNC, 1));
        }
        ev.add(new Trace.Event(2, Trace.Kind.ENTER, 0, "kswapd"));
        for (int i = 0; i < 10; i++) ev.add(new Trace.Event(2, Trace.Kind.STEP, 1, "kswapd:cond_resched", Access.NONE, -1));
        ev.add(new Trace.Event(1, Trace.Kind.ENTER, 1, "__free_page_ext"));
        ev.add(new Trace.Event(1, Trace.Kind.STEP, 2, "__free_page_ext:base = ms->page_ext", Access.READ, 2));
        ev.add(new Trace.Event(1, Trace.Kind.STEP, 2, "__free_page_ext:free the table", Access.WRITE, 3));
        ev.add(new Trace.Event(1, Trace.Kind.PREEMPTED, 0, ""));
        ev.add(new Trace.Event(0, Trace.Kind.ENTER, 0, "kpageflags_read"));
        for (int i = 0; i < 30; i++) ev.add(new Trace.Event(0, Trace.Kind.STEP, 1, "kpageflags_read:put_user", Access.WRITE, 10 + i));
        ev.add(new Trace.Event(0, Trace.Kind.ENTER, 1, "lookup_page_ext"));
        ev.add(new Trace.Event(0, Trace.Kind.STEP, 2, "lookup_page_ext:base = section->page_ext", Access.READ, 2));
        ev.add(new Trace.Event(0, Trace.Kind.STEP, 2, "page_is_idle:test_bit(PAGE_EXT_IDLE, &page_ext->flags)", Access.READ, 3));
        ev.add(new Trace.Event(0, Trace.Kind.FAULT, 2, "<-- KASAN"));
        return new Trace(List.of("CPU A (cat /proc/kpageflags)", "CPU B (echo offline > memory1/state)", "CPU C (kswapd)"), ev);
    }

    @Test
    void keepsBothSidesFoldsRepeatsAndHidesIdleColumns() {
        String out = race().condensed();
        assertFits(out, LINES, WIDTH);
        assertTrue(out.contains("free the table"), out);
        assertTrue(out.contains("base = ms->page_ext") && out.contains("base = section->page_ext"), out);
        assertTrue(out.contains("<-- KASAN"), "the failing step is marked: " + out);
        assertTrue(out.contains("test_bit(") && out.contains("PAGE_EXT_IDLE,"), "a long step wraps, it is not cut: " + out);
        assertTrue(out.contains("x64"), "repeated lock round trips fold: " + out);
        assertTrue(race().condensed(120, LINES).contains("... spin_lock/unlock(&zone->lock) x64"), race().condensed(120, LINES));
        assertTrue(out.contains("mutex_lock(&mem_hotplug.lock)"), "a lock held at the preemption: " + out);
        assertTrue(out.lines().filter(l -> l.contains("put_user")).allMatch(l -> l.contains("... kpageflags_read:put_user x30")),
                "unrelated steps are elided behind one marker: " + out);
        assertFalse(out.contains("CPU C"), "a CPU with nothing that matters gets no column: " + out);
        assertTrue(out.contains("-- preempted --"), out);
    }

    @Test
    void honoursTheWidthAndKeepsTheMark() {
        String out = race().condensed(50, LINES);
        assertFits(out, LINES, 50);
        assertTrue(out.contains("<-- KASAN"), out);
    }

    @Test
    void narrowColumnsGetWhatTheyNeed() {
        assertArrayEquals(new int[] {10, 67}, TraceCondenser.widths(new int[] {10, 90}, 77));
        assertArrayEquals(new int[] {39, 38}, TraceCondenser.widths(new int[] {50, 90}, 77));
        assertArrayEquals(new int[] {5, 6}, TraceCondenser.widths(new int[] {5, 6}, 77));
    }

    /** Scenario 000 under v4.6 as check explores it: both sides of the race, in a commit message's size. */
    @Test
    void seed000v46ShowsTheFreeAndTheLookup() {
        Scenario s = Catalogue.load(Path.of("scenarios/000-kpageflags-vs-offline.mms"), OpRegistry.standard());
        VariantResult r = ScenarioRunner.run(s, s.variant("v4.6"), ScenarioRunner.Settings.of(s), p -> { });
        Failure f = r.findings().get(0).failure();
        String out = f.trace().condensed();
        assertFits(out, LINES, WIDTH);
        assertTrue(out.contains("free_page_ext") && out.contains("free the table"), "the free of the page_ext table: " + out);
        assertTrue(out.contains("lookup_page_ext"), "the reader's lookup: " + out);
        assertTrue(out.contains("<-- KASAN"), out);
        assertTrue(f.trace().render().lines().count() > 3 * out.lines().count(), "the full trace is the long one");
    }

    /** Every failing row of the catalogue condenses to a commit message's size (what `./mmsim check` prints). */
    @Test
    @Tag("slow")
    void everyCatalogueFailureFits() {
        for (Path p : Catalogue.standard().files()) {
            Scenario s = Catalogue.load(p, OpRegistry.standard());
            for (Scenario.Variant v : s.variants()) {
                VariantResult r = ScenarioRunner.run(s, v, ScenarioRunner.Settings.of(s), x -> { });
                for (Finding f : r.findings()) assertFits(f.failure().trace().condensed(), LINES, WIDTH);
            }
        }
    }

    /**
     * A GUP-fast walk with IRQs off dropped: the dropped local_irq_save is a note right after the
     * entry point, far from the preemption; the condensed trace keeps it (it opens the window
     * the preemption cuts) and the dropped restore after it, but not a dropped pair elsewhere.
     */
    @Test
    void keepsTheDroppedLockCallsAroundThePreemption() {
        List<Trace.Event> ev = new ArrayList<>();
        ev.add(new Trace.Event(0, Trace.Kind.ENTER, 0, "unrelated_path"));
        ev.add(new Trace.Event(0, Trace.Kind.NOTE, 1, "rcu_read_lock (dropped)"));
        ev.add(new Trace.Event(0, Trace.Kind.NOTE, 1, "rcu_read_unlock (dropped)"));
        ev.add(new Trace.Event(0, Trace.Kind.ENTER, 0, "get_user_pages_fast"));
        ev.add(new Trace.Event(0, Trace.Kind.NOTE, 1, "local_irq_save (dropped)"));
        ev.add(new Trace.Event(0, Trace.Kind.ENTER, 1, "gup_fast"));
        for (int i = 0; i < 20; i++) ev.add(new Trace.Event(0, Trace.Kind.STEP, 2, "walk step " + i, Access.READ, 10 + i));
        ev.add(new Trace.Event(0, Trace.Kind.STEP, 2, "ptep_get_lockless", Access.READ, 1));
        ev.add(new Trace.Event(0, Trace.Kind.PREEMPTED, 0, ""));
        ev.add(new Trace.Event(1, Trace.Kind.ENTER, 0, "__vm_munmap"));
        for (int i = 0; i < 30; i++) ev.add(new Trace.Event(1, Trace.Kind.STEP, 1, "zap step " + i, Access.WRITE, 40 + i));
        ev.add(new Trace.Event(1, Trace.Kind.STEP, 1, "pte_free", Access.WRITE, 1));
        ev.add(new Trace.Event(0, Trace.Kind.STEP, 2, "pte recheck", Access.READ, 1));
        ev.add(new Trace.Event(0, Trace.Kind.NOTE, 1, "local_irq_restore (dropped)"));
        ev.add(new Trace.Event(0, Trace.Kind.FAULT, 1, "<-- KASAN"));
        String t = new Trace(List.of("CPU A", "CPU B"), ev).condensed(WIDTH, LINES);
        assertFits(t, LINES, WIDTH);
        assertTrue(t.contains("local_irq_save (dropped)"), t);
        assertTrue(t.indexOf("local_irq_save (dropped)") < t.indexOf("-- preempted --"), t);
        assertTrue(t.contains("local_irq_restore (dropped)"), t);
        assertFalse(t.contains("rcu_read_lock (dropped)"), "a dropped pair the preemption does not cut is elided:\n" + t);
    }

    static void assertFits(String table, int lines, int width) {
        assertTrue(table.lines().count() <= lines, table.lines().count() + " lines:\n" + table);
        table.lines().forEach(l -> assertTrue(l.length() <= width, l.length() + " columns: " + l + "\n" + table));
    }
}
