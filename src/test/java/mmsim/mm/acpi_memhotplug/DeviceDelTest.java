package mmsim.mm.acpi_memhotplug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import mmsim.iface.VirtualFs;
import mmsim.iface.debugfs.MemoryNotifierErrorInject;
import mmsim.kernel.Errno;
import mmsim.mm.Machine;
import mmsim.mm.debug.ModelCheck;

/**
 * QEMU's device_del of a DIMM as the guest kernel handles it (drivers/acpi/scan.c
 * acpi_scan_hot_remove / acpi_scan_try_to_offline, drivers/acpi/acpi_memhotplug.c
 * acpi_memory_remove_memory): offline every block, then __remove_memory; a block that stays
 * online fails the eject with -EBUSY, "Offline failed." and the blocks onlined again. The
 * built-in small machine has one 128 MiB DIMM at 0x20000000 (memory4), added at boot, offline.
 */
class DeviceDelTest {
    static final long DIMM = 0x20000000L, SIZE = 128L << 20;
    static final String BLOCK = "/sys/devices/system/memory/memory4";

    @Test
    void anOnlineDimmIsOfflinedThenRemoved() {
        Machine m = Machine.boot();
        VirtualFs fs = VirtualFs.of(m);
        fs.echo(BLOCK + "/state", "online_movable");
        assertEquals("online", fs.readAll(BLOCK + "/state").strip());
        assertEquals(0, m.acpiMemhotplug().ejectRequest(DIMM, SIZE));
        assertFalse(fs.exists(BLOCK), "the block device is gone with the DIMM");
        assertEquals(Errno.ENODEV.neg(), m.acpiMemhotplug().ejectRequest(DIMM, SIZE), "nothing left to eject");
        assertEquals(List.of(), ModelCheck.check(m));
    }

    @Test
    void aBlockThatRefusesToGoOfflineFailsTheEjectAndComesBackOnline() {
        Machine m = Machine.boot();
        VirtualFs fs = VirtualFs.of(m);
        fs.echo(BLOCK + "/state", "online_movable");
        MemoryNotifierErrorInject.of(m).modprobe(fs, 0);
        fs.echo(MemoryNotifierErrorInject.DIR + "/memory/actions/MEM_GOING_OFFLINE/error", "-16");
        int mark = m.kernel().log().lines().size();
        assertEquals(Errno.EBUSY.neg(), m.acpiMemhotplug().ejectRequest(DIMM, SIZE));
        assertEquals("online", fs.readAll(BLOCK + "/state").strip(), "acpi_bus_online put it back");
        List<String> log = m.kernel().log().linesFrom(mark);
        assertTrue(log.contains("memory memory4: Offline failed."), log.toString());
        assertEquals(List.of(), ModelCheck.check(m));
    }

    @Test
    void bootMemoryIsNoDimm() {
        Machine m = Machine.boot();
        assertEquals(Errno.ENODEV.neg(), m.acpiMemhotplug().ejectRequest(0, SIZE));
        assertTrue(VirtualFs.of(m).exists("/sys/devices/system/memory/memory0"));
    }
}
