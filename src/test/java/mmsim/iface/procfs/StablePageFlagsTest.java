package mmsim.iface.procfs;

import mmsim.kernel.KernelFault;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.PageType;
import org.junit.jupiter.api.Test;

import static mmsim.iface.procfs.KernelPageFlags.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One test per KPF bit: build the page state a kernel path leaves, read /proc/kpageflags at that
 * PFN, check the bit (and, where the rule is about which page's state counts, that the bit
 * follows the folio or the page as the era says).
 */
class StablePageFlagsTest {
    static final long PFN = 0x1234;

    static KPageFixture mainline() { return new KPageFixture(KernelConfig.mainline(), 2); }
    static KPageFixture v46() { return new KPageFixture(KernelConfig.v4_6(), 2); }

    static boolean has(long v, int bit) { return ((v >>> bit) & 1) != 0; }

    /** A fresh page (refcount 1, no flags, no type) shows no bit at all, in both eras. */
    @Test
    void plainAllocatedPageIsZero() {
        assertEquals(0, mainline().kpageflags(PFN));
        assertEquals(0, v46().kpageflags(PFN));
    }

    private static void flagBit(PageFlag f, int kpf) {
        for (KPageFixture m : new KPageFixture[] {mainline(), v46()}) {
            m.memmap.setBit(PFN, f);
            assertEquals(1L << kpf, m.kpageflags(PFN), f + " -> KPF bit " + kpf + " (" + m.config.era() + ")");
        }
    }

    @Test void locked() { flagBit(PageFlag.LOCKED, KPF_LOCKED); }
    @Test void referenced() { flagBit(PageFlag.REFERENCED, KPF_REFERENCED); }
    @Test void uptodate() { flagBit(PageFlag.UPTODATE, KPF_UPTODATE); }
    @Test void dirty() { flagBit(PageFlag.DIRTY, KPF_DIRTY); }
    @Test void lru() { flagBit(PageFlag.LRU, KPF_LRU); }
    @Test void active() { flagBit(PageFlag.ACTIVE, KPF_ACTIVE); }
    @Test void writeback() { flagBit(PageFlag.WRITEBACK, KPF_WRITEBACK); }
    @Test void reclaim() { flagBit(PageFlag.RECLAIM, KPF_RECLAIM); }
    @Test void swapbacked() { flagBit(PageFlag.SWAPBACKED, KPF_SWAPBACKED); }
    @Test void unevictable() { flagBit(PageFlag.UNEVICTABLE, KPF_UNEVICTABLE); }
    @Test void hwpoison() { flagBit(PageFlag.HWPOISON, KPF_HWPOISON); }
    @Test void idle() { flagBit(PageFlag.IDLE, KPF_IDLE); }
    @Test void reserved() { flagBit(PageFlag.RESERVED, KPF_RESERVED); }
    @Test void mlocked() { flagBit(PageFlag.MLOCKED, KPF_MLOCKED); }
    @Test void owner2MappedToDisk() { flagBit(PageFlag.OWNER_2, KPF_OWNER_2); }
    @Test void private_() { flagBit(PageFlag.PRIVATE, KPF_PRIVATE); }
    @Test void private2() { flagBit(PageFlag.PRIVATE_2, KPF_PRIVATE_2); }
    @Test void ownerPrivate() { flagBit(PageFlag.OWNER_PRIV_1, KPF_OWNER_PRIVATE); }
    @Test void arch() { flagBit(PageFlag.ARCH_1, KPF_ARCH); }

    /** PG_swapcache is PG_owner_priv_1 and counts only on a swap-backed page. */
    @Test
    void swapcache() {
        for (KPageFixture m : new KPageFixture[] {mainline(), v46()}) {
            m.memmap.setBit(PFN, PageFlag.SWAPBACKED);
            m.memmap.setBit(PFN, PageFlag.OWNER_PRIV_1);
            long v = m.kpageflags(PFN);
            assertEquals((1L << KPF_SWAPCACHE) | (1L << KPF_SWAPBACKED) | (1L << KPF_OWNER_PRIVATE), v);
        }
    }

    /** Bits with no model state, and SOFTDIRTY which the kernel never sets, stay clear on a page with every flag set. */
    @Test
    void errorUncachedSoftdirtyArch2Arch3NeverSet() {
        KPageFixture m = mainline();
        m.memmap.setFlags(PFN, m.memmap.flags(PFN) | (PageFlag.PAGEFLAGS_MASK & ~PageFlag.HEAD.mask));
        long v = m.kpageflags(PFN);
        for (int bit : new int[] {KPF_ERROR, KPF_UNCACHED, KPF_SOFTDIRTY, KPF_ARCH_2, KPF_ARCH_3, KPF_NOPAGE}) {
            assertTrue(!has(v, bit), "bit " + bit + " in " + Long.toHexString(v));
        }
        assertTrue(has(v, KPF_LOCKED) && has(v, KPF_MLOCKED) && has(v, KPF_IDLE));
    }

