package mmsim.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import mmsim.explore.Explorer;
import mmsim.scenario.Grader;
import mmsim.scenario.OutcomeClass;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioProgram;
import mmsim.scenario.ScenarioRunner;
import mmsim.scenario.ops.OpRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code mmsim replay FILE --variant V --schedule S}: run exactly one execution again. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        header = "Re-run one execution of a scenario from its schedule string.",
        description = "Run one execution of a scenario again, following a schedule string that check or explore printed, and print its trace, the kernel report and the observed values. The same schedule always gives the same execution.",
        footer = {"", "Example:",
                "  mmsim replay 000-kpageflags-vs-offline --variant v4.6 --schedule B446A13",
                "", "Exit status: 0 the outcome is allowed by the scenario, 1 it is FORBIDDEN for", "the variant, 2 usage error, broken scenario or a schedule that does not fit", "the scenario."})
public final class ReplayCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", completionCandidates = CheckCommand.CatalogueNames.class,
            description = "A .mms scenario file, a catalogue name or prefix, or - for standard input.")
    String file;

    @Option(names = "--variant", paramLabel = "V", description = "The variant (default: the scenario's only variant).")
    String variant;

    @Option(names = "--schedule", paramLabel = "S", required = true, description = "The schedule string from check or explore.")
    String schedule;

    @Option(names = "--drop-lock", paramLabel = "CLASS", description = "Run without this lock class (repeatable), as the locks command's replay lines do.")
    java.util.List<String> dropLocks = new java.util.ArrayList<>();

    @Option(names = {"-j", "--json"}, description = "Print JSON.")
    boolean json;

    @picocli.CommandLine.Mixin TraceOptions traces = new TraceOptions();

    @Override
    public Integer call() throws Exception {
        return UsageError.guard(spec, this::run);
    }

    private Integer run() {
        var out = spec.commandLine().getOut();
        Scenario s = ScenarioArgs.load(file, OpRegistry.standard(), System.in);
        Scenario.Variant v = ScenarioArgs.dropLocks(ScenarioArgs.onlyOrNamed(s, variant), dropLocks);
        ScenarioRunner.validate(s);
        mmsim.explore.Replayed r;
        try {
            r = Explorer.replay(new ScenarioProgram(s, v), schedule);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--schedule: " + e.getMessage());
        }
        Grader g = new Grader(s);
        OutcomeClass cls = g.classify(v.name(), r.verdict().kind(), r.observed());
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("schema_version", Reports.SCHEMA_VERSION);
            o.put("scenario", s.name());
            o.put("variant", v.name());
            o.put("schedule", schedule);
            o.put("kind", r.verdict().kind().id());
            o.put("title", r.verdict().title());
            o.put("class", cls.name());
            o.put("observed", new LinkedHashMap<>(r.observed()));
            o.put("trace", r.trace().render());
            o.put("report", r.verdict().report());
            out.println(Json.write(o));
        } else {
            out.println(r.verdict().title());
            out.println();
            out.printf("scenario  %s   variant %s   verdict %s (%s)%n", s.name(), v.name(), r.verdict().kind().id(), cls);
            out.println("schedule  " + schedule);
            if (!r.observed().isEmpty()) out.println("observed  " + Reports.observed(r.observed()));
            out.println();
            out.print(Reports.ensureNewline(traces.render(r.trace())));
            String report = r.verdict().report();
            if (report != null && !report.isBlank()) {
                out.println();
                out.print(Reports.ensureNewline(report));
            }
        }
        return cls == OutcomeClass.FORBIDDEN ? Main.EXIT_VIOLATED : Main.EXIT_OK;
    }
}
