package mmsim.cli;

import java.io.PrintWriter;

/**
 * A one-line progress display on stderr, redrawn with {@code \r}; silent unless stderr is a
 * terminal (perf and trace-cmd stay quiet when piped). Updates are throttled to a few per second.
 */
final class Progress {
    private final PrintWriter err;
    private final boolean on;
    private final int total;
    private int index;
    private String label = "";
    private long lastDraw;
    private int lastWidth;

    Progress(PrintWriter err, boolean on, int total) {
        this.err = err;
        this.on = on;
        this.total = total;
    }

    void start(String what) {
        index++;
        label = what;
        draw("starting", true);
    }

    /** The listener to hand the explorer (it calls it a few times per second at most). */
    mmsim.explore.ProgressListener listener() {
        return on ? p -> draw(p.line(), false) : mmsim.explore.ProgressListener.NONE;
    }

    void done() { }

    void finish() {
        if (!on || lastWidth == 0) return;
        err.print("\r" + " ".repeat(lastWidth) + "\r");
        err.flush();
    }

    /** "[i/n] scenario variant: " then the explorer's line (executions, rate, coverage, time left). */
    private void draw(String detail, boolean force) {
        if (!on) return;
        long now = System.nanoTime();
        if (!force && now - lastDraw < 200_000_000L) return;
        lastDraw = now;
        String s = String.format("[%d/%d] %s: %s", index, total, label, detail);
        int pad = Math.max(0, lastWidth - s.length());
        err.print("\r" + s + " ".repeat(pad));
        err.flush();
        lastWidth = s.length();
    }
}
