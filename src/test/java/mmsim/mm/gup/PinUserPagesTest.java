package mmsim.mm.gup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import mmsim.iface.VirtualFs;
import mmsim.mm.Machine;
import mmsim.mm.huge_memory.ThpSettings;
import mmsim.mm.linux.MmCore;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.mmap.UserMemoryCheck;
import mmsim.mm.pgtable.PgtableArch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * FOLL_PIN (mm/gup.c pin_user_pages_fast, unpin_user_page) and what a pin changes elsewhere, as
 * 6.12 has it: the refcount bias and _pincount, gup_must_unshare's unsharing of a read-only pin,
 * fork copying a pinned page for the child (folio_try_dup_anon_rmap_pte), reclaim leaving it
 * mapped (folio_try_share_anon_rmap_pte), and the zero page never pinned.
 */
class PinUserPagesTest {
    private static final long A = 0x40000000L, PAGE = PgtableArch.PAGE_SIZE, HPAGE = PgtableArch.PMD_SIZE;
    private static final int RW = Mmap.PROT_READ | Mmap.PROT_WRITE, ANON = Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS;

    private final Machine m = Machine.boot();
    private final UserMemory um = m.userMemory();
    private final VirtualFs fs = VirtualFs.of(m);
    private final MmStruct mm;

    PinUserPagesTest() {
        um.zeroPage();
        um.hugeMemory.settings.enabled = ThpSettings.Enabled.NEVER; // base pages unless a test asks for a THP
        mm = um.newProcess("dma");
        assertEquals(A, um.mmap.mmap(mm, A, HPAGE, RW, ANON));
    }

    private long pin(MmStruct in, long addr, boolean write) {
        long[] out = new long[1];
        assertEquals(1, um.gup.pinUserPagesFast(in, addr, 1, write, false, out));
        return out[0];
    }

    /** /proc/PID/pagemap: the page frame when present, -1 when swapped or none. */
    private long pfnAt(MmStruct in, long va) {
        byte[] b = fs.read("/proc/" + in.pid + "/pagemap", (va / PAGE) * 8, 8).data();
        long e = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return e < 0 ? e & ((1L << 55) - 1) : -1;
    }

    private long vmstat(String name) {
        return fs.readAll("/proc/vmstat").lines().filter(l -> l.startsWith(name + " "))
                .mapToLong(l -> Long.parseLong(l.substring(name.length() + 1))).findFirst().orElseThrow();
    }

