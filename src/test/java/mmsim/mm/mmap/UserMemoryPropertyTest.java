package mmsim.mm.mmap;

import mmsim.mm.linux.VmEvent;

import mmsim.mm.linux.MmStruct;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.pgtable.PgtableArch;

/**
 * Random sequences of what processes and the kernel do to user memory (private and shared mmap, read and write
 * faults, fork, exit, munmap, madvise DONTNEED/PAGEOUT, kswapd passes, page migration, GUP
 * references taken and dropped) keep the whole model consistent after every step:
 * {@link ModelCheck#check} (buddy lists and page states, and the user-memory part: refcount =
 * PTEs + swap cache + LRU batches + GUP + isolation, _mapcount = PTEs, LRU lists = PG_lru,
 * rss, swap slots, page tables reachable only from live mms) finds nothing, in both eras.
 */
class UserMemoryPropertyTest {
    enum Kind { MMAP, MMAP_SHARED, MUNMAP, READ, WRITE, FORK, EXIT, DONTNEED, PAGEOUT, KSWAPD, MIGRATE, GUP, UNPIN }

    /** One step: what, in which process (index into the live ones), at which page of the window, how many pages. */
    static final long BASE = 0x10000000L;
    /** The pages steps act on: a small window, so that steps meet each other's pages. */
    static final int WINDOW = 24;

    @Provide
    Arbitrary<List<RandomUserSteps.Step<Kind>>> programs() {
        // faults are what the other steps act on: they come most often
        Arbitrary<Kind> kind = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.just(Kind.WRITE)), net.jqwik.api.Tuple.of(4, Arbitraries.just(Kind.READ)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Kind.FORK)), net.jqwik.api.Tuple.of(2, Arbitraries.just(Kind.PAGEOUT)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Kind.KSWAPD)), net.jqwik.api.Tuple.of(3, Arbitraries.just(Kind.MIGRATE)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(Kind.MMAP, Kind.MMAP_SHARED, Kind.MUNMAP, Kind.EXIT, Kind.DONTNEED, Kind.GUP, Kind.UNPIN)));
        return RandomUserSteps.programs(kind, Arbitraries.integers().between(0, WINDOW - 1), 6);
    }

    @Property(tries = 60)
    void everyStepKeepsTheModelConsistent(@ForAll("programs") List<RandomUserSteps.Step<Kind>> steps, @ForAll boolean oldEra) {
        Machine m = Machine.boot(MachineLayout.small(), oldEra ? KernelConfig.v4_6() : KernelConfig.mainline());
        UserMemory um = m.userMemory();
        um.zeroPage();
        List<MmStruct> procs = new ArrayList<>();
        procs.add(um.newProcess("prop"));
        // the window starts as private anonymous memory, its upper half shared anonymous memory
        long half = WINDOW / 2 * PgtableArch.PAGE_SIZE;
        assertEquals(BASE, um.mmap.mmap(procs.get(0), BASE, half, Mmap.PROT_READ | Mmap.PROT_WRITE,
                Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS | Mmap.MAP_FIXED));
        assertEquals(BASE + half, um.mmap.mmap(procs.get(0), BASE + half, half, Mmap.PROT_READ | Mmap.PROT_WRITE,
                Mmap.MAP_SHARED | Mmap.MAP_ANONYMOUS | Mmap.MAP_FIXED));
        List<Long> pinned = new ArrayList<>();
        int n = 0;
        for (RandomUserSteps.Step<Kind> s : steps) {
            n++;
            MmStruct mm = procs.get(s.proc() % procs.size());
            long addr = BASE + (long) s.page() * PgtableArch.PAGE_SIZE;
            long len = (long) Math.min(s.pages(), WINDOW - s.page()) * PgtableArch.PAGE_SIZE;
            switch (s.kind()) {
                case MMAP -> assertEquals(addr, um.mmap.mmap(mm, addr, len, Mmap.PROT_READ | Mmap.PROT_WRITE,
                        Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS | Mmap.MAP_FIXED));
                case MMAP_SHARED -> assertEquals(addr, um.mmap.mmap(mm, addr, len, Mmap.PROT_READ | Mmap.PROT_WRITE,
                        Mmap.MAP_SHARED | Mmap.MAP_ANONYMOUS | Mmap.MAP_FIXED));
                case MUNMAP -> assertEquals(0, um.mmap.munmap(mm, addr, len));
                case READ, WRITE -> {
                    int r = um.memory.faultIn(mm, addr, s.kind() == Kind.WRITE);
                    assertEquals(mm.vmaLookupRaw(addr) == null ? mmsim.kernel.Errno.EFAULT.neg() : 0, r, s.toString());
                }
                case FORK -> { if (procs.size() < 4) procs.add(um.mmap.fork(mm)); }
                case EXIT -> {
                    if (procs.size() > 1) {
                        um.mmap.exit(mm);
                        procs.remove(mm);
                    }
                }
                case DONTNEED, PAGEOUT -> {
                    int r = um.mmap.madvise(mm, addr, len, s.kind() == Kind.DONTNEED ? Mmap.MADV_DONTNEED : Mmap.MADV_PAGEOUT);
                    assertTrue(r == 0 || r == mmsim.kernel.Errno.ENOMEM.neg(), s + " -> " + r);
                }
                case KSWAPD -> um.vmscan.shrinkNode(0, 8, true);
                case MIGRATE -> migrate(um, mm, addr);
                case GUP -> {
                    long[] out = new long[1];
                    if (um.gup.getUserPagesFast(mm, addr, 1, false, out) == 1) pinned.add(out[0]);
                }
                case UNPIN -> { if (!pinned.isEmpty()) um.gup.putUserPage(pinned.remove(s.page() % pinned.size())); }
            }
            List<String> bad = ModelCheck.check(m).stream().map(ModelCheck.Problem::text).toList();
            int at = n;
            assertTrue(bad.isEmpty(), () -> "after step " + at + " " + s + " of " + steps + ":\n  " + String.join("\n  ", bad));
        }
        net.jqwik.api.statistics.Statistics.label("migrated").collect(um.event(VmEvent.PGMIGRATE_SUCCESS) > 0);
        net.jqwik.api.statistics.Statistics.label("swapped out").collect(um.event(VmEvent.PSWPOUT) > 0);
        net.jqwik.api.statistics.Statistics.label("shmem pages").collect(um.event(VmEvent.NR_SHMEM) > 0);
        net.jqwik.api.statistics.Statistics.label("copied on write").collect(um.event(VmEvent.COW_FAULT) > 0);
        for (long p : pinned) um.gup.putUserPage(p);
        for (MmStruct mm : procs) um.mmap.exit(mm);
        um.swap.lruAddDrainAll();
        List<String> bad = ModelCheck.check(m).stream().map(ModelCheck.Problem::text).toList();
        assertTrue(bad.isEmpty(), () -> "after every process exited:\n  " + String.join("\n  ", bad));
        assertEquals(0, um.tables.liveTables(), "every page table is freed once every process exited");
        assertEquals(0, um.swapState.inuse(), "every swap slot is free once every process exited");
        assertEquals(0, um.shmem.files().size(), "every shmem inode is evicted once every process exited");
    }

    /** Migrates the first page mapped at or after addr in the window (if any), as memory offlining would. */
    private static void migrate(UserMemory um, MmStruct mm, long addr) {
        for (long a = addr; a < BASE + WINDOW * PgtableArch.PAGE_SIZE; a += PgtableArch.PAGE_SIZE) {
            if (RandomUserSteps.folioAt(um, mm, a) >= 0) {
                RandomUserSteps.migrate(um, mm, a);
                return;
            }
        }
    }
}
