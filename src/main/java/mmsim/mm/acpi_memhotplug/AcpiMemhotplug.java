package mmsim.mm.acpi_memhotplug;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

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
 * <p>The add side, for the DIMMs the firmware announces (the layout's hotplug lines):
 * acpi_memory_device_add, the PNP0C80 scan handler's attach, runs acpi_memory_enable_device:
 * __add_memory for the device's range, then acpi_bind_memory_blocks, acpi_bind_one() of each
 * memory block to the ACPI device (drivers/acpi/glue.c): the block's ACPI companion is set, and
 * sysfs gets a {@code firmware_node} link in the block's directory and a {@code physical_nodeN}
 * link (N the lowest free node id, none for 0) in the device's. The eject unbinds them
 * (acpi_unbind_memory_blocks) before __remove_memory, and the ACPI device then goes
 * (acpi_bus_trim), freeing its instance number. Memory added by add_memory() directly (a driver,
 * the probe interface) has no ACPI companion and no firmware_node. physical_node_lock, a mutex
 * private to the ACPI device, is not modelled: nothing else takes it.
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

    /** ACPI_MEMORY_DEVICE_HID. */
    public static final String HID = "PNP0C80";

    /** An ACPI memory device (a DIMM) and the memory blocks bound to it, physical node id = index. */
    public static final class MemoryDevice {
        /** pnp.instance_no: the lowest number free among the HID's devices (ida_alloc in acpi_device_add). */
        public final int instance;
        public final long startBytes, sizeBytes;
        private final List<MemoryBlock> physicalNodes = new ArrayList<>();

        MemoryDevice(int instance, long startBytes, long sizeBytes) {
            this.instance = instance;
            this.startBytes = startBytes;
            this.sizeBytes = sizeBytes;
        }

        /** The device's name: "%s:%02x" of HID and instance (acpi_device_add). */
        public String name() { return String.format(Locale.ROOT, "%s:%02x", HID, instance); }

        /** The bound memory blocks; block i is physical node i. */
        public List<MemoryBlock> physicalNodes() { return List.copyOf(physicalNodes); }
    }

    private final List<MemoryDevice> devices = new ArrayList<>();
    private final List<Consumer<MemoryDevice>> deviceChanged = new ArrayList<>();

    public AcpiMemhotplug(Kernel k, MemoryHotplug hotplug, MemoryBlocks blocks, int pageShift) {
        this.k = k;
        this.hotplug = hotplug;
        this.blocks = blocks;
        this.pageShift = pageShift;
    }

    /** The ACPI memory devices present, by instance. */
    public List<MemoryDevice> devices() { return List.copyOf(devices); }

    /** The ACPI device a memory block is bound to (ACPI_COMPANION of the block's device), or null. */
    public MemoryDevice companion(MemoryBlock mem) {
        for (MemoryDevice d : devices) if (d.physicalNodes.contains(mem)) return d;
        return null;
    }

    /** Told after a device was added, bound or unbound, or removed (then it is no longer in {@link #devices}). */
    public void onDeviceChanged(Consumer<MemoryDevice> c) { deviceChanged.add(c); }

    /**
     * acpi_memory_device_add() of a DIMM the firmware announces at [start, start+size) on node
     * {@code nid}: acpi_memory_enable_device (__add_memory; -EEXIST counts as added), then
     * acpi_bind_memory_blocks. Returns 0 or __add_memory's -errno (no device is attached then).
     */
    public int memoryDeviceAdd(int nid, long startBytes, long sizeBytes) {
        try (var f = k.enter("acpi_memory_device_add")) {
            int err;
            try (var g = k.enter("acpi_memory_enable_device")) {
                err = hotplug.addMemory(nid, startBytes, sizeBytes);
            }
            if (err != 0 && err != Errno.EEXIST.neg()) return err;
            int instance = 0;
            while (instanceTaken(instance)) instance++;
            MemoryDevice dev = new MemoryDevice(instance, startBytes, sizeBytes);
            devices.add(dev);
            devices.sort((a, b) -> Integer.compare(a.instance, b.instance));
            // acpi_bind_memory_blocks: walk_memory_blocks in address order, acpi_bind_one each
            dev.physicalNodes.addAll(devicesOf(startBytes, sizeBytes));
            deviceChanged.forEach(c -> c.accept(dev));
            return 0;
        }
    }

    private boolean instanceTaken(int instance) {
        for (MemoryDevice d : devices) if (d.instance == instance) return true;
        return false;
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
            MemoryDevice dev = null;
            for (MemoryDevice d : devices) if (d.startBytes == startBytes && d.sizeBytes == sizeBytes) dev = d;
            try (var g = k.enter("acpi_memory_device_remove")) {
                // acpi_memory_remove_memory: acpi_unbind_memory_blocks (acpi_unbind_one), then __remove_memory
                if (dev != null) {
                    dev.physicalNodes.clear();
                    MemoryDevice unbound = dev;
                    deviceChanged.forEach(c -> c.accept(unbound));
                }
                hotplug.removeMemoryLocked(startBytes, sizeBytes);
            }
            if (dev != null) {
                // acpi_bus_trim: the ACPI device is deleted, its instance number freed
                devices.remove(dev);
                MemoryDevice gone = dev;
                deviceChanged.forEach(c -> c.accept(gone));
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
