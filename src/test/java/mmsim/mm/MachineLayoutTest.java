package mmsim.mm;

import mmsim.mm.linux.ArchProfile;
import mmsim.mm.linux.MachineLayout;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class MachineLayoutTest {
    static String error(String text) {
        return assertThrows(MachineLayout.LayoutException.class, () -> MachineLayout.parse("layout", text)).getMessage();
    }

    @Test
    void errorsNameTheLineAndTheProblem() {
        assertEquals("layout:2: ram 0x1000 +128M: start not aligned to 4 KiB".replace("0x1000", "0x1001"),
                error("arch x86_64\nram 0x1001 +128M\n"));
        assertEquals("layout:3: ram 0x4000000 +128M: overlaps line 2", error("cpus 2\nram 0 +128M\nram 0x4000000 +128M\n"));
        assertEquals("layout:1: arch sparc: unknown architecture 'sparc' (x86_64 or arm64)", error("arch sparc\n"));
        assertEquals("layout:2: hotplug 0x10000000 +64M: hotplug range not aligned to the memory block size (128 MiB)",
                error("ram 0 +256M\nhotplug 0x10000000 +64M\n"));
        assertEquals("layout:2: reserve 0x20000000 +1M: reserve range not inside boot RAM", error("ram 0 +256M\nreserve 0x20000000 +1M\n"));
        assertEquals("layout:1: ram 0 +12Q: bad size '12Q'", error("ram 0 +12Q\n"));
        assertEquals("layout:1: frob 1: unknown keyword 'frob' (arch, cpus, nodes, ram, reserve, hotplug, device)", error("frob 1\n"));
        assertTrue(error("# nothing\n").contains("no boot RAM"));
    }

    @Test
    void parsesSizesAndDefaults() {
        MachineLayout l = MachineLayout.parse("x", "ram 0x100000000 +2G node 0\nhotplug 0x180000000 +1G absent\n");
        assertEquals(ArchProfile.X86_64, l.arch());
        assertEquals(1, l.cpus());
        assertEquals(2L << 30, l.ranges(MachineLayout.Kind.RAM).get(0).size());
        assertFalse(l.ranges(MachineLayout.Kind.HOTPLUG).get(0).addedAtBoot());
        assertEquals(128L << 20, l.memoryBlockSize());
    }

    @Test
    void x86MemoryBlockSizeGrowsWithLargeMachines() {
        assertEquals(2L << 30, ArchProfile.X86_64.memoryBlockSize(256L << 30));
        assertEquals(1L << 30, ArchProfile.X86_64.memoryBlockSize(65L << 30));
        assertEquals(128L << 20, ArchProfile.ARM64.memoryBlockSize(256L << 30));
    }
}
