package mmsim.mm.huge_memory;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;

import mmsim.kernel.Errno;
import mmsim.mm.Machine;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.linux.VmEvent;
import mmsim.mm.migrate.Migrate;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.mmap.UserMemoryCheck;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;
import org.junit.jupiter.api.Test;

/**
 * The THP life cycle after the fault: split_huge_page from reclaim (MADV_PAGEOUT), migration
 * and the deferred split queue, each ending with the whole-model check clean, and the extra
 * reference (a GUP pin) that makes each of them keep the THP.
 */
class SplitHugePageTest {
    static final long HPAGE = PgtableArch.PMD_SIZE;
    static final long BASE = 0x40000000L;

    private final Machine m = Machine.boot();
    private final UserMemory um = m.userMemory();
    private final MmStruct mm;
    private final long p;

    SplitHugePageTest() {
        um.zeroPage();
        um.hugeMemory.settings.enabled = ThpSettings.Enabled.MADVISE;
        mm = um.newProcess("thp");
        p = um.mmap.mmap(mm, BASE, HPAGE, Mmap.PROT_READ | Mmap.PROT_WRITE, Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS);
        assertEquals(0, um.mmap.madvise(mm, p, HPAGE, Mmap.MADV_HUGEPAGE));
        assertEquals(0, um.memory.faultIn(mm, p, true));
        assertTrue(pmdHuge(), "the write fault maps a THP");
        um.swap.lruAddDrain();
    }

    private long pmd() {
        PgtableAlloc.Loc pmd = um.pgalloc.pmdLoc(mm, p, false);
        return pmd == null ? 0 : um.tables.peekEntry(pmd.table(), pmd.idx());
    }

    private boolean pmdHuge() { return um.arch.pmdTransHuge(pmd()); }

    private long head() { return um.arch.pmdPfn(pmd()); }

