package mmsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/**
 * The examples that --help prints work as printed, against the repository's own catalogue, from
 * the repository's directory (where a user runs them). Every "Examples:" line of every command is
 * run: {@code mmsim ARGS}, {@code mmsim ARGS | filter} (the filter is left out), {@code cat FILE |
 * mmsim ARGS} and {@code printf 'TEXT' | mmsim ARGS} (the file or text on standard input), {@code
 * mmsim ARGS > FILE} (FILE written, removed afterwards). The two
 * that explore the whole catalogue run in the slow suite.
 */
class HelpExamplesTest {
    private String savedHome;

    /** One example: the text as printed, the arguments after "mmsim", what goes to standard input. */
    record Example(String command, String printed, List<String> args, String stdinText, Path stdinFile, Path stdoutFile) {
        /** Standard input, read when the example runs (an earlier example may write the file). */
        String stdin() throws Exception {
            return stdinFile != null ? Files.readString(stdinFile) : stdinText;
        }

        boolean wholeCatalogue() {
            return args.equals(List.of("check")) || args.equals(List.of("check", "--json"));
        }
    }

    @BeforeEach
    void setUp() {
        savedHome = System.getProperty("mmsim.home");
        System.setProperty("mmsim.home", Path.of("").toAbsolutePath().toString());
    }

    @AfterEach
    void tearDown() {
        if (savedHome == null) System.clearProperty("mmsim.home");
        else System.setProperty("mmsim.home", savedHome);
    }

    /** Every example of every command's help, the {@code new} examples first (others use the file they write). */
    static List<Example> examples() throws Exception {
        CommandLine root = Main.commandLine();   // every subcommand (no arguments: none is chosen lazily)
        List<CommandLine> commands = new ArrayList<>();
        commands.add(root);
        commands.addAll(root.getSubcommands().values());
        List<Example> out = new ArrayList<>();
        for (CommandLine c : commands) {
            String usage = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
            int at = usage.indexOf("\nExample");
            if (at < 0) continue;
            for (String line : usage.substring(at).split("\n")) {
                String l = line.strip().replaceFirst("\\s+#\\s.*$", "");
                if (!l.matches("(mmsim|cat|printf) .*|mmsim")) continue;
                out.add(parse(c.getCommandName(), l));
            }
        }
        out.sort(Comparator.comparing((Example e) -> !e.args().getFirst().equals("new")));
        return out;
    }

    static Example parse(String command, String printed) throws Exception {
        String[] pipe = printed.split(" \\| ");
        String stdin = "";
        Path stdinFile = null;
        String mmsim = pipe[0];
        if (pipe[0].startsWith("cat ")) {
            stdinFile = Path.of(pipe[0].substring(4).strip());
            mmsim = pipe[1];
        } else if (pipe[0].startsWith("printf ")) {
            stdin = words(pipe[0]).get(1).replace("\\n", "\n");
            mmsim = pipe[1];
        }
        List<String> w = new ArrayList<>(words(mmsim));
        assertEquals("mmsim", w.getFirst(), printed);
        Path stdoutFile = null;
        if (w.size() > 2 && w.get(w.size() - 2).equals(">")) {
            stdoutFile = Path.of(w.removeLast());
            w.removeLast();
        }
        return new Example(command, printed, w.subList(1, w.size()), stdin, stdinFile, stdoutFile);
    }

    /** Splits on blanks, keeping 'single-quoted' text as one word (as sh does). */
    static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("'([^']*)'|(\\S+)").matcher(s);
        while (m.find()) out.add(m.group(1) != null ? m.group(1) : m.group(2));
        return out;
    }

    private static void runAll(List<Example> examples) throws Exception {
        List<Path> written = new ArrayList<>(List.of(Path.of("my-race.mms")));
        for (Example e : examples) if (e.stdoutFile() != null) written.add(e.stdoutFile());
        for (Path w : written) assumeFalse(Files.exists(w), w + " exists in the working tree; an example would overwrite it");
        try {
            for (Example e : examples) {
                // --source host reads this machine's /proc/kpageflags: only where it can be read
                if (e.args().contains("host") && !Files.isReadable(Path.of("/proc/kpageflags"))) continue;
                PrintStream out0 = System.out, err0 = System.err;
                InputStream in0 = System.in;
                ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
                int exit;
                try {
                    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                    System.setIn(new ByteArrayInputStream(e.stdin().getBytes(StandardCharsets.UTF_8)));
                    exit = Main.execute(e.args().toArray(String[]::new));
                } finally {
                    System.setOut(out0);
                    System.setErr(err0);
                    System.setIn(in0);
                }
                if (e.stdoutFile() != null) Files.write(e.stdoutFile(), out.toByteArray());
                String text = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
                assertEquals(0, exit, e.command() + " --help example '" + e.printed() + "' exits " + exit + ":\n" + text);
                assertFalse(text.contains("internal error"), text);
            }
        } finally {
            for (Path w : written) {
                try { Files.deleteIfExists(w); } catch (Exception ignored) { }
            }
        }
    }

    @Test
    void everyHelpExampleRunsAsPrinted() throws Exception {
        List<Example> all = examples();
        assertTrue(all.size() >= 20, "examples found: " + all);
        for (Example e : all) assertTrue(e.printed().length() <= 78, "an example wider than the help: " + e.printed());
        runAll(all.stream().filter(e -> !e.wholeCatalogue()).toList());
    }

    @Test
    @Tag("slow")
    void theWholeCatalogueExamplesRunAsPrinted() throws Exception {
        runAll(examples().stream().filter(Example::wholeCatalogue).toList());
    }

    @Test
    void theReplayExampleReplaysTheSeed000Crash() throws Exception {
        Example replay = examples().stream().filter(e -> e.args().getFirst().equals("replay")).findFirst().orElseThrow();
        CliEndToEndTest.Run r = CliEndToEndTest.run(replay.args().toArray(String[]::new));
        assertEquals(0, r.exit(), replay.printed() + "\n" + r.out() + r.err());
        assertTrue(r.out().contains("KASAN: use-after-free Read in page_is_idle"), r.out());
    }

    @Test
    void examplesAreReadAsAShellWould() throws Exception {
        assertEquals(List.of("sh"), parse("sh", "printf 'a -> p\\ndump_page $p\\n' | mmsim sh").args());
        assertEquals("a -> p\ndump_page $p\n", parse("sh", "printf 'a -> p\\ndump_page $p\\n' | mmsim sh").stdin());
        assertEquals(List.of("check", "--json"), parse("check", "mmsim check --json | jq .rows").args());
        assertEquals(Arrays.asList("cat", "--hex", "/proc/kpageflags"), parse("cat", "mmsim cat --hex /proc/kpageflags | head").args());
    }
}
