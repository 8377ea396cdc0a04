package mmsim.explore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import mmsim.kernel.Access;
import mmsim.kernel.Region;

/**
 * A traced execution as data: events in global order, each on one CPU's column. Rendered as a
 * table with one column per CPU (Lincheck's layout, in kernel vocabulary): function nesting from
 * {@code Kernel.enter} frames, one line per preemption point label, notes, preemptions, waits,
 * and the faulting line.
 */
public final class Trace {

    /** What a row shows. */
    public enum Kind { ENTER, STEP, NOTE, PREEMPTED, WAITS, FAULT, DONE }

    /**
     * One row: on CPU {@code cpu}, at nesting {@code depth}. A STEP carries what its preemption
     * point did ({@code access}) to which shared location: {@code location} numbers the locations
     * of one trace in order of first use (-1: none), so two steps on the same object compare equal
     * and a replay gives the same numbers.
     */
    public record Event(int cpu, Kind kind, int depth, String text, Access access, int location) {
        public Event(int cpu, Kind kind, int depth, String text) {
            this(cpu, kind, depth, text, Access.NONE, -1);
        }

        String cell() {
            String indent = "  ".repeat(Math.max(0, depth));
            return switch (kind) {
                case ENTER, STEP, NOTE -> indent + text;
                case PREEMPTED -> "-- preempted --";
                case WAITS -> indent + "... waits for " + text;
                case FAULT -> indent + text;
                case DONE -> "<done>";
            };
        }
    }

    private static final int MAX_WIDTH = 64;

    private final List<String> cpuNames;
    private final List<Event> events;

    public Trace(List<String> cpuNames, List<Event> events) {
        this.cpuNames = List.copyOf(cpuNames);
        this.events = List.copyOf(events);
    }

    public List<String> cpuNames() { return cpuNames; }
    public List<Event> events() { return events; }

    /**
     * The condensed table a commit message shows: at most {@code width} columns, about
     * {@code rows} rows, only the steps that matter (see {@link TraceCondenser}).
     */
    public String condensed(int width, int rows) {
        return TraceCondenser.render(this, width, rows);
    }

    /** {@link #condensed(int, int)} at 80 columns and about 40 rows. */
    public String condensed() {
        return condensed(TraceCondenser.DEFAULT_WIDTH, TraceCondenser.DEFAULT_ROWS);
    }

    /** The two-column (one column per CPU) table with every step. */
    public String render() {
        int n = cpuNames.size();
        int[] width = new int[n];
        for (int c = 0; c < n; c++) width[c] = Math.min(MAX_WIDTH, cpuNames.get(c).length());
        for (Event e : events) width[e.cpu()] = Math.min(MAX_WIDTH, Math.max(width[e.cpu()], e.cell().length()));
        StringBuilder sb = new StringBuilder();
        appendRow(sb, width, -1, null);
        for (int c = 0; c < n; c++) {
            if (c > 0) sb.append("-+-");
            sb.append("-".repeat(width[c]));
        }
        stripTrailing(sb);
        sb.append('\n');
        for (Event e : events) appendRow(sb, width, e.cpu(), e.cell());
        return sb.toString();
    }

    private void appendRow(StringBuilder sb, int[] width, int cpu, String cell) {
        for (int c = 0; c < width.length; c++) {
            if (c > 0) sb.append(" | ");
            String text = cpu < 0 ? cpuNames.get(c) : c == cpu ? cell : "";
            if (text.length() > width[c] && c < width.length - 1) text = text.substring(0, width[c] - 1) + "~";
            sb.append(text);
            if (c < width.length - 1) sb.append(" ".repeat(Math.max(0, width[c] - text.length())));
        }
        stripTrailing(sb);
        sb.append('\n');
    }

    private static void stripTrailing(StringBuilder sb) {
        int len = sb.length();
        while (len > 0 && sb.charAt(len - 1) == ' ') len--;
        sb.setLength(len);
    }

    @Override public boolean equals(Object o) {
        return o instanceof Trace t && t.cpuNames.equals(cpuNames) && t.events.equals(events);
    }

    @Override public int hashCode() { return events.hashCode(); }

    @Override public String toString() { return render(); }

    /** Collects events during a traced execution. */
    static final class Recorder {
        final List<Event> events = new ArrayList<>();
        private final Map<Object, Integer> locations = new HashMap<>();

        void add(int cpu, Kind kind, int depth, String text) {
            events.add(new Event(cpu, kind, depth, text));
        }

        void step(int cpu, int depth, String label, Object location, Access access) {
            Object named = location instanceof Region.Part part ? part.whole() : location;
            int id = named == null ? -1 : locations.computeIfAbsent(named, l -> locations.size());
            events.add(new Event(cpu, Kind.STEP, depth, label, access == null ? Access.NONE : access, id));
        }
    }
}
