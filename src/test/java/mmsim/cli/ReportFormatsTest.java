package mmsim.cli;

import static mmsim.cli.CliEndToEndTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** check's machine formats, read the way their consumers read them: a KTAP parser, an XML parser, the schema doc. */
class ReportFormatsTest {
    @TempDir Path home;
    private String savedHome;

    @BeforeEach
    void setUp() throws Exception {
        savedHome = System.getProperty("mmsim.home");
        System.setProperty("mmsim.home", home.toString());
        Files.createDirectories(home.resolve("scenarios"));
        Files.writeString(home.resolve("scenarios/010-holds.mms"), CliEndToEndTest.HOLDS);
        Files.writeString(home.resolve("scenarios/020-violated.mms"), CliEndToEndTest.VIOLATED);
    }

    @AfterEach
    void tearDown() {
        if (savedHome == null) System.clearProperty("mmsim.home");
        else System.setProperty("mmsim.home", savedHome);
    }

    /** One result line as Documentation/dev-tools/ktap.rst defines it. */
    record Result(boolean ok, int number, String description, String directive) { }

    /**
     * A strict KTAP v1 reader (Documentation/dev-tools/ktap.rst): a version line first, then the
     * plan "1..N", then result lines "<ok|not ok> <number> [<description>][ # [<directive>] [<data>]]"
     * numbered from 1 by 1, descriptions without '#', and any other line a "# " diagnostic.
     * Returns the results; fails on anything else.
     */
    static List<Result> parseKtap(String text) {
        List<String> lines = text.lines().toList();
        assertTrue(lines.get(0).equals("KTAP version 1"), "version line first: " + lines.get(0));
        Matcher plan = Pattern.compile("^1\\.\\.(\\d+)$").matcher(lines.get(1));
        assertTrue(plan.matches(), "plan line: " + lines.get(1));
        int planned = Integer.parseInt(plan.group(1));
        Pattern result = Pattern.compile("^(ok|not ok) (\\d+)(?: ([^#]*?))?(?: # ?(\\S+)?.*)?$");
        List<Result> out = new ArrayList<>();
        for (String l : lines.subList(2, lines.size())) {
            Matcher m = result.matcher(l);
            if (m.matches()) {
                out.add(new Result(m.group(1).equals("ok"), Integer.parseInt(m.group(2)), m.group(3), m.group(4)));
                assertEquals(out.size(), out.get(out.size() - 1).number(), "numbers start at 1 and go up by 1: " + l);
            } else {
                assertTrue(l.startsWith("# "), "neither a result nor a diagnostic line: " + l);
            }
        }
        assertEquals(planned, out.size(), "as many results as the plan says");
        return out;
    }

    @Test
    void ktapParsesWithTheKernelsRules() {
        CliEndToEndTest.Run r = run("check", "--format", "ktap");
        assertEquals(1, r.exit(), r.out() + r.err());
        List<Result> results = parseKtap(r.out());
        assertEquals(List.of("010-holds/new", "010-holds/old", "020-violated/only"), results.stream().map(Result::description).toList());
        assertEquals(List.of(true, true, false), results.stream().map(Result::ok).toList());
        assertTrue(r.out().contains("# Totals: pass:2 fail:1 xfail:0 xpass:0 skip:0 error:0"), r.out());
        assertTrue(r.out().contains("# replay: ./mmsim replay scenarios/020-violated.mms --variant only --schedule "), r.out());
    }

    @Test
    void junitIsXmlWithOneFailure() throws Exception {
        CliEndToEndTest.Run r = run("check", "--format", "junit", "--reproducible");
        assertEquals(1, r.exit(), r.err());
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(r.out().getBytes(StandardCharsets.UTF_8)));
        Element root = d.getDocumentElement();
        assertEquals("testsuites", root.getTagName());
        assertEquals("3", root.getAttribute("tests"));
        assertEquals("1", root.getAttribute("failures"));
        assertEquals(3, d.getElementsByTagName("testcase").getLength());
        Element failure = (Element) d.getElementsByTagName("failure").item(0);
        assertEquals("only", ((Element) failure.getParentNode()).getAttribute("name"));
        assertTrue(failure.getTextContent().contains("./mmsim replay"), failure.getTextContent());
    }

    @Test
    void unknownFormatIsAUsageError() {
        CliEndToEndTest.Run r = run("check", "--format", "tap13");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--format: 'tap13'"), r.err());
    }

    /** Every key the JSON output carries is documented in docs/json-schema.md, and the trace comes as steps too. */
    @Test
    void jsonKeysAreDocumentedAndTheTraceIsStructured() throws Exception {
        CliEndToEndTest.Run r = run("check", "--json");
        String json = r.out();
        assertTrue(json.contains("\"trace_steps\":[{\"cpu\":\"A\",\"kind\":"), json);
        String doc = Files.readString(Path.of("docs/json-schema.md"));
        Matcher keys = Pattern.compile("\"([a-z_]+)\":").matcher(json);
        while (keys.find()) {
            if (keys.group(1).equals("r")) continue;   // an observed variable of the scenario, not a schema key
            assertTrue(doc.contains("`" + keys.group(1) + "`"), "docs/json-schema.md documents `" + keys.group(1) + "`");
        }
    }

    /** A preemption row (depth 0) is no return: the step after it is still in the frame entered before. */
    @Test
    void aStepAfterAPreemptionKeepsItsFunction() {
        List<mmsim.explore.Trace.Event> ev = List.of(
                new mmsim.explore.Trace.Event(0, mmsim.explore.Trace.Kind.ENTER, 0, "kpageflags_read"),
                new mmsim.explore.Trace.Event(0, mmsim.explore.Trace.Kind.ENTER, 1, "stable_page_flags"),
                new mmsim.explore.Trace.Event(0, mmsim.explore.Trace.Kind.PREEMPTED, 0, ""),
                new mmsim.explore.Trace.Event(1, mmsim.explore.Trace.Kind.ENTER, 0, "offline_pages"),
                new mmsim.explore.Trace.Event(0, mmsim.explore.Trace.Kind.STEP, 2, "stable_page_flags:page_folio"));
        List<Object> steps = ResultFormats.steps(new mmsim.explore.Trace(List.of("A", "B"), ev));
        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> last = (java.util.Map<String, Object>) steps.get(steps.size() - 1);
        assertEquals("stable_page_flags", last.get("function"));
    }
}
