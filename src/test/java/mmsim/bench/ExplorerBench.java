package mmsim.bench;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import mmsim.explore.Carrier;
import mmsim.explore.ExplorationResult;
import mmsim.explore.ExploreOptions;
import mmsim.explore.Explorer;
import mmsim.explore.Program;
import mmsim.explore.Races;
import mmsim.explore.Strategy;
import mmsim.kernel.Access;
import mmsim.kernel.Kernel;
import mmsim.kernel.sync.PercpuRwSem;
import org.openjdk.jmh.annotations.*;

/**
 * Raw scheduling throughput of the explorer on a 2-CPU program of about 50 points (a
 * kpageflags-style reader of 8 pages under get_online_mems() against an offliner under
 * mem_hotplug_begin(), the shape of the explorer-anchors baseline), per carrier; the same
 * program run outside exploration; and the time to find each synthetic race.
 *
 * <pre>
 *   bin/bench ExplorerBench -f 1 -wi 2 -i 3
 * </pre>
 * One op of the *Executions benchmarks is one exploration of up to 2,000 executions; read the
 * "executions" and "points" auxiliary counters (per second).
 *
 * <p>Measured 2026-11-23 on the shared 2-core machine (Temurin 25, -f 1 -wi 2 -i 3, noisy):
 * continuation carrier: random 131 k executions/s and 4.4 M points/s, DFS 281 k executions/s and
 * 12 M points/s; virtual-thread carrier: random 20 k executions/s and 0.66 M points/s, DFS 92 k
 * executions/s and 3.9 M points/s. So the continuation carrier is the default (6-7x faster on the
 * switch-heavy random walk, 3x on DFS) and virtual threads are the supported fallback. Each
 * synthetic race is found, minimised and traced in 0.1-0.6 ms.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-XX:+UseParallelGC"})
@State(Scope.Thread)
public class ExplorerBench {
    static final int PAGES = 8;
    static final int EXECUTIONS = 2_000;

    /** The ~50-point program: A reads 4 words per page under the read side, B offlines under the write side. */
    public static Program kpageflagsVsOffline() {
        return () -> {
            Kernel k = new Kernel(2, Kernel.Arch.X86_64, "bench");
            PercpuRwSem hotplug = new PercpuRwSem(k, mmsim.kernel.LockClass.percpuRwsem("mem_hotplug_lock"));
            boolean[] online = {true};
            long[][] memmap = {new long[PAGES]};
            long[] refcount = new long[PAGES];
            Object sectionLoc = "section", memmapLoc = "section_mem_map";
            return new Program.Instance() {
                public Kernel kernel() { return k; }
                public int nrCpus() { return 2; }
                public String cpuName(int cpu) { return cpu == 0 ? "CPU A (kpageflags)" : "CPU B (offline)"; }
                public void runCpu(int cpu) {
                    if (cpu == 0) {
                        hotplug.percpuDownRead();
                        long sum = 0;
                        for (int pfn = 0; pfn < PAGES; pfn++) {
                            k.point("pfn_to_online_page:section->online", sectionLoc, Access.READ);
                            if (!online[0]) continue;
                            k.point("pfn_to_online_page:section_mem_map", memmapLoc, Access.READ);
                            long[] mm = memmap[0];
                            k.point("stable_page_flags:page->flags", mm, Access.READ);
                            sum += mm[pfn];
                            k.point("kpagecount:page_count", refcount, Access.READ);
                            sum += refcount[pfn];
                        }
                        hotplug.percpuUpRead();
                        if (sum < 0) throw new IllegalStateException();
                    } else {
                        hotplug.percpuDownWrite();
                        k.point("offline_pages:section->online = false", sectionLoc, Access.WRITE);
                        online[0] = false;
                        for (int pfn = 0; pfn < PAGES; pfn++) {
                            k.point("page_init_poison", memmap[0], Access.WRITE);
                            memmap[0][pfn] = -1;
                        }
                        k.point("sparse_remove_section:section_mem_map = NULL", memmapLoc, Access.WRITE);
                        memmap[0] = null;
                        hotplug.percpuUpWrite();
                    }
                }
                public Map<String, String> finish() { return Map.of(); }
            };
        };
    }

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long points;
        public long executions;

        @Setup(Level.Iteration)
        public void reset() { points = 0; executions = 0; }
    }

    @Param({"CONTINUATION", "VIRTUAL_THREAD"})
    public Carrier.Kind carrier;

    private final Program program = kpageflagsVsOffline();

    /** Random walk. */
    @Benchmark
    public long randomExecutions(Counters c) {
        ExplorationResult r = Explorer.explore(program, ExploreOptions.defaults().strategy(Strategy.RANDOM).seed(1)
                .maxExecutions(EXECUTIONS).carrier(carrier));
        c.points += r.points();
        c.executions += r.executions();
        return r.executions();
    }

    /** Bounded DFS (bound 3; its space is larger than the budget). */
    @Benchmark
    public long dfsExecutions(Counters c) {
        ExplorationResult r = Explorer.explore(program, ExploreOptions.defaults().preemptionBound(3)
                .maxExecutions(EXECUTIONS).carrier(carrier));
        c.points += r.points();
        c.executions += r.executions();
        return r.executions();
    }

    /** The same program outside exploration (DirectSched: CPU A's body then CPU B's). One op = one run. */
    @Benchmark
    public int directRun() {
        Program.Instance in = program.instantiate();
        in.runCpu(0);
        ((mmsim.kernel.DirectSched) in.kernel().sched()).setCurrentCpu(1);
        in.runCpu(1);
        return in.nrCpus();
    }

    /** Time to find each synthetic race with bounded DFS, including minimisation and the traced replay. */
    @State(Scope.Thread)
    public static class RaceState {
        @Param({"refcount", "abba", "rcu", "pagetable"})
        public String race;
        Program program;

        @Setup
        public void setup() {
            program = switch (race) {
                case "refcount" -> Races.lostRefcount(false);
                case "abba" -> Races.abba(false, false);
                case "rcu" -> Races.rcu(false);
                default -> Races.pageTableWalk(false);
            };
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Object timeToFind(RaceState s) {
        ExplorationResult r = Explorer.explore(s.program, ExploreOptions.defaults().preemptionBound(2));
        if (r.failure().isEmpty()) throw new AssertionError("race not found: " + r.summary());
        return r.failure().get();
    }
}
