package mmsim.mm.khugepaged;

import static org.junit.jupiter.api.Assertions.*;

import mmsim.mm.Machine;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.mmap.Mmap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Collapse of PTE-mapped THPs (mm/khugepaged.c since v5.8, "khugepaged: allow to collapse
 * PTE-mapped compound pages"): hpage_collapse_scan_pmd judges each PTE by its folio
 * (folio_likely_mapped_shared, is_refcount_suitable over folio_mapcount), and
 * __collapse_huge_page_isolate locks and isolates a THP once at its first PTE (the
 * compound_pagelist); __collapse_huge_page_copy_succeeded unmaps every PTE of it and puts the
 * folio back once at the end. Played as the compound tests of
 * tools/testing/selftests/mm/khugepaged.c, in both contexts, for anonymous memory.
 */
class KhugepagedCompoundTest extends KhugepagedSelftest {

    /**
     * collapse_single_pte_entry_compound: MADV_DONTNEED of all but the first page splits the PMD
     * and leaves one PTE mapping the THP (partially mapped: on the deferred split queue); the
     * range collapses into a new THP and the old one is freed.
     */
    @ParameterizedTest
    @EnumSource(Context.class)
    void collapseSinglePteEntryCompound(Context c) {
        long p = allocHpage();
        long old = pagemapPfn(p);
        assertEquals(0, um.mmap.madvise(mm, p, HPAGE, Mmap.MADV_NOHUGEPAGE));
        assertEquals(0, um.mmap.madvise(mm, p + PAGE, HPAGE - PAGE, Mmap.MADV_DONTNEED));
        assertFalse(isHuge(p), "Split huge page leaving single PTE mapping compound page");
        assertEquals(old, pagemapPfn(p), "the first PTE still maps the old THP's head");
        collapse(c, mm, "Collapse PTE table with single PTE mapping compound page", p, true);
        validateMemory(mm, p, 0, PAGE);
        assertNotEquals(old, pagemapPfn(p), "copied into a new THP");
        assertFreedThenCleanup(old, p);
    }

    /**
     * collapse_full_of_compound: MADV_NOHUGEPAGE of the first page splits the VMA and with it
     * the PMD (vma_adjust_trans_huge), the second merges the VMAs back; the PTE table full of one
     * THP's pages collapses.
     */
    @ParameterizedTest
    @EnumSource(Context.class)
    void collapseFullOfCompound(Context c) {
        long p = allocHpage();
        long old = pagemapPfn(p);
        assertEquals(0, um.mmap.madvise(mm, p, PAGE, Mmap.MADV_NOHUGEPAGE));
        assertEquals(2, mm.mapCount(), "the first page's advice split the VMA");
        assertEquals(0, um.mmap.madvise(mm, p, HPAGE, Mmap.MADV_NOHUGEPAGE));
        assertEquals(1, mm.mapCount(), "the same advice on the whole range merged it back");
        assertFalse(isHuge(p), "Split huge page leaving single PTE page table full of compound pages");
        assertEquals(old + 7, pagemapPfn(p + 7 * PAGE), "the PTEs map the old THP's pages");
        long collapsed = m.khugepaged().settings.pagesCollapsed;
        collapse(c, mm, "Collapse PTE table full of compound pages", p, true);
        if (c == Context.KHUGEPAGED) assertEquals(collapsed + 1, m.khugepaged().settings.pagesCollapsed);
        validateMemory(mm, p, 0, HPAGE);
        assertEquals(512, mm.counter(MmStruct.MM_ANONPAGES));
        assertFreedThenCleanup(old, p);
    }

    /**
     * The old THP, unmapped by the copy and put back (through this CPU's LRU batch, whose
     * reference goes when it drains), is freed; the model is consistent; cleanup_area.
     */
    private void assertFreedThenCleanup(long old, long p) {
        um.swap.lruAddDrainAll();
        assertEquals(0, um.pages.refcount(old), "the old THP is freed once its last PTE is gone");
        assertConsistent();
        assertEquals(0, um.mmap.munmap(mm, p, HPAGE));
        assertConsistent();
    }

    /**
     * collapse_fork_compound: the THP is shared over fork; the child splits its PMD (the VMA
     * split), COWs the first page and, with max_ptes_shared = 511, collapses the 511 pages it
     * still shares with the parent's PMD (folio_likely_mapped_shared: the parent's entire
     * mapping) into a THP of its own. The parent still has its huge page.
     */
    @ParameterizedTest
    @EnumSource(Context.class)
    void collapseForkCompound(Context c) {
        long p = allocHpage();
        long parentThp = pagemapPfn(p);
        MmStruct child = um.mmap.fork(mm);
        assertTrue(isHuge(child, p), "Share huge page over fork()");
        assertEquals(0, um.mmap.madvise(child, p, PAGE, Mmap.MADV_NOHUGEPAGE));
        assertEquals(0, um.mmap.madvise(child, p, HPAGE, Mmap.MADV_NOHUGEPAGE));
        assertFalse(isHuge(child, p), "Split huge page PMD in child process");
        fault(child, p, p + PAGE);
        assertNotEquals(parentThp, pagemapPfn(child, p), "the child's write copied the first page");
        assertEquals(parentThp + 1, pagemapPfn(child, p + PAGE), "the rest are still the parent's THP");

        KhugepagedSettings s = m.khugepaged().settings;
        int saved = s.maxPtesShared;
        s.maxPtesShared = 511; // thp_write_num("khugepaged/max_ptes_shared", hpage_pmd_nr - 1)
        collapse(c, child, "Collapse PTE table full of compound pages in child", p, true);
        s.maxPtesShared = saved;
        validateMemory(child, p, 0, HPAGE);
        assertNotEquals(parentThp, pagemapPfn(child, p + PAGE), "the child's THP is its own");
        assertConsistent();
        um.mmap.exit(child);

        assertTrue(isHuge(p), "Check if parent still has huge page");
        assertEquals(parentThp, pagemapPfn(p));
        validateMemory(mm, p, 0, HPAGE);
        um.swap.lruAddDrainAll();
        assertEquals(1, um.pages.refcount(parentThp), "the parent's PMD mapping is the only reference left");
        assertConsistent();
    }

    /**
     * collapse_max_ptes_shared: a THP shared over fork; the child's COW of pages 0..254 (the
     * first one splits its PMD: do_huge_pmd_wp_page, then PTE COW) leaves 257 PTEs mapping the
     * shared THP, over max_ptes_shared (256): khugepaged does not collapse (SCAN_EXCEED_SHARED_PTE),
     * MADV_COLLAPSE does. In the khugepaged context one more COW brings it to 256, which collapses.
     */
    @ParameterizedTest
    @EnumSource(Context.class)
    void collapseMaxPtesShared(Context c) {
        int maxPtesShared = m.khugepaged().settings.maxPtesShared;
        long p = allocHpage();
        MmStruct child = um.mmap.fork(mm);
        assertTrue(isHuge(child, p), "Share huge page over fork()");
        fault(child, p, p + (512 - maxPtesShared - 1) * PAGE);
        assertFalse(isHuge(child, p), "Trigger CoW on page " + (512 - maxPtesShared - 1) + " of 512");
        collapse(c, child, "Maybe collapse with max_ptes_shared exceeded", p, c == Context.MADVISE);
        if (c == Context.KHUGEPAGED) {
            fault(child, p, p + (512 - maxPtesShared) * PAGE);
            assertFalse(isHuge(child, p), "Trigger CoW on page " + (512 - maxPtesShared) + " of 512");
            collapse(c, child, "Collapse with max_ptes_shared PTEs shared", p, true);
        }
        validateMemory(child, p, 0, HPAGE);
        assertConsistent();
        um.mmap.exit(child);
        assertTrue(isHuge(p), "Check if parent still has huge page");
        validateMemory(mm, p, 0, HPAGE);
        assertConsistent();
    }

    /**
     * Before v5.8 (the 2020 code of seed 003: {@code collapse-no-compound}) a PTE-mapped THP stops
     * the scan: khugepaged leaves collapse_full_of_compound's range alone and MADV_COLLAPSE (had
     * it existed) fails with -EINVAL.
     */
    @Test
    void beforeV58APteMappedThpIsNotCollapsed() {
        Machine old = Machine.boot(mmsim.mm.linux.MachineLayout.small(), KernelConfig.mainline().with(Khugepaged.NO_COMPOUND));
        var oum = old.userMemory();
        oum.hugeMemory.settings.enabled = mmsim.mm.huge_memory.ThpSettings.Enabled.MADVISE;
        MmStruct omm = oum.newProcess("khugepaged");
        assertEquals(BASE, oum.mmap.mmap(omm, BASE, HPAGE, RW, ANON));
        assertEquals(0, oum.mmap.madvise(omm, BASE, HPAGE, Mmap.MADV_HUGEPAGE));
        assertEquals(0, oum.memory.faultIn(omm, BASE, true)); // do_huge_pmd_anonymous_page
        assertEquals(0, oum.mmap.madvise(omm, BASE, PAGE, Mmap.MADV_NOHUGEPAGE));
        assertEquals(0, oum.mmap.madvise(omm, BASE, HPAGE, Mmap.MADV_HUGEPAGE));
        var pmd = oum.pgalloc.pmdLoc(omm, BASE, false);
        assertTrue(oum.arch.isTableEntry(oum.tables.peekEntry(pmd.table(), pmd.idx())), "the VMA split split the PMD");
        assertEquals(ScanResult.SCAN_PAGE_COMPOUND, old.khugepaged().scanPmd(omm, BASE, true));
        assertEquals(ScanResult.SCAN_PAGE_COMPOUND, old.khugepaged().scanPmd(omm, BASE, false));
    }

    /**
     * Before v5.8 a page shared across fork is not collapsed at all (mm/khugepaged.c of v5.7:
     * khugepaged_scan_pmd wants page_count == 1 + PageSwapCache; max_ptes_shared came with
     * v5.8), where today one shared page is within max_ptes_shared (256) and the range collapses.
     */
    @Test
    void beforeV58OneSharedPageStopsTheScanWithScanPageCount() {
        for (boolean before58 : new boolean[] {true, false}) {
            KernelConfig c = before58 ? KernelConfig.mainline().with(Khugepaged.NO_COMPOUND) : KernelConfig.mainline();
            Machine mach = Machine.boot(mmsim.mm.linux.MachineLayout.small(), c);
            var oum = mach.userMemory();
            MmStruct omm = oum.newProcess("khugepaged");
            assertEquals(BASE, oum.mmap.mmap(omm, BASE, HPAGE, RW, ANON));
            assertEquals(0, oum.mmap.madvise(omm, BASE, HPAGE, Mmap.MADV_NOHUGEPAGE));
            for (long a = BASE; a < BASE + HPAGE; a += PAGE) assertEquals(0, oum.memory.faultIn(omm, a, true));
            MmStruct child = oum.mmap.fork(omm);
            // the child writes every page but the first: only that one stays shared
            for (long a = BASE + PAGE; a < BASE + HPAGE; a += PAGE) assertEquals(0, oum.memory.faultIn(child, a, true));
            assertEquals(0, oum.memory.faultIn(omm, BASE + HPAGE - PAGE, true)); // one writable PTE (wp_page_reuse)
            assertEquals(0, oum.mmap.madvise(omm, BASE, HPAGE, Mmap.MADV_HUGEPAGE));
            oum.swap.lruAddDrainAll(); // the LRU batches' references are not the test's subject
            ScanResult r = mach.khugepaged().scanPmd(omm, BASE, true);
            if (before58) assertEquals(ScanResult.SCAN_PAGE_COUNT, r);
            else assertEquals(ScanResult.SCAN_SUCCEED, r);
        }
    }
}
