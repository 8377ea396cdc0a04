package mmsim.mm.init_mm;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;

import mmsim.iface.VirtualFs;
import mmsim.iface.debugfs.PtdumpFiles;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;

/** x86_64 kernel page tables (with the option kernel-page-tables): hot-add maps, remove_pagetable frees. */
class X86KernelPgtablesTest {
    static final String LAYOUT = """
            arch x86_64
            cpus 2
            ram      0x1000      +0x9e000
            ram      0x100000    +255M
            reserve  0x100000    +15M
            hotplug  0x100000000 +128M
            """;

    @Test
    void withoutTheOptionThereAreNoKernelTablesAndNoDebugfsFile() {
        Machine m = Machine.boot(MachineLayout.parse("x86", LAYOUT), KernelConfig.mainline());
        assertNull(m.initMm());
        assertFalse(VirtualFs.of(m).exists(PtdumpFiles.X86_PATH));
    }

    @Test
    void removeFreesTheDirectMapPmdTableAndAddRebuildsIt() {
        Machine m = Machine.boot(MachineLayout.parse("x86", LAYOUT), KernelConfig.mainline().with(InitMm.MODEL));
        InitMm mm = m.initMm();
        String before = VirtualFs.of(m).readAll(PtdumpFiles.X86_PATH);
        assertTrue(before.contains("0xffff888100000000-0xffff888108000000         128M     RW         PSE     GLB NX pmd\n"), before);
        long tables = mm.liveTables();
        assertEquals(0, m.memoryHotplug().removeMemory(0x100000000L, 128L << 20));
        String after = VirtualFs.of(m).readAll(PtdumpFiles.X86_PATH);
        assertFalse(after.contains("0xffff888100000000-0xffff888108000000"), after);
        assertEquals(tables - 1, mm.liveTables(), "free_pmd_table freed the 4-5 GiB PMD table");
        assertEquals(List.of(), ModelCheck.check(m));
        assertEquals(0, m.memoryHotplug().addMemory(0, 0x100000000L, 128L << 20));
        assertEquals(before, VirtualFs.of(m).readAll(PtdumpFiles.X86_PATH));
        assertEquals(tables, mm.liveTables());
        assertEquals(List.of(), ModelCheck.check(m));
    }
}
