package mmsim.mm.rmap;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import mmsim.explore.ExplorationResult;
import mmsim.explore.ExploreOptions;
import mmsim.explore.Explorer;
import mmsim.explore.Outcome;
import mmsim.explore.Program;
import mmsim.kernel.Kernel;
import mmsim.mm.Machine;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.linux.VmEvent;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.mmap.UserMemory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * vmf_anon_prepare() (mm/memory.c, v6.4+): a fault under the per-VMA lock into a VMA that has no
 * anon_vma yet needs mmap_lock for read to make one and only trylocks it; contended, the fault
 * returns VM_FAULT_RETRY and do_user_addr_fault (arch/x86/mm/fault.c) counts VMA_LOCK_RETRY and
 * faults again under mmap_lock. Explored against another thread's mmap (mmap_lock for write).
 */
class VmfAnonPrepareTest {
    private static final MachineLayout LAYOUT = MachineLayout.parse("two-cpus", """
            arch x86_64
            cpus 2
            ram 0x1000    +0x9e000
            ram 0x100000  +127M
            reserve 0x100000 +15M
            """);
    private static final long A = 0x40000000L;
    private static final int RW = Mmap.PROT_READ | Mmap.PROT_WRITE, ANON = Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS;

    private static Program program() {
        return () -> {
            Machine m = Machine.boot(LAYOUT, KernelConfig.mainline());
            UserMemory um = m.userMemory();
            um.zeroPage();
            MmStruct mm = um.newProcess("a.out");
            assertEquals(A, um.mmap.mmap(mm, A, 1 << 20, RW, ANON)); // no page yet, so no anon_vma
            mm.cpumask = 0b11;
            Kernel k = m.kernel();
            int[] w = new int[1];
            return new Program.Instance() {
                public Kernel kernel() { return k; }
                public int nrCpus() { return 2; }
                public String cpuName(int cpu) { return cpu == 0 ? "CPU A (write a)" : "CPU B (mmap elsewhere)"; }
                public void runCpu(int cpu) {
                    if (cpu == 0) w[0] = um.memory.faultIn(mm, A, true);
                    else um.mmap.mmap(mm, 2 * A, 4096, RW, ANON);
                }
                public Map<String, String> finish() {
                    List<String> bad = ModelCheck.check(m).stream().map(ModelCheck.Problem::text).toList();
                    if (!bad.isEmpty()) throw k.bug("mm/debug.c", 0, String.join("\n", bad));
                    return Map.of("w", Integer.toString(w[0]), "vma_lock_retry", Long.toString(um.event(VmEvent.VMA_LOCK_RETRY)),
                            "anon_vma", Boolean.toString(mm.vmaLookupRaw(A).anonVma != null));
                }
            };
        };
    }

    @Test
    void aContendedTrylockRetriesTheFaultUnderMmapLockAndItSucceeds() {
        ExplorationResult r = Explorer.explore(program(), ExploreOptions.defaults().preemptionBound(1)
                .maxExecutions(2_000).timeBudget(Duration.ofSeconds(60)));
        assertTrue(r.failure().isEmpty(), () -> r.failure().get().verdict().report());
        assertTrue(r.exhausted(), r.summary());
        Set<Map<String, String>> seen = r.outcomes().keySet().stream().map(Outcome::observed).collect(Collectors.toSet());
        for (Map<String, String> o : seen) {
            assertEquals("0", o.get("w"), "every interleaving's write fault succeeds: " + seen);
            assertEquals("true", o.get("anon_vma"), "and leaves the VMA an anon_vma: " + seen);
        }
        assertTrue(seen.stream().anyMatch(o -> o.get("vma_lock_retry").equals("1")),
                "some interleaving finds mmap_lock write-held at vmf_anon_prepare: " + seen);
        assertTrue(seen.stream().anyMatch(o -> o.get("vma_lock_retry").equals("0")), "and some does not: " + seen);
    }
}
