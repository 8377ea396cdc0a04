package mmsim.mm.mmap;

import mmsim.mm.linux.MmStruct;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import mmsim.mm.Machine;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.pgtable.PgtableAlloc;
import org.junit.jupiter.api.Test;

/** mmap, faults, fork/COW and munmap keep _refcount, _mapcount, rss and the LRU consistent. */
class AnonFaultTest {
    static final int RW = Mmap.PROT_READ | Mmap.PROT_WRITE;
    static final int ANON = Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS;

    static long pteOf(UserMemory um, MmStruct mm, long addr) {
        PgtableAlloc.Loc pmd = um.pgalloc.pmdLoc(mm, addr, false);
        if (pmd == null) return 0;
        long e = um.tables.peekEntry(pmd.table(), pmd.idx());
        if (!um.arch.isTableEntry(e)) return 0;
        return um.tables.peekEntry(um.arch.tableEntryPfn(e), mmsim.mm.pgtable.PgtableArch.pteIndex(addr));
    }

    static void assertConsistent(UserMemory um) {
        List<String> bad = UserMemoryCheck.check(um);
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    @Test
    void readMapsZeroPageWriteMapsNewPage() {
        Machine m = Machine.boot();
        UserMemory um = m.userMemory();
        MmStruct mm = um.newProcess("a.out");
        long a = um.mmap.mmap(mm, 0, 4 * 4096, RW, ANON);
        assertTrue(a > 0);
        assertEquals(0, um.memory.faultIn(mm, a, false));
        long pte = pteOf(um, mm, a);
        assertEquals(um.zeroPfn, um.arch.ptePfn(pte));
        assertFalse(um.arch.pteWrite(pte));
        assertEquals(0, mm.counter(MmStruct.MM_ANONPAGES), "zero page is not counted");
        assertEquals(0, um.memory.faultIn(mm, a, true));
        pte = pteOf(um, mm, a);
        long pfn = um.arch.ptePfn(pte);
        assertNotEquals(um.zeroPfn, pfn);
        assertTrue(um.arch.pteWrite(pte) && um.arch.pteDirty(pte));
        assertEquals(1, um.pageMapcount(pfn));
        assertTrue(um.pageAnon(pfn));
        assertEquals(1, mm.counter(MmStruct.MM_ANONPAGES));
        assertConsistent(um);
        um.swap.lruAddDrainAll();
        assertTrue(m.memmap().testBit(pfn, PageFlag.LRU));
        assertEquals(1, m.memmap().refcount(pfn));
        assertConsistent(um);
    }

    @Test
    void accessOutsideAnyVmaIsEfault() {
        UserMemory um = Machine.boot().userMemory();
        MmStruct mm = um.newProcess("a.out");
        assertEquals(-14, um.memory.faultIn(mm, 0x1000, false));
        long a = um.mmap.mmap(mm, 0, 4096, Mmap.PROT_READ, ANON);
        assertEquals(-14, um.memory.faultIn(mm, a, true), "write to a read-only mapping");
    }

    @Test
    void forkSharesThenCowCopies() {
        Machine m = Machine.boot();
        UserMemory um = m.userMemory();
        MmStruct parent = um.newProcess("parent");
        long a = um.mmap.mmap(parent, 0, 2 * 4096, RW, ANON);
        um.memory.faultIn(parent, a, true);
        long pfn = um.arch.ptePfn(pteOf(um, parent, a));
        MmStruct child = um.mmap.fork(parent);
        assertEquals(pfn, um.arch.ptePfn(pteOf(um, child, a)));
        assertEquals(2, um.pageMapcount(pfn));
        assertFalse(um.arch.pteWrite(pteOf(um, parent, a)), "parent write-protected for COW");
        assertConsistent(um);
        assertEquals(0, um.memory.faultIn(child, a, true));
        long copy = um.arch.ptePfn(pteOf(um, child, a));
        assertNotEquals(pfn, copy);
        assertEquals(1, um.pageMapcount(pfn));
        assertEquals(1, um.pageMapcount(copy));
        assertConsistent(um);
        // the parent is now the only user: its write reuses the page in place
        assertEquals(0, um.memory.faultIn(parent, a, true));
        um.swap.lruAddDrainAll();
        assertEquals(pfn, um.arch.ptePfn(pteOf(um, parent, a)));
        assertConsistent(um);
    }

    @Test
    void munmapAndExitFreeEverything() {
        Machine m = Machine.boot();
        UserMemory um = m.userMemory();
        long free0 = freePages(m);
        MmStruct mm = um.newProcess("a.out");
        um.zeroPage();
        long a = um.mmap.mmap(mm, 0, 64 * 4096, RW, ANON);
        for (int i = 0; i < 64; i++) um.memory.faultIn(mm, a + i * 4096L, i % 3 != 0);
        MmStruct child = um.mmap.fork(mm);
        um.memory.faultIn(child, a, true);
        assertConsistent(um);
        assertEquals(0, um.mmap.munmap(mm, a + 4096, 8 * 4096));
        assertConsistent(um);
        um.mmap.exit(child);
        um.mmap.exit(mm);
        um.swap.lruAddDrainAll();
        assertConsistent(um);
        assertEquals(0, um.tables.liveTables());
        assertEquals(free0, freePages(m), "everything is back in the allocator (the zero page is part of the kernel image)");
    }

    static long freePages(Machine m) {
        m.allocator().drainAllPages(null);
        long n = 0;
        for (var z : m.zones()) for (int o = 0; o < 11; o++) n += z.freeArea(o).nrFree() << o;
        return n;
    }
}