    /** The pagemap word of one page: bit 63 present, bit 62 swapped, pfn in the low bits. */
    private long pagemap(long va) {
        byte[] b = mmsim.iface.VirtualFs.of(m).read("/proc/" + mm.pid + "/pagemap", (va >>> 12) * 8, 8).data();
        return java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private void assertConsistent() {
        List<String> bad = UserMemoryCheck.check(um);
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    @Test
    void pageoutSplitsTheThpAndSwapsEveryPage() {
        long head = head();
        assertEquals(0, um.mmap.madvise(mm, p, HPAGE, Mmap.MADV_PAGEOUT));
        assertFalse(pmdHuge(), "reclaim split the PMD");
        assertEquals(1, um.event(VmEvent.THP_SPLIT_PAGE));
        assertEquals(512, um.event(VmEvent.PSWPOUT), "each base page written to swap");
        for (long a = p; a < p + HPAGE; a += 97 * PgtableArch.PAGE_SIZE) {
            assertTrue((pagemap(a) & (1L << 62)) != 0, "swapped at " + Long.toHexString(a));
        }
        for (long pfn = head; pfn < head + 512; pfn++) assertEquals(0, um.pages.refcount(pfn), "freed: " + Long.toHexString(pfn));
        assertConsistent();
        assertEquals(0, um.memory.faultIn(mm, p + 5 * PgtableArch.PAGE_SIZE, false), "swap-in of one page");
        assertConsistent();
    }

    @Test
    void aPinnedThpIsKeptByReclaimThenReclaimedOnceUnpinned() {
        long[] out = new long[1];
        assertEquals(1, um.gup.getUserPagesFast(mm, p + 3 * PgtableArch.PAGE_SIZE, 1, true, out));
        assertEquals(0, um.mmap.madvise(mm, p, HPAGE, Mmap.MADV_PAGEOUT));
        assertTrue(pmdHuge(), "can_split_folio: the GUP reference keeps the THP whole");
        assertEquals(0, um.event(VmEvent.PSWPOUT));
        assertConsistent();
        um.gup.putUserPage(out[0]);
        assertEquals(0, um.mmap.madvise(mm, p, HPAGE, Mmap.MADV_PAGEOUT));
        assertFalse(pmdHuge());
        assertEquals(512, um.event(VmEvent.PSWPOUT));
        assertConsistent();
    }

    @Test
    void splitWithAnExtraReferenceFailsAndRemapsThePages() {
        long head = head();
        um.getPage(head); // a racing get_page: can_split_folio passes only the mappings' references
        um.getPage(head);
        assertTrue(um.trylockPage(head));
        assertEquals(Errno.EAGAIN.neg(), um.splitHugePage.splitHugePage(head, null), "6.12 returns -EAGAIN for extra references");
        um.unlockPage(head);
        um.putPage(head);
        assertEquals(1, um.event(VmEvent.THP_SPLIT_PAGE_FAILED));
        assertEquals(head + 7, pagemap(p + 7 * PgtableArch.PAGE_SIZE) & ((1L << 55) - 1), "the pages are mapped again");
        assertTrue(um.trylockPage(head));
        assertEquals(0, um.splitHugePage.splitHugePage(head, null));
        um.unlockPage(head);
        um.putPage(head);
        assertEquals(0, um.pages.compoundOrder(head), "base pages now");
        assertEquals(head + 7, pagemap(p + 7 * PgtableArch.PAGE_SIZE) & ((1L << 55) - 1));
        assertConsistent();
    }

    @Test
    void aPartialUnmapQueuesTheThpAndTheShrinkerSplitsIt() {
        long head = head();
        assertEquals(0, um.mmap.munmap(mm, p + 8 * PgtableArch.PAGE_SIZE, 4 * PgtableArch.PAGE_SIZE));
        assertEquals(1, um.event(VmEvent.THP_DEFERRED_SPLIT_PAGE));
        assertEquals(List.of(head), um.deferredSplit.peek());
        assertEquals(9, um.pages.compoundOrder(head), "the unmapped pages stay in the THP");
        assertConsistent();
        assertEquals(1, um.splitHugePage.deferredSplitScan(128));
        assertTrue(um.deferredSplit.peek().isEmpty());
        for (long pfn = head + 8; pfn < head + 12; pfn++) assertEquals(0, um.pages.refcount(pfn), "split freed the unmapped " + Long.toHexString(pfn));
        assertEquals(1, um.pages.refcount(head + 12));
        assertConsistent();
        assertEquals(0, um.mmap.munmap(mm, p, HPAGE));
        assertConsistent();
    }

    @Test
    void aFreedThpLeavesTheDeferredQueue() {
        assertEquals(0, um.mmap.munmap(mm, p, PgtableArch.PAGE_SIZE));
        assertEquals(1, um.deferredSplit.peek().size());
        assertEquals(0, um.mmap.munmap(mm, p, HPAGE));
        assertTrue(um.deferredSplit.peek().isEmpty(), "folio_undo_large_rmappable");
        assertConsistent();
    }

    @Test
    void migrationSplitsTheThpAndMovesEveryPage() {
        long head = head();
        List<Long> from = isolate(head);
        int failed = um.migrate.migratePages(from, src -> um.pages.allocPage(false), Migrate.MigrateMode.SYNC, Migrate.MigrateReason.SYSCALL);
        assertEquals(0, failed);
        assertTrue(from.isEmpty());
        assertEquals(1, um.event(VmEvent.THP_MIGRATION_SPLIT));
        assertEquals(512, um.event(VmEvent.PGMIGRATE_SUCCESS));
        assertEquals(0, nrIsolatedAnon(), "each split page gave its own page back");
        assertNotEquals(head, pagemap(p) & ((1L << 55) - 1), "the head moved");
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (long a = p; a < p + HPAGE; a += PgtableArch.PAGE_SIZE) {
            long pfn = pagemap(a) & ((1L << 55) - 1);
            assertTrue(seen.add(pfn), "one page per address");
            assertEquals(pfn, um.pages.compoundHead(pfn), "a base page");
        }
        assertConsistent();
    }

    @Test
    void aPinnedThpFailsToMigrateAndGoesBack() {
        long head = head();
        long[] out = new long[1];
        assertEquals(1, um.gup.getUserPagesFast(mm, p, 1, true, out));
        List<Long> from = isolate(head);
        int failed = um.migrate.migratePages(from, src -> um.pages.allocPage(false), Migrate.MigrateMode.SYNC, Migrate.MigrateReason.SYSCALL);
        assertEquals(1, failed, "the pinned THP cannot be split");
        assertEquals(List.of(head), from);
        assertEquals(512, nrIsolatedAnon(), "still isolated, whole");
        um.migrate.putbackMovablePages(from);
        assertEquals(0, nrIsolatedAnon());
        assertEquals(head, pagemap(p) & ((1L << 55) - 1), "still the same page");
        assertEquals(9, um.pages.compoundOrder(head), "still a THP (PTE-mapped: unmap_folio split its PMD)");
        um.gup.putUserPage(out[0]);
        assertConsistent();
    }

    @Test
    void pageoutOfOnePageSplitsThePmdThenTheThp() {
        long head = head();
        assertEquals(0, um.mmap.madvise(mm, p + PgtableArch.PAGE_SIZE, PgtableArch.PAGE_SIZE, Mmap.MADV_PAGEOUT));
        assertConsistent();
        assertEquals(0, um.pages.compoundOrder(head), "reclaim split the THP");
        assertTrue((pagemap(p + PgtableArch.PAGE_SIZE) & (1L << 62)) != 0, "the page in range is swapped");
        assertEquals(head, pagemap(p) & ((1L << 55) - 1), "the others stay");
    }

    @Test
    void theV46EraFailsAPinnedSplitWithEbusy() {
        Machine old = Machine.boot(mmsim.mm.linux.MachineLayout.small(), mmsim.mm.linux.KernelConfig.v4_6());
        UserMemory u = old.userMemory();
        u.zeroPage();
        u.hugeMemory.settings.enabled = ThpSettings.Enabled.ALWAYS;
        MmStruct t = u.newProcess("thp46");
        long a = u.mmap.mmap(t, BASE, HPAGE, Mmap.PROT_READ | Mmap.PROT_WRITE, Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS);
        assertEquals(0, u.memory.faultIn(t, a, true));
        u.swap.lruAddDrain();
        long[] out = new long[1];
        assertEquals(1, u.gup.getUserPagesFast(t, a, 1, true, out));
        assertEquals(Errno.EBUSY.neg(), u.splitHugePage.splitHugePagesPid(t, a), "split_huge_page_to_list's can_split_huge_page: -EBUSY in the 2020 code, -EAGAIN by 6.1");
        u.gup.putUserPage(out[0]);
        assertEquals(0, u.splitHugePage.splitHugePagesPid(t, a));
        assertTrue(UserMemoryCheck.check(u).isEmpty(), String.join("\n", UserMemoryCheck.check(u)));
    }

    private List<Long> isolate(long head) {
        um.getPage(head);
        assertEquals(0, um.vmscan.isolateLruPage(head));
        um.putPage(head);
        // node_stat_mod_folio(folio, NR_ISOLATED_ANON, folio_nr_pages(folio)): the counter is in pages
        assertEquals(512, nrIsolatedAnon(), "an isolated THP counts all 512 of its pages");
        assertConsistent();
        return new ArrayList<>(List.of(head));
    }

    private long nrIsolatedAnon() {
        String vmstat = new String(mmsim.iface.VirtualFs.of(m).read("/proc/vmstat", 0, 1 << 16).data());
        return vmstat.lines().filter(l -> l.startsWith("nr_isolated_anon ")).mapToLong(l -> Long.parseLong(l.split(" ")[1])).findFirst().orElseThrow();
    }
}
