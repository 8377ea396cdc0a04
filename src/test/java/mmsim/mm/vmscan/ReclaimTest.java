package mmsim.mm.vmscan;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import mmsim.mm.Machine;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.mmap.UserMemoryCheck;
import mmsim.mm.linux.VmEvent;
import org.junit.jupiter.api.Test;

/** Reclaim swaps anonymous pages out and faults bring them back, keeping counts consistent. */
class ReclaimTest {
    @Test
    void pageoutSwapsOutAndFaultSwapsIn() {
        Machine m = Machine.boot();
        UserMemory um = m.userMemory();
        MmStruct mm = um.newProcess("a.out");
        long a = um.mmap.mmap(mm, 0, 8 * 4096, Mmap.PROT_READ | Mmap.PROT_WRITE, Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS);
        for (int i = 0; i < 8; i++) assertEquals(0, um.memory.faultIn(mm, a + i * 4096L, true));
        um.swap.lruAddDrainAll();
        assertEquals(0, um.mmap.madvise(mm, a, 8 * 4096, Mmap.MADV_PAGEOUT));
        assertEquals(8, um.event(VmEvent.PSWPOUT));
        assertEquals(0, mm.counter(MmStruct.MM_ANONPAGES));
        assertEquals(8, mm.counter(MmStruct.MM_SWAPENTS));
        assertEquals(8, um.swapState.inuse());
        check(um);
        assertEquals(0, um.memory.faultIn(mm, a, true));
        assertEquals(1, um.event(VmEvent.PSWPIN));
        assertEquals(7, mm.counter(MmStruct.MM_SWAPENTS));
        assertEquals(7, um.swapState.inuse(), "a write fault frees the page's swap slot");
        um.swap.lruAddDrainAll();
        check(um);
        um.mmap.exit(mm);
        um.swap.lruAddDrainAll();
        assertEquals(0, um.swapState.inuse());
        check(um);
    }

    @Test
    void sharedAfterForkPagesNeedEveryMappingUnmapped() {
        Machine m = Machine.boot();
        UserMemory um = m.userMemory();
        MmStruct p = um.newProcess("parent");
        long a = um.mmap.mmap(p, 0, 4 * 4096, Mmap.PROT_READ | Mmap.PROT_WRITE, Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS);
        for (int i = 0; i < 4; i++) um.memory.faultIn(p, a + i * 4096L, true);
        MmStruct c = um.mmap.fork(p);
        um.swap.lruAddDrainAll();
        // two passes: the first finds the pages young and clears the accessed bits
        um.vmscan.shrinkNode(0, 32, true);
        um.vmscan.shrinkNode(0, 32, true);
        um.vmscan.shrinkNode(0, 32, true);
        check(um);
        assertEquals(p.counter(MmStruct.MM_SWAPENTS), c.counter(MmStruct.MM_SWAPENTS), "both mms lose the shared pages together");
        assertEquals(0, um.memory.faultIn(c, a, false));
        um.swap.lruAddDrainAll();
        check(um);
    }

    static void check(UserMemory um) {
        List<String> bad = UserMemoryCheck.check(um);
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }
}
