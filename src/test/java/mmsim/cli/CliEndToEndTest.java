package mmsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line as a newcomer meets it, run in-process through {@link Main#execute} with
 * captured stdout/stderr/stdin and a small catalogue in a temporary mmsim home.
 */
class CliEndToEndTest {
    @TempDir Path home;
    private String savedHome;

    record Run(int exit, String out, String err) { }

    static final String LAYOUT = """
            layout
              arch x86_64
              cpus 2
              ram 0x1000 +0x9e000
              ram 0x100000 +127M
            end
            """;

    /** Two CPUs; B reads a file that does not exist, so its observed value is the errno. */
    static final String HOLDS = """
            # lesson: a scenario whose every interleaving is declared acceptable
            scenario 010-holds
            title    reading a missing file fails the same way in every interleaving
            """ + LAYOUT + """
            variant new era=mainline
            variant old era=v4.6
            cpu A "note"
              note A runs
              note A again
            end
            cpu B "cat /proc/nope"
              cat /proc/nope -> r
            end
            expect * r=-ENOENT ACCEPTABLE "no such file"
            bound 2
            """;

    /** Declares an outcome that every execution has as FORBIDDEN: the declaration is violated. */
    static final String VIOLATED = """
            scenario 020-violated
            title    a declaration that the model contradicts
            """ + LAYOUT + """
            variant only
            cpu A "note"
              note A runs
            end
            cpu B "cat /proc/nope"
              cat /proc/nope -> r
            end
            expect only r=-ENOENT FORBIDDEN "pretend this is the bug"
            """;

    /** Claims a break (EXPECTED oops) that no interleaving produces. */
    static final String EXPECTED_MISSING = """
            scenario 030-expected-missing
            title    claims an oops that never happens
            """ + LAYOUT + """
            variant only
            cpu A
              note a
            end
            cpu B
              note b
            end
            expect only oops EXPECTED "the window nobody can hit"
            """;

    @BeforeEach
    void setUp() throws Exception {
        savedHome = System.getProperty("mmsim.home");
        System.setProperty("mmsim.home", home.toString());
        Files.createDirectories(home.resolve("scenarios"));
    }

    @AfterEach
    void tearDown() {
        if (savedHome == null) System.clearProperty("mmsim.home");
        else System.setProperty("mmsim.home", savedHome);
    }

    void scenario(String name, String text) throws Exception {
        Files.writeString(home.resolve("scenarios").resolve(name + ".mms"), text);
    }

    static Run runWithInput(String stdin, String... args) {
        PrintStream out0 = System.out, err0 = System.err;
        InputStream in0 = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int exit = Main.execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out0);
            System.setErr(err0);
            System.setIn(in0);
        }
    }

    static Run run(String... args) {
        return runWithInput("", args);
    }

    static String firstMatch(String regex, String text) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no match for " + regex + " in:\n" + text);
        return m.group(1);
    }

    @Test
    void checkOnASmallCatalogueAllAsDeclared() throws Exception {
        scenario("010-holds", HOLDS);
        Run r = run("check");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("SCENARIO"), r.out());
        assertTrue(Pattern.compile("\\n010-holds\\n  new\\s+ok\\s+-\\s+\\d+\\s+exhaustive \\(bound 2\\)\\s+\\S+\\s+holds\\n").matcher(r.out()).find(), r.out());
        assertTrue(Pattern.compile("\\n  old\\s+ok\\s+-.*holds\\n").matcher(r.out()).find(), r.out());
        assertTrue(r.out().contains("\n\n2 scenario variants: 2 as declared, 0 VIOLATED, 0 incomplete"), "the summary right under the table:\n" + r.out());
        assertEquals("", r.err(), "no progress noise when stderr is not a terminal");
    }

    @Test
    void checkReportsAViolationWithTraceAndReplayAndExitsOne() throws Exception {
        scenario("010-holds", HOLDS);
        scenario("020-violated", VIOLATED);
        Run r = run("check", "--color=never");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("VIOLATED"), r.out());
        assertTrue(Pattern.compile("020-violated\\n  only\\s+VIOLATED\\s+FORBIDDEN\\s+\\d+\\s").matcher(r.out()).find(),
                "the table names the declared class of the verdict:\n" + r.out());
        assertTrue(r.out().indexOf("scenario variants:") < r.out().indexOf("== 020-violated / only: FORBIDDEN"),
                "summary before the failures:\n" + r.out());
        assertTrue(r.out().contains("CPU A (note)\n------------\nA runs\n"), "a short trace shown whole, B's empty column hidden:\n" + r.out());
        assertTrue(r.out().contains("outcomes  1 seen in"), "the outcomes, herd7-style:\n" + r.out());
        assertTrue(Pattern.compile("\\n\\s+\\d+  passed  r=-ENOENT\\s+FORBIDDEN\\n").matcher(r.out()).find(), r.out());
        Run full = run("check", "020", "--full-trace");
        assertTrue(full.out().contains("CPU A (note) | CPU B (cat /proc/nope)"), "two-column trace header:\n" + full.out());
        Run quiet = run("check", "--quiet-traces");
        assertFalse(quiet.out().contains("== 020-violated"), quiet.out());
        assertTrue(quiet.out().contains("scenario variants:"), quiet.out());
        assertTrue(r.out().contains("replay    ./mmsim replay scenarios/020-violated.mms --variant only --schedule "), r.out());
        assertTrue(r.out().contains("observed  r=-ENOENT"), r.out());
        assertFalse(r.out().contains("\u001b["), "no colour with --color=never");
    }

    @Test
    void checkNamesSelectScenariosAndJsonIsOneObject() throws Exception {
        scenario("010-holds", HOLDS);
        scenario("020-violated", VIOLATED);
        Run r = run("check", "010", "--json");
        assertEquals(0, r.exit(), r.err());
        String json = r.out().strip();
        assertTrue(json.startsWith("{\"schema_version\":1,\"rows\":["), json);
        assertFalse(json.contains("020-violated"), "only the named scenario runs");
        assertEquals(1, json.lines().count(), "one JSON object on one line");
        assertTrue(json.contains("\"status\":\"ok\"") && json.contains("\"exhaustive\":true"), json);
        assertTrue(json.contains("\"observed\":{\"r\":\"-ENOENT\"}"), json);
    }

    @Test
    void expectedBreakNotReachedIsAViolationWhenExhaustiveAndIncompleteOnABudget() throws Exception {
        scenario("030-expected-missing", EXPECTED_MISSING);
        Run r = run("check", "030");
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.out().contains("not reached: oops"), r.out());
        assertTrue(r.out().contains("EXPECTED oops not reached although every schedule within bound 2 was explored"), r.out());

        // DPOR explores this scenario in one execution; without reduction a budget of 1 cuts it
        Run cut = run("explore", "030", "--budget", "1", "--no-reduction");
        assertEquals(4, cut.exit(), cut.out() + cut.err());
        assertTrue(cut.out().contains("budget cut"), cut.out());
    }

    @Test
    void exploreThenReplayGivesTheSameTrace() throws Exception {
        scenario("020-violated", VIOLATED);
        Run e = run("explore", "020", "--variant", "only", "--json");
        assertEquals(1, e.exit(), e.out() + e.err());
        String schedule = firstMatch("\"schedule\":\"([^\"]+)\"", e.out());
        String trace = firstMatch("\"trace\":(\"(?:[^\"\\\\]|\\\\.)*\")", e.out());

        Run r = run("replay", home.resolve("scenarios/020-violated.mms").toString(), "--variant", "only", "--schedule", schedule, "--json");
        assertEquals(1, r.exit(), "the replayed outcome is FORBIDDEN too: " + r.out() + r.err());
        assertEquals(trace, firstMatch("\"trace\":(\"(?:[^\"\\\\]|\\\\.)*\")", r.out()), "replayed trace equals the original");
        assertTrue(r.out().contains("\"observed\":{\"r\":\"-ENOENT\"}"), r.out());

        Run text = run("replay", "020", "--schedule", schedule, "--full-trace");
        assertEquals(1, text.exit());
        assertTrue(text.out().contains("CPU A (note) | CPU B (cat /proc/nope)"), text.out());
    }

    @Test
    void exploreReadsAScenarioFromStandardInput() {
        Run r = runWithInput(HOLDS.replace("scenario 010-holds", "scenario from-stdin"), "explore", "-", "--variant", "new");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("from-stdin / new: ok — holds"), r.out());
    }

    @Test
    void shellRunsAScriptFromStandardInputAndKeepsGoingAfterErrors() {
        Run r = runWithInput("""
                help
                cat /proc/definitely-missing
                cat /proc/buddyinf
                ls /proc
                frobnicate
                echo hello
                cat /proc/nope -> x
                vars
                exit 3
                echo never printed
                """, "sh");
        assertEquals(3, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("dump_page PFN"), "help lists the commands:\n" + r.out());
        assertTrue(r.err().contains("cat: /proc/definitely-missing: No such file or directory"), r.err());
        assertTrue(r.err().contains("mmsim: frobnicate: command not found"), r.err());
        assertTrue(r.err().contains("cat: /proc/buddyinf: No such file or directory (did you mean: /proc/buddyinfo?)"), r.err());
        assertTrue(r.out().contains("meminfo\n"), "ls /proc lists the booted machine's files:\n" + r.out());
        assertTrue(r.out().contains("hello\n"), r.out());
        assertTrue(r.out().contains("x=-ENOENT"), "state kept after errors:\n" + r.out());
        assertFalse(r.out().contains("never printed"));
        assertFalse(r.out().contains("mmsim# "), "no prompt in script mode");
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void badInputGivesAMessageAndExitTwo() throws Exception {
        scenario("010-holds", HOLDS);
        Run unknownOption = run("check", "--frobnicate");
        assertEquals(2, unknownOption.exit());
        assertTrue(unknownOption.err().contains("Unknown option: '--frobnicate'"), unknownOption.err());

        Run unknownScenario = run("check", "010-hold-on");
        assertEquals(2, unknownScenario.exit());
        assertTrue(unknownScenario.err().contains("no scenario '010-hold-on'"), unknownScenario.err());

        Run unknownFile = run("explore", "011-holds");
        assertEquals(2, unknownFile.exit());
        assertTrue(unknownFile.err().contains("(did you mean: 010-holds?)"), unknownFile.err());

        Run unknownVariant = run("explore", "010", "--variant", "nwe");
        assertEquals(2, unknownVariant.exit());
        assertTrue(unknownVariant.err().contains("has no variant 'nwe' (did you mean: new?)"), unknownVariant.err());

        Run badBudget = run("explore", "010", "--budget", "soon");
        assertEquals(2, badBudget.exit());
        assertTrue(badBudget.err().contains("--budget: expected a number of executions"), badBudget.err());

        Run badSchedule = run("replay", "010", "--variant", "new", "--schedule", "zz");
        assertEquals(2, badSchedule.exit());
        assertTrue(badSchedule.err().contains("--schedule: "), badSchedule.err());

        scenario("040-broken", HOLDS.replace("scenario 010-holds", "scenario 040-broken").replace("  cat /proc/nope -> r", "  cta /proc/nope -> r"));
        Run broken = run("check");
        assertEquals(2, broken.exit(), "a broken file makes the run exit 2 even though others pass");
        assertTrue(broken.err().contains("scenarios/040-broken.mms:17:3: unknown operation 'cta' (did you mean: cat?)"), broken.err());
        assertFalse(broken.err().contains("Exception"), broken.err());

        Run brokenStdin = runWithInput("scenario x\ncpu A\n  note\nend\n", "explore", "-");
        assertEquals(2, brokenStdin.exit());
        assertTrue(brokenStdin.err().contains("<stdin>:3:7: expected TEXT after 'note'"), brokenStdin.err());
    }

    @Test
    void listAndCompletion() throws Exception {
        scenario("010-holds", HOLDS);
        Run l = run("list");
        assertEquals(0, l.exit());
        assertTrue(l.out().contains("010-holds") && l.out().contains("new,old"), l.out());
        Run ops = run("list", "--ops");
        assertTrue(ops.out().contains("echo TEXT > PATH [-> var]"), ops.out());
        Run c = run("generate-completion");
        assertEquals(0, c.exit());
        assertTrue(c.out().contains("complete -F") && c.out().contains("check") && c.out().contains("010-holds"), "bash completion with scenario names");
    }
}
