package mmsim.mm.memory_failure;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.List;

import mmsim.iface.VirtualFs;
import mmsim.iface.debugfs.HwpoisonInject;
import mmsim.kernel.Errno;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.linux.Gfp;
import mmsim.mm.linux.ZoneStat;
import org.junit.jupiter.api.Test;

/**
 * mm/memory-failure.c paths one by one, sequentially, on each generation: soft offline of an
 * in-use and of a free page, unpoison, hard offline, and the sysfs/debugfs files' errnos.
 */
class MemoryFailureTest {
    static final int RW = Mmap.PROT_READ | Mmap.PROT_WRITE;
    static final int ANON = Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS;

    record Box(Machine m, UserMemory um, MemoryFailure mf, MmStruct mm, VirtualFs fs) {
        long write(String path, String text) { return fs.write(path, text.getBytes(StandardCharsets.UTF_8)); }
        String meminfoHardwareCorrupted() {
            String all = new String(fs.readAllBytes("/proc/meminfo"), StandardCharsets.UTF_8);
            return all.lines().filter(l -> l.startsWith("HardwareCorrupted:")).findFirst().orElseThrow();
        }
        long pfnAt(long addr) {
            long[] pfn = new long[1];
            assertEquals(1, um.gup.getUserPagesFast(mm, addr, 1, false, pfn));
            um.gup.putUserPage(pfn[0]);
            return pfn[0];
        }
        void assertClean() {
            List<ModelCheck.Problem> p = ModelCheck.check(m);
            assertTrue(p.isEmpty(), p.toString());
            assertEquals(MemoryFailure.countPoisonedPages(m.memmap(), m.sparse()), mf.numPoisonedPages(), "num_poisoned_pages = PG_hwpoison pages");
        }
    }

    static Box boot(KernelConfig c) {
        Machine m = Machine.boot(MachineLayout.small(), c);
        UserMemory um = m.userMemory();
        MemoryFailure mf = m.memoryFailure();
        um.zeroPage();
        VirtualFs fs = VirtualFs.of(m);
        return new Box(m, um, mf, um.newProcess("a.out"), fs);
    }

    static Box mainline() { return boot(KernelConfig.mainline()); }

    /** One written anonymous page; returns its address. */
    static long page(Box b) {
        long a = b.um.mmap.mmap(b.mm, 0, 4096, RW, ANON);
        assertEquals(0, b.um.memory.faultIn(b.mm, a, true));
        return a;
    }

    @Test
    void softOfflineOfAnInUsePageMovesItAndPoisonsTheOldPfn() {
        Box b = mainline();
        long a = page(b);
        long old = b.pfnAt(a);
        assertEquals("HardwareCorrupted:     0 kB", b.meminfoHardwareCorrupted());
        assertEquals(0, b.um.mmap.madvise(b.mm, a, 4096, Mmap.MADV_SOFT_OFFLINE));
        long now = b.pfnAt(a);
        assertNotEquals(old, now, "the data moved to a new page");
        assertEquals(0, b.um.memory.faultIn(b.mm, a, true), "and the process keeps using it");
        assertTrue(b.m.memmap().testBit(old, PageFlag.HWPOISON));
        assertEquals(1, b.m.memmap().refcount(old), "pinned by page_handle_poison");
        assertEquals("HardwareCorrupted:     4 kB", b.meminfoHardwareCorrupted());
        assertTrue(b.m.kernel().log().lines().contains(String.format("Soft offlining pfn %#x at process virtual address %#x", old, a)));
        b.assertClean();
        // unpoison gives the page back to the allocator
        assertEquals(0, b.mf.unpoisonMemory(old));
        assertFalse(b.m.memmap().testBit(old, PageFlag.HWPOISON));
        assertEquals(0, b.m.memmap().refcount(old));
        assertEquals("HardwareCorrupted:     0 kB", b.meminfoHardwareCorrupted());
        assertTrue(b.m.kernel().log().lines().contains(String.format("Unpoison: %#x: software-unpoisoned page", old)));
        b.assertClean();
        assertEquals(Errno.EBUSY.neg(), b.mf.unpoisonMemory(old), "today: not poisoned is -EBUSY");
    }

