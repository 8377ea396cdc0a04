package mmsim.bench;

import java.nio.file.Files;
import java.nio.file.Path;

import mmsim.explore.ExplorationResult;
import mmsim.explore.ExploreOptions;
import mmsim.explore.Explorer;
import mmsim.explore.ReductionMode;
import mmsim.explore.Traces;
import mmsim.scenario.Catalogue;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioParser;
import mmsim.scenario.ScenarioProgram;
import mmsim.scenario.ops.OpRegistry;

/**
 * Issue 13: executions a bounded DFS needs without reduction, with sleep sets and with source-set
 * DPOR, side by side in one JVM, and the lower bound of any sound reduction: the distinct traces
 * (executions up to reordering independent steps, {@link Traces}) the unreduced search visits.
 * Scenario 010 with its two CPUs and with a third (order-2 alloc+free), at bounds 1-3, and
 * scenario 000's mainline variant at bound 3. Every exploration runs to exhaustion without
 * stopping at failures; a reduction that misses an outcome of the unreduced search is flagged. {@code bin/bench --main ReductionBench [maxBound [max3CpuBound [000]]]}
 * (000 at bound 3 runs only when the third argument is given: it takes many minutes).
 */
public final class ReductionBench {
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("catalogue")) {
            catalogue(args.length > 1 ? args[1] : "");
            return;
        }
        if (args.length > 0 && args[0].equals("footprints")) {
            footprints(args.length > 1 ? args[1] : "");
            return;
        }
        int maxBound = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int max3 = args.length > 1 ? Integer.parseInt(args[1]) : maxBound;
        OpRegistry ops = OpRegistry.standard();
        String two = Files.readString(Path.of("scenarios/010-buddy-alloc-free.mms"));
        String three = two.replace("cpus 2", "cpus 3").replace("expect *", "cpu C \"alloc+free order 2\"\n  alloc_pages 2 -> c\n  free_pages $c 2\nend\nexpect *");
        System.out.printf("%-26s %5s %10s %8s %16s %16s %8s %8s %8s%n", "scenario", "bound", "unreduced", "traces", "sleep (abandoned)",
                "dpor (abandoned)", "t none", "t sleep", "t dpor");
        for (int b = 1; b <= maxBound; b++) {
            row("010 mainline, 2 CPUs", ScenarioParser.parse("010-buddy-alloc-free.mms", two, ops), b);
            if (b <= max3) row("010 mainline, 3 CPUs", ScenarioParser.parse("010-buddy-alloc-free.mms", three, ops), b);
        }
        if (args.length > 2) row("000 mainline", Catalogue.load(Path.of("scenarios/000-kpageflags-vs-offline.mms"), ops), 3, "mainline");
    }

    /**
     * {@code catalogue [PREFIX]}: every DFS row (whose name starts with PREFIX) of the catalogue at its own bound, explored to the end without
     * stopping at failures, without reduction, with sleep sets and with DPOR: executions, and each
     * reduction's outcomes missing from the unreduced search's (none is sound).
     */
    private static void catalogue(String prefix) {
        OpRegistry ops = OpRegistry.standard();
        System.out.printf("%-52s %5s %10s %8s %8s %8s %8s  %s%n", "row", "bound", "unreduced", "sleep", "dpor", "t sleep", "t dpor", "lost");
        for (Path f : Catalogue.standard().files()) {
            Scenario s = Catalogue.load(f, ops);
            if (!s.name().startsWith(prefix) || !s.strategy().equalsIgnoreCase("dfs")) continue;
            for (Scenario.Variant v : s.variants()) {
                ScenarioProgram p = new ScenarioProgram(s, v);
                ExploreOptions o = ExploreOptions.defaults().preemptionBound(s.bound()).stopAtFirstFailure(false).isFailure(x -> false)
                        .stepLimit(s.stepLimit() > 0 ? s.stepLimit() : mmsim.scenario.ScenarioRunner.stepLimitOf(p));
                ExplorationResult off = Explorer.explore(p, o.reduction(ReductionMode.NONE));
                ExplorationResult sleep = Explorer.explore(new ScenarioProgram(s, v), o.reduction(ReductionMode.SLEEP));
                ExplorationResult dpor = Explorer.explore(new ScenarioProgram(s, v), o.reduction(ReductionMode.DPOR));
                var lost = new java.util.ArrayList<String>();
                for (var x : off.outcomes().keySet()) {
                    if (!sleep.outcomes().containsKey(x)) lost.add("sleep: " + x.verdictKind().id() + " " + x.observed());
                    if (!dpor.outcomes().containsKey(x)) lost.add("dpor: " + x.verdictKind().id() + " " + x.observed());
                }
                System.out.printf("%-52s %5d %10d %8d %8d %7.2fs %7.2fs  %s%n", s.name() + " " + v.name(), s.bound(), off.executions(), sleep.executions(),
                        dpor.executions(), sleep.elapsed().toMillis() / 1e3, dpor.elapsed().toMillis() / 1e3, lost.isEmpty() ? "-" : String.join("; ", lost));
            }
        }
    }

    /**
     * {@code footprints [PREFIX]}: the footprint check over the catalogue rows (whose name starts
     * with PREFIX), the first 200 executions of each with sleep sets: each distinct undeclared raw
     * memmap access, by the point whose step made it and the field (pfns folded), with a count.
     */
    private static void footprints(String prefix) {
        OpRegistry ops = OpRegistry.standard();
        for (Path f : Catalogue.standard().files()) {
            Scenario s = Catalogue.load(f, ops);
            if (!s.name().startsWith(prefix) || !s.strategy().equalsIgnoreCase("dfs")) continue;
            for (Scenario.Variant v : s.variants()) {
                java.util.Map<String, Integer> seen = new java.util.TreeMap<>();
                ScenarioProgram p = new ScenarioProgram(s, v);
                ExploreOptions o = ExploreOptions.defaults().preemptionBound(s.bound()).stopAtFirstFailure(false).isFailure(x -> false)
                        .maxExecutions(200).footprintCheck(m -> seen.merge(m.replaceAll("pfn=\\d+", "pfn=*"), 1, Integer::sum));
                Explorer.explore(p, o);
                System.out.printf("%s %s: %d undeclared kinds%n", s.name(), v.name(), seen.size());
                seen.forEach((m, c) -> System.out.printf("  %7d  %s%n", c, m));
            }
        }
    }

    private static void row(String what, Scenario s, int bound) {
        row(what, s, bound, "mainline");
    }

    private static void row(String what, Scenario s, int bound, String variant) {
        Scenario.Variant v = s.variants().stream().filter(x -> x.name().equals(variant)).findFirst().orElseThrow();
        ExploreOptions o = ExploreOptions.defaults().preemptionBound(bound).stopAtFirstFailure(false).isFailure(x -> false);
        Traces.Count count = Traces.count(new ScenarioProgram(s, v), o.reduction(ReductionMode.NONE));
        ExplorationResult off = count.result();
        ExplorationResult sleep = Explorer.explore(new ScenarioProgram(s, v), o.reduction(ReductionMode.SLEEP));
        ExplorationResult dpor = Explorer.explore(new ScenarioProgram(s, v), o.reduction(ReductionMode.DPOR));
        if (!off.exhausted() || !sleep.exhausted() || !dpor.exhausted()) throw new AssertionError(what + ": not exhausted");
        if (!off.outcomes().keySet().equals(sleep.outcomes().keySet())) throw new AssertionError(what + ": outcomes differ: " + off.outcomes().keySet()
                + " without reduction, " + sleep.outcomes().keySet() + " with sleep sets");
        String lost = off.outcomes().keySet().equals(dpor.outcomes().keySet()) ? "" : "  DPOR LOST OUTCOMES: " + dpor.outcomes().keySet() + " of " + off.outcomes().keySet();
        System.out.printf("%-26s %5d %10d %8d %16s %16s %7.2fs %7.2fs %7.2fs%s%n", what, bound, off.executions(), count.traces(),
                sleep.executions() + " (" + sleep.reduction().redundant() + ")", dpor.executions() + " (" + dpor.reduction().redundant() + ")",
                off.elapsed().toMillis() / 1e3, sleep.elapsed().toMillis() / 1e3, dpor.elapsed().toMillis() / 1e3, lost);
    }
}
