package mmsim.mm.memremap;

import mmsim.mm.linux.DevPagemap;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Map;

import mmsim.explore.ExplorationResult;
import mmsim.explore.ExploreOptions;
import mmsim.explore.Explorer;
import mmsim.explore.Program;
import mmsim.iface.procfs.KPageFiles;
import mmsim.iface.procfs.KPageProc;
import mmsim.kernel.Kernel;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.memory_hotplug.MemoryHotplug;
import mmsim.mm.memremap.ZoneDeviceCases.Variant;
import org.junit.jupiter.api.Test;

/**
 * Case 4 exactly as David Hildenbrand words it: "memmap_init_zone_device() did not yet succeed
 * after dropping the mem_hotplug lock". A walker that even takes get_online_mems() around its
 * read (the hotplug lock's read side) is kept out of the part of devm_memremap_pages() under the
 * lock, yet still reads a poisoned device page once mem_hotplug_done() has run and before
 * memmap_init_zone_device() reached it. Mainline's pfn_to_online_page() never hands it out.
 */
class Case4HotplugLockTest {
    static final String LAYOUT = """
            arch    x86_64
            cpus    2
            ram     0x100000    +127M
            device  0x8000000   +8M
            ram     0x10000000  +64M
            """;

    static Program program(Variant v) {
        return () -> {
            Machine m = Machine.boot(MachineLayout.parse("case4.layout", LAYOUT), v.config);
            Memremap mr = m.memremap();
            DevPagemap pgmap = mr.pmemPagemap(DevPagemap.MemoryType.FS_DAX, 0x8000, 0x800, 2, -1, 0);
            KPageFiles files = KPageProc.of(m);
            MemoryHotplug hp = m.memoryHotplug();
            Kernel k = m.kernel();
            return new Program.Instance() {
                public Kernel kernel() { return k; }
                public int nrCpus() { return 2; }
                public String cpuName(int cpu) { return cpu == 0 ? "CPU A (devm_memremap_pages)" : "CPU B (get_online_mems; kpageflags)"; }
                public void runCpu(int cpu) {
                    if (cpu == 0) {
                        assertEquals(0, mr.devmMemremapPages(pgmap));
                    } else {
                        hp.getOnlineMems();
                        try {
                            files.read(KPageFiles.Kind.KPAGEFLAGS, pgmap.pfnFirst() * 8, 8);
                        } finally {
                            hp.putOnlineMems();
                        }
                    }
                }
                public Map<String, String> finish() { return Map.of(); }
            };
        };
    }

    static ExplorationResult explore(Variant v) {
        return Explorer.explore(program(v), ExploreOptions.defaults().preemptionBound(2).maxExecutions(2000)
                .timeBudget(Duration.ofSeconds(30)));
    }

    @Test
    void theWindowOutlivesTheHotplugLock() {
        ExplorationResult r = explore(Variant.V5_3);
        assertTrue(r.failure().isPresent(), r.summary());
        String trace = r.failure().get().render();
        assertTrue(trace.contains("fffffffffffffffe"), trace);
        int unlock = trace.indexOf("percpu_up_write(&mem_hotplug_lock)");
        int oops = trace.indexOf("<-- Oops");
        assertTrue(unlock >= 0 && unlock < oops, "A had dropped mem_hotplug_lock before B's read:\n" + trace);
        assertTrue(trace.indexOf("memmap_init_zone_device") < 0 || trace.indexOf("memmap_init_zone_device") > unlock, trace);
    }

    @Test
    void mainlineNeverReadsTheDevicePage() {
        ExplorationResult r = explore(Variant.MAINLINE);
        assertTrue(r.failure().isEmpty(), () -> r.failure().get().render());
        assertTrue(r.exhausted(), r.summary());
    }
}
