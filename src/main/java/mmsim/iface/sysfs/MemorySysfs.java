package mmsim.iface.sysfs;

import mmsim.iface.VirtualFs;
import mmsim.kernel.Access;
import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.memory_block.MemoryBlock;
import mmsim.mm.memory_block.MemoryBlocks;
import mmsim.mm.memory_hotplug.MemoryHotplug;
import mmsim.mm.memory_hotplug.OnlineType;

import java.util.Locale;

/**
 * /sys/devices/system/memory (drivers/base/memory.c, the generic "online" attribute of
 * drivers/base/core.c) and the node links of drivers/base/node.c, in the format a 6.18 kernel
 * prints, for the modelled machine:
 * <pre>
 *   block_size_bytes      "%lx\n"                      (8000000 for 128 MiB)
 *   auto_online_blocks    offline|online|online_kernel|online_movable   (v4.6: online|offline)
 *   memoryN/phys_index    "%08lx\n" of N
 *   memoryN/phys_device   "0\n"
 *   memoryN/state         online|offline|going-offline   (write: online, online_kernel, online_movable, offline)
 *   memoryN/online        "%u\n" (write: a kstrtobool word)
 *   memoryN/valid_zones   zone names (see MemoryBlocks.validZones)
 *   memoryN/removable     "%d\n"
 *   memoryN/node&lt;nid&gt;    -&gt; ../../node/node&lt;nid&gt;,  node/node&lt;nid&gt;/memoryN -&gt; ../../memory/memoryN
 *   uevent (empty), memoryN/subsystem -&gt; ../../../../bus/memory, power/ (DevicePower) on the
 *   memory root, each block and each node
 *   /sys/bus/memory: devices/memoryN -&gt; ../../../devices/system/memory/memoryN, drivers/ (empty),
 *   drivers_autoprobe "1\n", drivers_probe and uevent (0200), as bus_register makes them
 * </pre>
 * A store returns the byte count or the kernel's -errno; the directories follow the block
 * devices as add_memory and remove_memory register and unregister them.
 *
 * <p>Locking: as the kernel's show/store functions (MemoryHotplug documents the stores); shows
 * read the block state without locks, online_show under the device lock.
 */
public final class MemorySysfs {
    public static final String DIR = "/sys/devices/system/memory";
    public static final String NODE_DIR = "/sys/devices/system/node";
    /** The memory bus (drivers/base/memory.c memory_subsys, a subsys_system_register bus). */
    public static final String BUS_DIR = "/sys/bus/memory";

    private MemorySysfs() { }

    public static void install(VirtualFs fs, Machine m) {
        if (!m.config().has(KernelConfig.CONFIG_MEMORY_HOTPLUG)) return;
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        Kernel k = m.kernel();
        boolean v46 = m.config().era() == KernelConfig.Era.V4_6;
        fs.mkdirs(DIR);
        fs.attribute(DIR + "/block_size_bytes", 0444, () -> Long.toHexString(hp.blockSizeBytes()) + "\n", null);
        fs.attribute(DIR + "/auto_online_blocks", 0644, () -> {
            OnlineType t = hp.defaultOnlineType();
            return (v46 ? (t == OnlineType.MMOP_OFFLINE ? "offline" : "online") : t.word) + "\n";
        }, buf -> {
            OnlineType t = OnlineType.fromString(buf);
            if (t == null || (v46 && (t == OnlineType.MMOP_ONLINE_KERNEL || t == OnlineType.MMOP_ONLINE_MOVABLE)))
                return (long) Errno.EINVAL.neg();
            hp.setDefaultOnlineType(t);
            return (long) buf.length();
        });
        fs.attribute(DIR + "/uevent", 0644, () -> "", MemorySysfs::ueventStore);
        DevicePower.add(fs, DIR);
        installBus(fs, blocks);
        for (int nid = 0; nid < m.layout().nodes(); nid++) {
            fs.mkdirs(NODE_DIR + "/node" + nid);
            DevicePower.add(fs, NODE_DIR + "/node" + nid);
        }
        for (MemoryBlock b : blocks.blocks()) addBlock(fs, blocks, k, b);
        blocks.onBlockAdded(b -> addBlock(fs, blocks, k, b));
        blocks.onBlockRemoved(b -> {
            fs.remove(DIR + "/" + b.name());
            fs.remove(NODE_DIR + "/node" + b.nid + "/" + b.name());
            fs.remove(BUS_DIR + "/devices/" + b.name());
        });
    }

