package mmsim.scenario;

import mmsim.explore.Verdict;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import mmsim.scenario.ops.OpRegistry;

class ScenarioParserTest {
    static final OpRegistry OPS = OpRegistry.standard();

    static final String GOOD = """
            scenario t
            title    two notes   # a comment
            layout
              arch x86_64        # layout comment
              cpus 2
            end
            config CONFIG_PAGE_OWNER
            variant old era=v4.6 CONFIG_DEBUG_VM=n
            variant new
            cpu A "cat /proc/x"
              note hello "quoted # not a comment"
            end
            cpu B
              note world
            end
            expect old oops EXPECTED "the window"
            expect * oops FORBIDDEN
            bound 3
            budget 30s
            """;

    static Scenario parse(String text) {
        return ScenarioParser.parse("t.mms", text, OPS);
    }

    static ScenarioError error(String text) {
        return assertThrows(ScenarioError.class, () -> parse(text));
    }

    @Test
    void parsesEveryPart() {
        Scenario s = parse(GOOD);
        assertEquals("t", s.name());
        assertEquals("two notes", s.title());
        assertEquals("arch x86_64\ncpus 2\n", s.layout());
        assertEquals(4, s.layoutLine());
        assertEquals(java.util.List.of("old", "new"), s.variantNames());
        assertEquals("v4.6", s.variant("old").era());
        assertEquals(java.util.List.of("CONFIG_DEBUG_VM=n"), s.variant("old").options());
        assertEquals("mainline", s.variant("new").era());
        assertEquals(2, s.cpus().size());
        assertEquals("cat", s.cpus().get(0).comm());
        assertEquals("cpuB", s.cpus().get(1).comm());
        assertEquals(3, s.bound());
        assertEquals(java.time.Duration.ofSeconds(30), s.budgetTime());
        assertEquals(OutcomeClass.EXPECTED, s.expects().get(0).cls());
        assertEquals("the window", s.expects().get(0).comment());
    }

    @Test
    void unknownOperationNamesLineColumnAndCloseMatches() {
        ScenarioError e = error(GOOD.replace("  note world", "  nte world"));
        assertEquals(14, e.line());
        assertEquals(3, e.col());
        assertTrue(e.getMessage().startsWith("t.mms:14:3: unknown operation 'nte' (did you mean: note?)"), e.getMessage());
    }

    @Test
    void unknownKeywordSuggests() {
        ScenarioError e = error(GOOD.replace("bound 3", "bund 3"));
        assertTrue(e.getMessage().contains("t.mms:18:1: unknown keyword 'bund' (did you mean: bound"), e.getMessage());
    }

    @Test
    void unclosedBlockPointsAtItsOpener() {
        ScenarioError e = error("scenario t\ncpu A\n  note x\n");
        assertEquals(2, e.line());
        assertTrue(e.detail().contains("no 'end'"), e.getMessage());
    }

    @Test
    void expectChecksVariantKindClassAndVariables() {
        assertTrue(error(GOOD.replace("expect old oops", "expect odl oops")).detail()
                .contains("unknown variant 'odl' (did you mean: old?)"));
        assertTrue(error(GOOD.replace("expect * oops FORBIDDEN", "expect * opps FORBIDDEN")).detail()
                .contains("unknown verdict kind 'opps' (did you mean: oops"));
        assertTrue(error(GOOD.replace("expect * oops FORBIDDEN", "expect * oops forbiden")).detail()
                .contains("did you mean: FORBIDDEN"));
        assertTrue(error(GOOD.replace("expect * oops FORBIDDEN", "expect * ret=-EBUSY FORBIDDEN")).detail()
                .contains("variable 'ret' that no program assigns"));
        assertTrue(error(GOOD.replace("expect * oops FORBIDDEN", "expect * model_defect ACCEPTABLE")).detail()
                .contains("can only be FORBIDDEN"));
    }

    @Test
    void valueOnAnOperationWithoutOneIsAnError() {
        ScenarioError e = error(GOOD.replace("  note world", "  note world -> x"));
        assertTrue(e.detail().contains("'note' gives no value"), e.getMessage());
    }

