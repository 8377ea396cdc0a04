package mmsim.mm.init_mm;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;

import mmsim.iface.VirtualFs;
import mmsim.iface.debugfs.PtdumpFiles;
import mmsim.iface.sysfs.MemorySysfs;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;

/**
 * The sequence facts 3.6 names: hot-add, online, offline and remove a block while a loop reads
 * kernel_page_tables and check_wx_pages (here each step is followed by both reads). The dump
 * tracks the block; the W+X check passes throughout; nothing leaks.
 */
class HotplugUnderPtdumpTest {
    static final String LAYOUT = """
            arch arm64
            cpus 2
            ram      0x40000000  +256M
            reserve  0x40000000  +16M
            """;
    static final long DIMM = 0x100000000L, SIZE = 128L << 20;
    static final String LINE = "0xffff0000c0000000-0xffff0000c8000000         128M PMD       RW NX SHD AF    CON BLK UXN    MEM/NORMAL\n";

    @Test
    void addOnlineOfflineRemoveWhileReadingTheDumps() {
        Machine m = Machine.boot(MachineLayout.parse("arm64", LAYOUT), KernelConfig.mainline());
        VirtualFs fs = VirtualFs.of(m);
        var hp = m.memoryHotplug();
        InitMm mm = m.initMm();
        long tables = mm.liveTables();
        String base = fs.readAll(PtdumpFiles.ARM64_PATH);
        for (int round = 0; round < 3; round++) {
            assertEquals(0, hp.addMemory(0, DIMM, SIZE));
            reads(m, fs, true);
            assertTrue(fs.write(MemorySysfs.DIR + "/memory32/state", "online\n") > 0);
            reads(m, fs, true);
            assertTrue(fs.write(MemorySysfs.DIR + "/memory32/state", "offline\n") > 0);
            reads(m, fs, true);
            assertEquals(0, hp.removeMemory(DIMM, SIZE));
            reads(m, fs, false);
            assertEquals(base, fs.readAll(PtdumpFiles.ARM64_PATH), "round " + round + ": the dump is back to the boot one");
            assertEquals(tables, mm.liveTables(), "round " + round + ": every table the add built was freed");
        }
    }

    private static void reads(Machine m, VirtualFs fs, boolean mapped) {
        assertEquals(mapped, fs.readAll(PtdumpFiles.ARM64_PATH).contains(LINE));
        assertEquals("SUCCESS\n", fs.readAll(PtdumpFiles.CHECK_WX_PATH));
        assertEquals(List.of(), ModelCheck.check(m));
    }
}
