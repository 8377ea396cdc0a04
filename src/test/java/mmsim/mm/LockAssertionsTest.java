package mmsim.mm;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import mmsim.explore.ExplorationResult;
import mmsim.explore.ExploreOptions;
import mmsim.explore.Explorer;
import mmsim.explore.Failure;
import mmsim.explore.Program;
import mmsim.explore.Verdict;
import mmsim.kernel.Kernel;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.linux.VmArea;
import mmsim.mm.linux.Zone;
import mmsim.mm.memory.Memory;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;
import org.junit.jupiter.api.Test;

/**
 * The locking rules the mm files assert (lockdep_assert_held, mmap_assert_locked, the page lock's
 * VM_BUG_ON_FOLIO): model code called without the lock its caller must hold ends the explored
 * execution with the kernel's report as the verdict; the same call with the lock held passes.
 */
class LockAssertionsTest {

    private static final MachineLayout LAYOUT = MachineLayout.parse("one-cpu", """
            arch x86_64
            cpus 1
            ram 0x100000  +63M
            reserve 0x100000 +15M
            """);

    /** The pfn the PTE of {@code addr} maps (read raw, as a checker does). */
    private static long pfnAt(UserMemory um, MmStruct mm, long addr) {
        PgtableAlloc.Loc pmd = um.pgalloc.pmdLoc(mm, addr, false);
        long e = um.tables.peekEntry(pmd.table(), pmd.idx());
        return um.arch.ptePfn(um.tables.peekEntry(um.arch.tableEntryPfn(e), PgtableArch.pteIndex(addr)));
    }

    /** One CPU of a process with an anonymous page at {@code a}, running {@code body(um, mm, a)}. */
    private static Program oneCpu(Body body) {
        return () -> {
            Machine m = Machine.boot(LAYOUT, KernelConfig.mainline());
            UserMemory um = m.userMemory();
            MmStruct mm = um.newProcess("a.out");
            long a = um.mmap.mmap(mm, 0, 4096, Mmap.PROT_READ | Mmap.PROT_WRITE, Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS);
            Kernel k = m.kernel();
            return new Program.Instance() {
                public Kernel kernel() { return k; }
                public int nrCpus() { return 1; }
                public String cpuName(int cpu) { return "CPU A"; }
                public void runCpu(int cpu) { body.run(m, um, mm, a); }
                public Map<String, String> finish() { return Map.of(); }
            };
        };
    }

    private interface Body { void run(Machine m, UserMemory um, MmStruct mm, long a); }

    private static Failure failure(Program p) {
        ExplorationResult r = Explorer.explore(p, ExploreOptions.defaults());
        return r.failure().orElseThrow(() -> new AssertionError("no failure: " + r.summary()));
    }

    @Test
    void handleMmFaultWithoutMmapLockIsALockdepSplat() {
        Failure f = failure(oneCpu((m, um, mm, a) -> {
            VmArea vma = mm.findVmaRaw(a);
            um.memory.handleMmFault(vma, a, mmsim.mm.linux.VmFault.FAULT_FLAG_WRITE);   // do_user_addr_fault took no mmap_lock
        }));
        Verdict v = f.verdict();
        assertEquals(Verdict.Kind.LOCKDEP, v.kind(), f.render());
        assertEquals("WARNING in handle_mm_fault: lockdep_assert_held(&mm->mmap_lock)", v.title());
        String report = v.report();
        assertTrue(report.startsWith("------------[ cut here ]------------\n"
                + "lockdep_assert_held(&mm->mmap_lock)\n"
                + "WARNING: CPU: 0 PID: "), report);
        assertTrue(report.contains(" at handle_mm_fault\n"), report);
        assertTrue(report.contains("Call Trace:\n <TASK>\n handle_mm_fault\n"), report);
        assertTrue(report.endsWith("---[ end trace 0000000000000000 ]---"), report);
    }

    @Test
    void theSameFaultUnderMmapLockPasses() {
        ExplorationResult r = Explorer.explore(oneCpu((m, um, mm, a) -> {
            mm.mmapLock.downRead();
            try {
                assertEquals(0, um.memory.handleMmFault(mm.vmaLookup(a), a, mmsim.mm.linux.VmFault.FAULT_FLAG_WRITE));
            } finally {
                mm.mmapLock.upRead();
            }
        }), ExploreOptions.defaults());
        assertTrue(r.failure().isEmpty(), () -> r.failure().get().render());
    }

    @Test
    void freeingOntoTheFreeListsWithoutZoneLockIsALockdepSplat() {
        Failure f = failure(oneCpu((m, um, mm, a) -> {
            Zone z = m.zones().get(m.zones().size() - 1);
            try (var fr = m.kernel().enter("free_one_page")) {
                m.allocator().freeOnePageLocked(z, z.zoneStartPfn(), 0, 0, 0);   // spin_lock(&zone->lock) forgotten
            }
        }));
        assertEquals(Verdict.Kind.LOCKDEP, f.verdict().kind(), f.render());
        assertEquals("WARNING in free_one_page: lockdep_assert_held(&zone->lock)", f.verdict().title());
    }

    @Test
    void rmapWalkOfAnUnlockedPageIsAVmBug() {
        Failure f = failure(oneCpu((m, um, mm, a) -> {
            assertEquals(0, um.memory.faultIn(mm, a, true));
            long pfn = pfnAt(um, mm, a);
            um.rmap.migration.tryToMigrate(pfn);   // migrate_pages locks the folio first; this caller did not
        }));
        assertEquals(Verdict.Kind.BUG, f.verdict().kind(), f.render());
        assertEquals("kernel BUG in try_to_migrate", f.verdict().title());
        assertTrue(f.verdict().report().contains("page dumped because: VM_BUG_ON_FOLIO(!folio_test_locked(folio))"),
                f.verdict().report());
    }

    @Test
    void irqsDisabledAndLockClassAssertions() {
        Kernel k = new Kernel(1, Kernel.Arch.X86_64, "6.12");
        var e = assertThrows(mmsim.kernel.KernelFault.Lockdep.class, () -> k.lockdep().assertIrqsDisabled(k));
        assertTrue(e.report().contains("lockdep_assert_irqs_disabled()\nWARNING: CPU: 0 PID: "), e.report());
        long flags = k.localIrqSave();
        k.lockdep().assertIrqsDisabled(k);
        k.localIrqRestore(flags);
        var l = new mmsim.kernel.sync.SpinLock(k, mmsim.mm.LockClasses.lookup("ptlock_ptr(ptdesc)"));
        assertThrows(mmsim.kernel.KernelFault.Lockdep.class, () -> k.lockdep().assertHeldClass(k, "&ptlock_ptr(ptdesc)"));
        l.lock();
        k.lockdep().assertHeldClass(k, "&ptlock_ptr(ptdesc)");
        l.unlock();
        assertTrue(k.log().text().contains("lockdep_assert_held(&ptlock_ptr(ptdesc)) (any lock of the class)"),
                "the splat is in dmesg too");
    }
}