    @Test
    void mmapFromMapcount() {
        KPageFixture m = mainline();
        m.memmap.setMapcount(PFN, 0);       // mapped once
        assertEquals(1L << KPF_MMAP, m.kpageflags(PFN));
        assertEquals(1, m.one(KPageFiles.Kind.KPAGECOUNT, PFN));
        m.memmap.setMapcount(PFN, 2);
        assertEquals(3, m.one(KPageFiles.Kind.KPAGECOUNT, PFN));
    }

    @Test
    void anonAndKsmFromMapping() {
        for (KPageFixture m : new KPageFixture[] {mainline(), v46()}) {
            m.memmap.setMapping(PFN, 0xffff888012340000L | 1);
            assertEquals(1L << KPF_ANON, m.kpageflags(PFN));
            m.memmap.setMapping(PFN, 0xffff888012340000L | 3);
            assertEquals((1L << KPF_ANON) | (1L << KPF_KSM), m.kpageflags(PFN));
        }
    }

    @Test
    void compoundHeadAndTailFollowTheFolio() {
        KPageFixture m = mainline();
        long head = 0x2000;
        m.makeCompound(head, 2);
        m.memmap.setBit(head, PageFlag.LRU);
        assertEquals((1L << KPF_COMPOUND_HEAD) | (1L << KPF_LRU), m.kpageflags(head));
        // today a tail reports its folio's flags
        assertEquals((1L << KPF_COMPOUND_TAIL) | (1L << KPF_LRU), m.kpageflags(head + 3));
        // 2016: the tail's own flags
        KPageFixture o = v46();
        o.makeCompound(head, 2);
        o.memmap.setBit(head, PageFlag.DIRTY);
        assertEquals(1L << KPF_COMPOUND_TAIL, o.kpageflags(head + 1) & ~(1L << KPF_THP));
        assertTrue(has(o.kpageflags(head), KPF_DIRTY));
    }

    @Test
    void hugetlbFolio() {
        KPageFixture m = mainline();
        long head = 0x4000;
        m.makeCompound(head, 9);
        m.memmap.setType(head, PageType.HUGETLB);
        m.memmap.setBit(head, PageFlag.HWPOISON);
        long t = m.kpageflags(head + 7);
        assertTrue(has(t, KPF_HUGE) && has(t, KPF_COMPOUND_TAIL) && !has(t, KPF_THP));
        assertTrue(has(t, KPF_HWPOISON), "hugetlb: HWPOISON comes from the folio");
    }

    @Test
    void thpNeedsLargeRmappableAndPoisonStaysOnTheSubpage() {
        KPageFixture m = mainline();
        long head = 0x4000;
        m.makeCompound(head, 9);
        assertTrue(!has(m.kpageflags(head), KPF_THP), "a large folio that is not rmappable is no THP");
        m.memmap.setBit(head + 1, PageFlag.WORKINGSET);       // folio_set_large_rmappable
        m.memmap.setBit(head + 5, PageFlag.HWPOISON);
        assertTrue(has(m.kpageflags(head), KPF_THP) && has(m.kpageflags(head + 100), KPF_THP));
        assertTrue(has(m.kpageflags(head + 5), KPF_HWPOISON));
        assertTrue(!has(m.kpageflags(head + 6), KPF_HWPOISON) && !has(m.kpageflags(head), KPF_HWPOISON));
        // v4.6: a compound page is THP when its head is on the LRU or anonymous
        KPageFixture o = v46();
        o.makeCompound(head, 9);
        assertTrue(!has(o.kpageflags(head + 3), KPF_THP));
        o.memmap.setMapping(head, 0xffff888000000001L);
        assertTrue(has(o.kpageflags(head + 3), KPF_THP) && has(o.kpageflags(head + 3), KPF_ANON));
    }

    @Test
    void slabIsAFolioType() {
        KPageFixture m = mainline();
        long head = 0x6000;
        m.makeCompound(head, 1);
        m.memmap.setType(head, PageType.SLAB);
        assertEquals((1L << KPF_SLAB) | (1L << KPF_COMPOUND_HEAD), m.kpageflags(head));
        assertTrue(has(m.kpageflags(head + 1), KPF_SLAB), "tails of a slab folio report SLAB");
        KPageFixture o = v46();
        o.makeCompound(head, 1);
        o.memmap.setType(head, PageType.SLAB);
        assertTrue(has(o.kpageflags(head + 1), KPF_SLAB), "2016: tails whose head is slab");
    }

