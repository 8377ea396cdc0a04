package mmsim.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import mmsim.explore.Strategy;
import mmsim.mm.LockClasses;
import mmsim.scenario.LockNecessity;
import mmsim.scenario.ScenarioRunner;
import mmsim.scenario.ops.Args;

import mmsim.scenario.Catalogue;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioParser;
import mmsim.scenario.Suggest;
import mmsim.scenario.ops.OpRegistry;

/** Finding and loading the scenario a command names: a file, a catalogue name or prefix, or {@code -} (stdin). */
final class ScenarioArgs {
    private ScenarioArgs() { }

    /** Loads one scenario; throws {@link ParameterException} (exit 2) when it names none or several. */
    static Scenario load(String arg, OpRegistry ops, InputStream stdin) {
        if (arg.equals("-")) {
            try {
                String text = new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
                return ScenarioParser.parse("<stdin>", text, ops);
            } catch (IOException e) {
                throw new UsageError("cannot read standard input: " + e.getMessage());
            }
        }
        Path p = Path.of(arg);
        if (Files.isRegularFile(p)) return Catalogue.load(p, ops);
        Catalogue cat = Catalogue.standard();
        List<Path> found = cat.resolve(arg);
        if (found.size() == 1) return Catalogue.load(found.get(0), ops);
        if (found.isEmpty()) {
            throw new UsageError("no scenario file or catalogue entry '" + arg + "'"
                    + Suggest.didYouMean(arg, cat.names()) + " (see: mmsim list)");
        }
        throw new UsageError("'" + arg + "' names several scenarios: "
                + String.join(", ", found.stream().map(x -> x.getFileName().toString()).toList()));
    }

    /** The variant named {@code name}; with no name, the scenario's only variant (a usage error when it has several). */
    static Scenario.Variant onlyOrNamed(Scenario s, String name) {
        if (name == null && s.variants().size() > 1) {
            throw new UsageError("scenario " + s.name() + " has several variants; name one with --variant ("
                    + String.join(", ", s.variantNames()) + ")");
        }
        return name == null ? s.variants().get(0) : variant(s, name);
    }

    /** {@code v} with the lock classes of {@code --drop-lock} dropped; a usage error names an unknown class. */
    static Scenario.Variant dropLocks(Scenario.Variant v, List<String> classes) {
        if (classes == null || classes.isEmpty()) return v;
        for (String c : classes) {
            if (LockClasses.lookup(c) == null) {
                throw new UsageError("--drop-lock: unknown lock class '" + c + "'" + Suggest.didYouMean(c, LockClasses.all().keySet())
                        + "; lock classes: " + String.join(", ", LockClasses.all().keySet()));
            }
        }
        return LockNecessity.dropping(v, classes);
    }

    /** Exploration settings: the file's, overridden by the command line's (null: not given). */
    static ScenarioRunner.Settings settings(Scenario s, Strategy strategy, Integer bound, String budget, Long seed) {
        ScenarioRunner.Settings d = ScenarioRunner.Settings.of(s);
        long maxExec = d.maxExecutions();
        Duration time = d.timeBudget();
        if (budget != null) {
            Duration t = ScenarioParser.duration(budget);
            Long n = Args.parseNumber(budget);
            if (t != null) { time = t; maxExec = 0; }
            else if (n != null && n > 0) { maxExec = n; time = null; }
            else throw new UsageError("--budget: expected a number of executions (20000) or a time (30s, 2m), got '" + budget + "'");
        }
        if (bound != null && (bound < 0 || bound > 20)) throw new UsageError("--bound: expected 0..20, got " + bound);
        return new ScenarioRunner.Settings(strategy != null ? strategy : d.strategy(), bound != null ? bound : d.bound(), maxExec, time,
                seed != null ? seed : d.seed());
    }

    /** The variant named {@code name}, or a usage error listing them. */
    static Scenario.Variant variant(Scenario s, String name) {
        Scenario.Variant v = s.variant(name);
        if (v == null) {
            throw new UsageError("scenario " + s.name() + " has no variant '" + name + "'"
                    + Suggest.didYouMean(name, s.variantNames()) + "; variants: " + String.join(", ", s.variantNames()));
        }
        return v;
    }
}
