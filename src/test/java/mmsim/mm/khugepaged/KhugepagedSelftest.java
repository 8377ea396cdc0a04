package mmsim.mm.khugepaged;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import mmsim.iface.VirtualFs;
import mmsim.mm.Machine;
import mmsim.mm.huge_memory.ThpSettings;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.mmap.UserMemoryCheck;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;

/**
 * The harness of the kernel's selftest tools/testing/selftests/mm/khugepaged.c for anonymous
 * memory, on a booted machine: its default settings (thp enabled "madvise"), setup_area at a
 * 2 MiB-aligned address, the two collapse contexts (khugepaged: wait_for_scan's two full scans;
 * madvise: MADV_COLLAPSE with enabled "never"), alloc_hpage, and check_huge as the selftest reads
 * it: AnonHugePages from smaps and, for a huge page, 512 consecutive frames in pagemap.
 */
abstract class KhugepagedSelftest {
    static final int RW = Mmap.PROT_READ | Mmap.PROT_WRITE;
    static final int ANON = Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS;
    static final long HPAGE = PgtableArch.PMD_SIZE;
    static final long PAGE = PgtableArch.PAGE_SIZE;
    static final long BASE = 0x40000000L;

    final Machine m = Machine.boot();
    final UserMemory um = m.userMemory();
    final MmStruct mm;

    KhugepagedSelftest() {
        um.zeroPage();
        um.hugeMemory.settings.enabled = ThpSettings.Enabled.MADVISE;
        mm = um.newProcess("khugepaged");
    }

    /** The two collapse_context of the selftest. */
    enum Context { KHUGEPAGED, MADVISE }

    long setupArea(int nrHpages) {
        long a = um.mmap.mmap(mm, BASE, nrHpages * HPAGE, RW, ANON);
        assertEquals(BASE, a);
        return a;
    }

    long pmdOf(MmStruct in, long addr) {
        PgtableAlloc.Loc pmd = um.pgalloc.pmdLoc(in, addr, false);
        return pmd == null ? 0 : um.tables.peekEntry(pmd.table(), pmd.idx());
    }

    long pmdOf(long addr) { return pmdOf(mm, addr); }

    boolean isHuge(long addr) { return isHuge(mm, addr); }

    /**
     * check_huge_anon(): the selftest reads AnonHugePages of the mapping from smaps (here the
     * rollup: one VMA) and, for each huge page, pagemap must give 512 consecutive frames. The
     * PMD itself must agree.
     */
    boolean isHuge(MmStruct in, long addr) {
        boolean pmdHuge = um.arch.pmdTransHuge(pmdOf(in, addr));
        String smaps = VirtualFs.of(m).readAll("/proc/" + in.pid + "/smaps_rollup");
        java.util.regex.Matcher x = java.util.regex.Pattern.compile("AnonHugePages: +(\\d+) kB").matcher(smaps);
        assertTrue(x.find(), smaps);
        boolean smapsHuge = Long.parseLong(x.group(1)) >= 2048;
        assertEquals(pmdHuge, smapsHuge, "smaps AnonHugePages and the PMD disagree:\n" + smaps);
        if (pmdHuge) assertContiguous(in, addr);
        return pmdHuge;
    }

    /** pagemap of a huge page: 512 consecutive frames. */
    private void assertContiguous(MmStruct in, long addr) {
        long first = pagemapPfn(in, addr & PgtableArch.PMD_MASK);
        for (int i = 1; i < 512; i += 97) assertEquals(first + i, pagemapPfn(in, (addr & PgtableArch.PMD_MASK) + i * PAGE));
    }

    long pagemapPfn(long va) { return pagemapPfn(mm, va); }

    /** The pfn /proc/pid/pagemap gives for va (PM_PRESENT asserted). */
    long pagemapPfn(MmStruct in, long va) {
        byte[] b = VirtualFs.of(m).read("/proc/" + in.pid + "/pagemap", (va >>> 12) * 8, 8).data();
        long e = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertTrue(e < 0, "present");
        return e & ((1L << 55) - 1);
    }

