package mmsim.scenario;

import mmsim.scenario.ops.OpRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Static paths of cat/read/echo are checked against the booted machine when a scenario is
 * checked: a file that does not exist after setup is an error at its file:line:col with the
 * close matches, unless the step assigns its result (then ENOENT is an observed value).
 */
class ScenarioPathCheckTest {
    static final OpRegistry OPS = OpRegistry.standard();

    static Scenario parse(String cpuA) {
        return ScenarioParser.parse("050-paths.mms", """
                scenario 050-paths
                title    paths
                layout
                  arch x86_64
                  cpus 2
                  ram 0x100000 +127M
                end
                variant only
                cpu A
                """ + cpuA + """
                end
                cpu B
                  note b
                end
                """, OPS);
    }

    @Test
    void aMisspeltProcFileIsAnErrorWithItsPositionAndCloseMatches() {
        Scenario s = parse("  note a\n  cat /proc/buddyinf\n");
        ScenarioError e = assertThrows(ScenarioError.class, () -> ScenarioRunner.validate(s));
        assertTrue(e.getMessage().startsWith("050-paths.mms:11:7: no such file: /proc/buddyinf on the machine of variant only after setup"
                + " (did you mean: /proc/buddyinfo?)"), e.getMessage());
        assertTrue(e.getMessage().contains("'-> var'"), e.getMessage());
    }

    @Test
    void aMissingDirectoryIsHintedAtItsFirstWrongComponent() {
        Scenario s = parse("  echo 1 > /sys/kernel/debg/x\n");
        ScenarioError e = assertThrows(ScenarioError.class, () -> ScenarioRunner.validate(s));
        assertTrue(e.getMessage().contains("(did you mean: /sys/kernel/debug?)"), e.getMessage());
    }

    @Test
    void binaryFilesAreKnownToo() {
        assertDoesNotThrow(() -> ScenarioRunner.validate(parse("  read /proc/kpageflags at 0 count 8\n  cat /proc/meminfo\n")));
        ScenarioError e = assertThrows(ScenarioError.class,
                () -> ScenarioRunner.validate(parse("  read /proc/kpageflag at 0 count 8\n")));
        assertTrue(e.getMessage().contains("(did you mean: /proc/kpageflags?)"), e.getMessage());
    }

    @Test
    void anAssignedResultMayNameAMissingFile() {
        assertDoesNotThrow(() -> ScenarioRunner.validate(parse("  cat /proc/nope -> r\n")));
    }

    /** The read op reaches /proc/kpageflags of the execution's machine: flags of a free page, then of the page CPU A holds. */
    @Test
    void readOpReachesKpageflags() {
        // layout: ram from 0x100000, nothing reserved, so pfn 0x100 heads a free block until A allocates
        Scenario s = parse("  read /proc/kpageflags at 0x800 count 8 -> before\n  alloc_pages 0 -> a\n"
                + "  read /proc/kpagecount at 0x800 count 16 -> count\n");
        ScenarioRunner.VariantResult r = ScenarioRunner.run(s, s.variants().get(0), ScenarioRunner.Settings.of(s), null);
        assertEquals(ScenarioRunner.Status.OK, r.status(), r.note());
        var observed = r.outcomes().keySet().iterator().next().observed();
        assertEquals("0x400", observed.get("before"), "KPF_BUDDY: " + observed);
        assertEquals("0x0,0x0", observed.get("count"), observed.toString());
    }

    @Test
    void nothingCloseMeansNoHint() {
        ScenarioError e = assertThrows(ScenarioError.class, () -> ScenarioRunner.validate(parse("  cat /proc/zzzzzzzzzzzz\n")));
        assertEquals(-1, e.getMessage().indexOf("did you mean"), e.getMessage());
    }
}
