package mmsim.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training runs from which the launcher makes JDK 25's AOT caches ({@code -XX:AOTCacheOutput},
 * JEP 483/514): each runs the short commands whose start-up its cache is for, so that the
 * classes they load, link and profile are in it. Output is discarded. A cache holds every class
 * its training loaded and the JVM maps them all at start, so the launcher keeps one cache per
 * short command ({@code usage}: {@code --help}, {@code --version}; {@code cat};
 * {@code page-types}) besides the one for everything else ({@code all}, the default); the set
 * is the argument. Run by {@code ./mmsim} after a build; a failure only means no cache (the
 * launcher then runs without one).
 */
public final class AotTraining {
    private AotTraining() {}

    public static void main(String[] args) throws IOException {
        String set = args.length > 0 ? args[0] : "all";
        PrintStream out = System.out, err = System.err;
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), false);
        Path dir = Files.createTempDirectory("mmsim-aot");
        Path dump = dir.resolve("kpageflags");
        try {
            System.setErr(sink);
            if (set.equals("page-types") || set.equals("all")) {
                try (PrintStream file = new PrintStream(Files.newOutputStream(dump), false)) {
                    System.setOut(file);
                    Main.execute("cat", "/proc/kpageflags");
                }
            }
            System.setOut(sink);
            String[][] usage = {{"--help"}, {"--version"}, {}};
            // cat's set reads small files only: a training that walks kpageflags makes its many hot
            // methods compile at once in every later run (the cache's profiles), where a meminfo
            // read calls them a few times (135 methods compiled instead of 166, 13 ms of C1 instead of 17)
            String[][] cat = {{"cat", "/proc/meminfo"}, {"cat", "/sys/devices/system/memory/memory0/online"}};
            String[][] catLarge = {{"cat", "--hex", "/proc/kpageflags"}};
            String[][] pageTypes = {{"page-types"}, {"page-types", "-h"}, {"page-types", "-d", "0x10"},
                {"page-types", "-F", dump.toString()}, {"page-types", "-F", dump.toString(), "-b", "buddy", "-l"},
                {"page-types", "-F", dump.toString(), "-r"}};
            String[][][] sets = switch (set) {
                case "usage" -> new String[][][] {usage};
                case "cat" -> new String[][][] {cat};
                case "page-types" -> new String[][][] {pageTypes};
                case "all" -> new String[][][] {usage, {{"help", "page-types"}, {"list"}}, cat, catLarge, pageTypes};
                default -> throw new IllegalArgumentException("training set: usage, cat, page-types or all, not " + set);
            };
            for (String[][] commands : sets) for (String[] command : commands) Main.execute(command);
        } finally {
            System.setOut(out);
            System.setErr(err);
            Files.deleteIfExists(dump);
            Files.deleteIfExists(dir);
        }
    }
}
