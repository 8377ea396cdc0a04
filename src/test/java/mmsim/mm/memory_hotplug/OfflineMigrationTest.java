package mmsim.mm.memory_hotplug;

import mmsim.mm.memory_block.MemoryBlock;
import mmsim.mm.memory_block.MemoryBlocks;

import mmsim.kernel.Errno;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.mmap.UserMemory;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** offline_pages migrates the user pages out of the block (do_migrate_range, MR_MEMORY_HOTPLUG). */
class OfflineMigrationTest {
    static final long HP_PFN = 0x20000000L >>> 12, PAGES = 32768;
    static final int N = 16;

    record Setup(Machine m, MemoryHotplug hp, UserMemory um, MmStruct mm, long addr) {
        long[] pfns() {
            long[] out = new long[N];
            assertEquals(N, um.gup.getUserPagesFast(mm, addr, N, false, out));
            for (long p : out) um.gup.putUserPage(p);
            return out;
        }
    }

    static Setup setup(KernelConfig c) {
        Machine m = Machine.boot(MachineLayout.small(), c);
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        UserMemory um = m.userMemory();
        MmStruct mm = um.newProcess("a.out");
        long a = um.mmap.mmap(mm, 0, N * 4096L, Mmap.PROT_READ | Mmap.PROT_WRITE, Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS);
        // the first fault allocates the page tables (GFP_KERNEL) before the block is online: in
        // v4.6 the block joins ZONE_NORMAL, and a page table there would make it unremovable (-EBUSY)
        assertEquals(0, um.memory.faultIn(mm, a, true));
        assertEquals(0, blocks.stateStore(blocks.block(4), c.era() == KernelConfig.Era.V4_6 ? "online" : "online_movable"));
        for (int i = 1; i < N; i++) assertEquals(0, um.memory.faultIn(mm, a + i * 4096L, true));
        return new Setup(m, hp, um, mm, a);
    }

    static long inBlock(long[] pfns) {
        long n = 0;
        for (long p : pfns) if (p >= HP_PFN && p < HP_PFN + PAGES) n++;
        return n;
    }

    @Test
    void userPagesMoveOutAndTheOfflineSucceeds() {
        for (KernelConfig c : List.of(KernelConfig.mainline(), KernelConfig.v4_6())) {
            Setup s = setup(c);
            assertTrue(inBlock(s.pfns()) > 0, "the new movable memory serves the faults");
            assertEquals(0, s.m().memoryBlocks().stateStore(s.m().memoryBlocks().block(4), "offline"), c.era().toString());
            assertEquals(0, inBlock(s.pfns()), "every page migrated out");
            s.um.swap.lruAddDrainAll();
            assertEquals(List.of(), ModelCheck.check(s.m));
        }
    }

    @Test
    void aPinnedPageKeepsTheOfflineLoopingUntilTheSignal() {
        Setup s = setup(KernelConfig.mainline());
        long[] pins = new long[N];
        assertEquals(N, s.um.gup.getUserPagesFast(s.mm, s.addr, N, false, pins));
        int log = s.m.kernel().log().size();
        assertEquals(Errno.EINTR.neg(), s.m().memoryBlocks().stateStore(s.m().memoryBlocks().block(4), "offline"), "the kernel retries until a signal (signal backoff)");
        List<String> lines = s.m.kernel().log().linesFrom(log);
        assertEquals(10, lines.stream().filter(l -> l.matches("migrating pfn [0-9a-f]+ failed ret:\\d+")).count(), "ratelimited to a burst of 10");
        assertTrue(lines.stream().anyMatch(l -> l.contains("page dumped because: migration failure")), String.join("\n", lines));
        assertEquals(MemoryBlock.MEM_ONLINE, s.m().memoryBlocks().block(4).state());
        for (long p : pins) s.um.gup.putUserPage(p);
        s.um.swap.lruAddDrainAll();
        assertEquals(List.of(), ModelCheck.check(s.m));
        assertEquals(0, s.m().memoryBlocks().stateStore(s.m().memoryBlocks().block(4), "offline"));
        s.um.swap.lruAddDrainAll();
        assertEquals(List.of(), ModelCheck.check(s.m));
    }
}
