package mmsim.bench;

import java.nio.file.Path;

import mmsim.explore.Budget;
import mmsim.explore.ExplorationResult;
import mmsim.explore.ExploreOptions;
import mmsim.explore.Explorer;
import mmsim.scenario.Catalogue;
import mmsim.scenario.Grader;
import mmsim.scenario.OutcomeClass;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioProgram;
import mmsim.scenario.ops.OpRegistry;

/**
 * Issue 13: time to find each catalogue race a variant declares EXPECTED, including the
 * minimisation and the traced re-run, side by side in one JVM: booting per execution without
 * reduction (before) against copying the machine with sleep sets (after). Best of
 * {@code rounds}, alternated. {@code bin/bench --main FindBench [rounds]}.
 *
 * <p>{@code bin/bench --main FindBench [rounds] minimize}: both sides copy the machine with sleep
 * sets; before minimises with the uncapped search, after with the probed length cap
 * ({@link ExploreOptions#minimizeByCaps}). Also prints the executions each side spent (search,
 * minimisation and trace) and checks that both keep the same schedule.
 *
 * <p>{@code bin/bench --main FindBench [rounds] now [regex]}: only the explorer as it is, best of
 * {@code rounds}, on the rows whose "scenario variant" matches {@code regex} (a JVM per row
 * measures one row without the JIT profiles of the others).
 */
public final class FindBench {
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        boolean minimizer = args.length > 1 && args[1].equals("minimize");
        boolean nowOnly = args.length > 1 && args[1].equals("now");
        String filter = args.length > 2 ? args[2] : ".*";
        OpRegistry ops = OpRegistry.standard();
        System.out.printf("%-44s %-26s %10s %10s %7s %s%n", "scenario", "variant", "before", "after", "ratio",
                minimizer ? "executions before/after, found" : "found");
        for (Path f : Catalogue.standard().files()) {
            Scenario s = Catalogue.load(f, ops);
            Grader g = new Grader(s);
            for (Scenario.Variant v : s.variants()) {
                if (g.expected(v.name()).isEmpty() || !(s.name() + " " + v.name()).matches(filter)) continue;
                ExploreOptions o = ExploreOptions.defaults().preemptionBound(s.bound()).isFailure(x -> {
                    OutcomeClass c = g.classify(v.name(), x.verdictKind(), x.observed());
                    return c == OutcomeClass.EXPECTED || c == OutcomeClass.FORBIDDEN;
                });
                double before = Double.MAX_VALUE, after = Double.MAX_VALUE;
                String found = "";
                if (nowOnly) {
                    for (int r = 0; r < rounds; r++) {
                        Budget spent = Budget.unlimited();
                        ExplorationResult a = Explorer.explore(new ScenarioProgram(s, v), o.budget(spent));
                        after = Math.min(after, a.elapsed().toNanos() / 1e9);
                        found = spent.used() + " " + a.failure().map(x -> x.verdict().kind() + " " + x.schedule()).orElse("none");
                    }
                    System.out.printf("%-44s %-26s %10s %9.3fs %7s %s%n", s.name(), v.name(), "-", after, "-", found);
                    continue;
                }
                for (int r = 0; r < rounds; r++) {
                    Budget spentBefore = Budget.unlimited(), spentAfter = Budget.unlimited();
                    ExplorationResult b = minimizer
                            ? Explorer.explore(new ScenarioProgram(s, v), o.minimizeByCaps(false).budget(spentBefore))
                            : Explorer.explore(new ScenarioProgram(s, v).rebootingEachExecution(), o.reduction(false).budget(spentBefore));
                    ExplorationResult a = Explorer.explore(new ScenarioProgram(s, v), o.budget(spentAfter));
                    before = Math.min(before, b.elapsed().toNanos() / 1e9);
                    after = Math.min(after, a.elapsed().toNanos() / 1e9);
                    found = a.failure().map(x -> x.verdict().kind() + " " + x.schedule()).orElse("none");
                    if (minimizer) {
                        String same = b.failure().map(x -> x.schedule()).orElse("none");
                        if (!same.equals(a.failure().map(x -> x.schedule()).orElse("none"))) throw new AssertionError(s.name() + " " + v.name() + ": " + same + " vs " + found);
                        found = spentBefore.used() + "/" + spentAfter.used() + " " + found;
                    }
                    // as minimal either way (preemptions, steps); the interleaving itself may be a reordering
                    String minimal = a.failure().map(x -> x.verdict().kind() + " " + x.preemptions() + "/" + x.steps()).orElse("none");
                    String minimalBefore = b.failure().map(x -> x.verdict().kind() + " " + x.preemptions() + "/" + x.steps()).orElse("none");
                    if (!minimal.equals(minimalBefore)) throw new AssertionError(s.name() + " " + v.name() + ": " + minimalBefore + " vs " + minimal);
                }
                System.out.printf("%-44s %-26s %9.3fs %9.3fs %6.1fx %s%n", s.name(), v.name(), before, after, before / after, found);
            }
        }
    }
}
