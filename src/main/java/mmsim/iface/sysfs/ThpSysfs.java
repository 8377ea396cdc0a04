package mmsim.iface.sysfs;

import java.util.function.Supplier;

import mmsim.iface.VirtualFs;
import mmsim.kernel.Errno;
import mmsim.mm.Machine;
import mmsim.mm.huge_memory.HugeMemory;
import mmsim.mm.huge_memory.ThpSettings;
import mmsim.mm.khugepaged.KhugepagedSettings;
import mmsim.mm.pgtable.PgtableArch;

/**
 * /sys/kernel/mm/transparent_hugepage (mm/huge_memory.c hugepage_attr, mm/khugepaged.c
 * khugepaged_attr), in v6.12's formats:
 * <pre>
 *   enabled          always [madvise] never       (write one word, else -EINVAL)
 *   defrag           always defer defer+madvise [madvise] never
 *   use_zero_page    "%d\n", 0 or 1               (kstrtoul; above 1 -EINVAL)
 *   hpage_pmd_size   "%lu\n" (2097152), read-only
 *   khugepaged/pages_to_scan          "%u\n"  kstrtouint; 0 or not a number -EINVAL
 *   khugepaged/scan_sleep_millisecs   "%u\n"  kstrtouint; not a number -EINVAL
 *   khugepaged/alloc_sleep_millisecs  "%u\n"  likewise
 *   khugepaged/max_ptes_none|swap|shared  "%u\n"  kstrtoul; above HPAGE_PMD_NR - 1 -EINVAL
 *   khugepaged/defrag                 "%d\n"  0 or 1
 *   khugepaged/pages_collapsed, full_scans  "%u\n", read-only
 * </pre>
 * The files read and write the model's settings through the machine's user memory; no model
 * logic lives here.
 */
public final class ThpSysfs {
    public static final String DIR = "/sys/kernel/mm/transparent_hugepage";

    private ThpSysfs() { }

    public static void install(VirtualFs fs, Machine m) {
        fs.mkdirs(DIR + "/khugepaged");
        Supplier<ThpSettings> thp = () -> m.userMemory().hugeMemory.settings;
        Supplier<KhugepagedSettings> kh = () -> m.khugepaged().settings;
        fs.attribute(DIR + "/enabled", 0644, () -> choices(ThpSettings.Enabled.values().length, i -> ThpSettings.Enabled.values()[i].name().toLowerCase(), thp.get().enabled.ordinal()),
                buf -> {
                    for (ThpSettings.Enabled e : ThpSettings.Enabled.values()) {
                        if (sysfsStreq(buf, e.name().toLowerCase())) { thp.get().enabled = e; return (long) buf.length(); }
                    }
                    return (long) Errno.EINVAL.neg();
                });
        fs.attribute(DIR + "/defrag", 0644, () -> choices(ThpSettings.DEFRAG.length, i -> ThpSettings.DEFRAG[i], thp.get().defrag), buf -> {
            for (int i = 0; i < ThpSettings.DEFRAG.length; i++) {
                if (sysfsStreq(buf, ThpSettings.DEFRAG[i])) { thp.get().defrag = i; return (long) buf.length(); }
            }
            return (long) Errno.EINVAL.neg();
        });
        fs.attribute(DIR + "/use_zero_page", 0644, () -> (thp.get().useZeroPage ? 1 : 0) + "\n", buf -> flag(buf, v -> thp.get().useZeroPage = v));
        fs.attribute(DIR + "/hpage_pmd_size", 0444, () -> PgtableArch.PMD_SIZE + "\n", null);
        String d = DIR + "/khugepaged/";
        fs.attribute(d + "pages_to_scan", 0644, () -> kh.get().pagesToScan + "\n", buf -> {
            long v = kstrtou(buf, 0xffffffffL);
            if (v <= 0) return (long) Errno.EINVAL.neg();
            kh.get().pagesToScan = (int) v;
            return (long) buf.length();
        });
        fs.attribute(d + "scan_sleep_millisecs", 0644, () -> Integer.toUnsignedString(kh.get().scanSleepMillisecs) + "\n",
                buf -> uint(buf, v -> kh.get().scanSleepMillisecs = v));
        fs.attribute(d + "alloc_sleep_millisecs", 0644, () -> Integer.toUnsignedString(kh.get().allocSleepMillisecs) + "\n",
                buf -> uint(buf, v -> kh.get().allocSleepMillisecs = v));
        fs.attribute(d + "max_ptes_none", 0644, () -> kh.get().maxPtesNone + "\n", buf -> maxPtes(buf, v -> kh.get().maxPtesNone = v));
        fs.attribute(d + "max_ptes_swap", 0644, () -> kh.get().maxPtesSwap + "\n", buf -> maxPtes(buf, v -> kh.get().maxPtesSwap = v));
        fs.attribute(d + "max_ptes_shared", 0644, () -> kh.get().maxPtesShared + "\n", buf -> maxPtes(buf, v -> kh.get().maxPtesShared = v));
        fs.attribute(d + "defrag", 0644, () -> (kh.get().defrag ? 1 : 0) + "\n", buf -> flag(buf, v -> kh.get().defrag = v));
        fs.attribute(d + "pages_collapsed", 0444, () -> kh.get().pagesCollapsed + "\n", null);
        fs.attribute(d + "full_scans", 0444, () -> kh.get().fullScans + "\n", null);
    }

    /** The kernel's "a [b] c\n" listing with the selected value bracketed. */
    private static String choices(int n, java.util.function.IntFunction<String> name, int selected) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append(' ');
            sb.append(i == selected ? "[" + name.apply(i) + "]" : name.apply(i));
        }
        return sb.append('\n').toString();
    }

    /** sysfs_streq(): equal, ignoring one trailing newline on either side. */
    private static boolean sysfsStreq(String buf, String word) {
        return buf.equals(word) || buf.equals(word + "\n");
    }

    /** kstrtoul / kstrtouint base 10: digits with an optional '+' and one trailing newline; -1 when invalid or above max. */
    static long kstrtou(String buf, long max) {
        String s = buf.endsWith("\n") ? buf.substring(0, buf.length() - 1) : buf;
        if (s.startsWith("+")) s = s.substring(1);
        if (s.isEmpty() || !s.chars().allMatch(Character::isDigit) || s.length() > 19) return -1;
        long v = Long.parseLong(s);
        return v > max ? -1 : v;
    }

    private static long uint(String buf, java.util.function.IntConsumer set) {
        long v = kstrtou(buf, 0xffffffffL);
        if (v < 0) return Errno.EINVAL.neg();
        set.accept((int) v);
        return buf.length();
    }

    /** max_ptes_*_store(): above HPAGE_PMD_NR - 1 is -EINVAL. */
    private static long maxPtes(String buf, java.util.function.IntConsumer set) {
        long v = kstrtou(buf, HugeMemory.HPAGE_PMD_NR - 1);
        if (v < 0) return Errno.EINVAL.neg();
        set.accept((int) v);
        return buf.length();
    }

    /** use_zero_page / khugepaged defrag (single_hugepage_flag_store): 0 or 1. */
    private static long flag(String buf, java.util.function.Consumer<Boolean> set) {
        long v = kstrtou(buf, 1);
        if (v < 0) return Errno.EINVAL.neg();
        set.accept(v == 1);
        return buf.length();
    }
}
