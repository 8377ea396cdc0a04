package mmsim.mm.khugepaged;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import mmsim.mm.Machine;
import mmsim.mm.huge_memory.ThpSettings;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.mmap.UserMemoryCheck;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * THP faults and khugepaged's collapse, after the anon sequences of the kernel's selftest
 * tools/testing/selftests/mm/khugepaged.c (thp enabled "madvise", as its default settings),
 * checking THP-ness as the selftest's check_huge does: the PMD maps a huge page.
 */
class KhugepagedTest extends KhugepagedSelftest {
    @Test
    void knobDefaultsAreTheKernels() {
        KhugepagedSettings s = m.khugepaged().settings;
        assertEquals(4096, s.pagesToScan);
        assertEquals(511, s.maxPtesNone);
        assertEquals(64, s.maxPtesSwap);
        assertEquals(256, s.maxPtesShared);
        assertEquals(10000, s.scanSleepMillisecs);
        assertEquals(60000, s.allocSleepMillisecs);
    }

    @Test
    void collapseFull() {
        long p = setupArea(1);
        fault(p, p + HPAGE);
        assertFalse(isHuge(p));
        khugepagedCollapse(p, 1);
        assertTrue(isHuge(p), "Collapse fully populated PTE table");
        assertEquals(512, mm.counter(MmStruct.MM_ANONPAGES));
        assertEquals(1, m.khugepaged().settings.pagesCollapsed);
        assertConsistent();
        var fs = mmsim.iface.VirtualFs.of(m);
        assertTrue(fs.readAll("/proc/meminfo").matches("(?s).*AnonHugePages: +2048 kB.*"), "meminfo counts the THP");
        long head = pagemapPfn(p);
        long kpf = java.nio.ByteBuffer.wrap(fs.read("/proc/kpageflags", head * 8, 8).data()).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        long tail = java.nio.ByteBuffer.wrap(fs.read("/proc/kpageflags", (head + 1) * 8, 8).data()).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(1L << 22 | 1L << 15, kpf & (1L << 22 | 1L << 15 | 1L << 16), "KPF_THP | KPF_COMPOUND_HEAD on the head");
        assertEquals(1L << 22 | 1L << 16, tail & (1L << 22 | 1L << 15 | 1L << 16), "KPF_THP | KPF_COMPOUND_TAIL on a tail");
        assertEquals(0, um.mmap.munmap(mm, p, HPAGE));
        assertConsistent();
    }

    @Test
    void madviseCollapseFullAndExistingThps() {
        for (int i = 0; i < 2; i++) {
            long p = setupArea(1);
            fault(p, p + HPAGE);
            assertFalse(isHuge(p));
            assertEquals(0, um.mmap.madvise(mm, p, HPAGE, Mmap.MADV_COLLAPSE), "Collapse fully populated PTE table (MADV_COLLAPSE)");
            assertTrue(isHuge(p));
            assertEquals(0, um.mmap.madvise(mm, p, HPAGE, Mmap.MADV_COLLAPSE), "Re-collapse PMD-mapped hugepage");
            assertTrue(isHuge(p));
            assertConsistent();
            assertEquals(0, um.mmap.munmap(mm, p, HPAGE)); // cleanup_area
            assertConsistent();
        }
    }

    @Test
    void madviseCollapseIgnoresMaxPtesNoneButNotNohugepage() {
        um.hugeMemory.settings.enabled = ThpSettings.Enabled.NEVER; // MADV_COLLAPSE does not depend on the sysfs mode
        m.khugepaged().settings.maxPtesNone = 0;
        long p = setupArea(1);
        fault(p, p + PgtableArch.PAGE_SIZE);
        assertEquals(0, um.mmap.madvise(mm, p, HPAGE, Mmap.MADV_COLLAPSE));
        assertTrue(isHuge(p));
        long q = um.mmap.mmap(mm, BASE + 4 * HPAGE, HPAGE, RW, ANON);
        assertEquals(0, um.mmap.madvise(mm, q, HPAGE, Mmap.MADV_NOHUGEPAGE));
        fault(q, q + PgtableArch.PAGE_SIZE);
        assertEquals(mmsim.kernel.Errno.EINVAL.neg(), um.mmap.madvise(mm, q, HPAGE, Mmap.MADV_COLLAPSE));
        assertConsistent();
    }

