package mmsim.mm.acpi_memhotplug;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.memory_block.MemoryBlock;
import mmsim.mm.memory_block.MemoryBlocks;
import mmsim.mm.memory_hotplug.MemoryHotplug;

/**
 * The eject of an ACPI memory device — what QEMU's {@code device_del} of a pc-dimm starts in the
 * guest: drivers/acpi/scan.c (acpi_device_hotplug, acpi_scan_hot_remove, acpi_scan_try_to_offline)
 * and drivers/acpi/acpi_memhotplug.c (acpi_memory_device_remove, acpi_memory_remove_memory).
 *
 * <ol>
 * <li>acpi_device_hotplug takes device_hotplug_lock for the whole eject;</li>
 * <li>acpi_scan_try_to_offline offlines every memory block of the device (device_offline), in two
 *     passes when the first has a failure; if a block still refuses, "memory memoryN: Offline
 *     failed." is logged, every block is onlined again and the eject ends with -EBUSY (the
 *     firmware is told "device busy" through _OST);</li>
 * <li>otherwise the driver detaches: acpi_memory_remove_memory calls __remove_memory for the
 *     device's range (the sections, the memmap and the block devices go) and _EJ0 powers the DIMM
 *     off.</li>
 * </ol>
 * The model has no ACPI namespace: a device is named by its physical range, which must consist of
 * hot-added blocks (-ENODEV otherwise: no memory device there).
 *
 * <p>Locking: device_hotplug_lock (MemoryHotplug) held throughout, asserted by __remove_memory;
 * each block's device lock is taken by device_offline/device_online; mem_hotplug_lock by the
 * offline and the removal themselves.
 */
public final class AcpiMemhotplug {
    private final Kernel k;
    private final MemoryHotplug hotplug;
    private final MemoryBlocks blocks;
    private final int pageShift;

    public AcpiMemhotplug(Kernel k, MemoryHotplug hotplug, MemoryBlocks blocks, int pageShift) {
        this.k = k;
        this.hotplug = hotplug;
        this.blocks = blocks;
        this.pageShift = pageShift;
    }

    /** The eject request of the memory device covering [start, start+size): 0 or -errno. */
    public int ejectRequest(long startBytes, long sizeBytes) {
        try (var f = k.enter("acpi_device_hotplug")) {
            hotplug.lockDeviceHotplug();
            try {
                if (!hotplug.hotAdded(startBytes, sizeBytes)) return Errno.ENODEV.neg();
                return acpiScanHotRemove(startBytes, sizeBytes);
            } finally {
                hotplug.unlockDeviceHotplug();
            }
        }
    }

    private int acpiScanHotRemove(long startBytes, long sizeBytes) {
        try (var f = k.enter("acpi_scan_hot_remove")) {
            List<MemoryBlock> devs = devicesOf(startBytes, sizeBytes);
            int err = tryToOffline(devs);
            if (err != 0) return err;
            try (var g = k.enter("acpi_memory_device_remove")) {
                // acpi_memory_remove_memory: acpi_unbind_memory_blocks, then __remove_memory
                hotplug.removeMemoryLocked(startBytes, sizeBytes);
            }
            return 0;
        }
    }

    /**
     * acpi_scan_try_to_offline(): a first pass that ignores failures (one block may hold what
     * another needs), a second pass only if the first failed; still failing, the blocks are
     * onlined again (acpi_bus_online) and the eject is -EBUSY.
     */
    private int tryToOffline(List<MemoryBlock> devs) {
        try (var f = k.enter("acpi_scan_try_to_offline")) {
            MemoryBlock errdev = offlinePass(devs);
            if (errdev == null) return 0;
            errdev = offlinePass(devs);
            if (errdev == null) return 0;
            k.log().printk(String.format(Locale.ROOT, "memory %s: Offline failed.", errdev.name()));
            for (MemoryBlock mem : devs) blocks.deviceOnline(mem);
            return Errno.EBUSY.neg();
        }
    }

    /** acpi_bus_offline over the device's physical nodes: the first block that refused, or null. */
    private MemoryBlock offlinePass(List<MemoryBlock> devs) {
        try (var f = k.enter("acpi_bus_offline")) {
            MemoryBlock errdev = null;
            for (MemoryBlock mem : devs) {
                if (blocks.deviceOffline(mem) < 0 && errdev == null) errdev = mem;
            }
            return errdev;
        }
    }

    private List<MemoryBlock> devicesOf(long startBytes, long sizeBytes) {
        List<MemoryBlock> out = new ArrayList<>();
        long startPfn = startBytes >>> pageShift, endPfn = (startBytes + sizeBytes) >>> pageShift;
        for (MemoryBlock mem : blocks.blocks()) {
            if (mem.startPfn >= startPfn && mem.startPfn < endPfn) out.add(mem);
        }
        return out;
    }
}
