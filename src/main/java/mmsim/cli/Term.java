package mmsim.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Terminal facts for colour and progress: colour only when stdout is a terminal (or forced with
 * {@code --color=always}, and never with {@code NO_COLOR}); progress only when stderr is a terminal.
 * Kernel-format text (oops, dump_page, /proc) is never coloured: people paste it into mail.
 */
public final class Term {
    private Term() { }

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

    /** Whether to colour stdout for {@code --color=auto|always|never}. */
    public static boolean colour(String mode) {
        if ("never".equals(mode)) return false;
        if ("always".equals(mode)) return true;
        String noColor = System.getenv("NO_COLOR");
        if (noColor != null && !noColor.isEmpty()) return false;
        return isTerminal(1) && !"dumb".equals(System.getenv("TERM"));
    }

    /** Progress goes to stderr only when it is a terminal and not silenced. */
    public static boolean progress(boolean quiet) {
        return !quiet && isTerminal(2);
    }

    public static String red(boolean on, String s) { return on ? "\u001b[31;1m" + s + "\u001b[0m" : s; }
    public static String green(boolean on, String s) { return on ? "\u001b[32m" + s + "\u001b[0m" : s; }
    public static String yellow(boolean on, String s) { return on ? "\u001b[33m" + s + "\u001b[0m" : s; }
    public static String bold(boolean on, String s) { return on ? "\u001b[1m" + s + "\u001b[0m" : s; }
}
