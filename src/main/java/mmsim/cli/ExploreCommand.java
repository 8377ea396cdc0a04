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
                "  mmsim explore 000 --strategy random --budget 30s --seed 7",
                "  mmsim explore my-race.mms --bound 3 --json",
                "  mmsim explore 010 --variant mainline --drop-lock 'zone->lock'",
                "  cat my-race.mms | mmsim explore -",
                "", "Exit status: 0 as declared, 1 a declared outcome violated, 2 usage or broken", "scenario, 4 the budget ran out before an answer."})
public final class ExploreCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", completionCandidates = CheckCommand.CatalogueNames.class,
            description = "A .mms scenario file, a catalogue name or prefix, or - for standard input.")
    String file;

    @Option(names = "--variant", paramLabel = "V", description = "The variant to explore (default: every variant).")
    String variant;

    @Option(names = "--strategy", paramLabel = "S", description = "dfs (exhaustive within the bound), random or pct. Default: the file's, else dfs.")
    Strategy strategy;

    @Option(names = "--bound", paramLabel = "K", description = "Preemption bound: at most K preemptions per execution (default: the file's, else 2).")
    Integer bound;

    @Option(names = "--budget", paramLabel = "N|TIME", description = "Stop after N executions or after a time such as 30s, 2m.")
    String budget;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the random and pct strategies.")
    Long seed;

    @Option(names = "--drop-lock", paramLabel = "CLASS", description = "Run without this lock class (repeatable), as drop-lock=CLASS in the variant: e.g. 'zone->lock'. See: mmsim locks.")
    List<String> dropLocks = new ArrayList<>();

    @Option(names = {"-j", "--json"}, description = "One JSON object per variant (JSON Lines).")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "No progress on stderr.")
    boolean quiet;

    @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto", description = "auto, always or never.")
    String color;

    @Override
    public Integer call() throws Exception {
        return UsageError.guard(spec, this::run);
    }

    private Integer run() {
        var out = spec.commandLine().getOut();
        OpRegistry ops = OpRegistry.standard();
        Scenario s = ScenarioArgs.load(file, ops, System.in);
        List<Scenario.Variant> variants = new ArrayList<>();
        for (Scenario.Variant v : variant == null ? s.variants() : List.of(ScenarioArgs.variant(s, variant))) {
            variants.add(ScenarioArgs.dropLocks(v, dropLocks));
        }
        Settings st = ScenarioArgs.settings(s, strategy, bound, budget, seed);
        ScenarioRunner.validate(s);
        Progress progress = new Progress(spec.commandLine().getErr(), Term.progress(quiet || json), variants.size());
        List<VariantResult> rows = new ArrayList<>();
        for (Scenario.Variant v : variants) {
            progress.start(s.name() + " " + v.name());
            rows.add(ScenarioRunner.run(s, v, st, progress.listener()));
            progress.done();
        }
        progress.finish();
        boolean colour = Term.colour(color);
        for (VariantResult r : rows) {
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("schema_version", Reports.SCHEMA_VERSION);
                o.putAll(Reports.json(r, false));
                out.println(Json.write(o));
                continue;
            }
            out.printf("%s / %s: %s — %s%n", s.name(), r.variant().name(), r.status() == ScenarioRunner.Status.OK ? "ok"
                    : r.status().name(), r.verdict());
            out.printf("  %d executions, %s, strategy %s, %s%n  %s%n", r.executions(), r.coverage(),
                    st.strategy().name().toLowerCase(java.util.Locale.ROOT), Reports.seconds(r.elapsed()), r.note());
            for (Finding f : r.findings()) {
                out.println();
                Reports.finding(out, r, f, colour);
            }
        }
        return Reports.exitCode(rows);
    }
}
