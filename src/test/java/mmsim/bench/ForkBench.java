package mmsim.bench;

import java.nio.file.Path;

import mmsim.scenario.Catalogue;
import mmsim.scenario.GraphCopy;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioProgram;
import mmsim.scenario.ops.OpRegistry;

/**
 * Issue 13: what starting an execution costs, per catalogue scenario, side by side in one JVM:
 * booting the machine and running setup (what every execution did first), a deep copy of the
 * machine as setup left it ({@link GraphCopy}), and that copy with the last instance's struct
 * pages restored in place (what it does now; an instance that wrote nothing restores nothing,
 * so this is the floor), and the whole-model check at the end. {@code bin/bench --main ForkBench [rounds]}.
 */
public final class ForkBench {
    private static final OpRegistry OPS = OpRegistry.standard();

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        System.out.printf("%-44s %-22s %10s %10s %10s %8s %10s%n", "scenario", "variant", "boot+setup", "copy", "restore", "ratio", "check");
        for (Path f : Catalogue.standard().files()) {
            Scenario s = Catalogue.load(f, OPS);
            for (Scenario.Variant v : s.variants()) {
                ScenarioProgram p = new ScenarioProgram(s, v).copyingEachExecution();
                p.instantiate();
                ScenarioProgram r = new ScenarioProgram(s, v);
                r.instantiate();
                // a fresh program boots and runs setup on its first instance (plus one copy, subtracted below)
                double copy = best(rounds, p::instantiate);
                double restore = best(rounds, r::instantiate);
                double boot = best(rounds / 4 + 1, () -> new ScenarioProgram(s, v).copyingEachExecution().instantiate()) - copy;
                double check = best(rounds / 4 + 1, () -> p.instantiate().finish()) - copy;
                System.out.printf("%-44s %-22s %8.1fus %8.1fus %8.1fus %7.1fx %8.1fus%n", s.name(), v.name(), boot, copy, restore, boot / copy, check);
            }
        }
    }

    private static double best(int n, Runnable r) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            r.run();
            best = Math.min(best, System.nanoTime() - t);
        }
        return best / 1e3;
    }
}