    /**
     * madvise_collapse (mm/khugepaged.c): a range that fails for a whitelisted, transient reason
     * (a pinned page: SCAN_PAGE_COUNT) does not stop the walk; the next range is collapsed and the
     * call reports the failure's errno (madvise_collapse_errno: -EAGAIN).
     */
    @Test
    void madviseCollapseGoesOnAfterAPinnedRangeAndSaysEagain() {
        long p = setupArea(2);
        fault(p, p + 2 * HPAGE);
        long[] pinned = new long[1];
        assertEquals(1, um.gup.getUserPagesFast(mm, p, 1, true, pinned)); // a GUP reference: page_count too high
        assertEquals(mmsim.kernel.Errno.EAGAIN.neg(), um.mmap.madvise(mm, p, 2 * HPAGE, Mmap.MADV_COLLAPSE));
        // the PMDs themselves: smaps' rollup sums both ranges
        assertFalse(um.arch.pmdTransHuge(pmdOf(mm, p)));
        assertTrue(um.arch.pmdTransHuge(pmdOf(mm, p + HPAGE)), "the range after the pinned one is still collapsed");
        um.gup.putUserPage(pinned[0]);
        assertEquals(0, um.mmap.madvise(mm, p, 2 * HPAGE, Mmap.MADV_COLLAPSE));
        assertTrue(um.arch.pmdTransHuge(pmdOf(mm, p)));
        assertConsistent();
    }

    /**
     * madvise_collapse() stops at a result outside mm/khugepaged.c's whitelist: with no free
     * order-9 block the first range's alloc_charge_folio fails (thp_collapse_alloc_failed), the
     * second range is not tried, and the call says -ENOMEM. The counters are counted at the
     * allocation, so a second call with memory back allocates (thp_collapse_alloc) twice.
     */
    @Test
    void madviseCollapseStopsAtAnAllocationFailure() {
        long p = setupArea(2);
        fault(p, p + 2 * HPAGE);
        java.util.List<Long> hogs = new java.util.ArrayList<>();
        for (long h; (h = um.pages.allocCompound(9)) >= 0; ) hogs.add(h);
        assertEquals(mmsim.kernel.Errno.ENOMEM.neg(), um.mmap.madvise(mm, p, 2 * HPAGE, Mmap.MADV_COLLAPSE));
        assertEquals(1, vmstat("thp_collapse_alloc_failed"), "the walk stopped after the first range");
        assertEquals(0, vmstat("thp_collapse_alloc"));
        assertFalse(isHuge(p));
        assertFalse(isHuge(p + HPAGE));
        hogs.forEach(um::putPage);
        assertEquals(0, um.mmap.madvise(mm, p, 2 * HPAGE, Mmap.MADV_COLLAPSE));
        assertEquals(2, vmstat("thp_collapse_alloc"));
        assertTrue(isHuge(p) && isHuge(p + HPAGE));
        assertConsistent();
    }

    private long vmstat(String name) {
        String text = mmsim.iface.VirtualFs.of(m).readAll("/proc/vmstat");
        return text.lines().filter(l -> l.startsWith(name + " ")).mapToLong(l -> Long.parseLong(l.substring(name.length() + 1))).findFirst().orElseThrow();
    }

    /** check_swap(): smaps (the rollup: one VMA) shows exactly {@code size} bytes swapped out. */
    private boolean checkSwap(long size) {
        String smaps = mmsim.iface.VirtualFs.of(m).readAll("/proc/" + mm.pid + "/smaps_rollup");
        java.util.regex.Matcher x = java.util.regex.Pattern.compile("Swap: +(\\d+) kB").matcher(smaps);
        assertTrue(x.find(), smaps);
        return Long.parseLong(x.group(1)) * 1024 == size;
    }

    /**
     * collapse_max_ptes_swap (tools/testing/selftests/mm/khugepaged.c): max_ptes_swap+1 pages
     * swapped out exceed the limit for khugepaged (SCAN_EXCEED_SWAP_PTE), not for MADV_COLLAPSE,
     * which swaps them in (__collapse_huge_page_swapin) and collapses; in the khugepaged context
     * max_ptes_swap swapped out collapse.
     */
    @ParameterizedTest
    @EnumSource(Context.class)
    void collapseMaxPtesSwap(Context c) {
        int maxPtesSwap = m.khugepaged().settings.maxPtesSwap;
        long p = setupArea(1);
        fault(p, p + HPAGE);
        assertEquals(0, um.mmap.madvise(mm, p, (maxPtesSwap + 1) * PAGE, Mmap.MADV_PAGEOUT));
        assertTrue(checkSwap((maxPtesSwap + 1) * PAGE), "Swapout max_ptes_swap + 1 pages");
        collapse(c, mm, "Maybe collapse with max_ptes_swap exceeded", p, c == Context.MADVISE);
        validateMemory(mm, p, 0, HPAGE);
        assertConsistent();
        if (c == Context.KHUGEPAGED) {
            fault(p, p + HPAGE);
            assertEquals(0, um.mmap.madvise(mm, p, maxPtesSwap * PAGE, Mmap.MADV_PAGEOUT));
            assertTrue(checkSwap(maxPtesSwap * PAGE), "Swapout max_ptes_swap pages");
            collapse(c, mm, "Collapse with max_ptes_swap pages swapped out", p, true);
            validateMemory(mm, p, 0, HPAGE);
            assertConsistent();
        }
    }

