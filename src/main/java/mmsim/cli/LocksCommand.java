package mmsim.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import mmsim.explore.ProgressListener;
import mmsim.scenario.LockNecessity;
import mmsim.scenario.LockNecessity.Analysis;
import mmsim.scenario.LockNecessity.Drop;
import mmsim.scenario.LockNecessity.Taken;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioRunner;
import mmsim.scenario.ScenarioRunner.Finding;
import mmsim.scenario.ops.OpRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code mmsim locks FILE --variant V}: which lock classes a variant needs, found by dropping each in turn. */
@Command(name = "locks", mixinStandardHelpOptions = true,
        header = "Is each lock necessary, is the variant sufficient? Drop each lock class in turn and explore.",
        description = "List every lock class the variant's executions take (and the kernel functions that take it), then explore once per class with that class dropped (drop-lock=CLASS: its acquisitions and releases elided). Each class is necessary (a FORBIDDEN outcome appears without it: verdict, trace and replay command), not needed within the bound (the search without it was exhaustive and found nothing forbidden) or unknown (the budget ran out first). RCU read sections (rcu_read_lock), grace periods (synchronize_rcu) and IRQ-off regions (local_irq_disable) count as classes. The last line says whether the variant is sufficient (it holds) and which of its locks are necessary.",
        footer = {"", "Examples:",
                "  mmsim locks scenarios/010-buddy-alloc-free.mms --variant mainline",
                "  mmsim locks 011c --variant mainline --json",
                "  mmsim locks 010 --variant mainline --pairs --budget 2m",
                "", "Exit status: 0 answered, 1 the variant itself fails (not sufficient), 2 usage", "or broken scenario, 4 a budget ran out before an answer."})