    @Test
    void buddyHeadAndPagesInsideAFreeBlock() {
        for (KPageFixture m : new KPageFixture[] {mainline(), v46()}) {
            m.makeFreeBlock(0x8000, 3);
            assertEquals(1L << KPF_BUDDY, m.kpageflags(0x8000));
            assertEquals(1L << KPF_BUDDY, m.kpageflags(0x8005), "refcount 0 inside a free block");
            assertEquals(0, m.kpageflags(0x8008));
        }
    }

    @Test
    void offlineOrBalloonAndPgtableAreTypesOfThePage() {
        KPageFixture m = mainline();
        m.memmap.setType(PFN, PageType.OFFLINE);
        assertEquals(1L << KPF_OFFLINE, m.kpageflags(PFN));
        m.memmap.setType(PFN + 1, PageType.TABLE);
        assertEquals(1L << KPF_PGTABLE, m.kpageflags(PFN + 1));
        assertEquals(0, m.one(KPageFiles.Kind.KPAGECOUNT, PFN + 1), "typed pages have no mapcount");
        KPageFixture o = v46();
        o.memmap.setType(PFN, PageType.OFFLINE);
        assertEquals(1L << KPF_BALLOON, o.kpageflags(PFN));
        o.memmap.setType(PFN + 1, PageType.TABLE);
        assertEquals(0, o.kpageflags(PFN + 1), "2016 had no KPF_PGTABLE");
    }

    @Test
    void zeroPage() {
        KPageFixture m = mainline();
        m.zeroPfns.add(PFN);
        assertEquals(1L << KPF_ZERO_PAGE, m.kpageflags(PFN));
    }

    @Test
    void idleThroughPageExtOn32Bit() {
        KPageFixture m = new KPageFixture(KernelConfig.v4_6().without(KernelConfig.CONFIG_64BIT), 1);
        m.pageExt = pfn -> pfn == PFN;
        assertEquals(1L << KPF_IDLE, m.kpageflags(PFN));
        m.memmap.setBit(PFN + 1, PageFlag.IDLE);
        assertEquals(0, m.kpageflags(PFN + 1), "32-bit: the page flag is not where the idle bit lives");
    }

    @Test
    void nopageForOfflineSectionsToday() {
        KPageFixture m = mainline();
        long pfn = m.pagesPerSection + 5;
        m.sparse.offlineMemSections(m.pagesPerSection, 2 * m.pagesPerSection);
        assertEquals(1L << KPF_NOPAGE, m.kpageflags(pfn));
        assertEquals(0, m.one(KPageFiles.Kind.KPAGECOUNT, pfn));
        assertEquals(0, m.one(KPageFiles.Kind.KPAGECGROUP, pfn));
    }

    /**
     * Seed 001's oops, derived: a hot-added, never-onlined section has a poisoned memmap; the
     * 2016 reader trusts pfn_valid() and stable_page_flags() follows the poisoned compound_head
     * to fffffffffffffffe. Today's reader sees no online page and reports NOPAGE.
     * (v4.6 itself zeroed and initialised a hot-added memmap at add time; the poison came with
     * v4.19's page_init_poison while kpageflags still trusted pfn_valid, up to v5.4. The test
     * poisons the section as those kernels did, to run the 2016 reader on it.)
     */
    @Test
    void poisonedMemmapOopsesIn2016AndIsNopageToday() {
        KPageFixture o = v46();
        long start = 2 * o.pagesPerSection;
        assertEquals(0, o.sparseAddSection(start, o.pagesPerSection));
        o.memmap.sectionOf(start).poison(0, (int) o.pagesPerSection);
        o.maxPfn = start + o.pagesPerSection;
        KernelFault.Oops oops = assertThrows(KernelFault.Oops.class, () -> o.kpageflags(start));
        String report = oops.getMessage() == null ? o.k.log().text() : o.k.log().text();
        assertTrue(report.contains("BUG: unable to handle page fault for address: fffffffffffffffe"), report);
        assertTrue(report.contains("RIP: 0010:stable_page_flags"), report);
        assertTrue(report.indexOf(" stable_page_flags") < report.indexOf(" kpageflags_read"), report);

        KPageFixture m = mainline();
        assertEquals(0, m.sparseAddSection(start, m.pagesPerSection));
        m.maxPfn = start + m.pagesPerSection;
        assertEquals(1L << KPF_NOPAGE, m.kpageflags(start));
    }
}
