package mmsim.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import mmsim.explore.Outcome;
import mmsim.scenario.Grader;
import mmsim.scenario.LockNecessity;
import mmsim.scenario.ScenarioRunner.Finding;
import mmsim.scenario.ScenarioRunner.Status;
import mmsim.scenario.ScenarioRunner.VariantResult;

/** The text and JSON shapes of exploration results, shared by check and explore. */
final class Reports {
    private Reports() { }

    static final int SCHEMA_VERSION = 1;

    /**
     * The verdict table, grouped by scenario: for each variant its status, the class its scenario
     * declares for what was found ("-" when it holds), executions, coverage, time and the verdict.
     * The verdict comes last and is cut to fit {@code columns}; coverage and time are left out
     * when the terminal is too narrow for them. With {@code necessary} cells, a NECESSARY column
     * names the lock classes each row of a scenario asking {@code question locks} needs ("-" for
     * rows not asked).
     */
    static void table(PrintWriter out, List<VariantResult> rows, boolean colour, boolean reproducible, int columns,
                      Map<VariantResult, String> necessary) {
        int wV = "SCENARIO / VARIANT".length(), wC = "COVERAGE".length(), wN = "NECESSARY".length();
        for (VariantResult r : rows) {
            wV = Math.max(wV, r.variant().name().length() + 2);
            wC = Math.max(wC, r.coverage().length());
            wN = Math.max(wN, necessary.getOrDefault(r, "-").length());
        }
        boolean withLocks = !necessary.isEmpty();
        int fixed = wV + 2 + 10 + 2 + 11 + 2 + 10 + 2 + (withLocks ? wN + 2 : 0);
        boolean wide = columns - fixed - wC - 2 - 6 - 2 >= 30;
        int wT = Math.max(10, columns - fixed - (wide ? wC + 2 + 6 + 2 : 0));
        String head = String.format(Locale.ROOT, "%-" + wV + "s  %-10s  %-11s  %10s  ", "SCENARIO / VARIANT", "STATUS", "CLASS", "EXECUTIONS")
                + (wide ? String.format(Locale.ROOT, "%-" + wC + "s  %6s  ", "COVERAGE", "TIME") : "")
                + (withLocks ? String.format(Locale.ROOT, "%-" + wN + "s  ", "NECESSARY") : "") + "VERDICT";
        out.println(head);
        String scenario = null;
        for (VariantResult r : rows) {
            if (!r.scenario().name().equals(scenario)) {
                scenario = r.scenario().name();
                out.println(scenario);
            }
            String verdict = r.verdict().length() > wT ? r.verdict().substring(0, wT - 3) + "..." : r.verdict();
            String status = switch (r.status()) {
                case OK -> "ok";
                case VIOLATED -> "VIOLATED";
                case INCOMPLETE -> "incomplete";
            };
            String padded = String.format(Locale.ROOT, "%-10s", status);
            padded = switch (r.status()) {
                case OK -> Term.green(colour, padded);
                case VIOLATED -> Term.red(colour, padded);
                case INCOMPLETE -> Term.yellow(colour, padded);
            };
            String declared = r.findings().isEmpty() ? "-" : r.findings().get(0).cls().name();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-" + (wV - 2) + "s  %s  %-11s  %10d  ",
                    r.variant().name(), padded, declared, r.executions()));
            if (wide) line.append(String.format(Locale.ROOT, "%-" + wC + "s  %6s  ", r.coverage(), reproducible ? "-" : seconds(r.elapsed())));
            if (withLocks) line.append(String.format(Locale.ROOT, "%-" + wN + "s  ", necessary.getOrDefault(r, "-")));
            line.append(verdict);
            out.println(line.toString().stripTrailing());
        }
    }

    /** The one-line answer under the table. */
    static String summary(List<VariantResult> rows, boolean broken) {
        long ok = rows.stream().filter(r -> r.status() == Status.OK).count();
        long bad = rows.stream().filter(r -> r.status() == Status.VIOLATED).count();
        long inc = rows.size() - ok - bad;
        long found = rows.stream().mapToLong(r -> r.findings().size()).sum();
        return String.format(Locale.ROOT, "%d scenario variants: %d as declared, %d VIOLATED, %d incomplete; %d failing execution%s found%s",
                rows.size(), ok, bad, inc, found, found == 1 ? "" : "s", broken ? "; some scenario files are broken (see above)" : "");
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
    }

    /** The replay command line for a finding. */
    static String replayCommand(VariantResult r, Finding f) {
        StringBuilder sb = new StringBuilder("./mmsim replay ").append(r.scenario().file()).append(" --variant ").append(r.variant().name());
        for (String c : LockNecessity.droppedBeyondFile(r.scenario(), r.variant())) sb.append(" --drop-lock ").append(shellWord(c));
        return sb.append(" --schedule ").append(f.failure().schedule()).toString();
    }

    /** {@code s} as one shell word: quoted when it holds anything but letters, digits and {@code _-.,/+=:}. */
    static String shellWord(String s) {
        return s.matches("[A-Za-z0-9_\\-.,/+=:]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /** A finding: the one-line title, the header, the two-column trace, the kernel report, the replay line. */
    static void finding(PrintWriter out, VariantResult r, Finding f, boolean colour, TraceOptions traces) {
        var fail = f.failure();
        out.println(Term.bold(colour, fail.verdict().title()));
        out.println();
        out.printf("scenario  %s   variant %s   verdict %s%n", r.scenario().name(), r.variant().name(), fail.verdict().kind().id());
        out.printf("declared  %s%s%n", f.cls(), f.declaration() != null && f.declaration().comment() != null
                ? ": " + f.declaration().comment() : "");
        out.println("replay    " + replayCommand(r, f));
        if (!fail.observed().isEmpty()) out.println("observed  " + observed(fail.observed()));
        out.println();
        out.print(ensureNewline(traces.render(fail.trace())));
        String report = fail.verdict().report();
        if (report != null && !report.isBlank()) {
            out.println();
            out.print(ensureNewline(report));
        }
        out.println();
    }

    /**
     * The outcomes an exploration saw, as herd7 lists its states and jcstress its results: one
     * line per outcome (the verdict and the values the CPUs' variables took) with its count and
     * the class the scenario gives it, most frequent first.
     */
    static void outcomes(PrintWriter out, VariantResult r) {
        Grader g = new Grader(r.scenario());
        List<Map.Entry<Outcome, Long>> seen = new ArrayList<>(r.outcomes().entrySet());
        seen.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
        out.printf(Locale.ROOT, "outcomes  %d seen in %d executions%n", seen.size(), r.executions());
        List<String[]> lines = new ArrayList<>();
        int w = 0;
        for (Map.Entry<Outcome, Long> e : seen) {
            Outcome o = e.getKey();
            String what = o.verdictKind().id() + (o.observed().isEmpty() ? "" : "  " + observed(o.observed()));
            w = Math.max(w, what.length());
            lines.add(new String[] {String.valueOf(e.getValue()), what,
                    g.classify(r.variant().name(), o.verdictKind(), o.observed()).name()});
        }
        for (String[] l : lines) out.printf(Locale.ROOT, "  %8s  %-" + Math.max(1, w) + "s  %s%n", l[0], l[1], l[2]);
    }

    static String observed(Map<String, String> vars) {
        StringBuilder sb = new StringBuilder();
        vars.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : " ").append(k).append('=').append(v));
        return sb.toString();
    }

    static String ensureNewline(String s) {
        return s.endsWith("\n") ? s : s + "\n";
    }

    /** One row of the JSON output. */
    static Map<String, Object> json(VariantResult r, boolean reproducible) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", r.scenario().name());
        m.put("file", r.scenario().file());
        m.put("variant", r.variant().name());
        m.put("status", r.status().name().toLowerCase(Locale.ROOT));
        m.put("verdict", r.verdict());
        m.put("note", r.note());
        m.put("strategy", r.settings().strategy().name().toLowerCase(Locale.ROOT));
        m.put("bound", r.settings().bound());
        m.put("executions", r.executions());
        m.put("exhaustive", r.exhausted());
        m.put("budget_cut", r.budgetCut());
        if (r.settings().strategy() == mmsim.explore.Strategy.DFS) {
            // what sleep-set reduction did: executions abandoned as reorderings of explored ones,
            // and alternatives never tried (each at least one execution saved); --reduction none: off
            Map<String, Object> red = new LinkedHashMap<>();
            red.put("sleep_sets", r.reduction().on());
            red.put("redundant", r.reduction().redundant());
            red.put("pruned", r.reduction().pruned());
            m.put("reduction", red);
        }
        m.put("elapsed_ms", reproducible ? null : r.elapsed().toMillis());
        m.put("outcomes", outcomes(new Grader(r.scenario()), r.variant().name(), r.outcomes()));
        List<Object> findings = new ArrayList<>();
        for (Finding f : r.findings()) findings.add(finding(r, f));
        m.put("findings", findings);
        if (r.sharded() != null) m.put("shard", ShardJson.section(r));
        return m;
    }

    /** One finding of a row, as the JSON output writes it. */
    static Map<String, Object> finding(VariantResult r, Finding f) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("class", f.cls().name());
        o.put("kind", f.failure().verdict().kind().id());
        o.put("title", f.failure().verdict().title());
        o.put("schedule", f.failure().schedule());
        o.put("replay", replayCommand(r, f));
        o.put("observed", new LinkedHashMap<>(f.failure().observed()));
        o.put("preemptions", f.failure().preemptions());
        o.put("steps", f.failure().steps());
        o.put("trace", f.failure().trace().render());
        o.put("condensed_trace", f.failure().trace().condensed());
        o.put("trace_steps", ResultFormats.steps(f.failure().trace()));
        o.put("report", f.failure().verdict().report());
        return o;
    }

    /** An outcome histogram as the JSON output writes it: verdict, observed values, class, count, in first-seen order. */
    static List<Object> outcomes(Grader g, String variant, Map<Outcome, Long> seen) {
        List<Object> outcomes = new ArrayList<>();
        for (Map.Entry<Outcome, Long> e : seen.entrySet()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("verdict", e.getKey().verdictKind().id());
            o.put("observed", new LinkedHashMap<>(e.getKey().observed()));
            o.put("class", g.classify(variant, e.getKey().verdictKind(), e.getKey().observed()).name());
            o.put("count", e.getValue());
            outcomes.add(o);
        }
        return outcomes;
    }

    /** The exit code of several results: 1 if any violated, else 4 if any incomplete, else 0. */
    static int exitCode(List<VariantResult> rows) {
        boolean incomplete = false;
        for (VariantResult r : rows) {
            if (r.status() == Status.VIOLATED) return Main.EXIT_VIOLATED;
            if (r.status() == Status.INCOMPLETE) incomplete = true;
        }
        return incomplete ? Main.EXIT_INCOMPLETE : Main.EXIT_OK;
    }
}
