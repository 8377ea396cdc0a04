package mmsim.mm.huge_memory;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;

import mmsim.iface.VirtualFs;
import mmsim.mm.Machine;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.migrate.Migrate;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.mmap.UserMemoryCheck;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;
import org.junit.jupiter.api.Test;

/**
 * PG_anon_exclusive (KPF_OWNER_2 in /proc/kpageflags) through the THP life cycle, as 6.12 keeps
 * it: a PMD mapping's bit is the head page's; __split_huge_pmd_locked hands it to every PTE
 * (folio_add_anon_rmap_ptes with RMAP_EXCLUSIVE); try_to_migrate_one moves it from the page into
 * the migration entry and remove_migration_pte gives it back (RMAP_EXCLUSIVE for a writable or
 * readable-exclusive entry), so split_huge_page and migration keep it; __split_huge_page_tail
 * does not copy it to the tails. The v4.6 era has no such flag.
 */
class AnonExclusiveThpTest {
    static final long HPAGE = PgtableArch.PMD_SIZE, PAGE = PgtableArch.PAGE_SIZE, BASE = 0x40000000L;
    static final long KPF_OWNER_2 = 1L << 34;

    private Machine m;
    private UserMemory um;
    private MmStruct mm;

    /** A machine of the era with one PMD-mapped THP (MADV_HUGEPAGE, a write fault) at BASE. */
    private void bootWithThp(KernelConfig c) {
        m = Machine.boot(MachineLayout.small(), c);
        um = m.userMemory();
        um.zeroPage();
        um.hugeMemory.settings.enabled = ThpSettings.Enabled.MADVISE;
        mm = um.newProcess("thp");
        assertEquals(BASE, um.mmap.mmap(mm, BASE, HPAGE, Mmap.PROT_READ | Mmap.PROT_WRITE, Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS));
        assertEquals(0, um.mmap.madvise(mm, BASE, HPAGE, Mmap.MADV_HUGEPAGE));
        assertEquals(0, um.memory.faultIn(mm, BASE, true));
        assertTrue(um.arch.pmdTransHuge(pmd(mm)));
        um.swap.lruAddDrainAll();
    }

    private long pmd(MmStruct in) {
        PgtableAlloc.Loc pmd = um.pgalloc.pmdLoc(in, BASE, false);
        return pmd == null ? 0 : um.tables.peekEntry(pmd.table(), pmd.idx());
    }

    private boolean exclusive(long pfn) {
        byte[] b = VirtualFs.of(m).read("/proc/kpageflags", pfn * 8, 8).data();
        return (java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong() & KPF_OWNER_2) != 0;
    }

    private long pfnAt(MmStruct in, long va) {
        byte[] b = VirtualFs.of(m).read("/proc/" + in.pid + "/pagemap", (va >>> 12) * 8, 8).data();
        long e = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertTrue(e < 0, "present at " + Long.toHexString(va));
        return e & ((1L << 55) - 1);
    }

    /**
     * Pages mapped in [BASE, BASE + HPAGE - PAGE) (the last page is zapped by each test) whose
     * PG_anon_exclusive is set: through /proc/kpageflags for base pages; for the pages of a
     * large folio the page's own bit, since kpageflags reports the folio's (fs/proc/page.c
     * copies KPF_OWNER_2 from folio->flags).
     */
    private int exclusiveMapped(MmStruct in) {
        int n = 0;
        for (long a = BASE; a < BASE + HPAGE - PAGE; a += PAGE) {
            long pfn = pfnAt(in, a);
            boolean large = um.pages.compoundOrder(um.pages.compoundHead(pfn)) > 0;
            if (large ? um.pageAnonExclusive(pfn) : exclusive(pfn)) n++;
        }
        return n;
    }

    private void assertConsistent() {
        List<String> bad = UserMemoryCheck.check(um);
        assertTrue(bad.isEmpty(), String.join("\n", bad));
        mmsim.mm.debug.ModelCheck.assertConsistent(m);
    }

    /** __split_huge_pmd_locked(): the PMD's exclusive bit goes to every subpage's PTE. */
    @Test
    void pmdSplitGivesEveryPteThePmdsBit() {
        bootWithThp(KernelConfig.mainline());
        long head = pfnAt(mm, BASE);
        assertTrue(exclusive(head), "folio_add_new_anon_rmap at PMD level: the head's bit");
        assertFalse(um.pageAnonExclusive(head + 1), "a tail's own bit is unused while PMD-mapped");
        assertEquals(0, um.mmap.madvise(mm, BASE + HPAGE - PAGE, PAGE, Mmap.MADV_DONTNEED)); // splits the PMD
        assertFalse(um.arch.pmdTransHuge(pmd(mm)));
        assertEquals(511, exclusiveMapped(mm), "each PTE of the split PMD maps an exclusive page");
        assertConsistent();
    }

    /** A THP shared over fork (folio_try_dup_anon_rmap_pmd cleared the bit) splits into shared pages. */
    @Test
    void aSharedPmdSplitsIntoSharedPtes() {
        bootWithThp(KernelConfig.mainline());
        MmStruct child = um.mmap.fork(mm);
        assertFalse(exclusive(pfnAt(mm, BASE)), "shared by fork");
        assertEquals(0, um.mmap.madvise(child, BASE + HPAGE - PAGE, PAGE, Mmap.MADV_DONTNEED));
        assertEquals(0, exclusiveMapped(child));
        um.mmap.exit(child);
        assertConsistent();
    }

