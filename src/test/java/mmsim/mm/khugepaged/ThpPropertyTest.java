package mmsim.mm.khugepaged;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import mmsim.mm.Machine;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.huge_memory.ThpSettings;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.linux.VmEvent;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.mmap.RandomUserSteps;
import mmsim.mm.pgtable.PgtableArch;

/**
 * Random sequences of faults, madvise (HUGEPAGE, NOHUGEPAGE, DONTNEED, PAGEOUT, COLLAPSE), khugepaged
 * passes, THP faults and PMD splits (partial munmap and DONTNEED, COW after fork), THP splits
 * (split_huge_page, the deferred split shrinker, reclaim and migration splitting a THP), fork,
 * exit, kswapd and GUP references over a 2-PMD window keep the whole model consistent
 * after every step: ModelCheck (buddy state, and user memory: refcount = PTEs + PMDs + caches +
 * batches + GUP + isolation, _mapcount per page, _entire_mapcount per THP, nr_anon_pages,
 * nr_anon_transparent_hugepages, rss, deposited tables live and reachable) finds nothing.
 */
class ThpPropertyTest {
    enum Kind { WRITE, READ, FORK, EXIT, DONTNEED, PAGEOUT, MUNMAP, HUGEPAGE, NOHUGEPAGE, KHUGEPAGED, COLLAPSE, KSWAPD, MIGRATE, GUP, UNPIN,
        SPLIT, DEFERRED_SPLIT }

    static final long BASE = 0x40000000L;
    static final int WINDOW = 2 * PgtableArch.HPAGE_PMD_NR;

