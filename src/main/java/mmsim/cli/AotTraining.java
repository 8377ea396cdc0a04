package mmsim.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training run from which the launcher makes JDK 25's AOT cache ({@code -XX:AOTCacheOutput},
 * JEP 483/514): it runs the short commands whose start-up the cache is for ({@code --help},
 * {@code --version}, {@code cat}, {@code page-types} on the model and on a dump, {@code list})
 * so that the classes they load, link and profile are in the cache. Output is discarded.
 * Run by {@code ./mmsim} after a build; a failure only means no cache (the launcher then runs
 * without one).
 */
public final class AotTraining {
    private AotTraining() {}

    public static void main(String[] args) throws IOException {
        PrintStream out = System.out, err = System.err;
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), false);
        Path dir = Files.createTempDirectory("mmsim-aot");
        Path dump = dir.resolve("kpageflags");
        try {
            System.setErr(sink);
            try (PrintStream file = new PrintStream(Files.newOutputStream(dump), false)) {
                System.setOut(file);
                Main.execute("cat", "/proc/kpageflags");
            }
            System.setOut(sink);
            String[][] commands = {
                {"--help"}, {"--version"}, {"help", "page-types"}, {"list"},
                {"cat", "/proc/meminfo"}, {"cat", "/sys/devices/system/memory/memory0/online"},
                {"cat", "--hex", "/proc/kpageflags"},
                {"page-types"}, {"page-types", "-h"}, {"page-types", "-d", "0x10"},
                {"page-types", "-F", dump.toString()}, {"page-types", "-F", dump.toString(), "-b", "buddy", "-l"},
                {"page-types", "-F", dump.toString(), "-r"},
            };
            for (String[] command : commands) Main.execute(command);
        } finally {
            System.setOut(out);
            System.setErr(err);
            Files.deleteIfExists(dump);
            Files.deleteIfExists(dir);
        }
    }
}