    @Test
    void softOfflineTwiceReturnsZeroTodayAndEbusyIn2016() {
        for (KernelConfig c : List.of(KernelConfig.mainline(), KernelConfig.v4_6())) {
            Box b = boot(c);
            long a = page(b);
            long old = b.pfnAt(a);
            assertEquals(0, b.mf.softOffline().softOfflinePage(old, 0));
            int again = b.mf.softOffline().softOfflinePage(old, 0);
            assertEquals(c.era() == KernelConfig.Era.V4_6 ? Errno.EBUSY.neg() : 0, again, c.toString());
            b.assertClean();
        }
    }

    @Test
    void freePageIsTakenOffTheBuddyTodayAndPutBack() {
        Box b = mainline();
        long pfn = b.m.allocator().allocPages(Gfp.GFP_HIGHUSER_MOVABLE, 0);
        b.m.allocator().freePage(pfn);
        b.m.allocator().drainAllPages(null);        // soft offline drains the per-cpu lists itself
        long free = b.m.allocator().globalZoneState(ZoneStat.NR_FREE_PAGES);
        assertEquals(0, b.mf.softOffline().softOfflinePage(pfn, 0));
        assertEquals(free - 1, b.m.allocator().globalZoneState(ZoneStat.NR_FREE_PAGES), "off the free lists");
        assertFalse(b.m.allocator().isFreeBuddyPage(pfn));
        b.assertClean();
        assertEquals(0, b.mf.unpoisonMemory(pfn), "put_page_back_buddy");
        assertTrue(b.m.allocator().isFreeBuddyPage(pfn));
        b.assertClean();
    }

    @Test
    void in2016APoisonedFreePageStaysInItsBlockAndAnOrder9AllocationLeaksTheBlock() {
        Box b = boot(KernelConfig.v4_6());
        var ba = b.m.allocator();
        long blk = ba.allocPages(Gfp.GFP_KERNEL, 9);
        ba.freePages(blk, 9);
        assertEquals(0, b.mf.softOffline().softOfflinePage(blk + 3, 0));
        assertTrue(ba.isFreeBuddyPage(blk + 3), "2016: flagged where it lies");
        long x = ba.allocPages(Gfp.GFP_KERNEL, 9);
        assertNotEquals(blk, x, "check_new_page refused the block and the allocator retried");
        long leaked = ModelCheck.check(b.m).stream().filter(q -> q.kind() == ModelCheck.Problem.Kind.LEAK).count();
        assertEquals(511, leaked, "every page of the block but the poisoned one");
        assertEquals(0, b.mf.unpoisonMemory(blk + 3), "2016 unpoison only clears the flag of the orphan");
        leaked = ModelCheck.check(b.m).stream().filter(q -> q.kind() == ModelCheck.Problem.Kind.LEAK).count();
        assertEquals(512, leaked, "unpoison cannot bring the block back");
        assertTrue(b.m.kernel().log().lines().contains(String.format("MCE: Software-unpoisoned free page %#x", blk + 3)));
    }

    @Test
    void hardOfflineOfAnAnonPageUnmapsItAndTheNextAccessIsSigbus() {
        for (KernelConfig c : List.of(KernelConfig.mainline(), KernelConfig.v4_6())) {
            Box b = boot(c);
            boolean v46 = c.era() == KernelConfig.Era.V4_6;
            long a = page(b);
            long pfn = b.pfnAt(a);                                   // still in the LRU batch: shaken first
            assertEquals(0, b.mf.memoryFailure(pfn, MemoryFailure.MF_SW_SIMULATED));
            String recovered = String.format(v46 ? "MCE %#x: recovery action for dirty LRU page: Recovered"
                    : "Memory failure: %#x: recovery action for dirty LRU page: Recovered", pfn);
            assertTrue(b.m.kernel().log().lines().contains(recovered), String.join("\n", b.m.kernel().log().lines()));
            assertEquals(Errno.EHWPOISON.neg(), b.um.memory.faultIn(b.mm, a, false), "VM_FAULT_HWPOISON: SIGBUS");
            b.assertClean();
            int again = b.mf.memoryFailure(pfn, MemoryFailure.MF_SW_SIMULATED);
            if (v46) {
                assertEquals(0, again);
                assertTrue(b.m.kernel().log().lines().contains(String.format("MCE %#x: already hardware poisoned", pfn)));
            } else {
                assertEquals(Errno.EHWPOISON.neg(), again, "already poisoned");
                assertTrue(b.m.kernel().log().lines().contains(
                        String.format("Memory failure: %#x: recovery action for already poisoned page: Failed", pfn)));
            }
            b.assertClean();
        }
    }

