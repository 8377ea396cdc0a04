package mmsim.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import mmsim.explore.Explorer;
import mmsim.explore.Program;
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
                "  mmsim replay 000-kpageflags-vs-offline --variant v4.6 --schedule B447A13",
                "  mmsim replay 000 --variant v4.6 --schedule B447A13 --sh -c 'kmem -f 0x1040'",
                "  mmsim replay 000 --variant v4.6 --schedule B447A13 --stop-at 400",
                "", "Exit status: 0 the outcome is allowed by the scenario, 1 it is FORBIDDEN for", "the variant, 2 usage error, broken scenario or a schedule that does not fit", "the scenario. With --sh or --stop-at: the status of the last shell command."})
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

    @Option(names = "--sh", description = "After the replay, open the shell on the machine as it stood at the failing step (the last step of the schedule): kmem, vtop, dump_page, page-types, cat, ...")
    boolean sh;

    @Option(names = "--stop-at", paramLabel = "STEP", description = "Stop the replay after STEP scheduling steps (1 .. the schedule's length) and open the shell there; implies --sh.")
    Integer stopAt;

    @Option(names = {"-c", "--command"}, paramLabel = "CMD", description = "With --sh: run CMD (repeatable) in the shell instead of reading standard input.")
    java.util.List<String> commands = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
        return UsageError.guard(spec, this::run);
    }

    private Integer run() throws java.io.IOException {
        var out = spec.commandLine().getOut();
        Scenario s = ScenarioArgs.load(file, OpRegistry.standard(), System.in);
        Scenario.Variant v = ScenarioArgs.dropLocks(ScenarioArgs.onlyOrNamed(s, variant), dropLocks);
        ScenarioRunner.validate(s);
        boolean shell = sh || stopAt != null;
        if (shell && json) throw new UsageError("--json and --sh/--stop-at do not go together (the shell prints text)");
        if (!commands.isEmpty() && !shell) throw new UsageError("-c runs shell commands: give --sh or --stop-at too");
        // the replay's one world and its machine, kept so the shell can look at them after the run
        mmsim.scenario.Booted[] machine = new mmsim.scenario.Booted[1];
        ScenarioProgram program = new ScenarioProgram(s, v).observingMachine(m -> machine[0] = m);
        Program.Instance[] world = new Program.Instance[1];
        Program keeping = () -> world[0] = program.instantiate();
        int total = steps(schedule).length;
        String run = stopAt == null ? schedule : stopSchedule(stopAt);
        mmsim.explore.Replayed r;
        try {
            r = Explorer.replay(keeping, run);
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
        if (shell) return shell(s, v, world[0], machine[0], stopAt == null ? total : stopAt, total, out);
        return cls == OutcomeClass.FORBIDDEN ? Main.EXIT_VIOLATED : Main.EXIT_OK;
    }

    private static byte[] steps(String schedule) {
        String body = schedule.strip();
        if (body.endsWith("!")) body = body.substring(0, body.length() - 1);
        try {
            return mmsim.explore.Schedule.decode(body);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--schedule: " + e.getMessage());
        }
    }

    /** The schedule cut after {@code step} steps, marked to end there (a step-limit replay). */
    private String stopSchedule(int step) {
        byte[] all = steps(schedule);
        if (step < 1 || step > all.length) {
            throw new UsageError("--stop-at: step " + step + " is outside the execution (1.." + all.length + " for schedule " + schedule + ")");
        }
        return mmsim.explore.Schedule.encode(all, step) + "!";
    }

    /**
     * The shell on the replayed world: the explorer's scheduler is replaced by the direct one
     * (the shell runs everything on CPU 0), the machine is left as the last step left it.
     */
    private int shell(Scenario s, Scenario.Variant v, Program.Instance world, mmsim.scenario.Booted machine, int step, int total, java.io.PrintWriter out) throws java.io.IOException {
        machine.kernel().setSched(new mmsim.kernel.DirectSched(machine.kernel().nrCpus()));
        String next = step < total ? ", next " + world.cpuName(steps(schedule)[step]) : "";
        out.println();
        out.printf("machine at step %d of %d%s%n", step, total, next);
        out.flush();
        Shell shell = Shell.on(machine, s.name() + " variant " + v.name() + " at step " + step + " of " + total,
                out, spec.commandLine().getErr());
        return ShCommand.interact(shell, commands);
    }
}
