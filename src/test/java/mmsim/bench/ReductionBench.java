package mmsim.bench;

import java.nio.file.Files;
import java.nio.file.Path;

import mmsim.explore.ExplorationResult;
import mmsim.explore.ExploreOptions;
import mmsim.explore.Explorer;
import mmsim.scenario.Catalogue;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioParser;
import mmsim.scenario.ScenarioProgram;
import mmsim.scenario.ops.OpRegistry;

/**
 * Issue 13: executions a bounded DFS needs with and without sleep-set reduction, side by side in
 * one JVM: scenario 010 with its two CPUs and with a third (order-2 alloc+free), at bounds 1-3,
 * and scenario 000's mainline variant at bound 3. Every exploration runs to exhaustion without
 * stopping at failures. {@code bin/bench --main ReductionBench [maxBound [max3CpuBound [000]]]}
 * (000 at bound 3 runs only when the third argument is given: it takes many minutes).
 */
public final class ReductionBench {
    public static void main(String[] args) throws Exception {
        int maxBound = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int max3 = args.length > 1 ? Integer.parseInt(args[1]) : maxBound;
        OpRegistry ops = OpRegistry.standard();
        String two = Files.readString(Path.of("scenarios/010-buddy-alloc-free.mms"));
        String three = two.replace("cpus 2", "cpus 3").replace("expect *", "cpu C \"alloc+free order 2\"\n  alloc_pages 2 -> c\n  free_pages $c 2\nend\nexpect *");
        System.out.printf("%-34s %5s %12s %12s %10s %8s %10s %10s%n", "scenario", "bound", "unreduced", "reduced", "abandoned", "ratio",
                "time off", "time on");
        for (int b = 1; b <= maxBound; b++) {
            row("010 mainline, 2 CPUs", ScenarioParser.parse("010-buddy-alloc-free.mms", two, ops), b);
            if (b <= max3) row("010 mainline, 3 CPUs", ScenarioParser.parse("010-buddy-alloc-free.mms", three, ops), b);
        }
        if (args.length > 2) row("000 mainline", Catalogue.load(Path.of("scenarios/000-kpageflags-vs-offline.mms"), ops), 3, "mainline");
    }

    private static void row(String what, Scenario s, int bound) {
        row(what, s, bound, "mainline");
    }

    private static void row(String what, Scenario s, int bound, String variant) {
        Scenario.Variant v = s.variants().stream().filter(x -> x.name().equals(variant)).findFirst().orElseThrow();
        ExploreOptions o = ExploreOptions.defaults().preemptionBound(bound).stopAtFirstFailure(false).isFailure(x -> false);
        ExplorationResult off = Explorer.explore(new ScenarioProgram(s, v), o.reduction(false));
        ExplorationResult on = Explorer.explore(new ScenarioProgram(s, v), o.reduction(true));
        if (!off.exhausted() || !on.exhausted()) throw new AssertionError(what + ": not exhausted");
        if (!off.outcomes().keySet().equals(on.outcomes().keySet())) throw new AssertionError(what + ": outcomes differ: " + off.outcomes().keySet() + " without reduction, "
                + on.outcomes().keySet() + " with");
        System.out.printf("%-34s %5d %12d %12d %10d %7.1fx %9.2fs %9.2fs%n", what, bound, off.executions(), on.executions(),
                on.reduction().redundant(), (double) off.executions() / on.executions(), off.elapsed().toMillis() / 1e3,
                on.elapsed().toMillis() / 1e3);
    }
}
