package mmsim.mm.init_mm;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

import mmsim.iface.VirtualFs;
import mmsim.iface.debugfs.PtdumpFiles;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.ZoneStat;

/** arm64 kernel page tables: boot, hot-add and hot-remove as the dump shows them, and their accounting. */
class Arm64KernelPgtablesTest {
    /** Boot RAM 1-3 GiB; a 128 MiB block at 4 GiB that owns its linear-map PMD table; the v6.12 layout. */
    static final String LAYOUT = """
            arch arm64
            cpus 2
            ram      0x40000000  +2G
            reserve  0x40000000  +32M
            hotplug  0x100000000 +128M   offline
            """;

    static Machine boot(KernelConfig c) { return Machine.boot(MachineLayout.parse("arm64-004", LAYOUT), c); }

    static String dump(Machine m) { return VirtualFs.of(m).readAll(PtdumpFiles.ARM64_PATH); }

    static long free(Machine m) {
        long n = 0;
        for (Zone z : m.zones()) {
            n += z.stat(ZoneStat.NR_FREE_PAGES);
            for (int cpu = 0; cpu < m.kernel().nrCpus(); cpu++) n += z.pcp(cpu).count();   // order-0 frees sit on the pcp lists
        }
        return n;
    }

    @Test
    void bootDumpHasTheArm64MarkersAndBlockLines() {
        Machine m = boot(KernelConfig.mainline());
        String d = dump(m);
        assertTrue(d.startsWith("---[ Linear Mapping start ]---\n"), d);
        assertTrue(d.contains("0xffff000000000000-0xffff000080000000           2G PUD       RW NX SHD AF        BLK UXN    MEM/NORMAL\n"), d);
        // the hot-plugged block at 4 GiB: 128 MiB of 2 MiB blocks with the contiguous hint
        assertTrue(d.contains("0xffff0000c0000000-0xffff0000c8000000         128M PMD       RW NX SHD AF    CON BLK UXN    MEM/NORMAL\n"), d);
        assertTrue(d.contains("---[ Linear Mapping end ]---\n---[ Modules start ]---\n"), d);
        assertTrue(d.contains("---[ vmemmap start ]---\n"), d);
        assertTrue(d.endsWith("-0x0000000000000000           8M PMD\n"), d);
        assertEquals(java.util.List.of(), ModelCheck.check(m));
    }

    @Test
    void hotRemoveFreesTheBlocksOwnTablesAndVmemmapButKeepsSharedOnes() {
        Machine m = boot(KernelConfig.mainline());
        InitMm mm = m.initMm();
        long tables = mm.liveTables(), freeBefore = free(m);
        String before = dump(m);
        assertEquals(0, m.memoryHotplug().removeMemory(0x100000000L, 128L << 20));
        String after = dump(m);
        assertNotEquals(before, after);
        assertFalse(after.contains("0xffff0000c0000000-0xffff0000c8000000"), after);
        // the PMD table of the 4 GiB region was freed; the vmemmap PMD table is shared with boot memory
        assertEquals(tables - 1, mm.liveTables());
        // the PMD table page and the 2 MiB vmemmap block went back to the allocator
        assertEquals(freeBefore + 1 + 512, free(m));
        assertEquals(java.util.List.of(), ModelCheck.check(m));
        // and hot-add builds it again
        assertEquals(0, m.memoryHotplug().addMemory(0, 0x100000000L, 128L << 20));
        assertEquals(before, dump(m));
        assertEquals(tables, mm.liveTables());
        assertEquals(java.util.List.of(), ModelCheck.check(m));
    }

    /** The acceptance: cat kernel_page_tables on layouts/arm64.layout, before and after its 1 GiB DIMM goes. */
    @Test
    void theArm64LayoutFilesDumpChangesAsItsDimmIsRemovedAndAdded() throws Exception {
        Machine m = Machine.boot(MachineLayout.load(java.nio.file.Path.of("layouts/arm64.layout")), KernelConfig.mainline());
        String withDimm = dump(m);
        // boot RAM 1-3 GiB and the DIMM at 3-4 GiB: three 1 GiB blocks of linear map
        assertTrue(withDimm.contains("0xffff000000000000-0xffff0000c0000000           3G PUD       RW NX SHD AF        BLK UXN    MEM/NORMAL\n"), withDimm);
        assertEquals(0, m.memoryHotplug().removeMemory(0xc0000000L, 1L << 30));
        String without = dump(m);
        assertTrue(without.contains("0xffff000000000000-0xffff000080000000           2G PUD       RW NX SHD AF        BLK UXN    MEM/NORMAL\n"), without);
        assertEquals(0, m.memoryHotplug().addMemory(0, 0xc0000000L, 1L << 30));
        assertEquals(withDimm, dump(m));
        assertEquals(java.util.List.of(), ModelCheck.check(m));
    }

    @Test
    void checkWxPagesPassesOnTheModelledImage() {
        Machine m = boot(KernelConfig.mainline());
        assertEquals("SUCCESS\n", VirtualFs.of(m).readAll(PtdumpFiles.CHECK_WX_PATH));
        assertTrue(m.kernel().log().text().contains("Checked W+X mappings: passed, no W+X pages found"));
    }
}
