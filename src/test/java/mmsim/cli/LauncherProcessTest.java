package mmsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real launcher as a newcomer would: {@code ./mmsim --help} from another directory.
 * Skipped when the launcher would first have to rebuild the project (its stamp is older than the
 * sources), so the default suite never waits for a Maven build.
 */
class LauncherProcessTest {
    /** The launcher, skipping the test when it would first rebuild the project. */
    static Path builtLauncher() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        Path launcher = root.resolve("mmsim");
        Path stamp = root.resolve("target/.mmsim-built");
        assumeTrue(Files.isExecutable(launcher) && Files.exists(stamp), "launcher not built yet");
        long built = Files.getLastModifiedTime(stamp).toMillis();
        try (var s = Files.walk(root.resolve("src/main"))) {
            assumeTrue(s.noneMatch(p -> {
                try { return Files.getLastModifiedTime(p).toMillis() > built; } catch (Exception e) { return true; }
            }), "sources changed since the last launcher build");
        }
        return launcher;
    }

    static String run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().write("exit\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return p.exitValue() + "\n" + out;
    }

    @Test
    void aLauncherSymlinkedIntoADirectoryOfPathFindsItsTree(@TempDir Path bin) throws Exception {
        Path launcher = builtLauncher();
        Path link = Files.createSymbolicLink(bin.resolve("mmsim"), launcher);
        String out = run(bin, link.toString(), "list");
        assertTrue(out.startsWith("0\n"), out);
        assertTrue(out.contains("000-kpageflags-vs-offline"), out);
    }

    @Test
    void theShellOnATerminalStartsWithoutJdkWarnings(@TempDir Path dir) throws Exception {
        Path launcher = builtLauncher();
        // script(1) gives the shell a terminal, so JLine loads its native library as it does for a user
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "script(1) not installed");
        String out = run(dir, "/usr/bin/script", "-qec", launcher + " sh", "/dev/null");
        assertTrue(out.contains("mmsim sh on"), out);
        assertFalse(out.contains("WARNING"), out);
    }

    @Test
    void anInterruptedExploreSaysWhereItWasAndWhatFinished(@TempDir Path dir) throws Exception {
        Path launcher = builtLauncher();
        Path errFile = dir.resolve("err");
        Process p = new ProcessBuilder(launcher.toString(), "explore", "000", "--strategy", "random", "--budget", "2s", "--seed", "7", "-q")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(errFile.toFile()).start();
        Thread.sleep(6000);   // the first variant (2s budget) has finished, the second runs
        p.destroy();          // SIGTERM: the JVM runs its shutdown hooks as for Ctrl-C's SIGINT
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String err = Files.readString(errFile);
        assertTrue(err.contains("mmsim explore: interrupted in 000-kpageflags-vs-offline "), err);
        assertTrue(err.contains("finished before: 000-kpageflags-vs-offline / v4.6: "), err);
    }

    @Test
    void helpFromTheLauncherListsTheCommandsAndExitStatus() throws Exception {
        Path launcher = builtLauncher();
        Process p = new ProcessBuilder(launcher.toString(), "--help").directory(Path.of("/tmp").toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        for (String cmd : new String[] {"check", "explore", "replay", "sh", "list", "generate-completion"}) {
            assertTrue(out.contains("  " + cmd + " ") || out.contains("  " + cmd + "\n"), cmd + " missing from:\n" + out);
        }
        assertTrue(out.contains("Exit status: 0 as declared"), out);
    }

    /**
     * The short commands end their process with their own status: a successful one returns from
     * main (no System.exit), a refusal still exits 1 or 2, and stdout is complete either way.
     */
    @Test
    void shortCommandsExitWithTheirStatus(@TempDir Path dir) throws Exception {
        Path launcher = builtLauncher();
        String meminfo = run(dir, launcher.toString(), "cat", "/proc/meminfo");
        assertTrue(meminfo.startsWith("0\nMemTotal:"), meminfo);
        assertTrue(meminfo.endsWith(" kB\n"), meminfo);
        assertEquals("1\ncat: /proc/nope: No such file or directory\n", run(dir, launcher.toString(), "cat", "/proc/nope"));
        assertTrue(run(dir, launcher.toString(), "cat").startsWith("2\nMissing required parameter: 'PATH'"));
        String usage = run(dir, launcher.toString(), "page-types", "-h");
        assertTrue(usage.startsWith("0\npage-types [options]\n"), usage);
        assertTrue(run(dir, launcher.toString(), "page-types", "-b", "bogus").startsWith("1\ninvalid name or number: bogus\n"));
    }
}