    @Test
    void maxPtesSharedCountsBasePagesSharedOverFork() {
        long p = setupArea(1);
        fault(p, p + HPAGE);
        MmStruct child = um.mmap.fork(mm);
        // the child COWs max_ptes_shared + 1 pages: the rest stay shared, more than max_ptes_shared
        int shared = m.khugepaged().settings.maxPtesShared;
        for (long a = p; a < p + (512 - shared - 1) * PgtableArch.PAGE_SIZE; a += PgtableArch.PAGE_SIZE) {
            assertEquals(0, um.memory.faultIn(child, a, true));
        }
        khugepagedCollapse(p, 1);
        assertFalse(isHuge(p), "Maybe collapse with max_ptes_shared exceeded");
        assertConsistent();
        um.mmap.exit(child);
        assertConsistent();
    }

    @Test
    void thpFaultForkCowAndMunmapKeepTheModelConsistent() {
        try { thpFaultForkCowAndMunmap(); } catch (mmsim.kernel.KernelFault f) { fail(f.report()); }
    }

    private void thpFaultForkCowAndMunmap() {
        um.hugeMemory.settings.enabled = ThpSettings.Enabled.ALWAYS;
        long p = setupArea(2);
        fault(p, p + PgtableArch.PAGE_SIZE);
        assertTrue(isHuge(p), "alloc_at_fault: a write fault in an always-THP VMA maps a THP");
        assertEquals(512, mm.counter(MmStruct.MM_ANONPAGES));
        MmStruct child = um.mmap.fork(mm); // copy_huge_pmd: shared, write-protected
        assertTrue(isHuge(p));
        assertConsistent();
        assertEquals(0, um.memory.faultIn(child, p + 8192, true)); // do_huge_pmd_wp_page: split, COW one page
        assertConsistent();
        assertEquals(0, um.mmap.munmap(mm, p + 4096, 4096)); // a partial zap splits the PMD
        assertFalse(isHuge(p));
        assertConsistent();
        um.mmap.exit(child);
        assertEquals(0, um.mmap.munmap(mm, p, 2 * HPAGE));
        assertConsistent();
    }

    @Test
    void readFaultMapsTheHugeZeroPageAndWriteSplitsIt() {
        um.hugeMemory.settings.enabled = ThpSettings.Enabled.ALWAYS;
        long p = setupArea(1);
        assertEquals(0, um.memory.faultIn(mm, p, false));
        assertTrue(um.hugeMemory.isHugeZeroPmd(pmdOf(p)));
        assertEquals(0, mm.counter(MmStruct.MM_ANONPAGES), "the huge zero page is not counted");
        assertEquals(0, um.memory.faultIn(mm, p, true));
        assertFalse(isHuge(p), "a write to the huge zero page splits it and faults one page");
        assertEquals(1, mm.counter(MmStruct.MM_ANONPAGES));
        assertConsistent();
        khugepagedCollapse(p, 1);
        assertTrue(isHuge(p), "zero-page PTEs count as none: the range collapses");
        assertConsistent();
    }

    @Test
    void gupPinnedPageIsNotCollapsed() {
        long p = setupArea(1);
        fault(p, p + 4 * PgtableArch.PAGE_SIZE);
        long[] out = new long[1];
        assertEquals(1, um.gup.getUserPagesFast(mm, p, 1, true, out));
        khugepagedCollapse(p, 1);
        assertFalse(isHuge(p), "is_refcount_suitable: the GUP reference keeps the range small");
        um.gup.putUserPage(out[0]);
        khugepagedCollapse(p, 1);
        assertTrue(isHuge(p));
        assertConsistent();
    }

    // ---- the selftest's anon tests in both contexts (tools/testing/selftests/mm/khugepaged.c) ----------

    /** collapse_full: four fully populated PTE tables collapse into four THPs. */
    @ParameterizedTest
    @EnumSource(Context.class)
    void selftestCollapseFull(Context c) {
        int nr = 4;
        long p = setupArea(nr);
        fault(p, p + nr * HPAGE);
        collapse(c, mm, "Collapse multiple fully populated PTE table", p, nr, true);
        validateMemory(mm, p, 0, nr * HPAGE);
        assertEquals(0, um.mmap.munmap(mm, p, nr * HPAGE));
        assertConsistent();
    }

