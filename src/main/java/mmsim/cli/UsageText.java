package mmsim.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import picocli.CommandLine;

/**
 * {@code mmsim --version} and the usage ({@code mmsim --help}, {@code -h}, no arguments)
 * without a command model. picocli builds a command's model by reflection over its annotations
 * (one dynamic proxy class per annotation type, never in the AOT cache), and the usage needs all
 * twelve commands: most of a short run's start. So the Maven build renders the usage once,
 * after compiling ({@link #main}, run by exec-maven-plugin in process-classes), plain and with
 * picocli's ANSI styles, into resources beside this class; a run then prints the one picocli's
 * own choice of styles ({@code Ansi.AUTO}: terminal, NO_COLOR, picocli.ansi) asks for.
 * UsageTextTest holds both equal to what picocli prints for the same arguments.
 *
 * <p>Falls back to picocli (returns null) for any other command line, when the resources are
 * missing (a build without the exec step), and when {@code picocli.usage.width} is set.
 */
public final class UsageText {
    static final String PLAIN = "usage.txt", STYLED = "usage-ansi.txt";

    private UsageText() { }

    /** What {@code mmsim ARGS} prints, when it needs no command model; else null. */
    static String quickAnswer(String[] args) {
        String only = args.length == 1 ? args[0] : null;
        if ("--version".equals(only) || "-V".equals(only)) return version();
        boolean usage = args.length == 0 || "--help".equals(only) || "-h".equals(only);
        if (!usage || System.getProperty("picocli.usage.width") != null) return null;
        return resource(CommandLine.Help.Ansi.AUTO.enabled() ? STYLED : PLAIN);
    }

    /** picocli's printVersionHelp of Main's version provider: one line each. */
    private static String version() {
        StringBuilder sb = new StringBuilder();
        for (String line : new Main.Version().getVersion()) sb.append(line).append(System.lineSeparator());
        return sb.toString();
    }

    static String resource(String name) {
        try (InputStream in = UsageText.class.getResourceAsStream(name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    /** picocli's usage of mmsim with every subcommand registered. */
    static String render(CommandLine.Help.Ansi ansi) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(b, true, StandardCharsets.UTF_8);
        Main.commandLine().usage(out, ansi);
        out.flush();
        return b.toString(StandardCharsets.UTF_8);
    }

    /** Build step: writes both renderings into directory {@code args[0]} (target/classes/mmsim/cli). */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(PLAIN), render(CommandLine.Help.Ansi.OFF));
        Files.writeString(dir.resolve(STYLED), render(CommandLine.Help.Ansi.ON));
    }
}
