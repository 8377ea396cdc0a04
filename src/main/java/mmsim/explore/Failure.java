package mmsim.explore;

import java.util.Map;

/**
 * A failing execution, already minimised (fewest preemptions, then fewest steps) and re-run
 * with tracing. {@code schedule} replays it exactly through {@link Explorer#replay}.
 */
public record Failure(String schedule, Verdict verdict, Trace trace, Map<String, String> observed,
                      int preemptions, int steps) {

    /** Trace, verdict, kernel report and replay line, as the CLI prints a failure. */
    public String render() {
        StringBuilder sb = new StringBuilder(trace.render());
        sb.append('\n').append(verdict.title()).append('\n');
        if (!verdict.report().isEmpty()) {
            sb.append(verdict.report());
            if (!verdict.report().endsWith("\n")) sb.append('\n');
        }
        if (!observed.isEmpty()) sb.append("observed: ").append(observed).append('\n');
        sb.append("replay: ").append(schedule).append("   (").append(preemptions).append(" preemption")
                .append(preemptions == 1 ? "" : "s").append(", ").append(steps).append(" steps)\n");
        return sb.toString();
    }
}
