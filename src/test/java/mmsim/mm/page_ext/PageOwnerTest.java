package mmsim.mm.page_ext;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import mmsim.iface.VirtualFs;
import mmsim.iface.debugfs.PageOwnerFile;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.Gfp;

/** page_owner (mm/page_owner.c) on a 64-bit kernel: the early records, __set_page_owner, and /sys/kernel/debug/page_owner. */
class PageOwnerTest {
    static final MachineLayout L = MachineLayout.parse("test",
            "arch x86_64\ncpus 2\nram 0x1000 +0x9e000\nram 0x100000 +255M\nreserve 0x100000 +15M\n");

    @Test
    void withoutPageOwnerThereIsNoFile() {
        Machine m = Machine.boot(L, KernelConfig.mainline());
        assertFalse(m.pageOwner().inited());
        assertFalse(VirtualFs.of(m).exists(PageOwnerFile.PATH));
    }

    @Test
    void bootAllocationsAreEarlyRecordsAndTheFileWalksToThem() {
        for (KernelConfig c : new KernelConfig[] {KernelConfig.v4_6().with(KernelConfig.CONFIG_PAGE_OWNER),
                KernelConfig.mainline().with(KernelConfig.CONFIG_PAGE_OWNER)}) {
            Machine m = Machine.boot(L, c);
            assertTrue(m.pageExt().needed(), "page_owner needs page_ext on 64-bit");
            assertTrue(m.pageOwner().inited());
            // the page_ext tables themselves were allocated before init_page_owner: early pages
            long tablePfn = m.pageExt().table(1).memPfn();
            assertTrue(m.pageOwner().earlyAllocated() >= 64, c + ": " + m.pageOwner().earlyAllocated());
            VirtualFs fs = VirtualFs.of(m);
            VirtualFs.ReadResult r = fs.read(PageOwnerFile.PATH, tablePfn, 4096);
            String rec = new String(r.data(), StandardCharsets.UTF_8);
            assertTrue(rec.startsWith("Page allocated via order 0, mask 0x0"), rec);
            assertTrue(rec.contains(c.era() == KernelConfig.Era.V4_6 ? "PFN " + tablePfn + " " : String.format("PFN %#x ", tablePfn)), rec);
            assertTrue(rec.endsWith("\n\n"), rec);
            assertEquals(java.util.List.of(), ModelCheck.check(m));
        }
    }

    @Test
    void everyAllocationIsRecordedByPostAllocHookAndTheReaderSkipsFreeBlocksAndTails() {
        Machine m = Machine.boot(L, KernelConfig.mainline().with(KernelConfig.CONFIG_PAGE_OWNER));
        // no explicit call: alloc_pages -> post_alloc_hook -> set_page_owner
        long pfn = m.allocator().allocPages(Gfp.GFP_KERNEL, 2);
        // start the walk just past the head: the three tails are skipped, then the walk goes on
        VirtualFs.ReadResult r = VirtualFs.of(m).read(PageOwnerFile.PATH, pfn, 4096);
        String rec = new String(r.data(), StandardCharsets.UTF_8);
        assertTrue(rec.startsWith(String.format("Page allocated via order 2, mask %#x", Gfp.GFP_KERNEL)), rec);
        assertTrue(rec.contains(String.format("PFN %#x ", pfn)), rec);
        VirtualFs.ReadResult next = VirtualFs.of(m).read(PageOwnerFile.PATH, pfn + 1, 4096);
        assertFalse(new String(next.data(), StandardCharsets.UTF_8).contains(String.format("PFN %#x ", pfn)), "tails are not printed");
    }

