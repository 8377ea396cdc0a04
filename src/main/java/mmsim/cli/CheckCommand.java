package mmsim.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import mmsim.scenario.Catalogue;
import mmsim.scenario.LockNecessity;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioError;
import mmsim.scenario.ScenarioRunner;
import mmsim.scenario.ScenarioRunner.Finding;
import mmsim.scenario.ScenarioRunner.VariantResult;
import mmsim.scenario.Suggest;
import mmsim.scenario.ops.OpRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code mmsim check}: every catalogue scenario under each of its variants, graded against its declarations. */
@Command(name = "check", mixinStandardHelpOptions = true,
        header = "Run the catalogue: every scenario x variant, graded against its declarations.",
        description = "Run the catalogue: explore every scenario under each of its variants and compare what happens with what the scenario declares (ACCEPTABLE / INTERESTING / FORBIDDEN / EXPECTED). Prints a table scenario x variant -> verdict, executions explored, whether the bound was exhausted, and time; then, for every failure found, its title, the two-column CPU trace, the kernel's report and the command that replays it.",
        footer = {"", "Examples:",
                "  mmsim check                    # the whole catalogue",
                "  mmsim check 010 011            # scenarios whose names start with 010 or 011",
                "  mmsim check --json | jq .rows  # for scripts",
                "  mmsim check 011 --shard 1/4 --json > part-1.json   # one of 4 batch jobs",
                "", "Exit status: 0 every variant behaved as declared; 1 a declared outcome was", "violated (a FORBIDDEN outcome seen, or an EXPECTED one not reached although", "the search was exhaustive); 2 usage error or broken scenario file; 4 a budget", "ran out before an answer."})
