package mmsim.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import mmsim.explore.Strategy;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioRunner;
import mmsim.scenario.ScenarioRunner.Finding;
import mmsim.scenario.ScenarioRunner.Settings;
import mmsim.scenario.ScenarioRunner.VariantResult;
import mmsim.scenario.ops.OpRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code mmsim explore FILE}: explore one scenario, with the search settings under your control. */
@Command(name = "explore", mixinStandardHelpOptions = true,
        header = "Explore one scenario and print what was found, with a replay command.",
        description = "Explore one scenario's interleavings under one variant (or all of them) and print what was found: the verdict, the two-column CPU trace, the kernel report and a replay command. Settings default to the scenario file's (bound, budget, strategy, seed).",
        footer = {"", "Examples:",
                "  mmsim explore scenarios/000-kpageflags-vs-offline.mms --variant v4.6",
                "  mmsim explore 000 --variant v4.6 --strategy pct --budget 30s --seed 7",
                "  mmsim explore my-race.mms --bound 3 --json   # a file mmsim new wrote",
                "  cat my-race.mms | mmsim explore -",
                "  mmsim explore 010 --shard 0/2 --json > shard-0.json   # half the search,",
                "  mmsim explore 010 --shard 1/2 --json > shard-1.json   # the other half",
                "", "Exit status: 0 as declared, 1 a declared outcome violated, 2 usage or broken", "scenario, 4 the budget ran out before an answer."})
