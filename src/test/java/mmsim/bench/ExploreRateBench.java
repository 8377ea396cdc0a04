package mmsim.bench;

import java.nio.file.Path;

import mmsim.explore.ExplorationResult;
import mmsim.explore.ExploreOptions;
import mmsim.explore.Explorer;
import mmsim.scenario.Catalogue;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioProgram;
import mmsim.scenario.ops.OpRegistry;

/**
 * Issue 13: executions per second of every catalogue row, side by side in one JVM: booting a
 * machine and running setup per execution (before) against copying the machine setup left
 * (after). Each row explores its scenario's DFS bound without stopping at failures (every
 * execution runs and is checked; nothing is minimised or traced), alternating before, after,
 * before, after and keeping the best of each. {@code bin/bench --main ExploreRateBench [rounds] [filter]}.
 */
public final class ExploreRateBench {
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        String filter = args.length > 1 ? args[1] : "";
        OpRegistry ops = OpRegistry.standard();
        System.out.printf("%-40s %-24s %6s %12s %12s %7s%n", "scenario", "variant", "execs", "before/s", "after/s", "ratio");
        double logSum = 0;
        int rows = 0;
        for (Path f : Catalogue.standard().files()) {
            Scenario s = Catalogue.load(f, ops);
            if (!s.name().contains(filter)) continue;
            for (Scenario.Variant v : s.variants()) {
                ExploreOptions o = ExploreOptions.defaults().preemptionBound(s.bound()).stopAtFirstFailure(false)
                        .isFailure(x -> false).maxExecutions(5_000);
                double before = 0, after = 0;
                long execs = 0;
                for (int r = 0; r < rounds; r++) {
                    ExplorationResult b = Explorer.explore(new ScenarioProgram(s, v).rebootingEachExecution(), o);
                    ExplorationResult a = Explorer.explore(new ScenarioProgram(s, v), o);
                    if (a.executions() != b.executions() || !a.outcomes().equals(b.outcomes())) {
                        throw new AssertionError(s.name() + " " + v.name() + ": the copy explored differently");
                    }
                    execs = a.executions();
                    before = Math.max(before, b.executions() / (b.elapsed().toNanos() / 1e9));
                    after = Math.max(after, a.executions() / (a.elapsed().toNanos() / 1e9));
                }
                System.out.printf("%-40s %-24s %6d %12.0f %12.0f %6.1fx%n", s.name(), v.name(), execs, before, after, after / before);
                logSum += Math.log(after / before);
                rows++;
            }
        }
        System.out.printf("geometric mean ratio over %d rows: %.1fx%n", rows, Math.exp(logSum / rows));
    }
}
