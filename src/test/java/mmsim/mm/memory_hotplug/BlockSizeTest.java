package mmsim.mm.memory_hotplug;

import mmsim.iface.VirtualFs;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Blocks of several sections (x86_64 with 64 GiB or more of boot memory) and arm64's section-sized blocks. */
class BlockSizeTest {
    @Test
    void twoGibBlocksOfSixteenSectionsOnlineAndOffline() {
        // boot memory ends at 64 GiB (at 65 GiB it would be 1 GiB; the hole below costs nothing): x86 picks the largest block size up to 2 GiB aligned with it
        Machine m = Machine.boot(MachineLayout.parse("64g", """
                arch x86_64
                cpus 2
                ram 0x1000 +0x9e000
                ram 0x100000 +511M
                reserve 0x100000 +15M
                ram 0xf80000000 +2G
                """), KernelConfig.mainline());
        MemoryHotplug hp = m.memoryHotplug();
        assertEquals(2L << 30, hp.blockSizeBytes());
        assertEquals(16, hp.sectionsPerBlock());
        VirtualFs fs = VirtualFs.of(m);
        assertEquals("80000000\n", fs.readAll("/sys/devices/system/memory/block_size_bytes"));
        long start = 64L << 30;
        assertEquals(0, hp.addMemory(0, start, 2L << 30));
        assertEquals("00000020\n", fs.readAll("/sys/devices/system/memory/memory32/phys_index"));
        assertEquals(15, fs.write("/sys/devices/system/memory/memory32/state", "online_movable\n"));
        assertEquals("online\n", fs.readAll("/sys/devices/system/memory/memory32/state"));
        for (long nr = 512; nr < 528; nr++) assertTrue(m.sparse().section(nr).online(), "section " + nr);
        assertEquals(List.of(), ModelCheck.check(m));
        assertEquals(8, fs.write("/sys/devices/system/memory/memory32/state", "offline\n"));
        assertEquals(0, hp.removeMemory(start, 2L << 30));
        assertEquals(List.of(), ModelCheck.check(m));
    }

    @Test
    void arm64BlocksAreSections() {
        Machine m = Machine.boot(MachineLayout.parse("arm64", """
                arch arm64
                cpus 2
                ram 0x40000000 +2G
                reserve 0x40000000 +32M
                hotplug 0xc0000000 +1G offline
                """), KernelConfig.mainline());
        MemoryHotplug hp = m.memoryHotplug();
        assertEquals(128L << 20, hp.blockSizeBytes());
        VirtualFs fs = VirtualFs.of(m);
        assertEquals("offline\n", fs.readAll("/sys/devices/system/memory/memory24/state"));
        assertEquals(7, fs.write("/sys/devices/system/memory/memory24/state", "online\n"));
        assertEquals(List.of(), ModelCheck.check(m));
    }
}
