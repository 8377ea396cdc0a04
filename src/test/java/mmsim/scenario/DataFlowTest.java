package mmsim.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import mmsim.explore.Outcome;
import mmsim.scenario.Scenario.Condition;

/**
 * The data flow a race needs, explored: a variable one CPU assigns and another uses (the user
 * waits), arithmetic in operands, comparisons and ranges in outcome conditions, and a final block
 * whose values the outcomes read.
 */
class DataFlowTest {
    static final String HEAD = """
            scenario flow
            title    data flow
            layout
              arch x86_64
              cpus 2
              ram 0x1000    +0x9e000
              ram 0x100000  +255M
              reserve 0x100000 +15M
            end
            """;

    static ScenarioRunner.VariantResult explore(String body) {
        Scenario s = ScenarioParser.parse("flow.mms", HEAD + body, ScenarioParserTest.OPS);
        ScenarioRunner.validate(s);
        return ScenarioRunner.run(s, s.variants().get(0), ScenarioRunner.Settings.of(s), p -> { });
    }

    static List<Map<String, String>> observed(ScenarioRunner.VariantResult r) {
        return r.outcomes().keySet().stream().map(Outcome::observed).toList();
    }

    @Test
    void aCpuFreesWhatAnotherAllocatedWaitingForIt() {
        ScenarioRunner.VariantResult r = explore("""
                cpu A "alloc"
                  alloc_pages 0 -> p
                end
                cpu B "free"
                  free_pages $p 0
                end
                bound 2
                """);
        // every interleaving: B waits for $p, frees it, nothing leaks (a leak would be FORBIDDEN)
        assertEquals(ScenarioRunner.Status.OK, r.status(), r.note());
        assertTrue(r.exhausted());
        assertTrue(r.outcomes().keySet().stream().allMatch(o -> o.verdictKind() == mmsim.explore.Verdict.Kind.PASSED), r.outcomes().toString());
    }

    @Test
    void twoCpusWaitingForEachOthersVariableDeadlock() {
        ScenarioRunner.VariantResult r = explore("""
                cpu A "a"
                  free_pages $q 0
                  alloc_pages 0 -> p
                end
                cpu B "b"
                  free_pages $p 0
                  alloc_pages 0 -> q
                end
                expect * deadlock EXPECTED "each waits for the other's variable"
                bound 1
                """);
        assertEquals(ScenarioRunner.Status.OK, r.status(), r.note());
        assertEquals(mmsim.explore.Verdict.Kind.DEADLOCK, r.findings().get(0).failure().verdict().kind());
    }

    @Test
    void operandsComputeAndTheFinalBlockFeedsTheOutcomes() {
        ScenarioRunner.VariantResult r = explore("""
                cpu A "read"
                  read /proc/kpageflags at 0x8000*8 count 8 -> before
                end
                cpu B "offline"
                  echo offline > /sys/devices/system/memory/memory1/state -> r
                end
                final
                  cat /sys/devices/system/memory/memory1/state -> state
                  alloc_pages 0 -> p
                  read /proc/kpageflags at $p*8 count 8 -> flags
                end
                expect * passed state!=offline FORBIDDEN "B's offline succeeded, so the block is offline"
                expect * passed p in 0x8000..0xffff FORBIDDEN "no page comes from an offline block"
                expect * passed p<0x8000 ACCEPTABLE
                bound 0
                """);
        assertEquals(ScenarioRunner.Status.OK, r.status(), r.note() + " " + r.findings());
        for (Map<String, String> o : observed(r)) {
            assertEquals("offline", o.get("state"));
            assertFalse(o.get("flags").isEmpty());
            assertTrue(o.containsKey("before"));
        }
    }

    @Test
    void conditionsCompareNumbersAndRanges() {
        assertTrue(Grader.holds(new Condition("p", "in", "0x8000", "0xffff"), "0x8000"));
        assertTrue(Grader.holds(new Condition("p", "in", "0x8000", "0xffff"), "65535"));
        assertFalse(Grader.holds(new Condition("p", "in", "0x8000", "0xffff"), "0x10000"));
        assertTrue(Grader.holds(new Condition("count", ">", "0", null), "3"));
        assertFalse(Grader.holds(new Condition("count", ">", "0", null), "-EBUSY"));
        assertTrue(Grader.holds(new Condition("r", "!=", "ok", null), "-EBUSY"));
        assertTrue(Grader.holds(new Condition("n", "<=", "16", null), "0x10"));
        Scenario s = ScenarioParser.parse("flow.mms", HEAD + """
                cpu A
                  alloc_pages 0 -> p
                end
                cpu B
                  note b
                end
                expect * passed p in 0x8000..0xffff INTERESTING
                expect * passed p>=0x10000 p!=NULL ACCEPTABLE
                """, ScenarioParserTest.OPS);
        assertEquals("p in 0x8000..0xffff", s.expects().get(0).pattern().replace("passed ", ""));
        assertEquals("passed p>=0x10000 p!=NULL", s.expects().get(1).pattern());
    }