    /**
     * mm/page_alloc.c free_pages_prepare -> reset_page_owner: after the free the reader no longer
     * prints the block (mainline: PAGE_EXT_OWNER_ALLOCATED cleared; v4.6: PAGE_EXT_OWNER cleared),
     * and a new allocation of the same pfn is recorded again with its own order and mask.
     */
    @Test
    void aFreeResetsTheRecordAndTheNextAllocationRewritesIt() {
        for (KernelConfig c : new KernelConfig[] {KernelConfig.v4_6().with(KernelConfig.CONFIG_PAGE_OWNER),
                KernelConfig.mainline().with(KernelConfig.CONFIG_PAGE_OWNER)}) {
            Machine m = Machine.boot(L, c);
            long pfn = m.allocator().allocPages(Gfp.GFP_KERNEL, 3);
            String fmt = c.era() == KernelConfig.Era.V4_6 ? "PFN %d " : "PFN %#x ";
            assertTrue(read(m, pfn).contains(String.format(fmt, pfn)), c + ": allocated block is printed");
            m.allocator().freePages(pfn, 3);
            assertFalse(read(m, pfn).contains(String.format(fmt, pfn)), c + ": a freed block is not printed");
            long again = m.allocator().allocPages(Gfp.GFP_KERNEL, 0);
            if (again == pfn) {
                assertTrue(read(m, pfn).startsWith(String.format("Page allocated via order 0, mask %#x", Gfp.GFP_KERNEL)), c.toString());
            }
            assertEquals(java.util.List.of(), ModelCheck.check(m));
        }
    }

    private static String read(Machine m, long pos) {
        VirtualFs.ReadResult r = VirtualFs.of(m).read(PageOwnerFile.PATH, pos, 4096);
        return new String(r.data(), StandardCharsets.UTF_8);
    }

    /**
     * __split_page_owner() (mm/page_owner.c), called by __split_huge_page: before the split a THP
     * is one record of order 9 and read_page_owner skips its tails; after split_huge_page every
     * page is a record of order 0 with the THP's gfp mask.
     */
    @Test
    void aSplitThpShowsEveryPageAsAnOrderZeroRecord() {
        for (KernelConfig c : new KernelConfig[] {KernelConfig.v4_6().with(KernelConfig.CONFIG_PAGE_OWNER),
                KernelConfig.mainline().with(KernelConfig.CONFIG_PAGE_OWNER)}) {
            Machine m = Machine.boot(L, c);
            var um = m.userMemory();
            um.hugeMemory.settings.enabled = mmsim.mm.huge_memory.ThpSettings.Enabled.MADVISE;
            var mm = um.newProcess("thp");
            long base = 0x40000000L, hpage = mmsim.mm.pgtable.PgtableArch.PMD_SIZE;
            int rw = mmsim.mm.mmap.Mmap.PROT_READ | mmsim.mm.mmap.Mmap.PROT_WRITE;
            assertEquals(base, um.mmap.mmap(mm, base, hpage, rw, mmsim.mm.mmap.Mmap.MAP_PRIVATE | mmsim.mm.mmap.Mmap.MAP_ANONYMOUS));
            assertEquals(0, um.mmap.madvise(mm, base, hpage, mmsim.mm.mmap.Mmap.MADV_HUGEPAGE));
            assertEquals(0, um.memory.faultIn(mm, base, true));
            var pmd = um.pgalloc.pmdLoc(mm, base, false);
            long head = um.arch.pmdPfn(um.tables.peekEntry(pmd.table(), pmd.idx()));
            String rec = record(m, head);
            assertTrue(rec.startsWith(String.format("Page allocated via order 9, mask %#x", Gfp.GFP_TRANSHUGE_LIGHT | Gfp.__GFP_ZERO)), c + ": " + rec);
            assertFalse(record(m, head + 5).contains(pfnText(c, head + 5)), c + ": a THP's tails are not printed");

            um.swap.lruAddDrainAll();
            assertEquals(0, um.splitHugePage.splitHugePagesPid(mm, base));
            assertEquals(0, um.pages.compoundOrder(head));
            for (long p : new long[] {head, head + 5, head + 511}) {
                String r = record(m, p);
                assertTrue(r.startsWith(String.format("Page allocated via order 0, mask %#x", Gfp.GFP_TRANSHUGE_LIGHT | Gfp.__GFP_ZERO)), c + ": " + r);
                assertTrue(r.contains(pfnText(c, p)), c + ": the page's own record: " + r);
            }
            assertEquals(java.util.List.of(), ModelCheck.check(m));
        }
    }

    private static String record(Machine m, long pfn) {
        return new String(VirtualFs.of(m).read(PageOwnerFile.PATH, pfn, 4096).data(), StandardCharsets.UTF_8);
    }

    private static String pfnText(KernelConfig c, long pfn) {
        return c.era() == KernelConfig.Era.V4_6 ? "PFN " + pfn + " " : String.format("PFN %#x ", pfn);
    }
}