    @Provide
    Arbitrary<List<RandomUserSteps.Step<Kind>>> programs() {
        Arbitrary<Kind> kind = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.just(Kind.WRITE)), Tuple.of(3, Arbitraries.just(Kind.READ)),
                Tuple.of(5, Arbitraries.just(Kind.KHUGEPAGED)), Tuple.of(2, Arbitraries.just(Kind.FORK)),
                Tuple.of(3, Arbitraries.just(Kind.HUGEPAGE)), Tuple.of(1, Arbitraries.just(Kind.NOHUGEPAGE)),
                Tuple.of(2, Arbitraries.of(Kind.DONTNEED, Kind.MUNMAP)), Tuple.of(2, Arbitraries.just(Kind.KSWAPD)),
                Tuple.of(2, Arbitraries.of(Kind.MIGRATE, Kind.SPLIT, Kind.DEFERRED_SPLIT, Kind.PAGEOUT)),
                Tuple.of(1, Arbitraries.of(Kind.EXIT, Kind.GUP, Kind.UNPIN, Kind.COLLAPSE)));
        // pages cluster at the starts of the two PMD ranges so that khugepaged finds ranges worth collapsing
        Arbitrary<Integer> page = Arbitraries.integers().between(0, 1).flatMap(h -> Arbitraries.integers().between(0, 40).map(p -> h * 512 + p));
        return RandomUserSteps.programs(kind, page, 40);
    }

    @Property(tries = 80)
    void everyStepKeepsTheModelConsistent(@ForAll("programs") List<RandomUserSteps.Step<Kind>> steps, @ForAll boolean zeroPage) {
        Machine m = Machine.boot();
        UserMemory um = m.userMemory();
        Khugepaged kh = m.khugepaged();
        um.zeroPage();
        um.hugeMemory.settings.enabled = ThpSettings.Enabled.MADVISE;
        um.hugeMemory.settings.useZeroPage = zeroPage;
        List<MmStruct> procs = new ArrayList<>();
        procs.add(um.newProcess("thp"));
        assertEquals(BASE, um.mmap.mmap(procs.get(0), BASE, WINDOW * PgtableArch.PAGE_SIZE, Mmap.PROT_READ | Mmap.PROT_WRITE,
                Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS | Mmap.MAP_FIXED));
        List<Long> pinned = new ArrayList<>();
        int n = 0;
        for (RandomUserSteps.Step<Kind> s : steps) {
            n++;
            MmStruct mm = procs.get(s.proc() % procs.size());
            long addr = BASE + (long) s.page() * PgtableArch.PAGE_SIZE;
            long len = (long) Math.min(s.pages(), WINDOW - s.page()) * PgtableArch.PAGE_SIZE;
            switch (s.kind()) {
                case WRITE, READ -> {
                    int r = um.memory.faultIn(mm, addr, s.kind() == Kind.WRITE);
                    assertEquals(mm.vmaLookupRaw(addr) == null ? mmsim.kernel.Errno.EFAULT.neg() : 0, r, s.toString());
                }
                case FORK -> { if (procs.size() < 3) procs.add(um.mmap.fork(mm)); }
                case EXIT -> { if (procs.size() > 1) { um.mmap.exit(mm); procs.remove(mm); } }
                case DONTNEED, PAGEOUT -> {
                    int r = um.mmap.madvise(mm, addr, len, s.kind() == Kind.DONTNEED ? Mmap.MADV_DONTNEED : Mmap.MADV_PAGEOUT);
                    assertTrue(r == 0 || r == mmsim.kernel.Errno.ENOMEM.neg(), s + " -> " + r);
                }
                case MUNMAP -> assertEquals(0, um.mmap.munmap(mm, addr, len));
                case HUGEPAGE, NOHUGEPAGE -> {
                    // HUGEPAGE on the whole window (a VMA cut inside a PMD range cannot hold a THP); NOHUGEPAGE on a part
                    long at = s.kind() == Kind.HUGEPAGE ? BASE : addr, l = s.kind() == Kind.HUGEPAGE ? WINDOW * PgtableArch.PAGE_SIZE : len;
                    int r = um.mmap.madvise(mm, at, l, s.kind() == Kind.HUGEPAGE ? Mmap.MADV_HUGEPAGE : Mmap.MADV_NOHUGEPAGE);
                    assertTrue(r == 0 || r == mmsim.kernel.Errno.ENOMEM.neg(), s + " -> " + r);
                }
                case KHUGEPAGED -> kh.scanPass();
                case KSWAPD -> um.vmscan.shrinkNode(0, 16, true);
                case MIGRATE -> RandomUserSteps.migrate(um, mm, addr);
                case COLLAPSE -> {
                    int r = um.mmap.madvise(mm, addr & PgtableArch.PMD_MASK, PgtableArch.PMD_SIZE, Mmap.MADV_COLLAPSE);
                    assertTrue(r <= 0, s + " -> " + r);
                }
                case SPLIT -> split(um, mm, addr);
                case DEFERRED_SPLIT -> um.splitHugePage.deferredSplitScan(s.pages());
                case GUP -> {
                    long[] out = new long[1];
                    if (um.gup.getUserPagesFast(mm, addr, 1, (s.pages() & 1) == 0, out) == 1) pinned.add(out[0]);
                }
                case UNPIN -> { if (!pinned.isEmpty()) um.gup.putUserPage(pinned.remove(s.page() % pinned.size())); }
            }
            List<String> bad = ModelCheck.check(m).stream().map(ModelCheck.Problem::text).toList();
            int at = n;
            assertTrue(bad.isEmpty(), () -> "after step " + at + " " + s + " of " + steps + ":\n  " + String.join("\n  ", bad.subList(0, Math.min(10, bad.size()))));
        }
        net.jqwik.api.statistics.Statistics.label("collapsed").collect(kh.settings.pagesCollapsed > 0);
        net.jqwik.api.statistics.Statistics.label("split").collect(um.event(VmEvent.THP_SPLIT_PMD) > 0);
        net.jqwik.api.statistics.Statistics.label("THP split").collect(um.event(VmEvent.THP_SPLIT_PAGE) > 0);
        net.jqwik.api.statistics.Statistics.label("THP split failed").collect(um.event(VmEvent.THP_SPLIT_PAGE_FAILED) > 0);
        for (long p : pinned) um.gup.putUserPage(p);
        for (MmStruct mm : procs) um.mmap.exit(mm);
        um.swap.lruAddDrainAll();
        List<String> bad = ModelCheck.check(m).stream().map(ModelCheck.Problem::text).toList();
        assertTrue(bad.isEmpty(), () -> "after every process exited:\n  " + String.join("\n  ", bad));
        assertEquals(0, um.tables.liveTables(), "every page table, deposited ones included, is freed once every process exited");
    }

    /** split_huge_pages_pid()'s work on one address (debugfs split_huge_pages): lock the THP mapped there and split it. */
    private static void split(UserMemory um, MmStruct mm, long addr) {
        long head = RandomUserSteps.folioAt(um, mm, addr);
        if (head < 0 || um.pages.compoundOrder(head) == 0) return;
        um.getPage(head);
        if (um.trylockPage(head)) {
            int r = um.splitHugePage.splitHugePage(head, null);
            assertTrue(r == 0 || r == mmsim.kernel.Errno.EAGAIN.neg(), "split -> " + r);
            um.unlockPage(head);
        }
        um.putPage(head);
    }
}
