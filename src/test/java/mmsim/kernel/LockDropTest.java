package mmsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import mmsim.explore.ExplorationResult;
import mmsim.explore.ExploreOptions;
import mmsim.explore.Explorer;
import mmsim.explore.Program;
import mmsim.kernel.sync.Mutex;
import mmsim.kernel.sync.RwSem;
import mmsim.kernel.sync.SpinLock;
import mmsim.mm.LockClasses;
import org.junit.jupiter.api.Test;

/** drop-lock=CLASS on the kernel's primitives: what a dropped class still does, and what it no longer does. */
class LockDropTest {
    static final LockClass OBJ_LOCK = LockClass.spinlock("test_obj->lock");
    static final LockClass OTHER_LOCK = LockClass.spinlock("test_other->lock");
    static final LockClass SEM = LockClass.rwsem("test->rwsem");
    static final LockClass MUTEX = LockClass.mutex("test->mutex");

    private static Kernel kernel(LockClass... dropped) {
        Kernel k = new Kernel(2, Kernel.Arch.X86_64, "6.12");
        k.dropLockClasses(Set.of(dropped));
        return k;
    }

    @Test
    void aDroppedLockExcludesNothingAndReadsAsNeverTaken() {
        Kernel k = kernel(OBJ_LOCK, SEM, MUTEX);
        SpinLock l = new SpinLock(k, OBJ_LOCK);
        RwSem sem = new RwSem(k, SEM);
        Mutex m = new Mutex(k, MUTEX);
        l.lock();
        sem.downWrite();
        m.lock();
        assertFalse(l.isLocked(), "a dropped lock never reads as held");
        assertFalse(sem.isLocked());
        assertFalse(m.isLocked());
        assertTrue(k.cpu().heldLocks().isEmpty(), "not in the held locks lockdep prints");
        assertEquals(0, k.cpu().preemptCount(), "spin_lock's preempt_disable is elided with it");
        ((DirectSched) k.sched()).setCurrentCpu(1);
        l.lock();   // would be a hang with the lock real: CPU 0 holds it
        l.assertHeld();   // suppressed: the point is the race, not the assertion naming the lock
        sem.assertHeldWrite();
        m.assertHeld();
        l.unlock();
        l.unlock();   // no bad-unlock report either: releases are elided too
        assertTrue(l.trylock());
    }

    @Test
    void aRealLockBesideADroppedOneKeepsItsChecks() {
        Kernel k = kernel(OBJ_LOCK);
        SpinLock dropped = new SpinLock(k, OBJ_LOCK);
        SpinLock real = new SpinLock(k, OTHER_LOCK);
        dropped.lock();
        real.lock();
        assertEquals(List.of(real), k.cpu().heldLocks());
        real.unlock();
        assertThrows(KernelFault.Lockdep.class, real::assertHeld);
        assertThrows(KernelFault.Lockdep.class, real::unlock);
    }

    @Test
    void theDropSetIsFixedBeforeTheFirstLock() {
        Kernel k = kernel();
        new SpinLock(k, OBJ_LOCK);
        assertThrows(IllegalStateException.class, () -> k.dropLockClasses(Set.of(OBJ_LOCK)));
    }

    @Test
    void aClassHasOneKind() {
        assertThrows(IllegalStateException.class, () -> LockClass.mutex("test_obj->lock"));
        assertThrows(IllegalArgumentException.class, () -> new Mutex(kernel(), OBJ_LOCK));
        assertThrows(IllegalArgumentException.class, () -> LockClass.spinlock("&zone->lock"), "the bare name, as drop-lock= takes it");
    }

    @Test
    void theModelsClassesAreKnownBeforeAnyMachineBoots() {
        // declared as static keys where the model makes its locks; LockClasses loads them all
        for (String c : List.of("zone->lock", "pcp->lock", "device_hotplug_lock", "mem_hotplug_lock", "mm->mmap_lock",
                "ptlock_ptr(ptdesc)", "anon_vma->rwsem", "rcu_read_lock", "synchronize_rcu", "local_irq_disable")) {
            assertTrue(LockClasses.all().containsKey(c), c + " in " + LockClasses.all().keySet());
        }
    }

    // ---- explored: a lock that closes a race, and the race once it is dropped ------------------

    /** What two CPUs of a test world run, and its end-of-execution check. */
    interface World {
        void run(int cpu);

        default void finish() { }
    }

    /** A two-CPU program whose kernel drops {@code dropped}; {@code make} builds each execution's world. */
    private static Program twoCpus(Set<LockClass> dropped, java.util.function.Function<Kernel, World> make) {
        return () -> {
            Kernel k = new Kernel(2, Kernel.Arch.X86_64, "6.12");
            k.dropLockClasses(dropped);
            World w = make.apply(k);
            return new Program.Instance() {
                public Kernel kernel() { return k; }
                public int nrCpus() { return 2; }
                public String cpuName(int cpu) { return "CPU " + cpu; }
                public void runCpu(int cpu) { w.run(cpu); }
                public Map<String, String> finish() {
                    w.finish();
                    return Map.of();
                }
            };
        };
    }

