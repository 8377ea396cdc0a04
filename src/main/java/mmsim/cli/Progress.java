package mmsim.cli;

import java.io.PrintWriter;
import java.util.function.IntSupplier;

import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * A one-line progress display on stderr, redrawn with {@code \r} and erase-line; silent unless
 * stderr is a terminal (perf and trace-cmd stay quiet when piped). Updates are throttled to a few
 * per second. The line is clipped to the terminal's width (JLine asks the terminal, and again at
 * every draw, so a resized window is followed): a line longer than the terminal would wrap, and
 * {@code \r} would then redraw only its last row, leaving stale rows above the table.
 */
final class Progress {
    private final PrintWriter err;
    private final boolean on;
    private final int total;
    private final IntSupplier columns;
    private int index;
    private String label = "";
    private String detail = "";
    private long lastDraw;

    Progress(PrintWriter err, boolean on, int total) {
        this(err, on, total, on ? stderrColumns() : () -> 80);
    }

    Progress(PrintWriter err, boolean on, int total, IntSupplier columns) {
        this.err = err;
        this.on = on;
        this.total = total;
        this.columns = columns;
    }

    void start(String what) {
        index++;
        label = what;
        draw("starting", true);
    }

    /** The listener to hand the explorer (it calls it a few times per second at most). */
    mmsim.explore.ProgressListener listener() {
        return p -> {
            detail = p.line();
            if (on) draw(detail, false);
        };
    }

    /** What is being explored and how far it got: "000-x v4.6: dfs bound 1: 1,234 executions, ...". */
    String current() {
        return label + ": " + detail;
    }

    void done() { }

    void finish() {
        if (!on || lastDraw == 0) return;
        err.print("\r\u001b[K");
        err.flush();
    }

    /** "[i/n] scenario variant: " then the explorer's line (executions, rate, coverage, time left). */
    private void draw(String text, boolean force) {
        if (!on) return;
        long now = System.nanoTime();
        if (!force && now - lastDraw < 200_000_000L) return;
        lastDraw = now;
        String s = String.format("[%d/%d] %s: %s", index, total, label, text);
        int width = columns.getAsInt() - 1;   // the last column would wrap on some terminals
        if (s.length() > width) s = s.substring(0, Math.max(0, width - 1)) + "…";
        err.print("\r" + s + "\u001b[K");
        err.flush();
    }

    /** The width of the terminal on stderr, asked through JLine; 80 when it cannot tell. */
    private static IntSupplier stderrColumns() {
        try {
            Terminal t = TerminalBuilder.builder().system(true).systemOutput(TerminalBuilder.SystemOutput.SysErr)
                    .nativeSignals(false).dumb(true).build();
            return () -> t.getWidth() > 0 ? t.getWidth() : 80;
        } catch (Exception | LinkageError e) {
            return () -> 80;
        }
    }
}
