package mmsim.iface.sysfs;

import mmsim.iface.VirtualFs;
import mmsim.kernel.Errno;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.memory_hotplug.MemoryHotplug;
import mmsim.mm.memory_hotplug.MemoryNotifier;
import mmsim.mm.linux.Gfp;
import mmsim.mm.linux.ZoneType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** /sys/devices/system/memory as user space sees it: contents, writes and their errors. */
class MemorySysfsTest {
    static final String D = MemorySysfs.DIR;

    static Machine small(KernelConfig c) { return Machine.boot(MachineLayout.small(), c); }

    @Test
    void filesReadAsA618KernelPrintsThem() {
        Machine m = small(KernelConfig.mainline());
        VirtualFs fs = VirtualFs.of(m);
        // the values a 6.18 x86_64 host prints for the same kind of block (captured on the host:
        // block_size_bytes 8000000, memory0 "none", memory1 "DMA32", phys_index 00000001, removable 1)
        assertEquals("8000000\n", fs.readAll(D + "/block_size_bytes"));
        assertEquals("offline\n", fs.readAll(D + "/auto_online_blocks"));
        // CONFIG_MEMORY_FAILURE adds hard_offline_page and soft_offline_page (drivers/base/memory.c)
        assertEquals(List.of("auto_online_blocks", "block_size_bytes", "hard_offline_page", "memory0", "memory1", "memory2", "memory3",
                "memory4", "power", "soft_offline_page", "uevent"), fs.list(D));
        assertEquals(List.of("node0", "online", "phys_device", "phys_index", "power", "removable", "state", "subsystem", "uevent", "valid_zones"),
                fs.list(D + "/memory0"));
        assertEquals("", fs.readAll(D + "/memory0/uevent"));
        assertEquals(7, fs.write(D + "/memory0/uevent", "change\n"));
        assertEquals(Errno.EINVAL.neg(), fs.write(D + "/memory0/uevent", "poke\n"));
        assertEquals("online\n", fs.readAll(D + "/memory0/state"));
        assertEquals("1\n", fs.readAll(D + "/memory0/online"));
        assertEquals("none\n", fs.readAll(D + "/memory0/valid_zones"));
        assertEquals("00000000\n", fs.readAll(D + "/memory0/phys_index"));
        assertEquals("0\n", fs.readAll(D + "/memory0/phys_device"));
        assertEquals("1\n", fs.readAll(D + "/memory0/removable"));
        assertEquals("DMA32\n", fs.readAll(D + "/memory1/valid_zones"));
        assertEquals("offline\n", fs.readAll(D + "/memory4/state"));
        assertEquals("0\n", fs.readAll(D + "/memory4/online"));
        assertEquals("00000004\n", fs.readAll(D + "/memory4/phys_index"));
        assertEquals("Normal Movable\n", fs.readAll(D + "/memory4/valid_zones"));
        assertEquals("1\n", fs.readAll(D + "/memory4/removable"));
        assertEquals(0644, fs.file(D + "/memory4/state").mode);
        assertEquals(0444, fs.file(D + "/memory4/valid_zones").mode);
        // node links both ways
        assertTrue(fs.resolve(D + "/memory4/node0", true) instanceof VirtualFs.Dir);
        assertTrue(fs.list(MemorySysfs.NODE_DIR + "/node0").contains("memory4"));
        assertEquals("offline\n", fs.readAll(MemorySysfs.NODE_DIR + "/node0/memory4/state"));
    }

    @Test
    void stateWritesAndTheirErrors() {
        Machine m = small(KernelConfig.mainline());
        VirtualFs fs = VirtualFs.of(m);
        String st = D + "/memory4/state";
        assertEquals(Errno.EINVAL.neg(), fs.write(st, "offline\n"), "the current state again");
        assertEquals(Errno.EINVAL.neg(), fs.write(st, "on\n"), "a bad word");
        assertEquals(Errno.EINVAL.neg(), fs.write(st, "going-offline\n"), "readable, not writable");
        assertEquals("offline\n", fs.readAll(st));
        assertEquals(15, fs.write(st, "online_movable\n"));
        assertEquals("online\n", fs.readAll(st));
        assertEquals("1\n", fs.readAll(D + "/memory4/online"));
        assertEquals("Movable\n", fs.readAll(D + "/memory4/valid_zones"));
        assertEquals(Errno.EINVAL.neg(), fs.write(st, "online\n"));
        assertEquals(8, fs.write(st, "offline\n"));
        assertEquals(7, fs.write(st, "online\n"));
        assertEquals("Normal\n", fs.readAll(D + "/memory4/valid_zones"), "the default zone of a block touching neither zone is the kernel zone");
        assertEquals(List.of(), ModelCheck.check(m));
        // a page the kernel holds in ZONE_NORMAL: offline cannot complete
        long pfn = m.allocator().allocPagesZone(m.node(0).zone(ZoneType.NORMAL), Gfp.GFP_KERNEL, 0);
        assertEquals(Errno.EBUSY.neg(), fs.write(st, "offline\n"));
        assertEquals("online\n", fs.readAll(st));
        Errno.ErrnoException e = assertThrows(Errno.ErrnoException.class, () -> fs.echo(st, "offline"));
        assertEquals("bash: echo: write error: Device or resource busy", e.getMessage());
        m.allocator().freePages(pfn, 0);
        assertEquals(8, fs.write(st, "offline\n"));
        assertEquals(List.of(), ModelCheck.check(m));
    }

