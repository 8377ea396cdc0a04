package mmsim.mm.migrate;

import mmsim.mm.debug.ModelCheck;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;

import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.mmap.UserMemoryCheck;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;
import org.junit.jupiter.api.Test;

/** migrate_pages moves mapped anonymous pages, remaps every PTE, and frees or keeps the source per era. */
class MigrateTest {
    static long pfnAt(UserMemory um, MmStruct mm, long addr) {
        PgtableAlloc.Loc pmd = um.pgalloc.pmdLoc(mm, addr, false);
        long e = um.tables.peekEntry(pmd.table(), pmd.idx());
        return um.arch.ptePfn(um.tables.peekEntry(um.arch.tableEntryPfn(e), PgtableArch.pteIndex(addr)));
    }

    @Test
    void migratesAPageMappedByParentAndChild() {
        for (KernelConfig cfg : new KernelConfig[] {KernelConfig.mainline(), KernelConfig.v4_6()}) {
            Machine m = Machine.boot(MachineLayout.small(), cfg);
            UserMemory um = m.userMemory();
            MmStruct p = um.newProcess("parent");
            long a = um.mmap.mmap(p, 0, 4096, Mmap.PROT_READ | Mmap.PROT_WRITE, Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS);
            um.memory.faultIn(p, a, true);
            MmStruct c = um.mmap.fork(p);
            um.swap.lruAddDrainAll();
            long src = pfnAt(um, p, a);
            assertEquals(0, um.vmscan.isolateLruPage(src));
            List<Long> from = new ArrayList<>(List.of(src));
            int failed = um.migrate.migratePages(from, s -> um.pages.allocPage(false), Migrate.MigrateMode.SYNC,
                    Migrate.MigrateReason.MEMORY_HOTPLUG);
            assertEquals(0, failed, cfg.era().toString());
            assertTrue(from.isEmpty());
            long dst = pfnAt(um, p, a);
            assertNotEquals(src, dst);
            assertEquals(dst, pfnAt(um, c, a));
            assertEquals(2, um.pageMapcount(dst));
            um.swap.lruAddDrainAll();
            assertEquals(0, m.memmap().refcount(src), "source freed (" + cfg.era() + ")");
            assertTrue(m.memmap().isBuddy(src) || !m.memmap().testBit(src, PageFlag.LRU));
            List<String> bad = UserMemoryCheck.check(um);
            assertTrue(bad.isEmpty(), String.join("\n", bad));
            // a GUP reference makes migration fail with the page left in 'from'
            long[] out = new long[1];
            assertEquals(1, um.gup.getUserPagesFast(p, a, 1, false, out));
            assertEquals(dst, out[0]);
            assertEquals(0, um.vmscan.isolateLruPage(dst));
            from = new ArrayList<>(List.of(dst));
            assertEquals(1, um.migrate.migratePages(from, s -> um.pages.allocPage(false), Migrate.MigrateMode.SYNC,
                    Migrate.MigrateReason.MEMORY_HOTPLUG));
            um.migrate.putbackMovablePages(from);
            um.gup.putUserPage(out[0]);
            um.swap.lruAddDrainAll();
            assertEquals(dst, pfnAt(um, p, a));
            bad = UserMemoryCheck.check(um);
            assertTrue(bad.isEmpty(), String.join("\n", bad));
        }
    }

    @Test
    void migratesASharedAnonymousPageMappedByTwoProcesses() {
        Machine m = Machine.boot(MachineLayout.small(), KernelConfig.mainline());
        UserMemory um = m.userMemory();
        MmStruct p = um.newProcess("parent");
        long a = um.mmap.mmap(p, 0, 4096, Mmap.PROT_READ | Mmap.PROT_WRITE, Mmap.MAP_SHARED | Mmap.MAP_ANONYMOUS);
        assertEquals(0, um.memory.faultIn(p, a, true));
        MmStruct c = um.mmap.fork(p);
        assertEquals(0, um.memory.faultIn(c, a, false));
        um.swap.lruAddDrainAll();
        long src = pfnAt(um, p, a);
        assertEquals(src, pfnAt(um, c, a));
        assertEquals(0, um.vmscan.isolateLruPage(src));
        List<Long> from = new ArrayList<>(List.of(src));
        assertEquals(0, um.migrate.migratePages(from, s -> um.pages.allocPage(false), Migrate.MigrateMode.SYNC,
                Migrate.MigrateReason.MEMORY_HOTPLUG));
        long dst = pfnAt(um, p, a);
        assertNotEquals(src, dst);
        assertEquals(dst, pfnAt(um, c, a), "the i_mmap walk found the child's PTE too");
        assertEquals(2, um.pageMapcount(dst));
        assertEquals(dst, (long) p.findVmaRaw(a).vmFile.cachedPages().get(0L), "the page cache holds the new page");
        um.swap.lruAddDrainAll();
        assertEquals(0, m.memmap().refcount(src), "source freed");
        List<String> bad = ModelCheck.check(m).stream().map(ModelCheck.Problem::text).toList();
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }
}
