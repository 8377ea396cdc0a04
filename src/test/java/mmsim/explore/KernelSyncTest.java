package mmsim.explore;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import mmsim.kernel.Access;
import mmsim.kernel.DirectSched;
import mmsim.kernel.Kernel;
import mmsim.kernel.KernelFault;
import mmsim.kernel.sync.Mutex;
import mmsim.kernel.sync.RwSem;
import mmsim.kernel.sync.SeqCount;
import mmsim.kernel.sync.SpinLock;
import org.junit.jupiter.api.Test;

/** Kernel semantics of the synchronisation primitives, explored, plus the DirectSched smoke test. */
class KernelSyncTest {

    @Test
    void directSchedRunsKernelCodeOutsideExploration() {
        Kernel k = new Kernel(2, Kernel.Arch.X86_64, "6.12");
        assertFalse(k.sched().exploring());
        SpinLock l = new SpinLock(k, mmsim.kernel.LockClass.spinlock("l"));
        l.lock();
        assertTrue(l.isLocked());
        l.assertHeld();
        ((DirectSched) k.sched()).setCurrentCpu(1);
        assertThrows(KernelFault.Hang.class, l::lock, "a wait nobody can end is a hang outside the explorer");
        ((DirectSched) k.sched()).setCurrentCpu(0);
        l.unlock();
        int[] ran = new int[1];
        k.smpCallFunctionMany(k.cpuOnlineMask(), () -> ran[0] += 1 + k.smpProcessorId(), true);
        assertEquals(2, ran[0], "the IPI ran on CPU 1 (not on the sender)");
        k.synchronizeRcu();
        Mutex m = new Mutex(k, mmsim.kernel.LockClass.mutex("m"));
        l.lock();
        assertThrows(KernelFault.SleepInAtomic.class, m::lock);
    }

    private record LockWorld(Kernel k, SpinLock l) { }

    /** CPU A takes a spinlock around a write; CPU B does the same, or reads what the lock guards without it. */
    private static Program twoLockers(boolean guardedReader) {
        Object data = "zone->free_area";
        return Races.program(2, k -> new LockWorld(k, new SpinLock(k, mmsim.kernel.LockClass.spinlock("l"), data)),
                new String[] {"locker", guardedReader ? "reader" : "locker"},
                (w, cpu) -> {
                    Kernel k = w.k();
                    SpinLock l = w.l();
                    if (cpu == 1 && guardedReader) {
                        k.point("reader:READ_ONCE(data)", data, Access.READ);
                        return;
                    }
                    l.lock();
                    k.point("locker:write", "locker:private " + cpu, Access.WRITE);
                    l.unlock();
                }, w -> Map.of());
    }