    private void assertConsistent() {
        List<String> bad = UserMemoryCheck.check(um);
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    @Test
    void aPinAddsTheBiasToASmallFolioAndUnpinTakesItBack() {
        assertEquals(0, um.memory.faultIn(mm, A, true));
        long page = pfnAt(mm, A);
        int before = um.pages.refcount(page);
        assertEquals(page, pin(mm, A, true));
        assertEquals(before + MmCore.GUP_PIN_COUNTING_BIAS, um.pages.refcount(page), "GUP_PIN_COUNTING_BIAS");
        assertTrue(um.folioMaybeDmaPinned(page));
        assertTrue(mm.hasPinned, "MMF_HAS_PINNED");
        assertEquals(1, vmstat("nr_foll_pin_acquired"));
        assertConsistent();
        um.gup.unpinUserPage(page);
        assertEquals(before, um.pages.refcount(page));
        assertEquals(1, vmstat("nr_foll_pin_released"));
        assertFalse(um.folioMaybeDmaPinned(page));
        assertConsistent();
    }

    @Test
    void theZeroPageIsNeverPinned() {
        assertEquals(0, um.memory.faultIn(mm, A, false));
        int before = um.pages.refcount(um.zeroPfn);
        assertEquals(um.zeroPfn, pin(mm, A, false), "a read-only pin of a never-written page returns the zero page");
        assertEquals(before, um.pages.refcount(um.zeroPfn));
        assertEquals(0, vmstat("nr_foll_pin_acquired"));
        um.gup.unpinUserPage(um.zeroPfn);
        assertEquals(before, um.pages.refcount(um.zeroPfn));
        assertConsistent();
    }

    @Test
    void aReadOnlyPinOfASharedPageUnsharesItAndTheNextWriteReusesThePinnedPage() {
        assertEquals(0, um.memory.faultIn(mm, A, true));
        long shared = pfnAt(mm, A);
        MmStruct child = um.mmap.fork(mm);
        assertEquals(shared, pfnAt(child, A), "fork shares the page");
        assertFalse(um.pageAnonExclusive(shared));

        long pinned = pin(mm, A, false);
        assertNotEquals(shared, pinned, "gup_must_unshare: the parent got an exclusive copy (FAULT_FLAG_UNSHARE)");
        assertEquals(pinned, pfnAt(mm, A));
        assertTrue(um.pageAnonExclusive(pinned));
        assertEquals(shared, pfnAt(child, A), "the child keeps the old page");
        assertConsistent();

        assertEquals(0, um.memory.faultIn(mm, A, true));
        assertEquals(pinned, pfnAt(mm, A), "the write reuses the exclusive page: the pin sees it");
        um.gup.unpinUserPage(pinned);
        assertConsistent();
    }

    @Test
    void forkCopiesAPinnedPageForTheChildAndLeavesTheParentsWritable() {
        assertEquals(0, um.memory.faultIn(mm, A, true));
        assertEquals(0, um.memory.faultIn(mm, A + PAGE, true));
        long pinned = pin(mm, A, true);
        long other = pfnAt(mm, A + PAGE);
        MmStruct child = um.mmap.fork(mm);
        assertNotEquals(pinned, pfnAt(child, A), "copy_present_page: the child gets its own copy of the pinned page");
        assertEquals(other, pfnAt(child, A + PAGE), "an unpinned page is shared as usual");
        assertTrue(um.pageAnonExclusive(pinned), "the pinned page stays exclusive to the parent");
        assertEquals(0, um.memory.faultIn(mm, A, true));
        assertEquals(pinned, pfnAt(mm, A), "and the parent's write needs no COW");
        assertConsistent();
        um.gup.unpinUserPage(pinned);
        assertConsistent();
    }

    @Test
    void reclaimLeavesAPinnedPageMapped() {
        assertEquals(0, um.memory.faultIn(mm, A, true));
        long pinned = pin(mm, A, true);
        assertEquals(0, um.mmap.madvise(mm, A, PAGE, Mmap.MADV_PAGEOUT));
        assertEquals(pinned, pfnAt(mm, A), "folio_try_share_anon_rmap_pte refused: the PTE was put back");
        assertConsistent();
        um.gup.unpinUserPage(pinned);
        assertEquals(0, um.mmap.madvise(mm, A, PAGE, Mmap.MADV_PAGEOUT));
        assertEquals(-1, pfnAt(mm, A), "unpinned, it is swapped out");
        assertConsistent();
    }

    @Test
    void aPinnedThpCountsInItsPincountAndForkCopiesItsPages() {
        um.hugeMemory.settings.enabled = ThpSettings.Enabled.ALWAYS;
        assertEquals(0, um.memory.faultIn(mm, A, true));
        long head = pfnAt(mm, A);
        assertEquals(9, um.pages.compoundOrder(head), "a THP");
        int before = um.pages.refcount(head);
        long pinned = pin(mm, A + 3 * PAGE, true);
        assertEquals(head + 3, pinned);
        assertEquals(before + 1, um.pages.refcount(head), "a large folio's pin is one reference ...");
        assertEquals(1, um.pages.peekPincount(head), "... and one _pincount");
        assertTrue(um.pages.dumpPage(head, "test").contains("pincount:1"), um.pages.dumpPage(head, "test"));
        assertConsistent();

        MmStruct child = um.mmap.fork(mm);
        assertNotEquals(pinned, pfnAt(child, A + 3 * PAGE), "the child copies the pinned THP's pages");
        assertEquals(pinned, pfnAt(mm, A + 3 * PAGE));
        assertConsistent();
        um.gup.unpinUserPage(pinned);
        assertEquals(0, um.pages.peekPincount(head));
        assertConsistent();
    }

    /**
     * free_tail_page_prepare() (mm/page_alloc.c): a large folio freed while its first tail still
     * counts a pin is a bad page ("nonzero pincount"), and the block is not freed.
     */
    @Test
    void freeingALargeFolioWithAPincountIsABadPage() {
        long head = um.pages.allocCompound(9);
        assertTrue(head >= 0);
        um.pages.pincountAdd(head, 1);   // a pin nobody unpinned
        int mark = m.kernel().log().size();
        um.putPage(head);
        String log = String.join("\n", m.kernel().log().linesFrom(mark));
        assertTrue(log.contains("BUG: Bad page state") && log.contains("page dumped because: nonzero pincount"), log);
    }
}