    /** Two CPUs increment a counter under a lock, with a point between read and write. */
    private static Program counter(Set<LockClass> dropped) {
        return twoCpus(dropped, k -> new World() {
            final SpinLock lock = new SpinLock(k, OBJ_LOCK);
            int count;

            public void run(int cpu) {
                try (var _ = k.enter("inc")) {
                    lock.lock();
                    k.point("inc:read", this, Access.READ);
                    int v = count;
                    k.point("inc:write", this, Access.WRITE);
                    count = v + 1;
                    lock.unlock();
                }
            }

            public void finish() {
                if (count != 2) throw k.bug("test", 1, "lost update: " + count);
            }
        });
    }

    @Test
    void droppingTheLockOpensTheRaceItCloses() {
        ExplorationResult held = Explorer.explore(counter(Set.of()), ExploreOptions.defaults().preemptionBound(2));
        assertTrue(held.exhausted() && held.failure().isEmpty(), "with the lock the counter is exact");
        ExplorationResult dropped = Explorer.explore(counter(Set.of(OBJ_LOCK)), ExploreOptions.defaults().preemptionBound(2));
        assertTrue(dropped.failure().isPresent(), "without it an update is lost");
        String trace = dropped.failure().get().trace().render();
        assertTrue(trace.contains("spin_lock(&test_obj->lock) (dropped)"), trace);
    }

    // ---- RCU and IRQs -------------------------------------------------------------------------

    /** CPU 0 reads an object in an RCU read section; CPU 1 unpublishes it, waits a grace period and frees it. */
    private static Program rcu(Set<LockClass> dropped) {
        return twoCpus(dropped, k -> new World() {
            boolean published = true, freed;

            public void run(int cpu) {
                if (cpu == 0) {
                    try (var _ = k.enter("reader")) {
                        k.rcuReadLock();
                        k.point("reader:rcu_dereference", this, Access.READ);
                        boolean seen = published;
                        k.point("reader:use", this, Access.READ);
                        if (seen && freed) throw k.kasanUseAfterFree(0x1000, 8, false, "reader", "");
                        if (!k.rcuReadLockHeld()) throw k.bug("test", 2, "rcu_read_lock_held() false inside the section");
                        k.rcuReadUnlock();
                    }
                } else {
                    try (var _ = k.enter("updater")) {
                        k.point("updater:unpublish", this, Access.WRITE);
                        published = false;
                        k.synchronizeRcu();
                        k.point("updater:kfree", this, Access.WRITE);
                        freed = true;
                    }
                }
            }
        });
    }

    @Test
    void droppingEitherHalfOfRcuFreesUnderTheReader() {
        ExploreOptions o = ExploreOptions.defaults().preemptionBound(2);
        assertTrue(Explorer.explore(rcu(Set.of()), o).failure().isEmpty(), "reader and grace period together hold");
        for (LockClass c : List.of(LockClass.RCU_READ_LOCK, LockClass.SYNCHRONIZE_RCU)) {
            var f = Explorer.explore(rcu(Set.of(c)), o).failure();
            assertTrue(f.isPresent(), "without " + c + " the object is freed under the reader");
            assertEquals("kasan", String.valueOf(f.get().verdict().kind()), c.name());
        }
    }

    /** CPU 0 walks a table with IRQs off (GUP-fast); CPU 1 unlinks it, sends a waited-for IPI, then frees it. */
    private static Program ipi(Set<LockClass> dropped) {
        return twoCpus(dropped, k -> new World() {
            boolean linked = true, freed;

            public void run(int cpu) {
                if (cpu == 0) {
                    try (var _ = k.enter("walker")) {
                        long flags = k.localIrqSave();
                        k.point("walker:read pmd", this, Access.READ);
                        if (linked) {
                            k.point("walker:read pte", this, Access.READ);
                            if (freed) throw k.kasanUseAfterFree(0x2000, 8, false, "walker", "");
                        }
                        k.localIrqRestore(flags);
                    }
                } else {
                    try (var _ = k.enter("freer")) {
                        k.point("freer:pmd_clear", this, Access.WRITE);
                        linked = false;
                        k.smpCallFunctionMany(1L, () -> { }, true);
                        k.point("freer:free table", this, Access.WRITE);
                        freed = true;
                    }
                }
            }
        });
    }

    @Test
    void droppingIrqDisableLetsTheFreeInsideTheWalk() {
        ExploreOptions o = ExploreOptions.defaults().preemptionBound(2);
        assertTrue(Explorer.explore(ipi(Set.of()), o).failure().isEmpty(), "the IPI waits for the walk to end");
        var f = Explorer.explore(ipi(Set.of(LockClass.LOCAL_IRQ_DISABLE)), o).failure();
        assertTrue(f.isPresent(), "IRQs never go off: the IPI is taken at once and the table freed under the walk");
        assertTrue(f.get().trace().render().contains("local_irq_save (dropped)"), f.get().trace().render());
    }
}
