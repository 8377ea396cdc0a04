package mmsim.cli;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link QuickCommands} reads cat and page-types lines exactly as picocli does, or leaves them to
 * picocli: every line it takes gets the same option values from picocli's parse of the real
 * command line ({@link Main#commandLine}), and whole runs print the same bytes and exit with the
 * same status both ways, errors included.
 */
class QuickCommandsTest {

    /** Words a cat or page-types line is made of, the awkward ones included. */
    private static final String[] WORDS = {
        "--layout", "--layout=small", "--layout=", "--era", "--era=v4.6", "--modprobe", "--modprobe=x", "--hex",
        "--hex=true", "small", "v4.6", "hwpoison-inject", "/proc/meminfo", "proc/x", "a=b", "", "-", "--", "-h",
        "--help", "-V", "--version", "-F", "-Fdump", "-lb", "-b", "buddy", "--order", "kernel", "--raw", "@nofile",
        "-x", "--lay", "--layout-x", "--era=", "--ERA", "cat", "help",
    };

    @Provide
    Arbitrary<List<String>> lines() {
        return Arbitraries.of(WORDS).list().ofMaxSize(6);
    }

    @Property(tries = 600)
    void catTakesOnlyWhatPicocliReadsTheSame(@ForAll("lines") List<String> words) {
        String[] args = line("cat", words);
        CatCommand quick = QuickCommands.cat(args);
        if (quick == null) return;
        CatCommand parsed = (CatCommand) picocliParse(args);
        assertEquals(List.of(parsed.path, parsed.layout, parsed.era, parsed.hex),
                List.of(quick.path, quick.layout, quick.era, quick.hex), String.join(" ", args));
    }

    @Property(tries = 600)
    void pageTypesTakesOnlyWhatPicocliReadsTheSame(@ForAll("lines") List<String> words) {
        String[] args = line("page-types", words);
        PageTypesCommand quick = QuickCommands.pageTypes(args);
        if (quick == null) return;
        PageTypesCommand parsed = (PageTypesCommand) picocliParse(args);
        assertEquals(List.of(parsed.args, parsed.layout, parsed.era, String.valueOf(parsed.modprobe)),
                List.of(quick.args, quick.layout, quick.era, String.valueOf(quick.modprobe)), String.join(" ", args));
    }

    /** The lines people type are taken (so the properties above are not about declining everything). */
    @Test
    void plainLinesAreTaken() {
        for (String[] args : new String[][] {{"cat", "/proc/meminfo"}, {"cat", "--layout", "x.layout", "/proc/zoneinfo"},
                {"cat", "--hex", "/proc/kpageflags", "--era=v4.6"}, {"cat", "proc/x"}}) {
            assertNotNull(QuickCommands.cat(args), String.join(" ", args));
        }
        for (String[] args : new String[][] {{"page-types"}, {"page-types", "-F", "dump"}, {"page-types", "-h"},
                {"page-types", "--layout", "x.layout", "-b", "buddy", "-l"}, {"page-types", "--modprobe", "hwpoison-inject", "-X", "-a", "0x10"},
                {"page-types", "--order", "kernel", "-Fdump", "--era", "v4.6"}}) {
            assertNotNull(QuickCommands.pageTypes(args), String.join(" ", args));
        }
    }

    /** What picocli must answer itself: its help, its version, its usage errors. */
    @Test
    void picocliAnswersHelpAndItsErrors() {
        for (String[] args : new String[][] {{"cat"}, {"cat", "-h"}, {"cat", "--help"}, {"cat", "--version"},
                {"cat", "a", "b"}, {"cat", "--layout"}, {"cat", "--frobnicate", "/proc/meminfo"}, {"cat", "--hex", "--hex", "x"},
                {"cat", "--layout", "a", "--layout", "b", "x"}, {"page-types", "--era"},
                {"page-types", "--", "-h"}, {"page-types", "--layout", "--era", "x"}, {"page-types", "-c", "@5"}}) {
            Object quick = args[0].equals("cat") ? QuickCommands.cat(args) : QuickCommands.pageTypes(args);
            assertNull(quick, String.join(" ", args));
        }
        CliEndToEndTest.Run missing = CliEndToEndTest.run("cat");
        assertEquals(2, missing.exit());
        assertTrue(missing.err().startsWith("Missing required parameter: 'PATH'\nUsage: mmsim cat "), missing.err());
    }

    /** Whole runs, both ways: the same exit status, stdout and stderr, bytes and all. */
    @Test
    void runsPrintTheSameBothWays(@TempDir Path tmp) throws Exception {
        Path dump = tmp.resolve("kpageflags");
        Files.write(dump, new byte[8 * 5000]);
        Path odd = tmp.resolve("odd");
        Files.write(odd, new byte[13]);
        String d = dump.toString();
        String[][] lines = {
            {"cat", "/proc/meminfo"}, {"cat", "/proc/zoneinfo"}, {"cat", "/sys/devices/system/memory/memory0/online"},
            {"cat", "--era", "v4.6", "/proc/buddyinfo"}, {"cat", "/proc/nope"}, {"cat", "proc/meminfo"},
            {"cat", "--layout", "/nonexistent", "/proc/meminfo"}, {"cat", "--era", "v9", "/proc/meminfo"},
            {"cat", "--hex", "/proc/kpagecount"}, {"cat", "/proc/kpageflags"},
            {"page-types", "-F", d}, {"page-types", "-F", d, "-l", "-b", "nopage"}, {"page-types", "-h"},
            {"page-types", "-d", "buddy,lru"}, {"page-types", "-b", "bogus"}, {"page-types", "-F", odd.toString()},
            {"page-types", "--layout", "/nonexistent"}, {"page-types", "--modprobe", "bogus"},
            {"page-types", "--era", "v4.6", "-b", "buddy", "-N", "-l"}, {"page-types", "--frobnicate"},
        };
        for (String[] args : lines) {
            assertNotNull(args[0].equals("cat") ? QuickCommands.cat(args) : QuickCommands.pageTypes(args), "taken: " + String.join(" ", args));
            CliEndToEndTest.Run quick = CliEndToEndTest.run(args);
            CliEndToEndTest.Run picocli = withPicocli(args);
            assertEquals(picocli, quick, String.join(" ", args));
        }
        assertFalse(withPicocli("cat", "/proc/meminfo").out().isEmpty());
    }

    private static String[] line(String command, List<String> words) {
        List<String> all = new ArrayList<>();
        all.add(command);
        all.addAll(words);
        return all.toArray(String[]::new);
    }

    /** The subcommand object as picocli fills it from {@code args}; fails the test when picocli refuses the line. */
    private static Object picocliParse(String[] args) {
        CommandLine cl = Main.commandLine(args);
        CommandLine.ParseResult r = cl.parseArgs(args);
        assertTrue(r.hasSubcommand(), String.join(" ", args));
        assertFalse(r.subcommand().isUsageHelpRequested() || r.subcommand().isVersionHelpRequested(), String.join(" ", args));
        return r.subcommand().commandSpec().userObject();
    }

    /** {@code mmsim ARGS} through picocli, captured as {@link CliEndToEndTest#run} captures the normal way. */
    private static CliEndToEndTest.Run withPicocli(String... args) {
        PrintStream out0 = System.out, err0 = System.err;
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            int exit = Main.executeWithPicocli(args);
            return new CliEndToEndTest.Run(exit, out.toString(java.nio.charset.StandardCharsets.UTF_8),
                    err.toString(java.nio.charset.StandardCharsets.UTF_8));
        } finally {
            System.setOut(out0);
            System.setErr(err0);
        }
    }
}
