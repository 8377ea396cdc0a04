package mmsim.iface.sysfs;

import mmsim.iface.VirtualFs;
import mmsim.mm.Machine;
import mmsim.mm.acpi_memhotplug.AcpiMemhotplug;
import mmsim.mm.memory_block.MemoryBlock;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The sysfs links acpi_bind_one() makes (drivers/acpi/glue.c) between an ACPI memory device and
 * the memory blocks acpi_memory_enable_device() bound to it (drivers/acpi/acpi_memhotplug.c):
 * <pre>
 *   /sys/devices/system/memory/memoryN/firmware_node -&gt; ../../../LNXSYSTM:00/LNXSYBUS:00/PNP0C80:NN
 *   /sys/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0C80:NN/physical_node[K] -&gt; ../../../system/memory/memoryN
 * </pre>
 * ("physical_node" for node id 0, "physical_nodeK" after; kernfs writes each link relative to
 * its directory). Where the device sits in the ACPI namespace is the firmware's choice: QEMU's
 * DSDT (hw/acpi/memory_hotplug.c) puts its slots MPxx inside a container \_SB.MHPC (_HID PNP0A06,
 * _UID "DIMM devices"), so a QEMU guest shows .../LNXSYBUS:00/PNP0A06:NN/PNP0C80:MM, NN counting
 * the PNP0A06 devices enumerated before it (machine-type dependent). The model has no container
 * and puts the DIMMs directly under the system bus (\_SB, LNXSYBUS:00). Only the links and the
 * device's directory are modelled, none of the ACPI device's own attributes.
 *
 * <p>Locking: none; the model's AcpiMemhotplug tells of each change under device_hotplug_lock.
 */
public final class AcpiSysfs {
    /** The ACPI root device and the system bus (\_SB) under it: drivers/acpi/scan.c's LNXSYSTM and LNXSYBUS. */
    public static final String SB_DIR = "/sys/devices/LNXSYSTM:00/LNXSYBUS:00";

    private AcpiSysfs() { }

    public static void install(VirtualFs fs, Machine m) {
        AcpiMemhotplug acpi = m.acpiMemhotplug();
        Map<String, List<MemoryBlock>> linked = new HashMap<>();   // device name -> blocks with links
        for (AcpiMemhotplug.MemoryDevice d : acpi.devices()) render(fs, acpi, d, linked);
        acpi.onDeviceChanged(d -> render(fs, acpi, d, linked));
    }

    /** Removes what was shown of {@code d}, then shows it as it is now (if it still exists). */
    private static void render(VirtualFs fs, AcpiMemhotplug acpi, AcpiMemhotplug.MemoryDevice d, Map<String, List<MemoryBlock>> linked) {
        String dir = SB_DIR + "/" + d.name();
        for (MemoryBlock mem : linked.getOrDefault(d.name(), List.of())) {
            fs.remove(MemorySysfs.DIR + "/" + mem.name() + "/firmware_node");   // acpi_unbind_one
        }
        fs.remove(dir);
        linked.remove(d.name());
        if (!acpi.devices().contains(d)) return;
        fs.mkdirs(dir);
        List<MemoryBlock> nodes = d.physicalNodes();
        for (int id = 0; id < nodes.size(); id++) {
            MemoryBlock mem = nodes.get(id);
            fs.symlink(dir + "/physical_node" + (id == 0 ? "" : Integer.toString(id)), "../../../system/memory/" + mem.name());
            fs.symlink(MemorySysfs.DIR + "/" + mem.name() + "/firmware_node", "../../../LNXSYSTM:00/LNXSYBUS:00/" + d.name());
        }
        linked.put(d.name(), nodes);
    }
}
