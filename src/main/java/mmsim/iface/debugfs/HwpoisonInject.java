package mmsim.iface.debugfs;

import java.util.Locale;

import mmsim.iface.Kstrtox;
import mmsim.iface.VirtualFs;
import mmsim.kernel.Errno;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.memory_failure.MemoryFailure;

/**
 * The hwpoison-inject module (mm/hwpoison-inject.c): {@code modprobe hwpoison-inject} creates
 * <pre>
 *   /sys/kernel/debug/hwpoison/corrupt-pfn                 0200  PFN: memory_failure(pfn, MF_SW_SIMULATED)
 *   /sys/kernel/debug/hwpoison/unpoison-pfn                0200  PFN: unpoison_memory(pfn)
 *   /sys/kernel/debug/hwpoison/corrupt-filter-enable       0600  u32 "%u\n"
 *   /sys/kernel/debug/hwpoison/corrupt-filter-dev-major    0600  u32 (~0 = any)
 *   /sys/kernel/debug/hwpoison/corrupt-filter-dev-minor    0600  u32 (~0 = any)
 *   /sys/kernel/debug/hwpoison/corrupt-filter-flags-mask   0600  u64 "%llu\n"
 *   /sys/kernel/debug/hwpoison/corrupt-filter-flags-value  0600  u64
 * </pre>
 * The two action files are DEFINE_DEBUGFS_ATTRIBUTE(..., "%lli\n") files: the value is a PFN
 * (not an address), parsed by simple_attr_write with kstrtoull base 0 (-EINVAL otherwise).
 * corrupt-pfn: -ENXIO for an invalid pfn; "Injecting memory failure at pfn %#lx"; -EOPNOTSUPP
 * counts as success. With the filter enabled, only LRU and free pages that match the filters are
 * injected (others silently succeed). The 2016 module first took a reference and returned 0 for
 * free pages ("unable to support free buddy pages"). The model runs as root (no -EPERM) and has
 * no memcg (no corrupt-filter-memcg).
 */
public final class HwpoisonInject {
    public static final String MODULE = "hwpoison-inject";
    public static final String DIR = "/sys/kernel/debug/hwpoison";

    private final Machine m;
    private boolean loaded;
    private long filterEnable, devMajor = 0xffffffffL, devMinor = 0xffffffffL, flagsMask, flagsValue;

    private HwpoisonInject(Machine m) { this.m = m; }

    public static HwpoisonInject of(Machine m) { return m.ext(HwpoisonInject.class, HwpoisonInject::new); }

    public boolean loaded() { return loaded; }

    /** modprobe hwpoison-inject: -EEXIST when loaded, -ENOENT without CONFIG_MEMORY_FAILURE (no such module). */
    public int modprobe(VirtualFs fs) {
        if (loaded) return Errno.EEXIST.neg();
        MemoryFailure mf = m.memoryFailure();
        if (mf == null) return Errno.ENOENT.neg();
        loaded = true;
        fs.mkdirs(DIR);
        fs.attribute(DIR + "/corrupt-pfn", 0200, null, buf -> {
            Long pfn = Kstrtox.kstrtoull(buf);
            if (pfn == null) return (long) Errno.EINVAL.neg();
            int ret = inject(mf, pfn);
            return ret < 0 ? (long) ret : (long) buf.length();
        });
        fs.attribute(DIR + "/unpoison-pfn", 0200, null, buf -> {
            Long pfn = Kstrtox.kstrtoull(buf);
            if (pfn == null) return (long) Errno.EINVAL.neg();
            int ret = mf.unpoisonMemory(pfn);
            return ret < 0 ? (long) ret : (long) buf.length();
        });
        u32(fs, "corrupt-filter-enable", () -> filterEnable, v -> filterEnable = v);
        u32(fs, "corrupt-filter-dev-major", () -> devMajor, v -> devMajor = v);
        u32(fs, "corrupt-filter-dev-minor", () -> devMinor, v -> devMinor = v);
        u64(fs, "corrupt-filter-flags-mask", () -> flagsMask, v -> flagsMask = v);
        u64(fs, "corrupt-filter-flags-value", () -> flagsValue, v -> flagsValue = v);
        return 0;
    }

    /** rmmod hwpoison-inject: the debugfs directory goes; -ENOENT when not loaded. */
    public int rmmod(VirtualFs fs) {
        if (!loaded) return Errno.ENOENT.neg();
        loaded = false;
        fs.remove(DIR);
        return 0;
    }

    /** hwpoison_inject(). */
    private int inject(MemoryFailure mf, long pfn) {
        var k = m.kernel();
        try (var f = k.enter("hwpoison_inject")) {
            if (!m.sparse().pfnValid(pfn)) return Errno.ENXIO.neg();
            var pages = m.userMemory().pages;
            if (m.config().era() == KernelConfig.Era.V4_6) {
                // 2016: "This implies unable to support free buddy pages." A reference first; with the
                // filter on it is held across shake_page and dropped for pages that do not pass -
                // a PFN user's transient pin (seed 002's scenario 002d)
                if (!pages.getPageUnlessZero(pfn)) return 0;
                if (filterEnable != 0) {
                    mf.shakePage();
                    if (!pages.test(pfn, PageFlag.LRU) || filtered(pfn)) {
                        m.userMemory().putPage(pfn);
                        return 0;
                    }
                }
                k.log().printk(String.format(Locale.ROOT, "Injecting memory failure at pfn %#x", pfn));
                return mf.memoryFailure(pfn, MemoryFailure.MF_COUNT_INCREASED);
            }
            if (filterEnable != 0) {
                mf.shakePage();
                if (!pages.test(pfn, PageFlag.LRU) && !m.allocator().isFreeBuddyPage(pfn)) return 0;
                if (filtered(pfn)) return 0;
            }
            k.log().printk(String.format(Locale.ROOT, "Injecting memory failure at pfn %#x", pfn));
            int err = mf.memoryFailure(pfn, MemoryFailure.MF_SW_SIMULATED);
            return err == Errno.EOPNOTSUPP.neg() ? 0 : err;
        }
    }

    /**
     * hwpoison_filter(): dev major/minor need a page-cache page of a block device, which the model
     * has none of (anonymous and shmem pages fail a set dev filter); flags compare the page's
     * /proc/kpageflags bits under the mask.
     */
    private boolean filtered(long pfn) {
        if (devMajor != 0xffffffffL || devMinor != 0xffffffffL) return true;
        if (flagsMask != 0) {
            var spf = mmsim.iface.procfs.KPageProc.of(m).stablePageFlags();
            if ((spf.stablePageFlags(pfn) & flagsMask) != flagsValue) return true;
        }
        return false;
    }

    private static void u32(VirtualFs fs, String name, java.util.function.LongSupplier get, java.util.function.LongConsumer set) {
        fs.attribute(DIR + "/" + name, 0600, () -> Long.toUnsignedString(get.getAsLong()) + "\n", buf -> {
            Long v = Kstrtox.kstrtoull(buf);
            if (v == null || Long.compareUnsigned(v, 0xffffffffL) > 0) return (long) Errno.EINVAL.neg();
            set.accept(v);
            return (long) buf.length();
        });
    }

    private static void u64(VirtualFs fs, String name, java.util.function.LongSupplier get, java.util.function.LongConsumer set) {
        fs.attribute(DIR + "/" + name, 0600, () -> Long.toUnsignedString(get.getAsLong()) + "\n", buf -> {
            Long v = Kstrtox.kstrtoull(buf);
            if (v == null) return (long) Errno.EINVAL.neg();
            set.accept(v);
            return (long) buf.length();
        });
    }
}