    @Test
    void badEraAndStrategyAndNumbers() {
        assertTrue(error(GOOD.replace("era=v4.6", "era=v4.7")).detail().contains("unknown era 'v4.7'"));
        assertTrue(error(GOOD.replace("bound 3", "bound x")).detail().contains("expected a preemption bound"));
        assertTrue(error(GOOD.replace("budget 30s", "strategy dsf")).detail().contains("did you mean: dfs"));
        assertTrue(error(GOOD.replace("title    two notes", "title")).detail().contains("expected a one-line title"));
    }

    @Test
    void misspeltOptionIsAnErrorNamingItAndTheCloseMatch() {
        ScenarioError v = error(GOOD.replace("CONFIG_DEBUG_VM=n", "CONFIG_DEBUG_MV=n"));
        assertTrue(v.detail().contains("unknown option 'CONFIG_DEBUG_MV'") && v.detail().contains("did you mean: CONFIG_DEBUG_VM"), v.getMessage());
        assertEquals(8, v.line());
        ScenarioError c = error(GOOD.replace("config CONFIG_PAGE_OWNER", "config CONFIG_PAGE_OWNR"));
        assertTrue(c.detail().contains("unknown option 'CONFIG_PAGE_OWNR'"), c.getMessage());
    }

    @Test
    void scenarioNameMustMatchFileName() {
        ScenarioError e = assertThrows(ScenarioError.class, () -> ScenarioParser.parse("scenarios/001-x.mms", GOOD, OPS));
        assertTrue(e.detail().contains("differs from the file name '001-x'"), e.getMessage());
    }

    @Test
    void graderFirstMatchWinsWithDefaults() {
        Scenario s = parse(GOOD);
        Grader g = new Grader(s);
        assertEquals(OutcomeClass.EXPECTED, g.classify("old", Verdict.Kind.OOPS, Map.of()));
        assertEquals(OutcomeClass.FORBIDDEN, g.classify("new", Verdict.Kind.OOPS, Map.of()));
        assertEquals(OutcomeClass.ACCEPTABLE, g.classify("new", Verdict.Kind.PASSED, Map.of()));
        assertEquals(OutcomeClass.FORBIDDEN, g.classify("new", Verdict.Kind.BAD_PAGE, Map.of()), "undeclared failure");
        assertEquals(OutcomeClass.FORBIDDEN, g.classify("new", Verdict.Kind.MODEL_DEFECT, Map.of()));
        assertEquals(1, g.expected("old").size());
        assertEquals(0, g.expected("new").size());
        assertNull(g.match("new", Verdict.Kind.PASSED, Map.of()));
    }

    @Test
    void conditionComparesTwoObservedValues() {
        String text = GOOD.replace("  note hello \"quoted # not a comment\"", "  echo 1 > /proc/x -> p")
                .replace("  note world", "  echo 2 > /proc/x -> q")
                .replace("expect * oops FORBIDDEN", "expect * passed p!=$q FORBIDDEN \"the pinned page is not the mapped one\"");
        Grader g = new Grader(parse(text));
        assertEquals(OutcomeClass.FORBIDDEN, g.classify("new", Verdict.Kind.PASSED, Map.of("p", "0x1001", "q", "0x1200")));
        assertEquals(OutcomeClass.ACCEPTABLE, g.classify("new", Verdict.Kind.PASSED, Map.of("p", "0x1200", "q", "4608")), "numbers compare as numbers");
        assertEquals(OutcomeClass.ACCEPTABLE, g.classify("new", Verdict.Kind.PASSED, Map.of("p", "0x1001")), "q unobserved: no match");
        ScenarioError e = error(text.replace("p!=$q", "p!=$nobody"));
        assertTrue(e.detail().contains("'$nobody' that no program assigns"), e.getMessage());
    }

    @Test
    void suggestFindsTransposedAndPrefixNames() {
        assertEquals(java.util.List.of("echo"), Suggest.close("ecoh", java.util.List.of("echo", "cat", "read"), 3));
        assertEquals(java.util.List.of("memory32"), Suggest.close("memroy32", java.util.List.of("memory32", "power", "uevent"), 3));
    }
}
