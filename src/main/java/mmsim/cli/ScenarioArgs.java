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

    /**
     * Loads one scenario: a file, {@code -}, a catalogue name, its number ({@code 000}) or a unique
     * prefix; a {@link UsageError} (exit 2) when it names none or several.
     */
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
        if (found.size() > 1) {
            // "000" is the number of 000-kpageflags-vs-offline, not a prefix of 000b..000d
            List<Path> byNumber = found.stream().filter(x -> number(x).equals(arg)).toList();
            if (byNumber.size() == 1) found = byNumber;
        }
        if (found.size() == 1) return Catalogue.load(found.get(0), ops);
        if (found.isEmpty()) {
            throw new UsageError("no scenario file or catalogue entry '" + arg + "'"
                    + Suggest.didYouMean(arg, cat.names()) + " (see: mmsim list)");
        }
        throw new UsageError("'" + arg + "' names several scenarios: "
                + String.join(", ", found.stream().map(ScenarioArgs::name).toList())
                + "; name one of them (its number or full name), or run them all with: mmsim check " + arg);
    }

    private static String name(Path p) {
        return p.getFileName().toString().replaceFirst("\\.mms$", "");
    }

    /** The scenario's number: its name up to the first '-' (000 for 000-kpageflags-vs-offline). */
    private static String number(Path p) {
        String n = name(p);
        int dash = n.indexOf('-');
        return dash < 0 ? n : n.substring(0, dash);
    }

    /** Prints the scenario's warnings ("file:line:col: warning: ...") on {@code err}. */
    static Scenario warn(Scenario s, java.io.PrintWriter err) {
        for (String w : s.warnings()) err.println("mmsim: " + w);
        return s;
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
            if (t != null && t.isZero()) throw new UsageError("--budget: a time budget must be more than zero, got '" + budget + "'");
            if (t != null) { time = t; maxExec = 0; }
            else if (n != null && n > 0) { maxExec = n; time = null; }
            else throw new UsageError("--budget: expected a number of executions (20000) or a time (30s, 2m), got '" + budget + "'");
        }
        if (bound != null && (bound < 0 || bound > 20)) throw new UsageError("--bound: expected 0..20, got " + bound);
        return new ScenarioRunner.Settings(strategy != null ? strategy : d.strategy(), bound != null ? bound : d.bound(), maxExec, time,
                seed != null ? seed : d.seed(), d.stepLimit(), d.reduction(), d.all());
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

    /**
     * {@code --reduction MODE}, with {@code --no-reduction} as none. Absent: dpor, or sleep for a
     * shard (DPOR's races would ask for other shards' subtrees, so a sharded run and the one it
     * merges into run sleep sets); asked for with a shard, dpor is refused.
     */
    static mmsim.explore.ReductionMode reduction(boolean noReduction, String mode, mmsim.explore.Shard shard) {
        mmsim.explore.ReductionMode m;
        if (noReduction) {
            if (mode != null && !mode.equals("none")) throw new UsageError("--no-reduction and --reduction " + mode + " contradict each other");
            m = mmsim.explore.ReductionMode.NONE;
        } else if (mode == null) {
            m = shard != null ? mmsim.explore.ReductionMode.SLEEP : mmsim.explore.ReductionMode.DPOR;
        } else {
            try {
                m = mmsim.explore.ReductionMode.parse(mode);
            } catch (IllegalArgumentException e) {
                throw new UsageError("--reduction: " + e.getMessage());
            }
        }
        if (m == mmsim.explore.ReductionMode.DPOR && shard != null) {
            throw new UsageError("--reduction dpor cannot be sharded (--shard, or Bazel's TEST_SHARD_INDEX): its races would ask for other shards' subtrees; use sleep or none");
        }
        return m;
    }
}