    @Test
    void sysfsFilesTakeAPhysicalAddressAndAnswerWithTheKernelsErrnos() {
        Box b = mainline();
        String soft = "/sys/devices/system/memory/soft_offline_page", hard = "/sys/devices/system/memory/hard_offline_page";
        assertEquals(Errno.EINVAL.neg(), b.write(soft, "garbage\n"));
        assertEquals(Errno.EINVAL.neg(), b.write(soft, "-1\n"));
        assertEquals(Errno.EINVAL.neg(), b.write(soft, "0x10000000000000000\n"), "u64 overflow");
        assertEquals(Errno.ENXIO.neg(), b.write(soft, "0x7000000000\n"), "beyond the memory map");
        assertEquals(Errno.ENXIO.neg(), b.write(hard, "0x7000000000\n"));
        long pfn = b.m.allocator().allocPages(Gfp.GFP_HIGHUSER_MOVABLE, 0);
        b.m.allocator().freePage(pfn);
        String addr = String.format("%#x\n", (pfn << 12) + 0x123);     // any offset inside the page
        assertEquals(addr.length(), b.write(soft, addr));
        assertTrue(b.m.memmap().testBit(pfn, PageFlag.HWPOISON));
        assertEquals(Errno.EHWPOISON.neg(), b.write(hard, addr), "hard offline of a poisoned page");
        b.assertClean();
    }

    @Test
    void debugfsInjectorTakesAPfnAfterModprobe() {
        Box b = mainline();
        HwpoisonInject inj = HwpoisonInject.of(b.m);
        assertFalse(b.fs.exists(HwpoisonInject.DIR + "/corrupt-pfn"));
        assertEquals(0, inj.modprobe(b.fs));
        assertEquals(Errno.EEXIST.neg(), inj.modprobe(b.fs));
        long pfn = b.m.allocator().allocPages(Gfp.GFP_HIGHUSER_MOVABLE, 0);
        b.m.allocator().freePage(pfn);
        assertEquals(Errno.EINVAL.neg(), b.write(HwpoisonInject.DIR + "/corrupt-pfn", "x\n"));
        assertEquals(Errno.ENXIO.neg(), b.write(HwpoisonInject.DIR + "/corrupt-pfn", "0x7000000000\n"));
        assertTrue(b.write(HwpoisonInject.DIR + "/corrupt-pfn", pfn + "\n") > 0);
        assertTrue(b.m.kernel().log().lines().contains(String.format("Injecting memory failure at pfn %#x", pfn)));
        assertTrue(b.m.kernel().log().lines().contains(String.format("Memory failure: %#x: recovery action for free buddy page: Recovered", pfn)));
        assertEquals("4294967295\n", new String(b.fs.readAllBytes(HwpoisonInject.DIR + "/corrupt-filter-dev-major"), StandardCharsets.UTF_8));
        assertTrue(b.write(HwpoisonInject.DIR + "/unpoison-pfn", String.format("%#x\n", pfn)) > 0);
        assertEquals(Errno.EBUSY.neg(), b.write(HwpoisonInject.DIR + "/unpoison-pfn", pfn + "\n"), "already unpoisoned");
        b.assertClean();
        assertEquals(0, inj.rmmod(b.fs));
        assertFalse(b.fs.exists(HwpoisonInject.DIR + "/corrupt-pfn"));
    }

    @Test
    void withoutConfigMemoryFailureMadviseIsEinval() {
        Machine m = Machine.boot(MachineLayout.small(), KernelConfig.mainline().without(KernelConfig.CONFIG_MEMORY_FAILURE));
        assertNull(m.memoryFailure());
        UserMemory um = m.userMemory();
        MmStruct mm = um.newProcess("a.out");
        long a = um.mmap.mmap(mm, 0, 4096, RW, ANON);
        assertEquals(0, um.memory.faultIn(mm, a, true));
        assertEquals(Errno.EINVAL.neg(), um.mmap.madvise(mm, a, 4096, Mmap.MADV_SOFT_OFFLINE));
    }
}