    /** The 64-bit /proc/kpageflags word of pfn. */
    long kpageflags(long pfn) {
        byte[] b = VirtualFs.of(m).read("/proc/kpageflags", pfn * 8, 8).data();
        return java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    void fault(long start, long end) { fault(mm, start, end); }

    /** anon_fault(): fill_memory writes one word of each page. */
    void fault(MmStruct in, long start, long end) {
        for (long p = start; p < end; p += PAGE) assertEquals(0, um.memory.faultIn(in, p, true));
    }

    /**
     * validate_memory(p, start, end): the selftest reads one word of each page (a read fault
     * where the page is not mapped, e.g. swapped out). The contents are not modelled, so what is
     * checked is that the read succeeds and leaves the page present in pagemap.
     */
    void validateMemory(MmStruct in, long p, long start, long end) {
        for (long a = p + start; a < p + end; a += PAGE) {
            assertEquals(0, um.memory.faultIn(in, a, false));
            pagemapPfn(in, a);
        }
    }

    /** khugepaged context: MADV_HUGEPAGE, then passes until full_scans advances twice (wait_for_scan). */
    void khugepagedCollapse(long p, int nrHpages) { khugepagedCollapse(mm, p, nrHpages); }

    void khugepagedCollapse(MmStruct in, long p, int nrHpages) {
        assertEquals(0, um.mmap.madvise(in, p, nrHpages * HPAGE, Mmap.MADV_HUGEPAGE));
        long target = m.khugepaged().settings.fullScans + 2;
        for (int i = 0; i < 100 && m.khugepaged().settings.fullScans < target; i++) m.khugepaged().scanPass();
        assertEquals(0, um.mmap.madvise(in, p, nrHpages * HPAGE, Mmap.MADV_NOHUGEPAGE));
    }

    void collapse(Context c, MmStruct in, String msg, long p, boolean expect) { collapse(c, in, msg, p, 1, expect); }

    /**
     * c->collapse(msg, p, nr_hpages, ops, expect) in either context: the range must be small
     * before (the sanity check), and afterwards check_huge(p, expect ? nr_hpages : 0): smaps'
     * AnonHugePages of the (one-VMA) process and every PMD agree; in the madvise context the
     * return value of MADV_COLLAPSE must agree too.
     */
    void collapse(Context c, MmStruct in, String msg, long p, int nrHpages, boolean expect) {
        assertEquals(0, hugeCount(in, p, nrHpages), msg + ": unexpected huge page before the collapse");
        if (c == Context.KHUGEPAGED) {
            khugepagedCollapse(in, p, nrHpages);
        } else {
            ThpSettings.Enabled saved = um.hugeMemory.settings.enabled;
            um.hugeMemory.settings.enabled = ThpSettings.Enabled.NEVER; // MADV_COLLAPSE ignores the sysfs mode
            assertEquals(0, um.mmap.madvise(in, p, nrHpages * HPAGE, Mmap.MADV_HUGEPAGE)); // clears VM_NOHUGEPAGE
            int ret = madviseCollapseRetry(in, p, nrHpages * HPAGE);
            um.hugeMemory.settings.enabled = saved;
            assertEquals(expect, ret == 0, msg + ": MADV_COLLAPSE returned " + ret);
        }
        assertEquals(expect ? nrHpages : 0, hugeCount(in, p, nrHpages), msg);
    }

    /** madvise_collapse_retry(): one more try after -EAGAIN. */
    int madviseCollapseRetry(MmStruct in, long p, long size) {
        int ret = um.mmap.madvise(in, p, size, Mmap.MADV_COLLAPSE);
        if (ret == mmsim.kernel.Errno.EAGAIN.neg()) ret = um.mmap.madvise(in, p, size, Mmap.MADV_COLLAPSE);
        return ret;
    }

    /** check_huge_anon()'s count: huge PMDs in [p, p + nr_hpages * 2 MiB), which smaps' AnonHugePages must match. */
    int hugeCount(MmStruct in, long p, int nrHpages) {
        int n = 0;
        for (int i = 0; i < nrHpages; i++) {
            if (um.arch.pmdTransHuge(pmdOf(in, p + i * HPAGE))) {
                assertContiguous(in, p + i * HPAGE);
                n++;
            }
        }
        String smaps = VirtualFs.of(m).readAll("/proc/" + in.pid + "/smaps_rollup");
        java.util.regex.Matcher x = java.util.regex.Pattern.compile("AnonHugePages: +(\\d+) kB").matcher(smaps);
        assertTrue(x.find(), smaps);
        assertEquals(n * 2048L, Long.parseLong(x.group(1)), "AnonHugePages counts the huge PMDs:\n" + smaps);
        return n;
    }

    /**
     * alloc_hpage(): a fully populated range collapsed by MADV_COLLAPSE into one PMD-mapped THP,
     * then MADV_HUGEPAGE.
     */
    long allocHpage() {
        long p = setupArea(1);
        fault(p, p + HPAGE);
        assertEquals(0, madviseCollapseRetry(mm, p, HPAGE), "Allocate huge page");
        assertTrue(isHuge(p), "Allocate huge page");
        assertEquals(0, um.mmap.madvise(mm, p, HPAGE, Mmap.MADV_HUGEPAGE));
        return p;
    }

    void assertConsistent() {
        List<String> bad = UserMemoryCheck.check(um);
        assertTrue(bad.isEmpty(), String.join("\n", bad));
        mmsim.mm.debug.ModelCheck.assertConsistent(m);
    }
}
