package mmsim.explore;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/** Receives progress of a long exploration, a few times per second at most. */
@FunctionalInterface
public interface ProgressListener {

    /**
     * One progress report. {@code coverage} estimates the explored fraction of the bounded DFS
     * space (0..1), or of the execution budget for random and PCT; {@code timeLeft} is empty
     * without a time budget.
     */
    record Progress(Strategy strategy, int bound, long executions, long points, double executionsPerSecond,
                    double coverage, java.util.Optional<Duration> timeLeft, Duration elapsed, boolean done) {
        public String line() {
            return String.format(Locale.ROOT, "%s%s: %,d executions, %,.0f/s, %,d points, %.1f%% %s%s",
                    strategy.lower(), strategy == Strategy.DFS ? " bound " + bound : "", executions, executionsPerSecond,
                    points, coverage * 100, strategy == Strategy.DFS ? "of the bounded space" : "of the budget",
                    timeLeft.map(d -> String.format(Locale.ROOT, ", %ds left", d.toSeconds())).orElse(""));
        }
    }

    void progress(Progress p);

    ProgressListener NONE = p -> { };

    /** Rewrites one status line on a terminal; quiet (no output at all) when stderr is not a terminal. */
    static ProgressListener terminal() {
        return System.console() == null ? NONE : terminal(System.err);
    }

    /** Rewrites one status line on {@code out} with carriage returns; ends it with a newline when done. */
    static ProgressListener terminal(PrintStream out) {
        return p -> {
            out.print("\r\033[K" + p.line());
            if (p.done()) out.println();
            out.flush();
        };
    }
}
