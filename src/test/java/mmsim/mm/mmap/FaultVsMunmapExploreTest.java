package mmsim.mm.mmap;

import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.MmStruct;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import mmsim.explore.ExplorationResult;
import mmsim.explore.ExploreOptions;
import mmsim.explore.Explorer;
import mmsim.explore.Program;
import mmsim.kernel.Kernel;
import mmsim.mm.Machine;
import org.junit.jupiter.api.Test;

/**
 * Two CPUs of one process: A write-faults pages of a range while B munmaps it. The PTE lock,
 * the pte_same re-checks and mmap_lock make every interleaving consistent: no oops, no
 * mapcount/refcount/rss/LRU mismatch, no leaked page or page table.
 */
class FaultVsMunmapExploreTest {
    /** Two CPUs, 128 MiB: the layout of scenarios/011-fault-vs-munmap.mms. */
    static final mmsim.mm.linux.MachineLayout LAYOUT = mmsim.mm.linux.MachineLayout.parse("two-cpus", """
            arch x86_64
            cpus 2
            ram 0x1000    +0x9e000
            ram 0x100000  +127M
            reserve 0x100000 +15M
            """);

    static Program program() {
        return () -> {
            Machine m = Machine.boot(LAYOUT, mmsim.mm.linux.KernelConfig.mainline());
            UserMemory um = m.userMemory();
            MmStruct mm = um.newProcess("a.out");
            um.zeroPage();
            long a = um.mmap.mmap(mm, 0, 2 * 4096, Mmap.PROT_READ | Mmap.PROT_WRITE, Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS);
            um.memory.faultIn(mm, a, false); // page tables exist; page 0 maps the zero page
            mm.cpumask = 0b11;
            Kernel k = m.kernel();
            return new Program.Instance() {
                public Kernel kernel() { return k; }
                public int nrCpus() { return 2; }
                public String cpuName(int cpu) { return cpu == 0 ? "CPU A (write a, a+4K)" : "CPU B (munmap a, 8K)"; }
                public void runCpu(int cpu) {
                    if (cpu == 0) {
                        um.memory.faultIn(mm, a, true);
                        um.memory.faultIn(mm, a + 4096, true);
                    } else {
                        um.mmap.munmap(mm, a, 2 * 4096);
                    }
                }
                public Map<String, String> finish() {
                    um.swap.lruAddDrainAll();
                    List<String> bad = ModelCheck.check(m).stream().map(ModelCheck.Problem::text).toList();
                    if (!bad.isEmpty()) throw k.bug("mm/debug.c", 0, String.join("\n", bad));
                    return Map.of("rss", Long.toString(mm.counter(MmStruct.MM_ANONPAGES)));
                }
            };
        };
    }

    /** Slow: lesson 011 (UserMemoryLessonsTest) explores the same race in the default suite. */
    @Test
    @org.junit.jupiter.api.Tag("slow")
    void everyInterleavingIsConsistent() {
        ExplorationResult r = Explorer.explore(program(), ExploreOptions.defaults().preemptionBound(2)
                .maxExecutions(600).timeBudget(Duration.ofSeconds(10)));
        assertTrue(r.failure().isEmpty(), () -> r.failure().get().verdict().report());
        assertTrue(r.executions() > 10, r.summary());
    }
}
