package mmsim.iface.sysfs;

import mmsim.iface.Kstrtox;
import mmsim.iface.VirtualFs;
import mmsim.kernel.Errno;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.memory_failure.MemoryFailure;

/**
 * /sys/devices/system/memory/soft_offline_page and hard_offline_page (drivers/base/memory.c,
 * CONFIG_MEMORY_FAILURE): write-only (0200) files taking a <em>physical address</em> (any offset
 * inside the page; parsed with kstrtoull base 0, else -EINVAL), which they turn into a pfn with
 * {@code >> PAGE_SHIFT}. soft_offline_page returns soft_offline_page(pfn, 0)'s error (-ENXIO,
 * -EIO, -EBUSY, ...); hard_offline_page runs memory_failure(pfn, MF_SW_SIMULATED) and counts
 * -EOPNOTSUPP (a filtered page) as success. The model runs as root, so -EPERM never happens.
 *
 * <p>Locking: none here; memory-failure takes mf_mutex.
 */
public final class HwpoisonSysfs {
    private HwpoisonSysfs() { }

    public static void install(VirtualFs fs, Machine m) {
        MemoryFailure mf = m.memoryFailure();
        if (mf == null || !m.config().has(KernelConfig.CONFIG_MEMORY_HOTPLUG)) return;
        int shift = m.arch().pageShift();
        fs.attribute(MemorySysfs.DIR + "/soft_offline_page", 0200, null, buf -> {
            Long addr = Kstrtox.kstrtoull(buf);
            if (addr == null) return (long) Errno.EINVAL.neg();
            int ret = mf.softOffline().softOfflinePage(addr >>> shift, 0);
            return ret == 0 ? buf.length() : (long) ret;
        });
        fs.attribute(MemorySysfs.DIR + "/hard_offline_page", 0200, null, buf -> {
            Long addr = Kstrtox.kstrtoull(buf);
            if (addr == null) return (long) Errno.EINVAL.neg();
            int ret = mf.memoryFailure(addr >>> shift, MemoryFailure.MF_SW_SIMULATED);
            if (ret == Errno.EOPNOTSUPP.neg()) ret = 0;
            return ret == 0 ? buf.length() : (long) ret;
        });
    }
}
