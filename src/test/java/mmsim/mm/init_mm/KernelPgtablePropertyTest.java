package mmsim.mm.init_mm;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import mmsim.iface.VirtualFs;
import mmsim.iface.sysfs.MemorySysfs;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.Zone;
import mmsim.mm.vmalloc.Vmalloc;
import mmsim.mm.linux.ZoneStat;

/**
 * Any sequence of add_memory / online / offline / remove_memory over four DIMM slots mixed with
 * vmalloc / vfree / ioremap / iounmap, on arm64 and on x86_64: after every step the whole-model
 * check (which accounts for every page-table page) is clean; after undoing everything, every page
 * the machine had free at boot is free again except the live kernel page tables (vmalloc's tables
 * stay, as the kernel's do): hot-add/remove cycles leak no table and no vmemmap block.
 */
class KernelPgtablePropertyTest {
    static final String ARM64 = """
            arch arm64
            cpus 2
            ram      0x40000000  +256M
            reserve  0x40000000  +16M
            """;
    static final String X86 = """
            arch x86_64
            cpus 2
            ram      0x1000      +0x9e000
            ram      0x100000    +255M
            reserve  0x100000    +15M
            """;
    static final long[] SLOTS = {0x100000000L, 0x108000000L, 0x140000000L, 0x200000000L};
    static final long BLOCK = 128L << 20;

    enum Kind { ADD, REMOVE, ONLINE, OFFLINE, VMALLOC, VMALLOC_TOP, VFREE, IOREMAP, IOUNMAP }

    record Step(Kind kind, int slot, int arg) { }

    @Provide
    Arbitrary<List<Step>> steps() {
        return Combinators.combine(Arbitraries.of(Kind.values()), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(1, 600)).as(Step::new).list().ofMinSize(1).ofMaxSize(20);
    }

    static long free(Machine m) {
        long n = 0;
        for (Zone z : m.zones()) {
            n += z.stat(ZoneStat.NR_FREE_PAGES);
            for (int cpu = 0; cpu < m.kernel().nrCpus(); cpu++) n += z.pcp(cpu).count();
        }
        return n;
    }

    @Property(tries = 30)
    void kernelTablesStayAccountedAndNothingLeaks(@ForAll("steps") List<Step> steps, @ForAll boolean x86) {
        Machine m = Machine.boot(MachineLayout.parse("p", x86 ? X86 : ARM64), KernelConfig.mainline().with(InitMm.MODEL));
        var hp = m.memoryHotplug();
        Vmalloc v = m.vmalloc();
        VirtualFs fs = VirtualFs.of(m);
        InitMm mm = m.initMm();
        long free0 = free(m), tables0 = mm.liveTables();
        List<Long> vm = new ArrayList<>(), io = new ArrayList<>();
        for (Step s : steps) {
            long slot = SLOTS[s.slot];
            String state = MemorySysfs.DIR + "/memory" + (slot / BLOCK) + "/state";
            switch (s.kind) {
                case ADD -> hp.addMemory(0, slot, BLOCK);
                case REMOVE -> hp.removeMemory(slot, BLOCK);
                // online_movable: kernel allocations (page tables, vmemmap) stay out, so the block can always go again
                case ONLINE -> { if (fs.exists(state)) fs.write(state, "online_movable\n"); }
                case OFFLINE -> { if (fs.exists(state)) fs.write(state, "offline\n"); }
                case VMALLOC, VMALLOC_TOP -> {
                    long a = v.vmalloc((long) s.arg * 4096 / 8, s.kind == Kind.VMALLOC_TOP);
                    if (a < -4096) vm.add(a);
                }
                case VFREE -> { if (!vm.isEmpty()) assertEquals(0, v.vfree(vm.remove(s.arg % vm.size()), false)); }
                case IOREMAP -> {
                    long a = v.ioremap(0x10000000L, s.arg > 300 ? 2L << 20 : 4096L * (s.arg % 7 + 1));
                    if (a < -4096) io.add(a);
                }
                case IOUNMAP -> { if (!io.isEmpty()) assertEquals(0, v.vfree(io.remove(s.arg % io.size()), true)); }
            }
            assertEquals(List.of(), ModelCheck.check(m), "after " + s);
        }
        for (long a : vm) assertEquals(0, v.vfree(a, false));
        for (long a : io) assertEquals(0, v.vfree(a, true));
        for (long slot : SLOTS) {
            String state = MemorySysfs.DIR + "/memory" + (slot / BLOCK) + "/state";
            if (fs.exists(state)) {
                if (fs.readAll(state).contains("online")) assertTrue(fs.write(state, "offline\n") > 0, "offline " + slot);
                assertEquals(0, hp.removeMemory(slot, BLOCK));
            }
        }
        assertEquals(List.of(), ModelCheck.check(m));
        assertEquals(free0, free(m) + (mm.liveTables() - tables0), "every page is free again but the live kernel tables");
    }
}
