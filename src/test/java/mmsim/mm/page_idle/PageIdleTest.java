package mmsim.mm.page_idle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.junit.jupiter.api.Test;

import mmsim.iface.VirtualFs;
import mmsim.iface.procfs.KernelPageFlags;
import mmsim.iface.sysfs.PageIdleSysfs;
import mmsim.kernel.Errno;
import mmsim.mm.Machine;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.mmap.UserMemory;

/**
 * Idle page tracking (mm/page_idle.c, Documentation/admin-guide/mm/idle_page_tracking.rst) through
 * /sys/kernel/mm/page_idle/bitmap: mark idle, access, read back — on 64-bit (PG_idle/PG_young)
 * and 32-bit (the bits in page_ext, seed 000's route), in both eras.
 */
class PageIdleTest {
    static final MachineLayout L = MachineLayout.parse("test",
            "arch x86_64\ncpus 2\nram 0x1000 +0x9e000\nram 0x100000 +255M\nreserve 0x100000 +15M\n");
    static final String BITMAP = PageIdleSysfs.PATH;

    /** A process with two touched anonymous pages on the LRU: their pfns. */
    private static long[] twoUserPages(Machine m, MmStruct[] mmOut, long[] addrOut) {
        UserMemory um = m.userMemory();
        MmStruct mm = um.newProcess("a.out");
        long a = um.mmap.mmap(mm, 0, 2 * 4096, Mmap.PROT_READ | Mmap.PROT_WRITE, Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS);
        assertEquals(0, um.memory.faultIn(mm, a, true));
        assertEquals(0, um.memory.faultIn(mm, a + 4096, true));
        um.swap.lruAddDrainAll();
        mmOut[0] = mm;
        addrOut[0] = a;
        return new long[] {um.arch.ptePfn(pteOf(um, mm, a)), um.arch.ptePfn(pteOf(um, mm, a + 4096))};
    }

    private static long pteOf(UserMemory um, MmStruct mm, long addr) {
        mmsim.mm.pgtable.PgtableAlloc.Loc pmd = um.pgalloc.pmdLoc(mm, addr, false);
        long e = um.tables.peekEntry(pmd.table(), pmd.idx());
        return um.tables.peekEntry(um.arch.tableEntryPfn(e), mmsim.mm.pgtable.PgtableArch.pteIndex(addr));
    }

    private static boolean idleBit(VirtualFs fs, long pfn) {
        VirtualFs.ReadResult r = fs.read(BITMAP, pfn / 64 * 8, 8);
        assertTrue(r.ok(), String.valueOf(r.errno()));
        assertEquals(8, r.data().length);
        return ((ByteBuffer.wrap(r.data()).order(ByteOrder.LITTLE_ENDIAN).getLong() >>> (pfn % 64)) & 1) != 0;
    }

    private static long markIdle(VirtualFs fs, long pfn) {
        byte[] w = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << (pfn % 64)).array();
        return fs.pwrite(BITMAP, pfn / 64 * 8, w);
    }

    @Test
    void markedIdleStaysIdleUntilTheProcessTouchesThePage() {
        for (KernelConfig c : List.of(KernelConfig.mainline(), KernelConfig.v4_6(),
                KernelConfig.mainline().without(KernelConfig.CONFIG_64BIT), KernelConfig.v4_6().without(KernelConfig.CONFIG_64BIT))) {
            Machine m = Machine.boot(L, c);
            VirtualFs fs = VirtualFs.of(m);
            MmStruct[] mm = new MmStruct[1];
            long[] a = new long[1];
            long[] pfn = twoUserPages(m, mm, a);
            assertFalse(idleBit(fs, pfn[0]), c + ": a fresh page is not idle");
            assertEquals(8, markIdle(fs, pfn[0]), c.toString());
            assertEquals(8, markIdle(fs, pfn[1]), c.toString());
            assertTrue(idleBit(fs, pfn[0]), c + ": no access since the mark");
            // the MMU sets the accessed bit; the read clears it through rmap and drops the idle bit
            assertEquals(0, m.userMemory().memory.faultIn(mm[0], a[0], false));
            assertFalse(idleBit(fs, pfn[0]), c + ": accessed after the mark");
            assertTrue(idleBit(fs, pfn[1]), c + ": the other page was not accessed");
            // kpageflags reports the same bit (KPF_IDLE) through the same accessors
            long flags = ByteBuffer.wrap(fs.read("/proc/kpageflags", pfn[1] * 8, 8).data()).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertTrue((flags & (1L << KernelPageFlags.KPF_IDLE)) != 0, c + String.format(": kpageflags %#x", flags));
            assertEquals(List.of(), ModelCheck.check(m));
        }
    }

    @Test
    void kernelPagesAreNeverTrackedAndTheFileKeepsTheKernelsRules() {
        Machine m = Machine.boot(L, KernelConfig.mainline());
        VirtualFs fs = VirtualFs.of(m);
        long kernelPfn = m.allocator().allocPages(mmsim.mm.linux.Gfp.GFP_KERNEL, 0);
        assertEquals(8, markIdle(fs, kernelPfn), "the write consumes the word");
        assertFalse(idleBit(fs, kernelPfn), "not on the LRU: page_idle_get_folio says no");
        // page_idle_bitmap_read/write: 8-byte alignment of position and size
        assertEquals(Errno.EINVAL, fs.read(BITMAP, 4, 8).errno());
        assertEquals(Errno.EINVAL, fs.read(BITMAP, 0, 12).errno());
        assertEquals(Errno.EINVAL.neg(), fs.pwrite(BITMAP, 8, new byte[4]));
        // at or past max_pfn: read gives EOF, write ENXIO
        long end = (m.maxPfn() + 63) / 64 * 8;
        assertArrayEquals(new byte[0], fs.read(BITMAP, end, 8).data());
        assertEquals(Errno.ENXIO.neg(), fs.pwrite(BITMAP, end, new byte[8]));
        assertEquals(0600, fs.file(BITMAP).mode);
    }
}