    /**
     * A CPU that reaches spin_lock() while another holds the lock is not runnable until the
     * release: finding the lock taken is no step of its own, so no schedule can run it there.
     */
    @Test
    void aCpuFindingTheLockTakenTakesNoStep() {
        Program p = twoLockers(false);
        // A: body, acquire (stops at its write point holding the lock); B: body up to spin_lock
        Replayed r = Explorer.replay(p, "A2B1A2B3");
        assertTrue(r.trace().render().contains("waits for spin_lock(&l)"), r.trace().render());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Explorer.replay(p, "A2B2A2B2"),
                "B ran an attempt step while A held the lock");
        assertTrue(e.getMessage().contains("CPU B is not runnable"), e.getMessage());
    }

    /**
     * A release writes the lock word and nothing it guards, so a lockless reader of the guarded
     * data commutes with it: the reader after A's section, before or after A's release, is one
     * trace; before A's section is the other. With the release naming the guarded data too
     * (before this change) there were three.
     */
    @Test
    void aReleaseCommutesWithALocklessReaderOfWhatTheLockGuards() {
        Traces.Count c = Traces.count(twoLockers(true), ExploreOptions.defaults().preemptionBound(2).stopAtFirstFailure(false)
                .reduction(ReductionMode.NONE));
        assertTrue(c.result().exhausted());
        assertEquals(2, c.traces(), "traces of a lockless reader against one locked section");
    }

    /** synchronize_rcu waits for readers already inside, not for readers that begin after it. */
    @Test
    void synchronizeRcuWaitsOnlyForPreexistingReaders() {
        Program prog = () -> {
            Kernel k = new Kernel(2, Kernel.Arch.X86_64, "6.12");
            int[] s = new int[2]; // s[0]: reader inside; s[1]: reader began after the grace period started and was still inside when it ended
            boolean[] gpStarted = {false}, gpDone = {false};
            return new Program.Instance() {
                public Kernel kernel() { return k; }
                public int nrCpus() { return 2; }
                public String cpuName(int cpu) { return cpu == 0 ? "reader" : "updater"; }
                public void runCpu(int cpu) {
                    if (cpu == 0) {
                        k.rcuReadLock();
                        boolean late = gpStarted[0];
                        k.point("reader:inside", null, Access.NONE);
                        k.point("reader:inside", null, Access.NONE);
                        if (!late && gpDone[0]) throw k.bug("test", 1, "grace period ended under a pre-existing reader");
                        if (late && !gpDone[0]) s[1] = 0;
                        if (late && gpDone[0]) s[1] = 1;
                        k.rcuReadUnlock();
                    } else {
                        k.point("updater:start", null, Access.NONE);
                        gpStarted[0] = true;
                        k.synchronizeRcu();
                        gpDone[0] = true;
                    }
                }
                public Map<String, String> finish() { return Map.of("late reader outlived the grace period", Integer.toString(s[1])); }
            };
        };
        ExplorationResult r = Explorer.explore(prog, ExploreOptions.defaults().preemptionBound(4).stopAtFirstFailure(false));
        assertTrue(r.exhausted());
        assertTrue(r.failure().isEmpty(), () -> r.failure().get().render());
        assertTrue(r.outcomes().containsKey(new Outcome(Verdict.Kind.PASSED, Map.of("late reader outlived the grace period", "1"))),
                "a reader that began after synchronize_rcu() started is not waited for: " + r.outcomes());
    }

    @Test
    void sleepingInAnRcuReadSectionIsReported() {
        Program p = Races.program(2, k -> k, new String[] {"a", "b"}, (k, cpu) -> {
            Mutex m = new Mutex(k, mmsim.kernel.LockClass.mutex("m"));
            if (cpu == 0) return;
            k.rcuReadLock();
            m.lock();
        }, w -> Map.of());
        assertEquals(Verdict.Kind.SLEEP_IN_ATOMIC, Explorer.explore(p, ExploreOptions.defaults()).failure().orElseThrow().verdict().kind());
    }

    /** A waiting writer blocks new readers: a reader taking the rwsem twice deadlocks against it. */
    @Test
    void rwsemRecursiveReadDeadlocksAgainstAWaitingWriter() {
        Program p = () -> {
            Kernel k = new Kernel(2, Kernel.Arch.X86_64, "6.12");
            k.lockdep().setEnabled(false);
            RwSem sem = new RwSem(k, mmsim.kernel.LockClass.rwsem("mmap_lock"));
            return new Program.Instance() {
                public Kernel kernel() { return k; }
                public int nrCpus() { return 2; }
                public String cpuName(int cpu) { return cpu == 0 ? "reader twice" : "writer"; }
                public void runCpu(int cpu) {
                    if (cpu == 0) {
                        sem.downRead();
                        sem.downRead();
                        sem.upRead();
                        sem.upRead();
                    } else {
                        sem.downWrite();
                        sem.upWrite();
                    }
                }
                public Map<String, String> finish() { return Map.of(); }
            };
        };
        Failure f = Explorer.explore(p, ExploreOptions.defaults()).failure().orElseThrow();
        assertEquals(Verdict.Kind.DEADLOCK, f.verdict().kind());
        assertEquals(1, f.preemptions());
    }

    /** Seqcount readers retry and never return a torn pair; a reader without the retry can. */
    @Test
    void seqcountReadersSeeConsistentPairs() {
        for (boolean retry : new boolean[] {true, false}) {
            Program p = () -> {
                Kernel k = new Kernel(2, Kernel.Arch.X86_64, "6.12");
                SeqCount seq = new SeqCount(k, mmsim.kernel.LockClass.seqcount("zone->span_seqlock"));
                long[] pair = {0, 0};
                long[] seen = new long[2];
                return new Program.Instance() {
                    public Kernel kernel() { return k; }
                    public int nrCpus() { return 2; }
                    public String cpuName(int cpu) { return cpu == 0 ? "zone_spans_pfn" : "resize_zone_range"; }
                    public void runCpu(int cpu) {
                        if (cpu == 0) {
                            long s;
                            do {
                                s = seq.readBegin();
                                k.point("read start", pair, Access.READ);
                                seen[0] = pair[0];
                                k.point("read end", pair, Access.READ);
                                seen[1] = pair[1];
                            } while (retry && seq.readRetry(s));
                        } else {
                            seq.writeBegin();
                            k.point("write start", pair, Access.WRITE);
                            pair[0] = 1;
                            k.point("write end", pair, Access.WRITE);
                            pair[1] = 1;
                            seq.writeEnd();
                        }
                    }
                    public Map<String, String> finish() { return Map.of("seen", seen[0] + "," + seen[1]); }
                };
            };
            ExplorationResult r = Explorer.explore(p, ExploreOptions.defaults().preemptionBound(3)
                    .isFailure(o -> !o.observed().get("seen").equals("0,0") && !o.observed().get("seen").equals("1,1")));
            assertEquals(!retry, r.failure().isPresent(), r.summary());
        }
    }
}