    @Test
    void onlineAttributeTakesBooleans() {
        Machine m = small(KernelConfig.mainline());
        VirtualFs fs = VirtualFs.of(m);
        String on = D + "/memory4/online";
        assertEquals(Errno.EINVAL.neg(), fs.write(on, "2\n"));
        assertEquals(Errno.EINVAL.neg(), fs.write(on, "\n"));
        assertEquals(2, fs.write(on, "0\n"), "already offline is not an error here");
        assertEquals(2, fs.write(on, "1\n"));
        assertEquals("online\n", fs.readAll(D + "/memory4/state"));
        assertEquals(2, fs.write(on, "1\n"));
        assertEquals(4, fs.write(on, "off\n"));
        assertEquals("offline\n", fs.readAll(D + "/memory4/state"));
        assertEquals(Errno.EINVAL.neg(), fs.write(D + "/memory0/online", "0\n"), "memory0 spans DMA and DMA32");
    }

    @Test
    void goingOfflineIsReadableWhileAnOfflineRuns() {
        Machine m = small(KernelConfig.mainline());
        VirtualFs fs = VirtualFs.of(m);
        String st = D + "/memory4/state";
        fs.write(st, "online\n");
        List<String> seen = new ArrayList<>();
        m.memoryHotplug().registerMemoryNotifier("reader", 0, (action, arg) -> {
            seen.add(MemoryNotifier.actionName(action) + ":" + fs.readAll(st).strip());
            return MemoryNotifier.NOTIFY_OK;
        });
        assertEquals(8, fs.write(st, "offline\n"));
        assertEquals(List.of("MEM_GOING_OFFLINE:going-offline", "MEM_OFFLINE:going-offline"), seen);
        assertEquals("offline\n", fs.readAll(st));
    }

    @Test
    void blocksComeAndGoWithAddAndRemoveMemory() {
        Machine m = small(KernelConfig.mainline());
        VirtualFs fs = VirtualFs.of(m);
        MemoryHotplug hp = m.memoryHotplug();
        assertEquals(0, hp.addMemory(0, 0x40000000L, 128L << 20));
        assertEquals("offline\n", fs.readAll(D + "/memory8/state"));
        assertEquals("00000008\n", fs.readAll(D + "/memory8/phys_index"));
        assertEquals(0, hp.removeMemory(0x40000000L, 128L << 20));
        assertFalse(fs.exists(D + "/memory8"));
        assertFalse(fs.list(MemorySysfs.NODE_DIR + "/node0").contains("memory8"));
    }

    @Test
    void autoOnlineBlocks() {
        Machine m = small(KernelConfig.mainline());
        VirtualFs fs = VirtualFs.of(m);
        String a = D + "/auto_online_blocks";
        assertEquals(Errno.EINVAL.neg(), fs.write(a, "yes\n"));
        assertEquals(15, fs.write(a, "online_movable\n"));
        assertEquals("online_movable\n", fs.readAll(a));
        assertEquals(0, m.memoryHotplug().addMemory(0, 0x40000000L, 128L << 20));
        assertEquals("online\n", fs.readAll(D + "/memory8/state"));
        assertEquals("Movable\n", fs.readAll(D + "/memory8/valid_zones"));

        Machine old = small(KernelConfig.v4_6());
        VirtualFs ofs = VirtualFs.of(old);
        assertEquals(Errno.EINVAL.neg(), ofs.write(a, "online_kernel\n"), "v4.6 knew online and offline only");
        assertEquals(7, ofs.write(a, "online\n"));
        assertEquals("online\n", ofs.readAll(a));
    }

    @Test
    void v46RemovableFollowsIsMemSectionRemovable() {
        Machine m = small(KernelConfig.v4_6());
        VirtualFs fs = VirtualFs.of(m);
        assertEquals("Normal Movable\n", fs.readAll(D + "/memory4/valid_zones"), "v4.6: zone chosen at add, the last block of Normal");
        assertEquals(7, fs.write(D + "/memory4/state", "online\n"));
        assertEquals("1\n", fs.readAll(D + "/memory4/removable"));
        long pfn = m.allocator().allocPagesZone(m.node(0).zone(ZoneType.NORMAL), Gfp.GFP_KERNEL, 9);
        assertEquals("0\n", fs.readAll(D + "/memory4/removable"), "an unmovable pageblock");
        Machine today = small(KernelConfig.mainline());
        VirtualFs tfs = VirtualFs.of(today);
        tfs.write(D + "/memory4/state", "online\n");
        today.allocator().allocPagesZone(today.node(0).zone(ZoneType.NORMAL), Gfp.GFP_KERNEL, 9);
        assertEquals("1\n", tfs.readAll(D + "/memory4/removable"), "mainline: always 1 with CONFIG_MEMORY_HOTREMOVE");
        m.allocator().freePages(pfn, 9);
    }
}