public final class LocksCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", completionCandidates = CheckCommand.CatalogueNames.class,
            description = "A .mms scenario file, a catalogue name or prefix, or - for standard input.")
    String file;

    @Option(names = "--variant", paramLabel = "V", description = "The variant (default: the scenario's only variant).")
    String variant;

    @Option(names = "--bound", paramLabel = "K", description = "Preemption bound of every search (default: the file's, else 2).")
    Integer bound;

    @Option(names = "--budget", paramLabel = "N|TIME", description = "Budget of each search: N executions or a time such as 30s, 2m.")
    String budget;

    @Option(names = "--pairs", description = "Also drop every pair of classes (finds locks redundant with each other).")
    boolean pairs;

    @Option(names = {"-j", "--json"}, description = "One JSON object: the baseline, one object per class (lock, result, verdict, executions, exhaustive, replay), the pairs and the sufficiency line.")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "No progress on stderr.")
    boolean quiet;

    @picocli.CommandLine.Mixin TraceOptions traces = new TraceOptions();

    @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto", description = "Colour: auto (only on a terminal, not with NO_COLOR), always, never.")
    Term.ColorWhen color;

    @Override
    public Integer call() throws Exception {
        return UsageError.guard(spec, this::run);
    }

    private Integer run() {
        PrintWriter out = spec.commandLine().getOut();
        Scenario s = ScenarioArgs.load(file, OpRegistry.standard(), System.in);
        Scenario.Variant v = ScenarioArgs.onlyOrNamed(s, variant);
        ScenarioRunner.Settings st = ScenarioArgs.settings(s, null, bound, budget, null);
        ScenarioRunner.validate(s);
        Analysis a = LockNecessity.analyse(s, v, st, pairs, listener(spec.commandLine().getErr(), Term.progress(quiet || json)));
        if (json) out.println(Json.write(json(a)));
        else text(out, a, Term.colour(color), traces);
        return exitCode(a);
    }

    static int exitCode(Analysis a) {
        if (!a.holds()) return a.baseline().status() == ScenarioRunner.Status.INCOMPLETE ? Main.EXIT_INCOMPLETE : Main.EXIT_VIOLATED;
        boolean unknown = a.singles().stream().anyMatch(d -> d.result() == LockNecessity.Result.UNKNOWN)
                || a.pairs().stream().anyMatch(d -> d.result() == LockNecessity.Result.UNKNOWN);
        return unknown ? Main.EXIT_INCOMPLETE : Main.EXIT_OK;
    }

    /** The progress line: the baseline search, then one per dropped class. */
    private static LockNecessity.Listener listener(PrintWriter err, boolean on) {
        return new LockNecessity.Listener() {
            Progress progress;

            @Override
            public void start(Scenario.Variant v, List<String> dropped, int index, int total) {
                if (progress == null || index <= 1) {
                    if (progress != null) progress.finish();
                    progress = new Progress(err, on, total);
                }
                progress.start(v.name() + (dropped.isEmpty() ? "" : " without " + String.join(" + ", dropped)));
            }

            @Override
            public ProgressListener progress() {
                return progress.listener();
            }
        };
    }

    private static void text(PrintWriter out, Analysis a, boolean colour, TraceOptions traces) {
        ScenarioRunner.VariantResult b = a.baseline();
        out.printf("%s / %s: %s — %d executions, %s%n", b.scenario().name(), b.variant().name(), b.verdict(), b.executions(), b.coverage());
        out.println();
        out.println("lock classes taken (" + a.taken().size() + "):");
        int w = Math.max(4, a.taken().stream().mapToInt(t -> t.lockClass().name().length()).max().orElse(4));
        for (Taken t : a.taken()) {
            out.printf(Locale.ROOT, "  %-" + w + "s  %-19s  %s%n", t.lockClass().name(), t.lockClass().kind().ctype, String.join(", ", t.where()));
        }
        if (!a.singles().isEmpty()) {
            out.println();
            out.println("each class dropped (bound " + b.settings().bound() + "):");
            table(out, a.singles(), colour);
        }
        if (!a.pairs().isEmpty()) {
            out.println();
            out.println("each pair dropped:");
            table(out, a.pairs(), colour);
        }
        List<Drop> all = new ArrayList<>(a.singles());
        all.addAll(a.pairs());
        for (Drop d : all) {
            Finding f = d.finding();
            if (f == null) continue;
            out.println();
            out.println("== without " + d.label() + ": necessary");
            Reports.finding(out, d.run(), f, colour, traces);
        }
        String why = a.whyNoneNecessary();
        if (why != null) {
            out.println();
            out.println(why);
        }
        out.println();
        out.println(a.sufficiency());
    }

    private static void table(PrintWriter out, List<Drop> drops, boolean colour) {
        int w = Math.max(4, drops.stream().mapToInt(d -> d.label().length()).max().orElse(4));
        String fmt = "  %-" + w + "s  %-10s  %10s  %-21s  %s%n";
        out.printf(Locale.ROOT, fmt, "LOCK", "RESULT", "EXECUTIONS", "COVERAGE", "VERDICT");
        for (Drop d : drops) {
            String result = switch (d.result()) {
                case NECESSARY -> Term.red(colour, pad(d.result().text()));
                case NOT_NEEDED -> Term.green(colour, pad(d.result().text()));
                case UNKNOWN -> Term.yellow(colour, pad(d.result().text()));
            };
            out.printf(Locale.ROOT, "  %-" + w + "s  %s  %10d  %-21s  %s%n", d.label(), result, d.run().executions(), d.run().coverage(), d.run().verdict());
        }
    }

    private static String pad(String s) {
        return String.format(Locale.ROOT, "%-10s", s);
    }

    static Map<String, Object> json(Analysis a) {
        ScenarioRunner.VariantResult b = a.baseline();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("schema_version", Reports.SCHEMA_VERSION);
        o.put("scenario", b.scenario().name());
        o.put("variant", b.variant().name());
        o.put("bound", b.settings().bound());
        Map<String, Object> base = new LinkedHashMap<>();
        base.put("status", b.status().name().toLowerCase(Locale.ROOT));
        base.put("verdict", b.verdict());
        base.put("executions", b.executions());
        base.put("exhaustive", b.exhausted());
        o.put("baseline", base);
        List<Object> classes = new ArrayList<>();
        for (Taken t : a.taken()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("lock", t.lockClass().name());
            c.put("kind", t.lockClass().kind().ctype);
            c.put("where", List.copyOf(t.where()));
            Drop d = a.singles().stream().filter(x -> x.label().equals(t.lockClass().name())).findFirst().orElse(null);
            dropJson(c, d);
            classes.add(c);
        }
        o.put("classes", classes);
        List<Object> pairs = new ArrayList<>();
        for (Drop d : a.pairs()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("lock", d.label());
            c.put("locks", d.classes());
            dropJson(c, d);
            pairs.add(c);
        }
        o.put("pairs", pairs);
        o.put("necessary", a.necessary());
        o.put("holds", a.holds());
        o.put("why_none_necessary", a.whyNoneNecessary());
        o.put("sufficiency", a.sufficiency());
        return o;
    }

    private static void dropJson(Map<String, Object> c, Drop d) {
        c.put("result", d == null ? null : d.result().json);
        c.put("verdict", d == null ? null : d.run().verdict());
        c.put("executions", d == null ? null : d.run().executions());
        c.put("exhaustive", d == null ? null : d.run().exhausted());
        Finding f = d == null ? null : d.finding();
        c.put("replay", f == null ? null : Reports.replayCommand(d.run(), f));
    }
}
