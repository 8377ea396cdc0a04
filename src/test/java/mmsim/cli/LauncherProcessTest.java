package mmsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Runs the real launcher as a newcomer would: {@code ./mmsim --help} from another directory.
 * Skipped when the launcher would first have to rebuild the project (its stamp is older than the
 * sources), so the default suite never waits for a Maven build.
 */
class LauncherProcessTest {
    @Test
    void helpFromTheLauncherListsTheCommandsAndExitStatus() throws Exception {
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
}
