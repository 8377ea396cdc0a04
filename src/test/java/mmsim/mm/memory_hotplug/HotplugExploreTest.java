package mmsim.mm.memory_hotplug;

import mmsim.mm.memory_block.MemoryBlock;
import mmsim.mm.memory_block.MemoryBlocks;

import mmsim.explore.ExplorationResult;
import mmsim.explore.ExploreOptions;
import mmsim.explore.Explorer;
import mmsim.explore.Program;
import mmsim.explore.Strategy;
import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.Gfp;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Online and offline of a block interleaved with an allocating and freeing CPU: zone->lock,
 * pageblock isolation and mem_hotplug_lock keep every explored schedule consistent (no page
 * lost or handed out twice, counters right), whether the offline succeeds or meets the page
 * the other CPU holds (-EBUSY).
 */
class HotplugExploreTest {
    static final MachineLayout LAYOUT = MachineLayout.parse("two-cpus-hotplug", MachineLayout.SMALL.replace("cpus     4", "cpus     2"));

    static Program program(KernelConfig config) {
        return () -> {
            Machine m = Machine.boot(LAYOUT, config);
            MemoryHotplug hp = m.memoryHotplug();
            MemoryBlocks blocks = m.memoryBlocks();
            Kernel k = m.kernel();
            MemoryBlock b = blocks.block(4);
            int[] results = new int[2];
            return new Program.Instance() {
                public Kernel kernel() { return k; }
                public int nrCpus() { return 2; }
                public String cpuName(int cpu) { return cpu == 0 ? "CPU A (online, offline memory4)" : "CPU B (alloc, free)"; }
                public void runCpu(int cpu) {
                    if (cpu == 0) {
                        results[0] = blocks.stateStore(b, config.era() == KernelConfig.Era.V4_6 ? "online" : "online_movable");
                        results[1] = blocks.stateStore(b, "offline");
                    } else {
                        long p = m.allocator().allocPages(Gfp.GFP_HIGHUSER_MOVABLE, 0);
                        long q = m.allocator().allocPages(Gfp.GFP_HIGHUSER_MOVABLE, 3);
                        if (p >= 0) m.allocator().freePages(p, 0);
                        if (q >= 0) m.allocator().freePages(q, 3);
                    }
                }
                public Map<String, String> finish() {
                    List<String> bad = ModelCheck.check(m).stream().map(ModelCheck.Problem::text).toList();
                    if (!bad.isEmpty()) throw k.bug("mm/debug.c", 0, String.join("\n", bad));
                    if (results[0] != 0) throw k.bug("test online=" + results[0] + " config=" + config.era(), 0, "online failed");
                    if (results[1] != 0 && results[1] != Errno.EBUSY.neg()) throw k.bug("test offline=" + results[1] + " config=" + config.era(), 0, "offline failed");
                    return Map.of("offline", Integer.toString(results[1]), "state", Integer.toString(b.state()));
                }
            };
        };
    }

    static void explore(KernelConfig c, int executions, int stepLimit) {
        ExplorationResult r = Explorer.explore(program(c), ExploreOptions.defaults().strategy(Strategy.RANDOM)
                .maxExecutions(executions).seed(7).stepLimit(stepLimit).timeBudget(Duration.ofSeconds(20)));
        assertTrue(r.failure().isEmpty(), () -> r.failure().get().verdict().report());
        assertTrue(r.executions() >= Math.min(executions, 5), r.summary());
    }

    /** echo online against remove_memory of the same block: device_hotplug_lock orders them. */
    @Test
    void onlineAgainstRemoveIsOrderedByDeviceHotplugLock() {
        Program p = () -> {
            Machine m = Machine.boot(LAYOUT, KernelConfig.mainline());
            MemoryHotplug hp = m.memoryHotplug();
            MemoryBlocks blocks = m.memoryBlocks();
            Kernel k = m.kernel();
            MemoryBlock b = blocks.block(4);
            int[] res = new int[2];
            return new Program.Instance() {
                public Kernel kernel() { return k; }
                public int nrCpus() { return 2; }
                public String cpuName(int cpu) { return cpu == 0 ? "CPU A (echo online)" : "CPU B (remove_memory)"; }
                public void runCpu(int cpu) {
                    if (cpu == 0) res[0] = blocks.stateStore(b, "online");
                    else res[1] = hp.removeMemory(0x20000000L, 128L << 20);
                }
                public Map<String, String> finish() {
                    List<String> bad = ModelCheck.check(m).stream().map(ModelCheck.Problem::text).toList();
                    if (!bad.isEmpty()) throw k.bug("mm/debug.c", 0, String.join("\n", bad));
                    boolean onlineFirst = res[0] == 0 && res[1] == Errno.EBUSY.neg();
                    boolean removeFirst = res[1] == 0 && res[0] == Errno.ENODEV.neg();
                    if (!onlineFirst && !removeFirst) throw k.bug("test online=" + res[0] + " remove=" + res[1], 0, "unordered");
                    return Map.of("online", Integer.toString(res[0]), "remove", Integer.toString(res[1]));
                }
            };
        };
        ExplorationResult r = Explorer.explore(p, ExploreOptions.defaults().strategy(Strategy.RANDOM)
                .maxExecutions(30).seed(3).timeBudget(Duration.ofSeconds(20)));
        assertTrue(r.failure().isEmpty(), () -> r.failure().get().verdict().report());
        assertEquals(2, r.outcomes().size(), "both orders were explored: " + r.outcomes());
    }

    @Test
    void everyExploredScheduleStaysConsistentOnMainline() {
        explore(KernelConfig.mainline(), 25, 100_000);
    }

    /** v4.6 onlines page by page through the per-cpu lists: far more steps per execution. */
    @Test
    void everyExploredScheduleStaysConsistentOnV46() {
        explore(KernelConfig.v4_6(), 12, 1_000_000);
    }
}