    private static void addBlock(VirtualFs fs, MemoryBlocks blocks, Kernel k, MemoryBlock b) {
        String d = DIR + "/" + b.name();
        fs.mkdirs(d);
        fs.attribute(d + "/phys_index", 0444, () -> String.format(Locale.ROOT, "%08x\n", b.id), null);
        fs.attribute(d + "/phys_device", 0444, () -> "0\n", null);
        fs.attribute(d + "/state", 0644, () -> stateShow(k, b), buf -> store(buf, blocks.stateStore(b, buf)));
        fs.attribute(d + "/online", 0644, () -> onlineShow(k, b), buf -> store(buf, blocks.onlineStore(b, buf)));
        fs.attribute(d + "/valid_zones", 0444, () -> {
            try (var f = k.enter("valid_zones_show")) {
                return blocks.validZones(b) + "\n";
            }
        }, null);
        fs.attribute(d + "/removable", 0444, () -> {
            try (var f = k.enter("removable_show")) {
                return blocks.removable(b) + "\n";
            }
        }, null);
        fs.attribute(d + "/uevent", 0644, () -> "", MemorySysfs::ueventStore);
        fs.symlink(d + "/subsystem", "../../../../bus/memory");
        fs.symlink(d + "/node" + b.nid, "../../node/node" + b.nid);
        fs.symlink(NODE_DIR + "/node" + b.nid + "/" + b.name(), "../../memory/" + b.name());
        fs.symlink(BUS_DIR + "/devices/" + b.name(), "../../../devices/system/memory/" + b.name());
        DevicePower.add(fs, d);
    }

    /**
     * bus_register()'s files for the memory bus (drivers/base/bus.c): devices/ and drivers/,
     * drivers_autoprobe (a bool, "1"), drivers_probe (write a device name: -ENODEV for none; a
     * memory block has no driver to bind, so a known name is accepted) and uevent.
     */
    private static void installBus(VirtualFs fs, MemoryBlocks blocks) {
        fs.mkdirs(BUS_DIR + "/devices");
        fs.mkdirs(BUS_DIR + "/drivers");
        boolean[] autoprobe = {true};
        fs.attribute(BUS_DIR + "/drivers_autoprobe", 0644, () -> (autoprobe[0] ? "1" : "0") + "\n", buf -> {
            autoprobe[0] = buf.isEmpty() || buf.charAt(0) != '0';
            return (long) buf.length();
        });
        fs.attribute(BUS_DIR + "/drivers_probe", 0200, null, buf -> {
            String name = buf.endsWith("\n") ? buf.substring(0, buf.length() - 1) : buf;
            boolean known = name.startsWith("memory") && fs.exists(BUS_DIR + "/devices/" + name);
            return known ? (long) buf.length() : (long) Errno.ENODEV.neg();
        });
        fs.attribute(BUS_DIR + "/uevent", 0200, null, MemorySysfs::ueventStore);
    }

    /**
     * uevent_store() (drivers/base/core.c): a kobject action word ("add", "change", ...) asks for a
     * synthetic uevent, which the model has nobody to deliver to; anything else is -EINVAL.
     */
    private static long ueventStore(String buf) {
        String w = buf.strip().split("\\s+", 2)[0];
        return switch (w) {
            case "add", "remove", "change", "move", "online", "offline", "bind", "unbind" -> (long) buf.length();
            default -> (long) Errno.EINVAL.neg();
        };
    }

    private static long store(String buf, int ret) {
        return ret < 0 ? ret : buf.length();
    }

    /** state_show(). */
    static String stateShow(Kernel k, MemoryBlock b) {
        try (var f = k.enter("state_show")) {
            k.point("state_show:mem->state", b, Access.READ);
            return switch (b.state()) {
                case MemoryBlock.MEM_ONLINE -> "online\n";
                case MemoryBlock.MEM_OFFLINE -> "offline\n";
                case MemoryBlock.MEM_GOING_OFFLINE -> "going-offline\n";
                default -> "ERROR-UNKNOWN-" + b.state() + "\n";
            };
        }
    }

    /** online_show() (drivers/base/core.c): !dev->offline under the device lock. */
    static String onlineShow(Kernel k, MemoryBlock b) {
        try (var f = k.enter("online_show")) {
            b.devLock.lock();
            try {
                return (b.devOffline() ? "0" : "1") + "\n";
            } finally {
                b.devLock.unlock();
            }
        }
    }
}
