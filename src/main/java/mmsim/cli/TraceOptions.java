package mmsim.cli;

import mmsim.explore.Trace;
import mmsim.explore.TraceCondenser;
import picocli.CommandLine.Option;

/** How a failing execution's trace is printed: condensed to a width (default) or in full. */
final class TraceOptions {
    @Option(names = "--width", paramLabel = "N", defaultValue = "" + TraceCondenser.DEFAULT_WIDTH,
            description = "Width of the condensed trace in columns (default: ${DEFAULT-VALUE}, a commit message).")
    int width = TraceCondenser.DEFAULT_WIDTH;

    @Option(names = "--full-trace", description = "Print every step of the trace instead of the condensed diagram.")
    boolean full;

    /** The trace as the user asked for it. */
    String render(Trace t) {
        if (width < 20) throw new UsageError("--width: " + width + " is too narrow (at least 20 columns)");
        return full ? t.render() : t.condensed(width, TraceCondenser.DEFAULT_ROWS);
    }
}
