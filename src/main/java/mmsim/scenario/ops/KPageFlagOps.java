package mmsim.scenario.ops;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

import mmsim.iface.procfs.KernelPageFlags;
import mmsim.kernel.Errno;

/**
 * {@code kpageflag PFN|$var FLAG [-> var]}: what page-types shows for one page - a pread of the
 * pfn's 8 bytes of /proc/kpageflags (through the file, with the reader's preemption points) and
 * one KPF_ bit of it ({@code hwpoison}, {@code buddy}, {@code lru}, ... as in
 * include/uapi/linux/kernel-page-flags.h); var gets 1 or 0, or -ERRNO. A scenario observes with
 * it what a user would (seed 002: is the page PG_hwpoison now?).
 */
final class KPageFlagOps implements OpProvider {
    @Override
    public void register(OpRegistry r) {
        r.add("kpageflag", "kpageflag PFN|$var FLAG [-> var]",
                "one KPF_ bit (hwpoison, buddy, lru, ...) of a pfn's /proc/kpageflags entry; var gets 1, 0 or -ERRNO", true, a -> {
                    String w = a.peek();
                    String var = w != null && w.startsWith("$") ? a.varRef("PFN") : null;
                    long pfn = var == null ? a.number("PFN", 0, Long.MAX_VALUE >>> 3) : 0;
                    String flag = a.word("FLAG");
                    int bit = kpfBit(flag);
                    if (bit < 0) throw a.error("unknown page flag '" + flag + "' (a KPF_ name such as hwpoison, buddy, lru)");
                    return ctx -> {
                        long p = var == null ? pfn : ctx.varNumber(var);
                        try {
                            byte[] b = ctx.machine().read("/proc/kpageflags", p * 8, 8);
                            if (b.length < 8) return Args.errnoValue(Errno.EINVAL);
                            long flags = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
                            return ((flags >>> bit) & 1) != 0 ? "1" : "0";
                        } catch (Errno.ErrnoException e) {
                            return Args.errnoValue(e.errno());
                        }
                    };
                });
    }

    /** The bit of KPF_NAME (KernelPageFlags' constants), or -1. */
    static int kpfBit(String name) {
        try {
            return KernelPageFlags.class.getField("KPF_" + name.toUpperCase(Locale.ROOT)).getInt(null);
        } catch (ReflectiveOperationException e) {
            return -1;
        }
    }
}