    /**
     * split_huge_page (the debugfs split_huge_pages file): unmap_folio turns the exclusive PTEs
     * into exclusive migration entries (the pages' bits cleared), remap_page restores them; the
     * zapped subpage is freed with the split.
     */
    @Test
    void splitHugePageKeepsTheBitThroughMigrationEntries() {
        bootWithThp(KernelConfig.mainline());
        long head = pfnAt(mm, BASE);
        assertEquals(0, um.mmap.madvise(mm, BASE + HPAGE - PAGE, PAGE, Mmap.MADV_DONTNEED));
        assertEquals(0, um.splitHugePage.splitHugePagesPid(mm, BASE));
        assertEquals(0, um.pages.compoundOrder(head), "split into base pages");
        assertEquals(511, exclusiveMapped(mm), "remove_migration_pte: RMAP_EXCLUSIVE from the entry");
        assertEquals(0, um.pages.refcount(head + 511), "the unmapped subpage went with the split");
        assertConsistent();
    }

    /**
     * migrate_pages of a THP (split first, then each page): the new pages are exclusive where
     * the old were, and not where fork shared them.
     */
    @Test
    void migrationCarriesTheBitToTheNewPages() {
        bootWithThp(KernelConfig.mainline());
        long head = pfnAt(mm, BASE);
        assertEquals(0, um.vmscan.isolateLruPage(head));
        List<Long> from = new ArrayList<>(List.of(head));
        assertEquals(0, um.migrate.migratePages(from, s -> um.pages.allocPage(false), Migrate.MigrateMode.SYNC, Migrate.MigrateReason.SYSCALL));
        assertNotEquals(head, pfnAt(mm, BASE), "moved");
        assertEquals(511, exclusiveMapped(mm), "every new page exclusive, as the THP was");
        assertConsistent();

        MmStruct child = um.mmap.fork(mm);
        long shared = pfnAt(mm, BASE + 3 * PAGE);
        assertFalse(exclusive(shared));
        assertEquals(0, um.vmscan.isolateLruPage(shared));
        from = new ArrayList<>(List.of(shared));
        assertEquals(0, um.migrate.migratePages(from, s -> um.pages.allocPage(false), Migrate.MigrateMode.SYNC, Migrate.MigrateReason.SYSCALL));
        long moved = pfnAt(mm, BASE + 3 * PAGE);
        assertNotEquals(shared, moved);
        assertEquals(moved, pfnAt(child, BASE + 3 * PAGE));
        assertFalse(exclusive(moved), "a readable migration entry: the shared page stays shared");
        um.mmap.exit(child);
        assertConsistent();
    }

    /**
     * try_to_migrate_one() / remove_migration_pte() on one base page: an exclusive page's bit
     * moves into the entry (SWP_MIGRATION_WRITE for a writable PTE, SWP_MIGRATION_READ_EXCLUSIVE
     * for a read-only one) and comes back with the PTE.
     */
    @Test
    void tryToMigrateOneMovesTheBitIntoTheEntry() {
        bootWithThp(KernelConfig.mainline());
        long a = BASE + 5 * PAGE;
        assertEquals(0, um.mmap.madvise(mm, BASE + HPAGE - PAGE, PAGE, Mmap.MADV_DONTNEED));
        assertEquals(0, um.splitHugePage.splitHugePagesPid(mm, BASE));
        long pfn = pfnAt(mm, a);
        PgtableAlloc.Loc pmd = um.pgalloc.pmdLoc(mm, a, false);
        long table = um.arch.tableEntryPfn(um.tables.peekEntry(pmd.table(), pmd.idx()));
        int idx = PgtableArch.pteIndex(a);
        for (boolean writable : new boolean[] {true, false}) {
            long pte = um.tables.peekEntry(table, idx);
            if (!writable) um.tables.poke(table, idx, um.arch.pteWrprotect(pte)); // as after a read-only swap-in
            assertTrue(exclusive(pfn));
            um.getPage(pfn); // migration's own reference (the isolation's)
            um.lockPage(pfn);
            assertTrue(um.rmap.migration.tryToMigrate(pfn));
            long entry = um.arch.pteToSwpEntry(um.tables.peekEntry(table, idx));
            assertEquals(writable ? mmsim.mm.linux.SwapEntry.SWP_MIGRATION_WRITE : mmsim.mm.linux.SwapEntry.SWP_MIGRATION_READ_EXCLUSIVE,
                    mmsim.mm.linux.SwapEntry.swpType(entry));
            assertFalse(exclusive(pfn), "folio_try_share_anon_rmap_pte: the page's bit is in the entry now");
            um.rmap.migration.removeMigrationPtes(pfn, pfn);
            um.unlockPage(pfn);
            um.putPage(pfn);
            assertTrue(exclusive(pfn), "RMAP_EXCLUSIVE from the entry");
            assertEquals(writable, um.arch.pteWrite(um.tables.peekEntry(table, idx)));
        }
        assertConsistent();
    }

    @Test
    void theV46EraHasNoSuchBit() {
        bootWithThp(KernelConfig.v4_6());
        assertEquals(0, um.mmap.madvise(mm, BASE + HPAGE - PAGE, PAGE, Mmap.MADV_DONTNEED));
        assertEquals(0, um.splitHugePage.splitHugePagesPid(mm, BASE));
        assertEquals(0, exclusiveMapped(mm));
        assertConsistent();
    }
}