    /**
     * Division in operands finds the page_idle bitmap word of a pfn ($p/64*8), pwrite writes u64
     * words (literal or read back from a variable), and a literal zero divisor is an error at
     * its column.
     */
    @Test
    void divisionFindsTheBitmapWordAndPwriteWritesWords() {
        ScenarioRunner.VariantResult r = explore("""
                setup
                  mmap 64K private -> a
                  write $a 64K
                  pagemap $a pfn -> p
                end
                cpu A "mark idle, read back"
                  pwrite /sys/kernel/mm/page_idle/bitmap at $p/64*8 words 0xffffffffffffffff -> w
                  read /sys/kernel/mm/page_idle/bitmap at $p/64*8 count 8 -> idle
                  pwrite /sys/kernel/mm/page_idle/bitmap at $p/64*8 words $idle -> again
                  pwrite /sys/kernel/mm/page_idle/bitmap at 4 words 0x1 -> unaligned
                end
                cpu B
                  note b
                end
                expect * passed ACCEPTABLE
                bound 0
                """);
        assertEquals(ScenarioRunner.Status.OK, r.status(), r.note() + " " + r.findings());
        for (Map<String, String> o : observed(r)) {
            assertEquals("8", o.get("w"));
            assertEquals("8", o.get("again"));
            assertEquals("-EINVAL", o.get("unaligned"));
            long pfn = Long.decode(o.get("p"));
            long idle = Long.parseUnsignedLong(o.get("idle").substring(2), 16);
            assertTrue((idle >>> (pfn % 64) & 1) == 1, "the first page is on the LRU and idle: " + o);
        }
        ScenarioError e = assertThrows(ScenarioError.class, () -> ScenarioParser.parse("flow.mms", HEAD + """
                cpu A
                  read /proc/kpageflags at 8/0 count 8
                end
                cpu B
                  note b
                end
                """, ScenarioParserTest.OPS));
        assertTrue(e.getMessage().startsWith("flow.mms:11:28: expected OFFSET"), e.getMessage());
    }

    /**
     * A path no execution opened is an error at its column once the exploration is exhaustive;
     * a path another CPU's hotplug creates is not (some interleaving opened it).
     */
    @Test
    void aPathNoExecutionOpenedIsAnErrorAtItsColumn() {
        ScenarioRunner.VariantResult typo = explore("""
                cpu A "cat"
                  cat /sys/devices/system/memory/memory1/stat -> s
                end
                cpu B
                  note b
                end
                expect * passed ACCEPTABLE
                bound 1
                """);
        ScenarioError e = assertThrows(ScenarioError.class, () -> UnopenedPaths.check(typo));
        assertTrue(e.getMessage().startsWith("flow.mms:11:7: no execution opened /sys/devices/system/memory/memory1/stat"), e.getMessage());
        ScenarioRunner.VariantResult appears = explore("""
                cpu A "cat the new block"
                  cat /sys/devices/system/memory/memory8/state -> s
                end
                cpu B "hot-add"
                  add_memory 0 0x40000000 128M -> r
                end
                expect * passed ACCEPTABLE
                bound 1
                """);
        assertTrue(appears.exhausted());
        assertEquals(appears, UnopenedPaths.check(appears));
        assertTrue(observed(appears).stream().anyMatch(o -> o.get("s").equals("offline")), observed(appears).toString());
    }

    @Test
    void malformedConditionsAndUnassignedVariablesAreErrorsAtTheirColumn() {
        String cpus = """
                cpu A
                  alloc_pages 0 -> p
                end
                cpu B
                  note b
                end
                """;
        ScenarioError e = assertThrows(ScenarioError.class, () -> ScenarioParser.parse("flow.mms", HEAD + cpus
                + "expect * passed p<NULL ACCEPTABLE\n", ScenarioParserTest.OPS));
        assertEquals("flow.mms:16:17: '<' compares numbers; 'NULL' is no number (decimal, 0x hex, K/M/G)", e.getMessage());
        e = assertThrows(ScenarioError.class, () -> ScenarioParser.parse("flow.mms", HEAD + cpus
                + "expect * passed p in 9..1 ACCEPTABLE\n", ScenarioParserTest.OPS));
        assertTrue(e.getMessage().startsWith("flow.mms:16:22: empty range 9..1"), e.getMessage());
        e = assertThrows(ScenarioError.class, () -> ScenarioParser.parse("flow.mms", HEAD + """
                cpu A
                  free_pages $p 0
                  alloc_pages 0 -> p
                end
                cpu B
                  note b
                end
                """, ScenarioParserTest.OPS));
        assertTrue(e.getMessage().startsWith("flow.mms:11:14: variable $p is not assigned before this line in cpu A"), e.getMessage());
        // a join on a variable no program assigns is a typo caught here, not a deadlock found by exploring
        e = assertThrows(ScenarioError.class, () -> ScenarioParser.parse("flow.mms", HEAD + """
                cpu A
                  alloc_pages 0 -> p
                end
                cpu B
                  wait $q
                end
                """, ScenarioParserTest.OPS));
        assertTrue(e.getMessage().startsWith("flow.mms:14:8: variable $q is not assigned before this line in cpu B"), e.getMessage());
    }

    @Test
    void anExpectAfterACatchAllIsWarnedAbout() {
        Scenario s = ScenarioParser.parse("flow.mms", HEAD + """
                cpu A
                  alloc_pages 0 -> p
                end
                cpu B
                  note b
                end
                expect * passed ACCEPTABLE
                expect * passed p=NULL FORBIDDEN
                expect * oops FORBIDDEN
                """, ScenarioParserTest.OPS);
        assertEquals(1, s.warnings().size(), s.warnings().toString());
        assertTrue(s.warnings().get(0).startsWith("flow.mms:17:1: warning: this expect never matches: line 16 ('expect * passed ACCEPTABLE')"),
                s.warnings().get(0));
    }
}
