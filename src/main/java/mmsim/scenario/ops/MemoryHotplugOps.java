package mmsim.scenario.ops;

import mmsim.iface.debugfs.HwpoisonInject;
import mmsim.iface.debugfs.MemoryNotifierErrorInject;
import mmsim.kernel.Errno;

/**
 * Memory hotplug as a driver or firmware does it (mm/memory_hotplug.c): {@code add_memory NID
 * START SIZE} (an ACPI memory device arriving: sections added, blocks offline unless
 * auto_online_blocks says otherwise) and {@code remove_memory START SIZE} (every block must be
 * offline, else -EBUSY). Onlining and offlining go through sysfs as user space does it:
 * {@code echo online > /sys/devices/system/memory/memory8/state}.
 * {@code modprobe memory-notifier-error-inject [priority=N]} and {@code rmmod
 * memory-notifier-error-inject} load and unload the error injection module (debugfs files under
 * /sys/kernel/debug/notifier-error-inject/memory). Values: {@code ok} or the errno name.
 */
final class MemoryHotplugOps implements OpProvider {
    static final String INJECT_MODULE = "memory-notifier-error-inject";

    @Override
    public void register(OpRegistry r) {
        r.add("add_memory", "add_memory NID START SIZE [-> var]",
                "add_memory(): hot-add [START, START+SIZE) to node NID (block aligned); var gets ok or -ERRNO", true, a -> {
                    int nid = a.integer("NID", 0, 63);
                    long start = a.number("START", 0, Long.MAX_VALUE);
                    long size = a.number("SIZE", 1, Long.MAX_VALUE);
                    return ctx -> result(ctx.machine().machine().memoryHotplug().addMemory(nid, start, size));
                });
        r.add("remove_memory", "remove_memory START SIZE [-> var]",
                "remove_memory(): hot-remove an offline range; var gets ok or -ERRNO (-EBUSY while a block is online)", true, a -> {
                    long start = a.number("START", 0, Long.MAX_VALUE);
                    long size = a.number("SIZE", 1, Long.MAX_VALUE);
                    return ctx -> result(ctx.machine().machine().memoryHotplug().removeMemory(start, size));
                });
        r.add("device_del", "device_del START SIZE [-> var]",
                "QEMU's device_del of the DIMM at [START, START+SIZE): the ACPI eject offlines every block (two passes; "
                + "'memory memoryN: Offline failed.' and the blocks onlined again on failure), then removes the memory; "
                + "var gets ok or -ERRNO (-EBUSY when a block stays online, -ENODEV when no hot-added DIMM is there)", true, a -> {
                    long start = a.number("START", 0, Long.MAX_VALUE);
                    long size = a.number("SIZE", 1, Long.MAX_VALUE);
                    return ctx -> result(ctx.machine().machine().acpiMemhotplug().ejectRequest(start, size));
                });
        r.add("modprobe", "modprobe " + INJECT_MODULE + " [priority=N] | " + HwpoisonInject.MODULE + " [-> var]",
                "load the memory notifier error injection module (debugfs notifier-error-inject/memory) "
                        + "or the hwpoison injector (debugfs hwpoison/)", true, a -> {
                    String mod = a.word("MODULE");
                    if (mod.equals(HwpoisonInject.MODULE) || mod.equals("hwpoison_inject")) {
                        return ctx -> result(HwpoisonInject.of(ctx.machine().machine()).modprobe(ctx.machine().fs()));
                    }
                    if (!mod.equals(INJECT_MODULE)) throw a.error("unknown module '" + mod + "'");
                    int priority = 0;
                    if (a.hasMore()) {
                        String p = a.word("priority=N");
                        Long v = p.startsWith("priority=") ? Args.parseNumber(p.substring(9)) : null;
                        if (v == null) throw a.error("expected priority=N, got '" + p + "'");
                        priority = (int) (long) v;
                    }
                    final int prio = priority;
                    return ctx -> result(MemoryNotifierErrorInject.of(ctx.machine().machine()).modprobe(ctx.machine().fs(), prio));
                });
        r.add("rmmod", "rmmod " + INJECT_MODULE + "|" + HwpoisonInject.MODULE + " [-> var]",
                "unload the memory notifier error injection module or the hwpoison injector", true, a -> {
            String mod = a.word("MODULE");
            if (mod.equals(HwpoisonInject.MODULE) || mod.equals("hwpoison_inject")) {
                return ctx -> result(HwpoisonInject.of(ctx.machine().machine()).rmmod(ctx.machine().fs()));
            }
            if (!mod.equals(INJECT_MODULE)) throw a.error("unknown module '" + mod + "'");
            return ctx -> result(MemoryNotifierErrorInject.of(ctx.machine().machine()).rmmod(ctx.machine().fs()));
        });
    }

    private static String result(int ret) {
        if (ret == 0) return "ok";
        Errno e = Errno.of(ret);
        return e == null ? Integer.toString(ret) : Args.errnoValue(e);
    }
}
