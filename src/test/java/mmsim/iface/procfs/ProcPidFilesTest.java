package mmsim.iface.procfs;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import mmsim.iface.VirtualFs;
import mmsim.kernel.Errno;
import mmsim.mm.Machine;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.migrate.Migrate;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.linux.SwapEntry;

/**
 * /proc/PID/maps, pagemap and smaps_rollup, /proc/vmstat and the kpageflags/kpagecount bits of
 * mapped pages, read through the machine's VirtualFs after real mappings, faults, fork, reclaim
 * and migration.
 */
class ProcPidFilesTest {
    static final int RW = Mmap.PROT_READ | Mmap.PROT_WRITE, ANON = Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS;
    Machine m;
    VirtualFs fs;
    UserMemory um;
    MmStruct mm;

    @BeforeEach
    void boot() {
        m = Machine.boot();
        fs = VirtualFs.of(m);
        um = m.userMemory();
        um.zeroPage();
        mm = um.newProcess("t");
    }

    long pagemap(MmStruct p, long addr) {
        VirtualFs.ReadResult r = fs.read("/proc/" + p.pid + "/pagemap", (addr >>> 12) * 8, 8);
        assertTrue(r.ok(), String.valueOf(r.errno()));
        return ByteBuffer.wrap(r.data()).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    long kpage(KPageFiles.Kind kind, long pfn) {
        KPageFiles.ReadResult r = KPageProc.of(m).read(kind, pfn * 8, 8);
        assertTrue(r.ok());
        return ByteBuffer.wrap(r.data()).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    static boolean bit(long v, int b) { return (v & (1L << b)) != 0; }

    @Test
    void mapsListsEveryVmaInTheKernelsFormat() {
        long a = um.mmap.mmap(mm, 0, 3 * 4096, RW, ANON);
        long b = um.mmap.mmap(mm, 0, 4096, Mmap.PROT_READ, ANON);
        String maps = fs.readAll("/proc/" + mm.pid + "/maps");
        // both from the top-down allocator: b sits below a
        assertEquals(String.format("%08x-%08x r--p 00000000 00:00 0 %n%08x-%08x rw-p 00000000 00:00 0 %n", b, b + 4096, a, a + 3 * 4096), maps);
        um.mmap.munmap(mm, a + 4096, 4096); // splits a
        assertEquals(3, fs.readAll("/proc/" + mm.pid + "/maps").lines().count());
        StringBuilder sb = new StringBuilder();
        ProcPidFiles.showMapVma(sb, 0x7ffd1234a000L, 0x7ffd1236b000L, 3, 0, 0, 0, "[stack]");
        assertEquals("7ffd1234a000-7ffd1236b000 rw-p 00000000 00:00 0                          [stack]\n", sb.toString());
    }

    @Test
    void pagemapShowsPresentSwappedExclusiveAndSoftDirty() {
        long a = um.mmap.mmap(mm, 0, 4 * 4096, RW, ANON);
        assertEquals(0, pagemap(mm, a - 4096), "no VMA there: all zero");
        assertEquals(ProcPidFiles.PM_SOFT_DIRTY, pagemap(mm, a), "a VMA without a PTE: soft-dirty only (new VMAs are)");
        um.memory.faultIn(mm, a, true);
        um.memory.faultIn(mm, a + 4096, false);
        long e = pagemap(mm, a);
        long pfn = e & ProcPidFiles.PM_PFRAME_MASK;
        assertTrue((e & ProcPidFiles.PM_PRESENT) != 0 && (e & ProcPidFiles.PM_MMAP_EXCLUSIVE) != 0 && (e & ProcPidFiles.PM_SOFT_DIRTY) != 0, Long.toHexString(e));
        assertEquals(0, e & (ProcPidFiles.PM_SWAP | ProcPidFiles.PM_FILE));
        assertEquals(1, um.pageMapcount(pfn), "the PFN pagemap reports is the mapped page");
        long zero = pagemap(mm, a + 4096);
        assertEquals(um.zeroPfn, zero & ProcPidFiles.PM_PFRAME_MASK, "a read maps the zero page");
        assertEquals(0, zero & ProcPidFiles.PM_MMAP_EXCLUSIVE, "the zero page is no normal page: never exclusive");
        MmStruct child = um.mmap.fork(mm);
        assertEquals(0, pagemap(mm, a) & ProcPidFiles.PM_MMAP_EXCLUSIVE, "shared with the child after fork");
        assertEquals(pfn, pagemap(child, a) & ProcPidFiles.PM_PFRAME_MASK);
        um.mmap.exit(child);
        assertNotEquals(0, pagemap(mm, a) & ProcPidFiles.PM_MMAP_EXCLUSIVE);
        assertEquals(0, um.mmap.madvise(mm, a, 4096, Mmap.MADV_PAGEOUT));
        long s = pagemap(mm, a);
        assertEquals(ProcPidFiles.PM_SWAP | ProcPidFiles.PM_SOFT_DIRTY, s & ~ProcPidFiles.PM_PFRAME_MASK, Long.toHexString(s));
        long slot = (s & ProcPidFiles.PM_PFRAME_MASK) >>> ProcPidFiles.MAX_SWAPFILES_SHIFT;
        assertEquals(0, s & 0x1f, "swap type 0");
        assertEquals(1, um.swapState.swapCount(SwapEntry.swpEntry(0, slot)), "the offset names the slot the PTE holds");
        assertTrue(fs.read("/proc/" + mm.pid + "/pagemap", 4, 8).errno() == Errno.EINVAL);
        assertTrue(fs.read("/proc/" + mm.pid + "/pagemap", 8, 12).errno() == Errno.EINVAL);
        assertEquals(0, fs.read("/proc/" + mm.pid + "/pagemap", (um.arch.taskSize() >>> 12) * 8, 8).data().length, "EOF past TASK_SIZE");
        assertEquals(List.of(), ModelCheck.check(m));
    }

    @Test
    void smapsRollupSumsRssPssAndSwap() {
        long a = um.mmap.mmap(mm, 0, 4 * 4096, RW, ANON);
        for (int i = 0; i < 3; i++) um.memory.faultIn(mm, a + i * 4096L, true);
        String r = fs.readAll("/proc/" + mm.pid + "/smaps_rollup");
        assertTrue(r.startsWith(String.format("%08x-%08x ---p 00000000 00:00 0", a, a + 4 * 4096)), r);
        assertEquals(73, r.indexOf("[rollup]"), "the name starts at column 73");
        assertTrue(r.contains("\nRss:                  12 kB\nPss:                  12 kB\nPss_Dirty:            12 kB\nPss_Anon:             12 kB\n"), r);
        assertTrue(r.contains("\nPrivate_Dirty:        12 kB\n") && r.contains("\nAnonymous:            12 kB\n"), r);
        assertTrue(r.contains("\nPrivate_Hugetlb:       0 kB\nSwap:                  0 kB\n"), r);
        assertTrue(r.endsWith("Locked:                0 kB\n"), r);
        MmStruct child = um.mmap.fork(mm);
        r = fs.readAll("/proc/" + mm.pid + "/smaps_rollup");
        assertTrue(r.contains("\nRss:                  12 kB\nPss:                   6 kB\n"), "three pages shared by two: " + r);
        assertTrue(r.contains("\nShared_Dirty:         12 kB\n"), r);
        um.mmap.exit(child);
        assertEquals(0, um.mmap.madvise(mm, a, 2 * 4096, Mmap.MADV_PAGEOUT));
        r = fs.readAll("/proc/" + mm.pid + "/smaps_rollup");
        assertTrue(r.contains("\nRss:                   4 kB\n") && r.contains("\nSwap:                  8 kB\nSwapPss:               8 kB\n"), r);
    }

    @Test
    void sharedAnonymousMemoryIsShmemInEveryFile() {
        long s = um.mmap.mmap(mm, 0, 2 * 4096, RW, Mmap.MAP_SHARED | Mmap.MAP_ANONYMOUS);
        assertEquals(0, um.memory.faultIn(mm, s, true));
        var file = mm.findVmaRaw(s).vmFile;
        String prefix = String.format("%08x-%08x rw-s 00000000 00:01 %d ", s, s + 8192, file.ino);
        assertEquals(prefix + " ".repeat(72 - prefix.length()) + " /dev/zero (deleted)\n", fs.readAll("/proc/" + mm.pid + "/maps"));
        long e = pagemap(mm, s);
        assertTrue((e & ProcPidFiles.PM_PRESENT) != 0 && (e & ProcPidFiles.PM_FILE) != 0 && (e & ProcPidFiles.PM_MMAP_EXCLUSIVE) != 0, Long.toHexString(e));
        long pfn = e & ProcPidFiles.PM_PFRAME_MASK;
        um.swap.lruAddDrainAll();
        long f = kpage(KPageFiles.Kind.KPAGEFLAGS, pfn);
        assertTrue(bit(f, KernelPageFlags.KPF_MMAP) && bit(f, KernelPageFlags.KPF_SWAPBACKED) && bit(f, KernelPageFlags.KPF_LRU), Long.toBinaryString(f));
        assertFalse(bit(f, KernelPageFlags.KPF_ANON), "a shmem page is no anonymous page to kpageflags");
        String r = fs.readAll("/proc/" + mm.pid + "/smaps_rollup");
        assertTrue(r.contains("\nPss_Anon:              0 kB\nPss_File:              0 kB\nPss_Shmem:             4 kB\n"), r);
        assertTrue(stat("nr_shmem") == 1 && stat("nr_mapped") == 1 && stat("nr_file_pages") == 1, fs.readAll("/proc/vmstat"));
        assertEquals(List.of(), ModelCheck.check(m));
    }

    @Test
    void procPidComesAndGoesWithTheProcess() {
        MmStruct child = um.mmap.fork(mm);
        assertTrue(fs.exists("/proc/" + child.pid + "/maps"));
        assertEquals(List.of("maps", "pagemap", "smaps_rollup"), fs.list("/proc/" + child.pid));
        um.mmap.exit(child);
        assertFalse(fs.exists("/proc/" + child.pid));
        assertTrue(fs.exists("/proc/" + mm.pid + "/pagemap"));
    }

    @Test
    void vmstatCountsFaultsReclaimAndMigration() {
        String v0 = fs.readAll("/proc/vmstat");
        assertTrue(v0.startsWith("nr_free_pages "), v0);
        List<String> names = v0.lines().map(l -> l.substring(0, l.indexOf(' '))).toList();
        assertTrue(names.indexOf("nr_free_cma") < names.indexOf("numa_hit") && names.indexOf("numa_other") < names.indexOf("nr_inactive_anon")
                && names.indexOf("nr_swapcached") < names.indexOf("nr_dirty_threshold") && names.indexOf("pswpout") < names.indexOf("pgalloc_dma")
                && names.indexOf("pgfault") < names.indexOf("pgmajfault") && names.indexOf("pgmigrate_success") < names.indexOf("pgmigrate_fail"), names.toString());
        long a = um.mmap.mmap(mm, 0, 8 * 4096, RW, ANON);
        for (int i = 0; i < 8; i++) um.memory.faultIn(mm, a + i * 4096L, true);
        assertEquals(8, stat("pgfault"));
        assertEquals(8, stat("nr_anon_pages"));
        um.swap.lruAddDrainAll();
        assertEquals(8, stat("nr_inactive_anon") + stat("nr_active_anon"));
        for (int i = 0; i < 3; i++) um.vmscan.shrinkNode(0, 32, true);
        long steal = stat("pgsteal_kswapd");
        assertTrue(steal > 0 && steal == stat("pgsteal_anon") && stat("pgscan_kswapd") >= steal && stat("pswpout") == steal, fs.readAll("/proc/vmstat"));
        um.memory.faultIn(mm, a, false);
        assertEquals(1, stat("pgmajfault"), "a swap-in is a major fault");
        // migrate one mapped page (as offlining would)
        long e = pagemap(mm, a + 7 * 4096);
        if ((e & ProcPidFiles.PM_PRESENT) == 0) { um.memory.faultIn(mm, a + 7 * 4096, false); e = pagemap(mm, a + 7 * 4096); }
        long pfn = e & ProcPidFiles.PM_PFRAME_MASK;
        um.swap.lruAddDrainAll();
        um.getPage(pfn);
        assertEquals(0, um.vmscan.isolateLruPage(pfn));
        um.putPage(pfn);
        List<Long> from = new ArrayList<>(List.of(pfn));
        assertEquals(0, um.migrate.migratePages(from, s -> um.pages.allocPage(false), Migrate.MigrateMode.SYNC, Migrate.MigrateReason.MEMORY_HOTPLUG));
        assertEquals(1, stat("pgmigrate_success"));
        assertEquals(0, stat("pgmigrate_fail"));
        assertEquals(List.of(), ModelCheck.check(m));
    }

    long stat(String name) {
        for (String l : fs.readAll("/proc/vmstat").lines().toList()) {
            if (l.startsWith(name + " ")) return Long.parseLong(l.substring(name.length() + 1));
        }
        throw new AssertionError("no " + name + " in /proc/vmstat");
    }

    @Test
    void kpageflagsAndKpagecountReflectRealMappings() {
        long a = um.mmap.mmap(mm, 0, 2 * 4096, RW, ANON);
        um.memory.faultIn(mm, a, true);
        long pfn = pagemap(mm, a) & ProcPidFiles.PM_PFRAME_MASK;
        um.swap.lruAddDrainAll();
        long f = kpage(KPageFiles.Kind.KPAGEFLAGS, pfn);
        assertTrue(bit(f, KernelPageFlags.KPF_MMAP) && bit(f, KernelPageFlags.KPF_ANON) && bit(f, KernelPageFlags.KPF_LRU)
                && bit(f, KernelPageFlags.KPF_SWAPBACKED), Long.toBinaryString(f));
        assertFalse(bit(f, KernelPageFlags.KPF_SWAPCACHE));
        assertEquals(1, kpage(KPageFiles.Kind.KPAGECOUNT, pfn));
        MmStruct child = um.mmap.fork(mm);
        assertEquals(2, kpage(KPageFiles.Kind.KPAGECOUNT, pfn), "kpagecount is the mapcount: parent and child");
        um.mmap.exit(child);
        // two reclaim passes: the first sees the accessed bit and keeps the page active or referenced
        for (int i = 0; i < 4 && bit(kpage(KPageFiles.Kind.KPAGEFLAGS, pfn), KernelPageFlags.KPF_MMAP); i++) um.vmscan.shrinkNode(0, 32, true);
        // reclaimed: the page went back to the allocator; the data lives in a swap slot
        assertEquals(ProcPidFiles.PM_SWAP, pagemap(mm, a) & ProcPidFiles.PM_SWAP);
        assertEquals(0, kpage(KPageFiles.Kind.KPAGECOUNT, pfn));
        // a read swap-in keeps the page in the swap cache: SWAPCACHE, MMAP, ANON
        um.memory.faultIn(mm, a, false);
        long in = pagemap(mm, a) & ProcPidFiles.PM_PFRAME_MASK;
        long g = kpage(KPageFiles.Kind.KPAGEFLAGS, in);
        assertTrue(bit(g, KernelPageFlags.KPF_SWAPCACHE) && bit(g, KernelPageFlags.KPF_MMAP) && bit(g, KernelPageFlags.KPF_ANON), Long.toBinaryString(g));
        // activation: a referenced page found young twice is moved to the active list
        long b = a + 4096;
        um.memory.faultIn(mm, b, true);
        long pb = pagemap(mm, b) & ProcPidFiles.PM_PFRAME_MASK;
        um.swap.lruAddDrainAll();
        for (int i = 0; i < 3 && !bit(kpage(KPageFiles.Kind.KPAGEFLAGS, pb), KernelPageFlags.KPF_ACTIVE); i++) {
            um.memory.faultIn(mm, b, true); // no fault: the PTE is present; set the accessed bit as the MMU would
            touchYoung(b);
            um.vmscan.shrinkNode(0, 32, true);
        }
        assertTrue(bit(kpage(KPageFiles.Kind.KPAGEFLAGS, pb), KernelPageFlags.KPF_ACTIVE), "a page used between passes is activated");
        assertEquals(List.of(), ModelCheck.check(m));
    }

    /** The MMU sets the accessed bit on use; the model's faultIn does not when no fault is needed. */
    private void touchYoung(long addr) {
        var pmd = um.pgalloc.pmdLoc(mm, addr, false);
        long table = um.arch.tableEntryPfn(um.tables.peekEntry(pmd.table(), pmd.idx()));
        int idx = PgtableArch.pteIndex(addr);
        um.tables.write(table, idx, um.arch.pteMkyoung(um.tables.peekEntry(table, idx)), "mmu:set accessed");
    }
}
