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

    /**
     * drivers/acpi/acpi_memhotplug.c acpi_memory_enable_device binds each memory block of the DIMM
     * to its ACPI device (acpi_bind_memory_blocks -> drivers/acpi/glue.c acpi_bind_one): the
     * block gets a firmware_node link to PNP0C80:NN, the device a physical_node link back; the
     * eject unbinds them (acpi_unbind_one) and the device goes, so a DIMM added again takes the
     * freed instance 00. Boot memory and memory added by add_memory() itself have no ACPI companion.
     */
    @Test
    void aDimmsBlocksAreBoundToItsAcpiDevice() {
        Machine m = Machine.boot();
        VirtualFs fs = VirtualFs.of(m);
        String dev = "/sys/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0C80:00";
        assertEquals("../../../LNXSYSTM:00/LNXSYBUS:00/PNP0C80:00", readLink(fs, BLOCK + "/firmware_node"));
        assertEquals("../../../system/memory/memory4", readLink(fs, dev + "/physical_node"));
        assertEquals("00000004\n", fs.readAll(BLOCK + "/firmware_node/physical_node/phys_index"));
        assertFalse(fs.exists("/sys/devices/system/memory/memory0/firmware_node"), "boot memory: no ACPI companion");
        assertEquals(0, m.memoryHotplug().addMemory(0, 0x28000000L, SIZE));
        assertFalse(fs.exists("/sys/devices/system/memory/memory5/firmware_node"), "add_memory() alone binds nothing");

        assertEquals(0, m.acpiMemhotplug().ejectRequest(DIMM, SIZE));
        assertFalse(fs.exists(dev), "acpi_bus_trim deleted the device");
        assertEquals(List.of(), m.acpiMemhotplug().devices());
        // a DIMM of two blocks plugged in later: one device, two physical nodes, the freed instance
        assertEquals(0, m.acpiMemhotplug().memoryDeviceAdd(0, 0x30000000L, 2 * SIZE));
        assertEquals("../../../system/memory/memory6", readLink(fs, dev + "/physical_node"));
        assertEquals("../../../system/memory/memory7", readLink(fs, dev + "/physical_node1"));
        assertEquals("../../../LNXSYSTM:00/LNXSYBUS:00/PNP0C80:00", readLink(fs, "/sys/devices/system/memory/memory7/firmware_node"));
        assertEquals(List.of(), ModelCheck.check(m));
    }

    private static String readLink(VirtualFs fs, String path) {
        VirtualFs.Node n = fs.resolve(path, false);
        assertTrue(n instanceof VirtualFs.Symlink, path + " is a symlink");
        return ((VirtualFs.Symlink) n).target();
    }

    @Test
    void bootMemoryIsNoDimm() {
        Machine m = Machine.boot();
        assertEquals(Errno.ENODEV.neg(), m.acpiMemhotplug().ejectRequest(0, SIZE));
        assertTrue(VirtualFs.of(m).exists("/sys/devices/system/memory/memory0"));
    }
}