public final class CheckCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", arity = "0..*", completionCandidates = CatalogueNames.class,
            description = "Scenario names, name prefixes (000) or .mms files. Default: the whole catalogue.")
    List<String> names = new ArrayList<>();

    @Option(names = "--variant", paramLabel = "V", description = "Run only this variant of each scenario.")
    String variant;

    @Option(names = {"-j", "--json"}, description = "Print one JSON object (schema_version, rows) instead of the table.")
    boolean json;

    @Option(names = {"-p", "--pretty"}, description = "Indented JSON; implies --json.")
    boolean pretty;

    @Option(names = "--format", paramLabel = "F", defaultValue = "text",
            description = "text (default), json, ktap (kselftest's KTAP, for kernel CI) or junit (JUnit XML).")
    String format;

    @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto",
            description = "Colour the table: auto (only on a terminal, not with NO_COLOR), always, never.")
    Term.ColorWhen color;

    @Option(names = {"-q", "--quiet"}, description = "No progress on stderr.")
    boolean quiet;

    @Option(names = "--reproducible", description = "No timings in the output, so runs can be diffed.")
    boolean reproducible;

    @Option(names = "--all", description = "Keep exploring after the first failure and report each distinct one (by kind and location).")
    boolean all;

    @Option(names = "--no-reduction", description = "The same as --reduction none.")
    boolean noReduction;

    @Option(names = "--reduction", paramLabel = "MODE", description = "How the DFS prunes schedules that only reorder independent steps: none (every schedule within the bound, the counts of earlier releases), sleep (sleep sets; the default with --shard) or dpor (source-set DPOR with sleep sets, the default; not with --shard).")
    String reduction;

    @Option(names = "--shard", paramLabel = "I/N", description = "Explore only shard I (0-based) of N of each row's DFS, for a batch job; N alone takes I from JOB_COMPLETION_INDEX (Kubernetes). Without it, Bazel's TEST_SHARD_INDEX/TEST_TOTAL_SHARDS are read. Rows that cannot be split (a lock analysis, random or pct) run whole on shard 0. Merge the shards' --json with: mmsim merge.")
    String shard;

    @Option(names = "--quiet-traces", description = "Print the table and the summary only, no failing traces.")
    boolean quietTraces;

    @Option(names = "--html", paramLabel = "DIR", description = "Also write a self-contained HTML report to DIR/index.html: the table, and per failure a CPU timeline, the kernel report, the traces and the memory map.")
    String html;

    @picocli.CommandLine.Mixin TraceOptions traces = new TraceOptions();

    @Override
    public Integer call() throws Exception {
        return UsageError.guard(spec, this::run);
    }

    private Integer run() {
        var out = spec.commandLine().getOut();
        if (!List.of("text", "json", "ktap", "junit").contains(format)) {
            throw new UsageError("--format: '" + format + "' is not one of text, json, ktap, junit");
        }
        var err = spec.commandLine().getErr();
        mmsim.explore.Shard part = ShardArgs.resolve(shard, System.getenv());
        mmsim.explore.ReductionMode mode = ScenarioArgs.reduction(noReduction, reduction, part);
        java.util.Set<VariantResult> whole = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        Path htmlPage = html == null ? null : HtmlOutput.inDirectory(html);
        OpRegistry ops = OpRegistry.standard();
        Catalogue cat = Catalogue.standard();
        LinkedHashSet<Path> files = new LinkedHashSet<>();
        if (names.isEmpty()) {
            files.addAll(cat.files());
            if (files.isEmpty()) {
                err.println("mmsim: no scenarios in " + cat.dir().toAbsolutePath());
                return Main.EXIT_USAGE;
            }
        }
        for (String n : names) {
            List<Path> found = cat.resolve(n);
            if (found.isEmpty()) {
                err.println("mmsim check: no scenario '" + n + "'" + Suggest.didYouMean(n, cat.names()) + " (see: mmsim list)");
                return Main.EXIT_USAGE;
            }
            files.addAll(found);
        }
        boolean broken = false;
        List<Scenario> scenarios = new ArrayList<>();
        for (Path f : files) {
            try {
                Scenario s = ScenarioArgs.warn(Catalogue.load(f, ops), err);
                if (variant != null && s.variant(variant) == null) {
                    if (names.isEmpty()) continue;
                    err.println("mmsim check: scenario " + s.name() + " has no variant '" + variant + "'"
                            + Suggest.didYouMean(variant, s.variantNames()) + "; variants: " + String.join(", ", s.variantNames()));
                    return Main.EXIT_USAGE;
                }
                scenarios.add(s);
            } catch (ScenarioError e) {
                err.println("mmsim: " + e.getMessage());
                broken = true;
            }
        }
        int total = 0;
        for (Scenario s : scenarios) total += variant != null ? 1 : s.variants().size();
        Progress progress = new Progress(err, Term.progress(quiet), total);
        List<VariantResult> rows = new ArrayList<>();
        Map<VariantResult, LockNecessity.Analysis> necessity = new java.util.IdentityHashMap<>();
        for (Scenario s : scenarios) {
            try {
                ScenarioRunner.validate(s);
            } catch (ScenarioError e) {
                err.println("mmsim: " + e.getMessage());
                broken = true;
                continue;
            }
            for (Scenario.Variant v : s.variants()) {
                if (variant != null && !v.name().equals(variant)) continue;
                ScenarioRunner.Settings st = ScenarioRunner.Settings.of(s).reduction(mode);
                // a lock analysis or a random walk cannot be split: shard 0 runs such a row whole
                boolean runsWhole = part != null && (s.asks(Scenario.QUESTION_LOCKS) || st.strategy() != mmsim.explore.Strategy.DFS);
                if (runsWhole && part.index() != 0) continue;
                if (part != null && !runsWhole) st = st.shard(part);
                progress.start(s.name() + " " + v.name());
                try {
                    if (all) st = st.all(true);   // else the file's own `report all`, if any
                    if (s.asks(Scenario.QUESTION_LOCKS)) {
                        // the analysis's baseline is the row; then each lock class is dropped in turn
                        LockNecessity.Analysis a = LockNecessity.analyse(s, v, st, false, progressOnly(progress));
                        rows.add(a.baseline());
                        necessity.put(a.baseline(), a);
                    } else {
                        rows.add(mmsim.scenario.UnopenedPaths.check(ScenarioRunner.run(s, v, st, progress.listener())));
                    }
                    if (runsWhole) whole.add(rows.get(rows.size() - 1));
                } catch (ScenarioError e) {
                    err.println("mmsim: " + e.getMessage());
                    broken = true;
                }
                progress.done();
            }
        }
        progress.finish();
        int exit = broken ? Main.EXIT_USAGE : Reports.exitCode(rows);
        Map<VariantResult, String> cells = new java.util.IdentityHashMap<>();
        necessity.forEach((row, a) -> cells.put(row, a.cell()));
        if (htmlPage != null) HtmlOutput.write(htmlPage, "mmsim check", rows, cells, reproducible);
        if (format.equals("ktap")) {
            ResultFormats.ktap(out, rows);
            return exit;
        }
        if (format.equals("junit")) {
            ResultFormats.junit(out, rows, reproducible);
            return exit;
        }
        if (json || pretty || format.equals("json")) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("schema_version", Reports.SCHEMA_VERSION);
            List<Object> r = new ArrayList<>();
            for (VariantResult x : rows) {
                Map<String, Object> row = Reports.json(x, reproducible);
                LockNecessity.Analysis a = necessity.get(x);
                if (a != null) row.put("necessary_locks", a.singles().isEmpty() ? null : a.necessary());
                if (whole.contains(x)) row.put("shard", ShardJson.whole(part));
                r.add(row);
            }
            o.put("rows", r);
            o.put("exit", exit);
            if (part != null) o.put("shard", ShardJson.of(part));   // the file's shard, even with no row of its own
            out.println(pretty ? Json.pretty(o) : Json.write(o));
            return exit;
        }
        boolean colour = Term.colour(color);
        Reports.table(out, rows, colour, reproducible, Term.columns(120), cells);
        out.println();
        out.println(Reports.summary(rows, broken));
        if (part != null) {
            out.println("shard " + part + ": the executions are this shard's part of each search; merge the --json outputs of all "
                    + part.count() + " shards with: mmsim merge FILE...");
        }
        for (VariantResult r : rows) {
            if (r.status() != ScenarioRunner.Status.OK) out.println("  " + r.scenario().name() + " / " + r.variant().name() + ": " + r.note());
        }
        if (quietTraces) return exit;
        for (VariantResult r : rows) {
            for (Finding f : r.findings()) {
                out.println();
                out.println("== " + r.scenario().name() + " / " + r.variant().name() + ": " + f.cls()
                        + (r.status() == ScenarioRunner.Status.VIOLATED && f == r.findings().get(r.findings().size() - 1) ? " (violates the declaration)" : ""));
                Reports.finding(out, r, f, colour, traces);
            }
            if (!r.findings().isEmpty()) Reports.outcomes(out, r);
        }
        return exit;
    }

    /** The progress line of a row, kept through the lock analysis's several searches. */
    private static LockNecessity.Listener progressOnly(Progress progress) {
        return new LockNecessity.Listener() {
            @Override public void start(Scenario.Variant v, List<String> dropped, int index, int total) { }
            @Override public mmsim.explore.ProgressListener progress() { return progress.listener(); }
        };
    }

    /** Completion candidates: the catalogue's scenario names at the time the script is generated. */
    static final class CatalogueNames implements Iterable<String> {
        @Override public java.util.Iterator<String> iterator() {
            try {
                return Catalogue.standard().names().iterator();
            } catch (RuntimeException e) {
                return List.<String>of().iterator();
            }
        }
    }
}