    /** collapse_empty: a PTE-less range is not collapsed (MADV_COLLAPSE: SCAN_PMD_NULL, -EINVAL). */
    @ParameterizedTest
    @EnumSource(Context.class)
    void selftestCollapseEmpty(Context c) {
        long p = setupArea(1);
        collapse(c, mm, "Do not collapse empty PTE table", p, false);
        assertConsistent();
    }

    /** collapse_single_pte_entry: one present page and 511 none (max_ptes_none 511) collapse. */
    @ParameterizedTest
    @EnumSource(Context.class)
    void selftestCollapseSinglePteEntry(Context c) {
        long p = setupArea(1);
        fault(p, p + PAGE);
        collapse(c, mm, "Collapse PTE table with single PTE entry present", p, true);
        assertEquals(512, mm.counter(MmStruct.MM_ANONPAGES));
        assertConsistent();
    }

    /**
     * collapse_max_ptes_none with max_ptes_none = 256: 255 pages present exceed it (khugepaged:
     * SCAN_EXCEED_NONE_PTE; MADV_COLLAPSE ignores the limit); 256 present collapse.
     */
    @ParameterizedTest
    @EnumSource(Context.class)
    void selftestCollapseMaxPtesNone(Context c) {
        int maxPtesNone = 512 / 2;
        m.khugepaged().settings.maxPtesNone = maxPtesNone;
        long p = setupArea(1);
        fault(p, p + (512 - maxPtesNone - 1) * PAGE);
        collapse(c, mm, "Maybe collapse with max_ptes_none exceeded", p, c == Context.MADVISE);
        validateMemory(mm, p, 0, (512 - maxPtesNone - 1) * PAGE);
        if (c == Context.KHUGEPAGED) {
            fault(p, p + (512 - maxPtesNone) * PAGE);
            collapse(c, mm, "Collapse with max_ptes_none PTEs empty", p, true);
            validateMemory(mm, p, 0, (512 - maxPtesNone) * PAGE);
        }
        assertConsistent();
    }

    /** collapse_swapin_single_pte: one page swapped out is swapped in (__collapse_huge_page_swapin) and collapsed. */
    @ParameterizedTest
    @EnumSource(Context.class)
    void selftestCollapseSwapinSinglePte(Context c) {
        long p = setupArea(1);
        fault(p, p + HPAGE);
        assertEquals(0, um.mmap.madvise(mm, p, PAGE, Mmap.MADV_PAGEOUT));
        assertTrue(checkSwap(PAGE), "Swapout one page");
        collapse(c, mm, "Collapse with swapping in single PTE entry", p, true);
        validateMemory(mm, p, 0, HPAGE);
        assertConsistent();
    }

    /**
     * collapse_fork: a small page shared over fork; the child faults a second page and collapses
     * (its shared page counts against max_ptes_shared only once); the parent keeps small pages.
     */
    @ParameterizedTest
    @EnumSource(Context.class)
    void selftestCollapseFork(Context c) {
        long p = setupArea(1);
        fault(p, p + PAGE);
        assertFalse(isHuge(p), "Allocate small page");
        MmStruct child = um.mmap.fork(mm);
        assertFalse(isHuge(child, p), "Share small page over fork()");
        fault(child, p + PAGE, p + 2 * PAGE);
        collapse(c, child, "Collapse PTE table with single page shared with parent process", p, true);
        validateMemory(child, p, 0, PAGE);
        assertConsistent();
        um.mmap.exit(child);
        assertFalse(isHuge(p), "Check if parent still has small page");
        validateMemory(mm, p, 0, PAGE);
        assertConsistent();
    }

    /**
     * alloc_at_fault: with enabled "always" the first write maps a THP (do_huge_pmd_anonymous_page);
     * MADV_DONTNEED of one page splits the huge PMD (zap_pmd_range -> __split_huge_pmd).
     */
    @Test
    void selftestAllocAtFault() {
        um.hugeMemory.settings.enabled = ThpSettings.Enabled.ALWAYS;
        long p = setupArea(1);
        fault(p, p + PAGE);
        assertEquals(1, hugeCount(mm, p, 1), "Allocate huge page on fault");
        um.hugeMemory.settings.enabled = ThpSettings.Enabled.MADVISE; // thp_pop_settings
        assertEquals(0, um.mmap.madvise(mm, p, PAGE, Mmap.MADV_DONTNEED));
        assertEquals(0, hugeCount(mm, p, 1), "Split huge PMD on MADV_DONTNEED");
        assertEquals(0, um.mmap.munmap(mm, p, HPAGE));
        assertConsistent();
    }
}
