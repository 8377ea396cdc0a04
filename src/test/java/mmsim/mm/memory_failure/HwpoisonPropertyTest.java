package mmsim.mm.memory_failure;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import mmsim.kernel.Errno;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.linux.Gfp;
import mmsim.mm.pgtable.PgtableArch;

/**
 * Random sequences of soft offline (madvise and by pfn, in-use and free pages), hard offline
 * (madvise MADV_HWPOISON and by pfn), unpoison, kernel allocations and frees of order 0 and 9,
 * user faults and munmap keep the whole model consistent after every step - no page lost, no
 * list or counter wrong - and HardwareCorrupted (num_poisoned_pages) equal to the pages carrying
 * PG_hwpoison. On the kernels where poisoned pages leave the buddy allocator (v5.10 and today);
 * the 2016 generations lose blocks by design (scenario 002c), which the same steps show.
 */
class HwpoisonPropertyTest {
    enum Kind { WRITE, TOUCH, MUNMAP, SOFT_MADV, HARD_MADV, SOFT_PFN, HARD_PFN, UNPOISON, ALLOC, FREE }

    record Step(Kind kind, int page, int pick, boolean big) { }

    static final long BASE = 0x10000000L;
    static final int WINDOW = 16;

    @Provide
    Arbitrary<List<Step>> programs() {
        Arbitrary<Kind> kind = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just(Kind.WRITE)), Tuple.of(3, Arbitraries.just(Kind.SOFT_MADV)),
                Tuple.of(3, Arbitraries.just(Kind.SOFT_PFN)), Tuple.of(3, Arbitraries.just(Kind.UNPOISON)),
                Tuple.of(3, Arbitraries.just(Kind.ALLOC)), Tuple.of(2, Arbitraries.just(Kind.FREE)),
                Tuple.of(2, Arbitraries.just(Kind.HARD_MADV)), Tuple.of(2, Arbitraries.just(Kind.HARD_PFN)),
                Tuple.of(2, Arbitraries.just(Kind.TOUCH)), Tuple.of(1, Arbitraries.just(Kind.MUNMAP)));
        return Combinators.combine(kind, Arbitraries.integers().between(0, WINDOW - 1), Arbitraries.integers().between(0, 1000),
                Arbitraries.of(false, false, false, true)).as(Step::new).list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 60)
    void poisonedPagesStayAccountedAndNothingLeaks(@ForAll("programs") List<Step> steps, @ForAll boolean v510) {
        KernelConfig c = KernelConfig.mainline();
        if (v510) c = c.with(MemoryFailure.NO_MF_MUTEX);
        Machine m = Machine.boot(MachineLayout.small(), c);
        UserMemory um = m.userMemory();
        MemoryFailure mf = m.memoryFailure();
        um.zeroPage();
        MmStruct mm = um.newProcess("prop");
        long half = WINDOW / 2 * PgtableArch.PAGE_SIZE;
        int rw = Mmap.PROT_READ | Mmap.PROT_WRITE;
        assertEquals(BASE, um.mmap.mmap(mm, BASE, half, rw, Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS | Mmap.MAP_FIXED));
        assertEquals(BASE + half, um.mmap.mmap(mm, BASE + half, half, rw, Mmap.MAP_SHARED | Mmap.MAP_ANONYMOUS | Mmap.MAP_FIXED));
        TreeSet<Long> seen = new TreeSet<>();       // pfns the steps met: targets for pfn offline
        // pfns an offline reported handled (0): unpoison's targets. Unpoison of a page memory_failure
        // only flagged ("Ignored": a kernel page it holds no pin on) drops its owner's reference, in
        // the kernel as here - unpoison is a testing aid for pages it poisoned and pinned.
        TreeSet<Long> recovered = new TreeSet<>();
        List<long[]> kernelBlocks = new ArrayList<>();   // {pfn, order}
        int n = 0;
        for (Step s : steps) {
            n++;
            long addr = BASE + (long) s.page() * PgtableArch.PAGE_SIZE;
            switch (s.kind()) {
                case WRITE, TOUCH -> {
                    int r = um.memory.faultIn(mm, addr, s.kind() == Kind.WRITE);
                    assertTrue(r == 0 || r == Errno.EHWPOISON.neg() || r == Errno.EFAULT.neg(), "fault: " + r);
                    long[] pfn = new long[1];
                    if (um.gup.getUserPagesFast(mm, addr, 1, false, pfn) == 1) { seen.add(pfn[0]); um.gup.putUserPage(pfn[0]); }
                }
                case MUNMAP -> assertEquals(0, um.mmap.munmap(mm, addr, PgtableArch.PAGE_SIZE));
                case SOFT_MADV, HARD_MADV -> {
                    long[] was = new long[1];
                    boolean mapped = um.gup.getUserPagesFast(mm, addr, 1, false, was) == 1;
                    if (mapped) um.gup.putUserPage(was[0]);
                    int r = um.mmap.madvise(mm, addr, PgtableArch.PAGE_SIZE, s.kind() == Kind.SOFT_MADV ? Mmap.MADV_SOFT_OFFLINE : Mmap.MADV_HWPOISON);
                    assertTrue(r == 0 || r == Errno.EFAULT.neg() || r == Errno.EBUSY.neg() || r == Errno.EHWPOISON.neg() || r == Errno.EIO.neg(),
                            "madvise: " + r);
                    if (r == 0 && mapped && m.memmap().testBit(was[0], mmsim.mm.linux.PageFlag.HWPOISON)) recovered.add(was[0]);
                }
                case SOFT_PFN, HARD_PFN -> {
                    long pfn = pick(seen, kernelBlocks, s.pick(), m);
                    // soft_offline_page of a page already poisoned returns 0 ("page already
                    // poisoned") without taking it: not a recovery unpoison may undo
                    boolean poisonedBefore = m.memmap().testBit(pfn, mmsim.mm.linux.PageFlag.HWPOISON);
                    int r = s.kind() == Kind.SOFT_PFN ? mf.softOffline().softOfflinePage(pfn, 0)
                            : mf.memoryFailure(pfn, MemoryFailure.MF_SW_SIMULATED);
                    assertTrue(r <= 0, "offline: " + r);
                    seen.add(pfn);
                    if (r == 0 && !poisonedBefore && m.memmap().testBit(pfn, mmsim.mm.linux.PageFlag.HWPOISON)) recovered.add(pfn);
                }
                case UNPOISON -> {
                    long pfn = recovered.isEmpty() ? pick(seen, kernelBlocks, s.pick(), m)
                            : recovered.stream().skip(s.pick() % recovered.size()).findFirst().orElseThrow();
                    if (recovered.isEmpty() && m.memmap().testBit(pfn, mmsim.mm.linux.PageFlag.HWPOISON)) continue;
                    recovered.remove(pfn);
                    int r = mf.unpoisonMemory(pfn);
                    assertTrue(r == 0 || r == Errno.EBUSY.neg(), "unpoison: " + r);
                }
                case ALLOC -> {
                    int order = s.big() ? 9 : 0;
                    long pfn = m.allocator().allocPages(Gfp.GFP_KERNEL, order);
                    if (pfn >= 0) { kernelBlocks.add(new long[] {pfn, order}); seen.add(pfn); }
                }
                case FREE -> {
                    if (!kernelBlocks.isEmpty()) {
                        long[] b = kernelBlocks.remove(s.pick() % kernelBlocks.size());
                        // a high-order block with a poisoned page goes back to the buddy lists whole
                        // (free_pages_prepare diverts only order-0 hwpoison pages) and the next
                        // allocation of it fails check_new_pages and leaks it: the kernel's leak that
                        // scenario 002c explores, not one this property looks for
                        boolean poisoned = false;
                        for (long p = b[0]; p < b[0] + (1L << b[1]); p++) poisoned |= m.memmap().testBit(p, mmsim.mm.linux.PageFlag.HWPOISON);
                        if (b[1] > 0 && poisoned) kernelBlocks.add(b);
                        else m.allocator().freePages(b[0], (int) b[1]);
                    }
                }
            }
            List<ModelCheck.Problem> problems = ModelCheck.check(m);
            assertTrue(problems.isEmpty(), "after step " + n + " " + s + ":\n" + problems.subList(0, Math.min(10, problems.size())).toString());
            assertEquals(MemoryFailure.countPoisonedPages(m.memmap(), m.sparse()), mf.numPoisonedPages(), "after step " + n + " " + s + ": HardwareCorrupted");
        }
    }

    /** A pfn the steps met (user pages, kernel blocks, pages offlined before), or a page of the free memory. */
    private static long pick(TreeSet<Long> seen, List<long[]> blocks, int pick, Machine m) {
        if (pick % 4 != 0 && !seen.isEmpty()) return seen.stream().skip(pick % seen.size()).findFirst().orElseThrow();
        return (m.layout().bootMemEnd() >>> 12) - 1 - pick;   // the top of RAM: free at boot
    }
}
