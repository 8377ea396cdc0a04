package mmsim.mm.mmap;

import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import mmsim.mm.linux.MmStruct;
import mmsim.mm.migrate.Migrate;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;

/**
 * The random-program generator and the step helpers the user-memory property tests share
 * (UserMemoryPropertyTest over base pages, ThpPropertyTest over two PMD ranges): a program is a
 * list of steps (what, in which live process, at which page of the window, how many pages).
 */
public final class RandomUserSteps {
    private RandomUserSteps() { }

    /** One step: what, in which process (index into the live ones), at which page of the window, how many pages. */
    public record Step<K>(K kind, int proc, int page, int pages) { }

    /** Programs of 1..40 steps: kinds as weighted, pages from {@code page}, 1..maxPages pages, process index 0..3. */
    public static <K> Arbitrary<List<Step<K>>> programs(Arbitrary<K> kind, Arbitrary<Integer> page, int maxPages) {
        Arbitrary<Step<K>> step = Combinators.combine(kind, Arbitraries.integers().between(0, 3), page,
                Arbitraries.integers().between(1, maxPages)).as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(40);
    }

    /**
     * The folio mapped at addr (a PMD-mapped THP's head, a PTE-mapped page's folio head), or -1
     * when nothing migratable is mapped there (no table, none or swap PTE, the zero pages).
     */
    public static long folioAt(UserMemory um, MmStruct mm, long addr) {
        PgtableAlloc.Loc pmd = um.pgalloc.pmdLoc(mm, addr, false);
        if (pmd == null) return -1;
        long pmdval = um.tables.peekEntry(pmd.table(), pmd.idx());
        if (um.arch.pmdTransHuge(pmdval)) return um.hugeMemory.isHugeZeroPmd(pmdval) ? -1 : um.arch.pmdPfn(pmdval);
        if (!um.arch.isTableEntry(pmdval)) return -1;
        long pte = um.tables.peekEntry(um.arch.tableEntryPfn(pmdval), PgtableArch.pteIndex(addr));
        long pfn = um.arch.ptePresent(pte) ? um.memory.vmNormalPage(pte) : -1;
        return pfn < 0 ? -1 : um.pages.compoundHead(pfn);
    }

    /**
     * Migrates the folio mapped at addr as memory offlining would (offline_pages drains the LRU
     * batches first): isolate, migrate_pages (a THP is split first), put back what failed. False
     * when nothing was mapped there or it could not be isolated.
     */
    public static boolean migrate(UserMemory um, MmStruct mm, long addr) {
        um.swap.lruAddDrainAll();
        long pfn = folioAt(um, mm, addr);
        if (pfn < 0) return false;
        um.getPage(pfn); // the caller's reference, as isolate_lru_page requires
        int iso = um.vmscan.isolateLruPage(pfn);
        um.putPage(pfn);
        if (iso != 0) return false;
        List<Long> from = new ArrayList<>(List.of(pfn));
        um.migrate.migratePages(from, s -> um.pages.allocPage(false), Migrate.MigrateMode.SYNC, Migrate.MigrateReason.MEMORY_HOTPLUG);
        um.migrate.putbackMovablePages(from);
        return true;
    }
}
