package mmsim.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import mmsim.scenario.ops.OpRegistry;

/**
 * docs/scenario-language.md against the code, both directions: every statement, operation,
 * variant switch, outcome class and verdict kind the reference lists exists, and every one the
 * code has is listed; every operation's example parses as an operation line.
 */
class LanguageReferenceTest {
    static final Path DOC = Path.of("docs/scenario-language.md");

    /** "## Section" -> its "### `name ...`" headings' first words, in order. */
    static Map<String, List<String>> headings() throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<String> cur = null;
        for (String l : Files.readAllLines(DOC)) {
            if (l.startsWith("## ")) out.put(l.substring(3).strip(), cur = new ArrayList<>());
            else if (l.startsWith("### `") && cur != null) cur.add(l.substring(5, l.indexOf('`', 5)).split(" ")[0]);
        }
        return out;
    }

    /** The indented example lines under "### `name`" in the Operations section. */
    static Map<String, List<String>> operationExamples() throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        boolean inOps = false;
        String op = null;
        for (String l : Files.readAllLines(DOC)) {
            if (l.startsWith("## ")) inOps = l.equals("## Operations");
            else if (inOps && l.startsWith("### `")) out.put(op = l.substring(5, l.indexOf('`', 5)), new ArrayList<>());
            else if (inOps && op != null && l.startsWith("    ")) out.get(op).add(l.strip());
        }
        return out;
    }

    static void sameSet(String what, List<String> documented, java.util.Collection<String> code) {
        TreeSet<String> missing = new TreeSet<>(code);
        missing.removeAll(documented);
        TreeSet<String> extra = new TreeSet<>(documented);
        extra.removeAll(code);
        assertTrue(missing.isEmpty(), what + " in the code but not in " + DOC + ": " + missing);
        assertTrue(extra.isEmpty(), what + " in " + DOC + " but not in the code: " + extra);
        assertEquals(new TreeSet<>(documented).size(), documented.size(), what + " listed twice: " + documented);
    }

    @Test
    void everyStatementOperationSwitchClassAndKindIsDocumentedAndExists() throws Exception {
        Map<String, List<String>> h = headings();
        sameSet("statements", h.get("Blocks and statements"), ScenarioParser.KEYWORDS);
        sameSet("operations", h.get("Operations"), OpRegistry.standard().names());
        sameSet("variant switches", h.get("Variant switches"), Switches.all().keySet());
        assertEquals(java.util.Set.of(), Switches.mismatches(), "Switches' summaries against Machine.knownOptions()");
        sameSet("outcome classes", h.get("Outcome classes"), Arrays.stream(OutcomeClass.values()).map(Enum::name).toList());
        sameSet("verdict kinds", h.get("Verdict kinds"), mmsim.explore.Verdict.Kind.ids());
    }

    @Test
    void everyOperationHasAnExampleThatParses() throws Exception {
        OpRegistry ops = OpRegistry.standard();
        for (Map.Entry<String, List<String>> e : operationExamples().entrySet()) {
            assertFalse(e.getValue().isEmpty(), "operation " + e.getKey() + " has no example");
            for (String line : e.getValue()) {
                List<Token> t = Token.split(DOC.toString(), 1, line);
                assertEquals(e.getKey(), t.get(0).text(), line);
                OpRegistry.Step s = ops.parse(t, new ScenarioError.Pos(DOC.toString(), 1, line.length() + 1), line);
                assertEquals(e.getKey(), s.op().name());
            }
        }
    }
}
