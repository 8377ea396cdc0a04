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
 * machine and running setup per execution (reboot), copying the whole machine setup left
 * (copy), and restoring in place only the struct pages the last execution wrote (restore, the
 * default). Each row explores its scenario's DFS bound without stopping at failures (every
 * execution runs and is checked; nothing is minimised or traced), alternating the three and
 * keeping the best of each. {@code bin/bench --main ExploreRateBench [rounds] [filter]}.
 */
public final class ExploreRateBench {
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        String filter = args.length > 1 ? args[1] : "";
        OpRegistry ops = OpRegistry.standard();
        System.out.printf("%-40s %-24s %6s %10s %10s %10s %14s %16s%n", "scenario", "variant", "execs", "reboot/s", "copy/s", "restore/s",
                "restore/copy", "restore/reboot");
        double logSum = 0, logCopy = 0;
        int rows = 0;
        for (Path f : Catalogue.standard().files()) {
            Scenario s = Catalogue.load(f, ops);
            if (!s.name().matches(".*(" + filter + ").*")) continue; // a regular expression: "010|011|003b"
            for (Scenario.Variant v : s.variants()) {
                ExploreOptions o = ExploreOptions.defaults().preemptionBound(s.bound()).stopAtFirstFailure(false)
                        .isFailure(x -> false).maxExecutions(5_000);
                double before = 0, copied = 0, after = 0;
                long execs = 0;
                for (int r = 0; r < rounds; r++) {
                    ExplorationResult b = Explorer.explore(new ScenarioProgram(s, v).rebootingEachExecution(), o);
                    ExplorationResult c = Explorer.explore(new ScenarioProgram(s, v).copyingEachExecution(), o);
                    ExplorationResult a = Explorer.explore(new ScenarioProgram(s, v), o);
                    if (a.executions() != b.executions() || !a.outcomes().equals(b.outcomes())
                            || c.executions() != b.executions() || !c.outcomes().equals(b.outcomes())) {
                        throw new AssertionError(s.name() + " " + v.name() + ": the copy or the restore explored differently");
                    }
                    execs = a.executions();
                    before = Math.max(before, b.executions() / (b.elapsed().toNanos() / 1e9));
                    copied = Math.max(copied, c.executions() / (c.elapsed().toNanos() / 1e9));
                    after = Math.max(after, a.executions() / (a.elapsed().toNanos() / 1e9));
                }
                System.out.printf("%-40s %-24s %6d %10.0f %10.0f %10.0f %13.1fx %15.1fx%n", s.name(), v.name(), execs, before, copied, after,
                        after / copied, after / before);
                logSum += Math.log(after / before);
                logCopy += Math.log(after / copied);
                rows++;
            }
        }
        System.out.printf("geometric mean over %d rows: restore/copy %.2fx, restore/reboot %.1fx%n", rows, Math.exp(logCopy / rows),
                Math.exp(logSum / rows));
    }
}