public final class ExploreCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", completionCandidates = CheckCommand.CatalogueNames.class,
            description = "A .mms scenario file, a catalogue name, its number (000) or a unique prefix, or - for standard input.")
    String file;

    @Option(names = "--variant", paramLabel = "V", description = "The variant to explore (default: every variant).")
    String variant;

    @Option(names = "--strategy", paramLabel = "S", completionCandidates = StrategyNames.class, description = "dfs (exhaustive within the bound), random or pct. Default: the file's, else dfs.")
    Strategy strategy;

    @Option(names = "--bound", paramLabel = "K", description = "Preemption bound: at most K preemptions per execution (default: the file's, else 2).")
    Integer bound;

    @Option(names = "--budget", paramLabel = "N|TIME", description = "Stop after N executions (those the reduction abandons as redundant count too) or after a time such as 30s, 2m.")
    String budget;

    @Option(names = "--step-limit", paramLabel = "N", description = "Scheduling steps one execution may take (default: the file's step_limit, else derived from the scenario).")
    Integer stepLimit;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the random and pct strategies.")
    Long seed;

    @Option(names = "--all", description = "Keep exploring after the first failure and report each distinct one (by kind and location), each with its trace and replay.")
    boolean all;

    @Option(names = "--no-reduction", description = "The same as --reduction none.")
    boolean noReduction;

    @Option(names = "--reduction", paramLabel = "MODE", description = "How the DFS prunes schedules that only reorder independent steps: none (every schedule within the bound, the counts of earlier releases), sleep (sleep sets; the default with --shard) or dpor (source-set DPOR with sleep sets, the default; not with --shard).")
    String reduction;

    @Option(names = "--shard", paramLabel = "I/N", description = "Explore only shard I (0-based) of N of the DFS, for a batch job; N alone takes I from JOB_COMPLETION_INDEX (Kubernetes). Without it, Bazel's TEST_SHARD_INDEX/TEST_TOTAL_SHARDS are read. Merge the shards' --json with: mmsim merge.")
    String shard;

    @Option(names = "--drop-lock", paramLabel = "CLASS", description = "Run without this lock class (repeatable), as drop-lock=CLASS in the variant: e.g. 'zone->lock'. See: mmsim locks.")
    List<String> dropLocks = new ArrayList<>();

    @Option(names = {"-j", "--json"}, description = "One JSON object per variant (JSON Lines).")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "No progress on stderr.")
    boolean quiet;

    @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto", description = "Colour: auto (only on a terminal, not with NO_COLOR), always, never.")
    Term.ColorWhen color;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write a self-contained HTML report to FILE: per failure a CPU timeline, the kernel report, the traces and the memory map.")
    String html;

    @picocli.CommandLine.Mixin TraceOptions traces = new TraceOptions();

    @Override
    public Integer call() throws Exception {
        return UsageError.guard(spec, this::run);
    }

    private Integer run() {
        var out = spec.commandLine().getOut();
        java.nio.file.Path htmlPage = html == null ? null : HtmlOutput.file(html);
        OpRegistry ops = OpRegistry.standard();
        Scenario s = ScenarioArgs.warn(ScenarioArgs.load(file, ops, System.in), spec.commandLine().getErr());
        List<Scenario.Variant> variants = new ArrayList<>();
        for (Scenario.Variant v : variant == null ? s.variants() : List.of(ScenarioArgs.variant(s, variant))) {
            variants.add(ScenarioArgs.dropLocks(v, dropLocks));
        }
        Settings st = settings(s);
        ScenarioRunner.validate(s);
        Progress progress = new Progress(spec.commandLine().getErr(), Term.progress(quiet || json), variants.size());
        List<VariantResult> rows = java.util.Collections.synchronizedList(new ArrayList<>());
        // Ctrl-C: the JVM runs shutdown hooks, so say what was found before the process ends (exit 130)
        Thread onInterrupt = new Thread(() -> {
            progress.finish();
            var err = spec.commandLine().getErr();
            err.println("mmsim explore: interrupted in " + progress.current());
            synchronized (rows) {
                for (VariantResult r : rows) err.println("  finished before: " + summary(s, r));
            }
            err.flush();
        });
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        try {
            for (Scenario.Variant v : variants) {
                progress.start(s.name() + " " + v.name());
                rows.add(mmsim.scenario.UnopenedPaths.check(ScenarioRunner.run(s, v, st, progress.listener())));
                progress.done();
            }
        } finally {
            Runtime.getRuntime().removeShutdownHook(onInterrupt);
        }
        progress.finish();
        if (htmlPage != null) HtmlOutput.write(htmlPage, "mmsim explore " + s.name(), rows, Map.of(), false);
        boolean colour = Term.colour(color);
        for (VariantResult r : rows) {
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("schema_version", Reports.SCHEMA_VERSION);
                o.putAll(Reports.json(r, false));
                out.println(Json.write(o));
                continue;
            }
            out.println(summary(s, r));
            out.printf("  %d executions, %s, strategy %s, %s%n  %s%n", r.executions(), r.coverage(),
                    st.strategy().name().toLowerCase(java.util.Locale.ROOT), Reports.seconds(r.elapsed()), r.note());
            if (r.reduction().on()) {
                out.printf("  %s: %d alternatives pruned, %d redundant executions abandoned (--reduction none explores them)%n",
                        st.reduction() == mmsim.explore.ReductionMode.DPOR ? "sleep sets + DPOR" : "sleep sets", r.reduction().pruned(), r.reduction().redundant());
            }
            Reports.outcomes(out, r);
            for (Finding f : r.findings()) {
                out.println();
                Reports.finding(out, r, f, colour, traces);
            }
        }
        return Reports.exitCode(rows);
    }

    /** "000-x / v4.6: ok — holds": the first line of a variant's result. */
    private static String summary(Scenario s, VariantResult r) {
        return s.name() + " / " + r.variant().name() + ": " + (r.status() == ScenarioRunner.Status.OK ? "ok" : r.status().name())
                + " — " + r.verdict() + (r.findings().isEmpty() ? "" : " (" + r.findings().size() + " finding"
                + (r.findings().size() == 1 ? "" : "s") + ")");
    }

    /** The shared settings (file, then --strategy/--bound/--budget/--seed), plus explore's own options. */
    private Settings settings(Scenario s) {
        Settings st = ScenarioArgs.settings(s, strategy, bound, budget, seed);
        if (stepLimit != null && stepLimit < 1000) throw new UsageError("--step-limit: expected at least 1000, got " + stepLimit);
        if (stepLimit != null) st = st.stepLimit(stepLimit);
        mmsim.explore.Shard part = ShardArgs.resolve(shard, System.getenv());
        st = st.reduction(ScenarioArgs.reduction(noReduction, reduction, part));
        if (part != null && st.strategy() != Strategy.DFS) {
            throw new UsageError("--shard: only the dfs strategy can be split into shards, not " + st.strategy().lower());
        }
        st = st.shard(part);
        return all ? st.all(true) : st;   // else the file's own `report all`, if any
    }

    /** Completion candidates of --strategy, in the case help and README write them. */
    static final class StrategyNames implements Iterable<String> {
        @Override public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(mmsim.explore.Strategy.values()).map(mmsim.explore.Strategy::lower).iterator();
        }
    }
}
