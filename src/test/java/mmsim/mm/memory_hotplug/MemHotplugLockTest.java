package mmsim.mm.memory_hotplug;

import mmsim.explore.Verdict;
import mmsim.explore.ExplorationResult;
import mmsim.explore.ExploreOptions;
import mmsim.explore.Explorer;
import mmsim.explore.Program;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * mem_hotplug_lock per era: a reader that takes get_online_mems() twice while a writer waits
 * deadlocks on mainline's percpu rwsem (a waiting writer holds new readers back) and not with
 * v4.6's reader count; v4.6 lets the writer take the read side inside its own section.
 */
class MemHotplugLockTest {
    static Program program(KernelConfig c) {
        return () -> {
            Machine m = Machine.boot(HotplugExploreTest.LAYOUT, c);
            MemoryHotplug hp = m.memoryHotplug();
            m.kernel().lockdep().setEnabled(false);    // watch the deadlock itself, not lockdep's warning
            Kernel k = m.kernel();
            return new Program.Instance() {
                public Kernel kernel() { return k; }
                public int nrCpus() { return 2; }
                public String cpuName(int cpu) { return cpu == 0 ? "CPU A (get_online_mems twice)" : "CPU B (mem_hotplug_begin)"; }
                public void runCpu(int cpu) {
                    if (cpu == 0) {
                        hp.getOnlineMems();
                        hp.getOnlineMems();
                        hp.putOnlineMems();
                        hp.putOnlineMems();
                    } else {
                        hp.memHotplugBegin();
                        hp.memHotplugDone();
                    }
                }
                public Map<String, String> finish() { return Map.of(); }
            };
        };
    }

    static ExplorationResult explore(KernelConfig c) {
        return Explorer.explore(program(c), ExploreOptions.defaults().preemptionBound(2).maxExecutions(5000).timeBudget(Duration.ofSeconds(20)));
    }

    @Test
    void recursiveReadAgainstAWaitingWriterDeadlocksOnlyOnMainline() {
        ExplorationResult today = explore(KernelConfig.mainline());
        assertTrue(today.failure().isPresent(), today.summary());
        assertEquals(Verdict.Kind.DEADLOCK, today.failure().get().verdict().kind(), today.failure().get().render());

        ExplorationResult old = explore(KernelConfig.v4_6());
        assertTrue(old.failure().isEmpty(), () -> old.failure().get().render());
        assertTrue(old.exhausted(), old.summary());
    }

    @Test
    void v46WriterMayTakeTheReadSideInsideItsSection() {
        Machine m = Machine.boot(HotplugExploreTest.LAYOUT, KernelConfig.v4_6());
        MemoryHotplug hp = m.memoryHotplug();
        hp.memHotplugBegin();
        hp.getOnlineMems();
        hp.putOnlineMems();
        hp.assertMemHotplugHeldWrite();
        hp.memHotplugDone();
        assertThrows(mmsim.kernel.KernelFault.class, hp::assertMemHotplugHeldWrite);
    }
}
