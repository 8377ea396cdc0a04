package mmsim.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import picocli.CommandLine.Help.Ansi;

/**
 * Terminal facts for colour and progress. Colour is picocli's {@link Ansi}: {@code --color=auto}
 * colours only when stdout is a terminal and neither {@code NO_COLOR} nor {@code CLICOLOR=0} says
 * otherwise; {@code always} and {@code never} force it. Progress goes to stderr only when stderr
 * is a terminal, which Ansi does not tell (it looks at stdout), hence {@link #isTerminal}.
 * Kernel-format text (oops, dump_page, /proc) is never coloured: people paste it into mail.
 */
public final class Term {
    private Term() { }

    /** The values of {@code --color}; picocli rejects any other word with the list of these. */
    public enum ColorWhen {
        auto, always, never;

        Ansi ansi() {
            return switch (this) {
                case always -> Ansi.ON;
                case never -> Ansi.OFF;
                case auto -> Ansi.AUTO.enabled() && !"dumb".equals(System.getenv("TERM")) ? Ansi.ON : Ansi.OFF;
            };
        }
    }

    /** True when file descriptor {@code fd} of this process is a terminal (Linux: /proc/self/fd). */
    public static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (Exception e) {
            var c = System.console();
            return c != null && c.isTerminal();
        }
    }

    /** Whether to colour stdout for {@code --color WHEN}. */
    public static boolean colour(ColorWhen when) {
        return when.ansi().enabled();
    }

    /** Progress goes to stderr only when it is a terminal and not silenced. */
    public static boolean progress(boolean quiet) {
        return !quiet && isTerminal(2);
    }

    /**
     * Columns of the output: {@code $COLUMNS} when set, the terminal's width when stdout is one
     * (asked through JLine), else {@code fallback}.
     */
    public static int columns(int fallback) {
        String env = System.getenv("COLUMNS");
        if (env != null && env.matches("\\d{2,4}")) return Integer.parseInt(env);
        if (!isTerminal(1)) return fallback;
        try (org.jline.terminal.Terminal t = org.jline.terminal.TerminalBuilder.builder().system(true).dumb(true).build()) {
            int w = t.getWidth();
            return w >= 40 ? w : fallback;
        } catch (Exception | Error e) {
            return fallback;
        }
    }

    public static String red(boolean on, String s) { return style(on, "bold,red", s); }
    public static String green(boolean on, String s) { return style(on, "green", s); }
    public static String yellow(boolean on, String s) { return style(on, "yellow", s); }
    public static String bold(boolean on, String s) { return style(on, "bold", s); }

    private static String style(boolean on, String styles, String s) {
        return on ? Ansi.ON.string("@|" + styles + " " + s.replace("|@", "| @") + "|@") : s;
    }
}
