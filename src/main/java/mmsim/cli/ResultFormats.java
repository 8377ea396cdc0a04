package mmsim.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import mmsim.explore.Trace;
import mmsim.scenario.ScenarioRunner.Finding;
import mmsim.scenario.ScenarioRunner.Status;
import mmsim.scenario.ScenarioRunner.VariantResult;

/**
 * Catalogue results for CI: kselftest's KTAP (Documentation/dev-tools/ktap.rst: version line,
 * plan, one result line per scenario x variant, "# " diagnostics before it, a Totals line as
 * kselftest prints) and JUnit XML (the testsuite/testcase shape CI servers read); and the trace
 * as structured steps for the JSON output.
 */
final class ResultFormats {
    private ResultFormats() { }

    /** KTAP: ok when as declared, not ok when violated, ok # SKIP when a budget ran out first. */
    static void ktap(PrintWriter out, List<VariantResult> rows) {
        out.println("KTAP version 1");
        out.println("1.." + rows.size());
        int pass = 0, fail = 0, skip = 0;
        for (int i = 0; i < rows.size(); i++) {
            VariantResult r = rows.get(i);
            String name = ktapText(r.scenario().name() + "/" + r.variant().name());
            out.println("# " + ktapText(r.scenario().name() + " " + r.variant().name() + ": " + r.verdict()
                    + (r.findings().isEmpty() ? "" : " (" + r.findings().get(0).cls() + ")")));
            for (Finding f : r.findings()) out.println("# replay: " + ktapText(Reports.replayCommand(r, f)));
            switch (r.status()) {
                case OK -> {
                    out.println("ok " + (i + 1) + " " + name);
                    pass++;
                }
                case VIOLATED -> {
                    out.println("not ok " + (i + 1) + " " + name + " # " + ktapText(r.note()));
                    fail++;
                }
                case INCOMPLETE -> {
                    out.println("ok " + (i + 1) + " " + name + " # SKIP " + ktapText(r.note()));
                    skip++;
                }
            }
        }
        out.printf(Locale.ROOT, "# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0%n", pass, fail, skip);
    }

    /** A description or diagnostic on one line, without the '#' KTAP reserves. */
    private static String ktapText(String s) {
        return s.replace('\n', ' ').replace("#", "no.");
    }

    /** JUnit XML: a testsuite per scenario, a testcase per variant; violated is a failure, incomplete skipped. */
    static void junit(PrintWriter out, List<VariantResult> rows, boolean reproducible) {
        out.println("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        long failures = rows.stream().filter(r -> r.status() == Status.VIOLATED).count();
        long skipped = rows.stream().filter(r -> r.status() == Status.INCOMPLETE).count();
        out.printf(Locale.ROOT, "<testsuites name=\"mmsim check\" tests=\"%d\" failures=\"%d\" skipped=\"%d\">%n", rows.size(), failures, skipped);
        List<String> scenarios = new ArrayList<>();
        for (VariantResult r : rows) if (!scenarios.contains(r.scenario().name())) scenarios.add(r.scenario().name());
        for (String s : scenarios) {
            List<VariantResult> mine = rows.stream().filter(r -> r.scenario().name().equals(s)).toList();
            out.printf(Locale.ROOT, "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" skipped=\"%d\">%n", xml(s), mine.size(),
                    mine.stream().filter(r -> r.status() == Status.VIOLATED).count(),
                    mine.stream().filter(r -> r.status() == Status.INCOMPLETE).count());
            for (VariantResult r : mine) {
                out.printf(Locale.ROOT, "    <testcase classname=\"%s\" name=\"%s\" time=\"%s\">%n", xml(s), xml(r.variant().name()),
                        reproducible ? "0" : String.format(Locale.ROOT, "%.3f", r.elapsed().toMillis() / 1000.0));
                StringBuilder text = new StringBuilder();
                for (Finding f : r.findings()) {
                    text.append(f.failure().verdict().title()).append(" (").append(f.cls()).append(")\n")
                            .append(Reports.replayCommand(r, f)).append("\n\n").append(f.failure().trace().condensed())
                            .append('\n').append(f.failure().verdict().report()).append('\n');
                }
                if (r.status() == Status.VIOLATED) {
                    out.printf("      <failure message=\"%s\" type=\"%s\">%s</failure>%n", xml(r.note()), xml(r.verdict()), xml(text.toString()));
                } else if (r.status() == Status.INCOMPLETE) {
                    out.printf("      <skipped message=\"%s\"/>%n", xml(r.note()));
                }
                if (r.status() != Status.VIOLATED && !text.isEmpty()) out.printf("      <system-out>%s</system-out>%n", xml(text.toString()));
                out.println("    </testcase>");
            }
            out.println("  </testsuite>");
        }
        out.println("</testsuites>");
    }

    static String xml(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                default -> {
                    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') sb.append(' ');
                    else sb.append(c);
                }
            }
        }
        return sb.toString();
    }

    /**
     * The trace as data: one object per event with its CPU letter, kind, nesting depth, the
     * function it is in (the innermost entered frame), its text and, for steps, the access and
     * the location number (equal numbers: the same object).
     */
    static List<Object> steps(Trace t) {
        List<Object> out = new ArrayList<>();
        Map<Integer, List<String>> stacks = new java.util.HashMap<>();
        for (Trace.Event e : t.events()) {
            List<String> stack = stacks.computeIfAbsent(e.cpu(), c -> new ArrayList<>());
            int d = Math.max(0, e.depth());
            // a preemption, a wait or the end is no call depth: the CPU's stack stays as it was
            boolean marker = e.kind() == Trace.Kind.PREEMPTED || e.kind() == Trace.Kind.WAITS || e.kind() == Trace.Kind.DONE;
            if (!marker) while (stack.size() > d) stack.remove(stack.size() - 1);
            String function = stack.isEmpty() ? null : stack.get(stack.size() - 1);
            if (e.kind() == Trace.Kind.ENTER) {
                stack.add(e.text());
                function = e.text();
            }
            Map<String, Object> o = new java.util.LinkedHashMap<>();
            o.put("cpu", String.valueOf((char) ('A' + e.cpu())));
            o.put("kind", e.kind().name().toLowerCase(Locale.ROOT));
            o.put("depth", e.depth());
            o.put("function", function);
            o.put("text", e.text());
            if (e.kind() == Trace.Kind.STEP) {
                o.put("access", e.access().name().toLowerCase(Locale.ROOT));
                o.put("location", e.location() < 0 ? null : e.location());
            }
            out.add(o);
        }
        return out;
    }
}
