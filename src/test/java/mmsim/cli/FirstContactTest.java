package mmsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/**
 * The reproducers of issue 19's first-contact defects, each run against the repository's own
 * catalogue: every one ends with a message naming the input and the right exit status, never an
 * internal error (exit 70) or a dead JVM.
 */
class FirstContactTest {
    @TempDir Path tmp;
    private String savedHome;

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

    private static CliEndToEndTest.Run run(String... args) {
        CliEndToEndTest.Run r = CliEndToEndTest.run(args);
        assertFalse(r.err().contains("internal error"), String.join(" ", args) + ":\n" + r.err());
        return r;
    }

    @Test
    void strategyIsAcceptedInAnyCase() {
        for (String s : new String[] {"random", "RANDOM", "Random"}) {
            CliEndToEndTest.Run r = run("explore", "010", "--variant", "mainline", "--strategy", s, "--budget", "30", "-q");
            assertEquals(4, r.exit(), s + ": " + r.err());   // budget cut: a random search never exhausts
            assertTrue(r.out().contains("strategy random"), r.out());
        }
    }

    @Test
    void aScenarioNumberNamesThatScenarioAndAnAmbiguousPrefixSaysWhichItCouldBe() {
        CliEndToEndTest.Run one = run("explore", "000", "--variant", "mainline", "--bound", "0", "-q");
        assertTrue(one.out().startsWith("000-kpageflags-vs-offline / mainline"), one.out() + one.err());
        CliEndToEndTest.Run several = run("explore", "00", "-q");
        assertEquals(2, several.exit());
        assertTrue(several.err().contains("'00' names several scenarios: 000-kpageflags-vs-offline, 000b-"), several.err());
        assertTrue(several.err().contains("mmsim check 00"), several.err());
    }

    @Test
    void everyCommandsHelpExitsZero() {
        CommandLine cl = Main.commandLine();   // every subcommand (no arguments: none is chosen lazily)
        assertTrue(cl.getSubcommands().size() >= 12, cl.getSubcommands().keySet().toString());
        for (String name : cl.getSubcommands().keySet()) {
            if (name.equals("help")) continue;
            CliEndToEndTest.Run r = run(name, "--help");
            assertEquals(0, r.exit(), name + " --help: " + r.err());
            assertTrue(r.out().contains(name), r.out());
        }
    }

    @Test
    void catOfARelativeOrEmptyPathIsCatsNoSuchFile() {
        CliEndToEndTest.Run rel = run("cat", "relative");
        assertEquals(1, rel.exit());
        assertTrue(rel.err().startsWith("cat: relative: No such file or directory (the machine's files are under /proc"), rel.err());
        CliEndToEndTest.Run empty = run("cat", "");
        assertEquals(1, empty.exit());
        assertTrue(empty.err().startsWith("cat: '': No such file or directory"), empty.err());
        CliEndToEndTest.Run fromRoot = run("cat", "proc/buddyinfo");
        assertEquals(0, fromRoot.exit(), fromRoot.err());
        assertTrue(fromRoot.out().startsWith("Node 0, zone"), fromRoot.out());
    }

    @Test
    void anUnboundShellVariableIsAShellError() {
        CliEndToEndTest.Run r = run("sh", "-c", "alloc_pages 0 -> page", "-c", "free_pages $nope 0");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("mmsim: $nope: unbound variable"), r.err());
        assertTrue(run("sh", "-c", "alloc_pages 0 -> page", "-c", "free_pages $page 0").exit() == 0);
    }

    @Test
    void aZeroTimeBudgetIsRefusedOnTheCommandLineAndInAFile() throws Exception {
        CliEndToEndTest.Run cli = run("explore", "010", "--budget", "0s");
        assertEquals(2, cli.exit());
        assertTrue(cli.err().contains("--budget: a time budget must be more than zero, got '0s'"), cli.err());
        String text = Files.readString(Path.of("scenarios/010-buddy-alloc-free.mms")).replace("\nbound ", "\nbudget 0s\nbound ");
        Path f = tmp.resolve("010-buddy-alloc-free.mms");
        Files.writeString(f, text);
        CliEndToEndTest.Run file = run("explore", f.toString());
        assertEquals(2, file.exit());
        assertTrue(file.err().matches("(?s)mmsim: .*010-buddy-alloc-free.mms:\\d+:8: a time budget must be more than zero, got '0s'.*"), file.err());
    }

    @Test
    void memoryBeyondTheHeapIsRefusedNotAnOutOfMemoryError() throws Exception {
        CliEndToEndTest.Run add = run("sh", "-c", "add_memory 0 0x100000000 0x10000000000 -> r", "-c", "vars", "-c", "dmesg");
        assertEquals(0, add.exit(), add.err());
        assertTrue(add.out().contains("r=-ENOMEM"), add.out());
        assertTrue(add.out().contains("vmemmap alloc failure"), add.out());
        Path layout = tmp.resolve("4t.layout");
        Files.writeString(layout, "arch x86_64\ncpus 1\nram 0x100000 +4T\n");
        CliEndToEndTest.Run boot = run("boot", layout.toString());
        assertEquals(2, boot.exit());
        assertTrue(boot.err().contains("4t.layout: 4194304 MiB of boot RAM needs a 33792 MiB memmap in the model, more than the Java heap holds"),
                boot.err());
    }

    @Test
    void theShellChecksConfigOptionsAsScenariosDo() {
        CliEndToEndTest.Run bogus = run("sh", "--config", "CONFIG_BOGUS", "-c", "cat /proc/buddyinfo");
        assertEquals(2, bogus.exit());
        assertTrue(bogus.err().contains("--config: unknown option 'CONFIG_BOGUS'"), bogus.err());
        CliEndToEndTest.Run typo = run("sh", "--config", "CONFIG_PAGE_OWNR", "-c", "cat /proc/buddyinfo");
        assertTrue(typo.err().contains("did you mean: CONFIG_PAGE_OWNER"), typo.err());
        assertEquals(0, run("sh", "--config", "CONFIG_PAGE_OWNER,CONFIG_CMA=n", "-c", "cat /proc/buddyinfo").exit());
    }

    @Test
    void lsDashLShowsTheKernelsFileModes() {
        CliEndToEndTest.Run r = run("sh", "-c", "ls -l /sys/devices/system/memory/memory1", "-c", "ls -l /proc/kpageflags");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("-rw-r--r-- 1 root root 4096 state\n"), r.out());
        assertTrue(r.out().contains("-r--r--r-- 1 root root 4096 phys_index\n"), r.out());
        assertTrue(r.out().contains("lrwxrwxrwx 1 root root 0 subsystem -> ../../../../bus/memory\n"), r.out());
        assertTrue(r.out().contains("-r-------- 1 root root 0 /proc/kpageflags\n"), r.out());
    }

    @Test
    void dmesgShowsWhatWasLoggedSinceTheMark() {
        CliEndToEndTest.Run r = run("sh", "-c", "add_memory 0 0x100000001 0x8000000 -> first", "-c", "dmesg mark",
                "-c", "add_memory 0 0x100000000 0x8000001 -> second", "-c", "dmesg -> log", "-c", "vars");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("log=Block size [0x8000000] unaligned hotplug range: start 0x100000000, size 0x8000001\n"), r.out());
        assertFalse(r.out().contains("start 0x100000001"), "the line logged before the mark: " + r.out());
    }
}
