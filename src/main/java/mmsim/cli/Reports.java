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
     * The verdict table: scenario × variant → verdict, the class its scenario declares for it
     * (EXPECTED, INTERESTING, FORBIDDEN; "-" when it holds), executions, coverage, time, status.
     */
    static void table(PrintWriter out, List<VariantResult> rows, boolean colour, boolean reproducible) {
        table(out, rows, colour, reproducible, Map.of());
    }

    /**
     * The verdict table with a NECESSARY column when {@code necessary} has cells: the lock classes
     * each row of a scenario asking {@code question locks} needs ("-" for rows not asked).
     */
    static void table(PrintWriter out, List<VariantResult> rows, boolean colour, boolean reproducible, Map<VariantResult, String> necessary) {
        int wS = "SCENARIO".length(), wV = "VARIANT".length(), wT = "VERDICT".length();
        for (VariantResult r : rows) {
            wS = Math.max(wS, r.scenario().name().length());
            wV = Math.max(wV, r.variant().name().length());
            wT = Math.max(wT, Math.min(64, r.verdict().length()));
        }
        boolean withLocks = !necessary.isEmpty();
        String fmt = "%-" + wS + "s  %-" + wV + "s  %-" + wT + "s  %-11s  %10s  %-21s  %7s  %s" + (withLocks ? "  %s" : "%s") + "%n";
        out.printf(Locale.ROOT, fmt, "SCENARIO", "VARIANT", "VERDICT", "DECLARED", "EXECUTIONS", "COVERAGE", "TIME",
                withLocks ? "STATUS    " : "STATUS", withLocks ? "NECESSARY" : "");
        for (VariantResult r : rows) {
            String verdict = r.verdict().length() > 64 ? r.verdict().substring(0, 61) + "..." : r.verdict();
            String status = switch (r.status()) {
                case OK -> Term.green(colour, "ok");
                case VIOLATED -> Term.red(colour, "VIOLATED");
                case INCOMPLETE -> Term.yellow(colour, "incomplete");
            };
            String declared = r.findings().isEmpty() ? "-" : r.findings().get(0).cls().name();
            // pad by the visible width (ok, VIOLATED, incomplete: as long as the status names), not the colour codes
            if (withLocks) status = status + " ".repeat(10 - r.status().name().length());
            out.printf(Locale.ROOT, fmt, r.scenario().name(), r.variant().name(), verdict, declared, r.executions(), r.coverage(),
                    reproducible ? "-" : seconds(r.elapsed()), status, withLocks ? necessary.getOrDefault(r, "-") : "");
        }
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
    static void finding(PrintWriter out, VariantResult r, Finding f, boolean colour) {
        var fail = f.failure();
        out.println(Term.bold(colour, fail.verdict().title()));
        out.println();
        out.printf("scenario  %s   variant %s   verdict %s (%s%s)%n", r.scenario().name(), r.variant().name(),
                fail.verdict().kind().id(), f.cls(), f.declaration() != null && f.declaration().comment() != null
                        ? ": " + f.declaration().comment() : "");
        out.println("replay    " + replayCommand(r, f));
        if (!fail.observed().isEmpty()) out.println("observed  " + observed(fail.observed()));
        out.println();
        out.print(ensureNewline(fail.trace().render()));
        String report = fail.verdict().report();
        if (report != null && !report.isBlank()) {
            out.println();
            out.print(ensureNewline(report));
        }
        out.println();
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
            // and alternatives never tried (each at least one execution saved); --no-reduction: off
            Map<String, Object> red = new LinkedHashMap<>();
            red.put("sleep_sets", r.reduction().on());
            red.put("redundant", r.reduction().redundant());
            red.put("pruned", r.reduction().pruned());
            m.put("reduction", red);
        }
        m.put("elapsed_ms", reproducible ? null : r.elapsed().toMillis());
        Grader g = new Grader(r.scenario());
        List<Object> outcomes = new ArrayList<>();
        for (Map.Entry<Outcome, Long> e : r.outcomes().entrySet()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("verdict", e.getKey().verdictKind().id());
            o.put("observed", new LinkedHashMap<>(e.getKey().observed()));
            o.put("class", g.classify(r.variant().name(), e.getKey().verdictKind(), e.getKey().observed()).name());
            o.put("count", e.getValue());
            outcomes.add(o);
        }
        m.put("outcomes", outcomes);
        List<Object> findings = new ArrayList<>();
        for (Finding f : r.findings()) {
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
            o.put("report", f.failure().verdict().report());
            findings.add(o);
        }
        m.put("findings", findings);
        return m;
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
