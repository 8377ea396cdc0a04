package mmsim.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The per-machine kernel context: the scheduler hook, the kernel log, per-CPU state (IRQs,
 * preemption count, RCU nesting, held locks, the running task's comm/pid, the call nesting used
 * for oops call traces) and the builders of the kernel's fault reports.
 *
 * <p>Every model object holds the {@code Kernel} of its machine; nothing here is static, so
 * several machines (one per explored execution) never share state.
 */
public final class Kernel {

    /** Architecture flavour of the reports (x86_64 or arm64). */
    public enum Arch { X86_64, ARM64 }

    /** State of one simulated CPU. Touched only by the CPU itself (and by the explorer between steps). */
    /** PF_MEMALLOC_PIN (include/linux/sched.h): this task's allocations must be long-term pinnable (no ZONE_MOVABLE). */
    public static final int PF_MEMALLOC_PIN = 0x10000000;

    public static final class Cpu {
        public final int id;
        /** The running task's PF_ flags the model keeps (PF_MEMALLOC_PIN). */
        public int taskFlags;
        String comm = "swapper/0";
        int pid = 0;
        int irqDisableDepth;
        int preemptCount;
        int rcuNesting;
        /** Bumped each time the CPU leaves its outermost RCU read-side section (a quiescent state). */
        long rcuQuiescentCount;
        // The held locks and the call nesting are bare arrays with a depth, not ArrayLists: every
        // lock operation and every modelled kernel function pushes and pops them, outside the
        // explorer too, and the list bookkeeping (modCount, equals-based search, bounds checks)
        // was most of the cost of an order-0 alloc+free pair. Read through the List views.
        Object[] heldLocks = new Object[8];
        int nrHeld;
        String[] callStack = new String[32];
        int depth;
        private final List<Object> heldLocksView = new ArrayView<>(this, true);
        private final List<String> callStackView = new ArrayView<>(this, false);
        /** IPIs sent while this CPU had IRQs off; handled when it enables them. */
        final List<IpiCall> pendingIpis = new ArrayList<>();
        private final Sched.Frame popFrame = this::popFrame;

        Cpu(int id) {
            this.id = id;
            this.comm = "swapper/" + id;
        }

        public String comm() { return comm; }
        public int pid() { return pid; }
        public boolean irqsDisabled() { return irqDisableDepth > 0; }
        public int preemptCount() { return preemptCount; }
        public int rcuNesting() { return rcuNesting; }
        public long rcuQuiescentCount() { return rcuQuiescentCount; }
        /** The locks this CPU holds, oldest first (read-only view; lock classes use {@link #lockAcquired}). */
        public List<Object> heldLocks() { return heldLocksView; }
        /** The kernel functions this CPU is in, outermost first (read-only view). */
        public List<String> callStack() { return callStackView; }

        /** Records {@code lock} as held by this CPU (the lock classes call it once they own it). */
        public void lockAcquired(Object lock) {
            if (nrHeld == heldLocks.length) heldLocks = java.util.Arrays.copyOf(heldLocks, nrHeld * 2);
            heldLocks[nrHeld++] = lock;
        }

        /**
         * Forgets the oldest entry of {@code lock} in the held locks, as ArrayList.remove(Object)
         * did (the lock classes do not override equals, so identity is the same test). Scanning
         * from the bottom keeps the order the reports print when a read lock is held twice; the
         * stack is a few entries deep, so the scan costs little. False when it was not held.
         */
        public boolean lockReleased(Object lock) {
            Object[] h = heldLocks;
            int n = nrHeld;
            for (int i = 0; i < n; i++) {
                if (h[i] == lock) {
                    if (i < n - 1) System.arraycopy(h, i + 1, h, i, n - 1 - i);
                    h[--n] = null;
                    nrHeld = n;
                    return true;
                }
            }
            return false;
        }

        /** preempt_disable() on this CPU (for callers that already have the Cpu). */
        public void preemptDisable() { preemptCount++; }
        /** preempt_enable() on this CPU. */
        public void preemptEnable() { preemptCount--; }

        void pushFrame(String function) {
            if (depth == callStack.length) callStack = java.util.Arrays.copyOf(callStack, depth * 2);
            callStack[depth++] = function;
        }

        public boolean inAtomic() { return preemptCount > 0 || irqDisableDepth > 0; }

        private void popFrame() {
            if (depth > 0) callStack[--depth] = null;
        }
    }

    /** A read-only List over a Cpu's held locks or call nesting (the arrays may be replaced when they grow). */
    private static final class ArrayView<T> extends java.util.AbstractList<T> implements java.util.RandomAccess {
        private final Cpu c;
        private final boolean locks;

        ArrayView(Cpu c, boolean locks) {
            this.c = c;
            this.locks = locks;
        }

        @Override public int size() { return locks ? c.nrHeld : c.depth; }

        @SuppressWarnings("unchecked")
        @Override public T get(int i) {
            java.util.Objects.checkIndex(i, size());
            return (T) (locks ? c.heldLocks[i] : c.callStack[i]);
        }
    }

    private Sched sched;
    /**
     * The scheduler when it is the {@link DirectSched} (null under the explorer): the hot calls
     * (current CPU, points, tracing) then skip the interface dispatch, whose answers outside
     * exploration are fixed (no-op points, no tracing).
     */
    private DirectSched direct;
    // the sched checks raw accesses against each step's announced footprint (Sched.checksFootprints)
    private boolean checkFootprints;
    private final Cpu[] cpus;
    private final Arch arch;
    private final String release;
    private final KernelLog log = new KernelLog();
    private final Lockdep lockdep = new Lockdep();
    private int oopsCount;
    /** Where RCU's points act, so strategies see rcu_read_lock and synchronize_rcu as dependent. */
    private final Object rcuState = new Object() {
        @Override public String toString() { return "rcu_state"; }
    };
    private final Object ipiState = new Object() {
        @Override public String toString() { return "call_single_queue"; }
    };
    private final List<RcuCallback> rcuCallbacks = new ArrayList<>();
    private boolean inRcuCallbacks;
    /** The lock classes this kernel runs without (drop-lock=CLASS), fixed before its first lock is made. */
    private Set<LockClass> droppedLocks = Set.of();
    private boolean dropRcuReader, dropGracePeriod, dropIrqDisable;
    /** Set once a lock of this kernel has been made: the drop set can no longer change. */
    private boolean locksMade;
    /** Told of every lock class taken and where (the innermost kernel function); null: nobody asks. */
    private BiConsumer<LockClass, String> lockUsage;

    public Kernel(int nrCpus, Arch arch, String release) {
        if (nrCpus < 1 || nrCpus > 64) throw new IllegalArgumentException("nr_cpus must be 1..64, got " + nrCpus);
        this.cpus = new Cpu[nrCpus];
        for (int i = 0; i < nrCpus; i++) cpus[i] = new Cpu(i);
        this.sched = this.direct = new DirectSched(nrCpus, cpus);
        this.arch = arch;
        this.release = release;
    }

    // ---- scheduling -------------------------------------------------------------------------

    public Sched sched() { return sched; }

    /** Installed by the explorer before the CPUs start; the shell keeps the {@link DirectSched}. */
    public void setSched(Sched sched) {
        if (sched.nrCpus() != cpus.length) throw new IllegalArgumentException("scheduler has " + sched.nrCpus() + " CPUs, machine has " + cpus.length);
        this.sched = sched;
        this.direct = sched instanceof DirectSched d && d.boundTo(cpus) ? d : null;
        this.checkFootprints = sched.checksFootprints();
    }

    /** Whether raw accesses are to be reported ({@link #access}); false except in the explorer's footprint check. */
    public boolean checkingFootprints() { return checkFootprints; }

    /** Reports a raw access made between points to a footprint-checking sched ({@link Sched#access}). */
    public void access(Object location, Access access) {
        if (checkFootprints) sched.access(location, access);
    }

    /**
     * Shorthand for {@code sched().point(label, location, access)}. RCU callbacks whose grace
     * period has ended run here first, as the RCU softirq would on this CPU.
     */
    public void point(String label, Object location, Access access) {
        if (!rcuCallbacks.isEmpty() && !inRcuCallbacks) runReadyRcuCallbacks();
        if (direct == null) sched.point(label, location, access);   // DirectSched.point is a no-op
    }

    /**
     * {@link #point(String, Object, Access)} whose step may begin only once {@code canProceed}
     * holds, a condition that reads {@code watched} (a lock's acquire: {@link Sched#point(String,
     * Object, Access, java.util.function.BooleanSupplier, Object)}).
     */
    public void point(String label, Object location, Access access, java.util.function.BooleanSupplier canProceed, Object watched) {
        if (!rcuCallbacks.isEmpty() && !inRcuCallbacks) runReadyRcuCallbacks();
        if (direct == null) sched.point(label, location, access, canProceed, watched);
        else direct.waitUntil(canProceed, label);
    }

    public int nrCpus() { return cpus.length; }
    public Cpu cpu() {
        DirectSched d = direct;
        return d != null ? d.currentCpu : cpus[sched.currentCpu()];
    }
    public Cpu cpu(int id) { return cpus[id]; }
    public int smpProcessorId() {
        DirectSched d = direct;
        return d != null ? d.current : sched.currentCpu();
    }
    public Arch arch() { return arch; }
    /** {@code sched().exploring()}, answered without a call when the {@link DirectSched} runs (it never explores). */
    public boolean exploring() { return direct == null && sched.exploring(); }
    /** This machine's lock-order graph. */
    public Lockdep lockdep() { return lockdep; }
    public String release() { return release; }
    public KernelLog log() { return log; }

    /** Names the task running on {@code cpu}, as "Comm:" in reports and the trace column header. */
    public void setTask(int cpu, String comm, int pid) {
        cpus[cpu].comm = comm;
        cpus[cpu].pid = pid;
    }

    /**
     * Enters a kernel function: pushes it on the current CPU's call nesting (for oops call traces)
     * and, when tracing, on the trace. Use with try-with-resources.
     */
    public Sched.Frame enter(String function) {
        Cpu c = cpu();
        c.pushFrame(function);
        if (direct != null || !sched.tracing()) return c.popFrame;
        Sched.Frame traced = sched.enter(function);
        return () -> {
            traced.close();
            c.popFrame();
        };
    }

    /** A free-text trace line on the current CPU (only recorded while tracing). */
    public void note(String text) {
        if (sched.tracing()) sched.note(text);
    }

    /** The innermost function the current CPU is in, or "?" outside any. */
    public String currentFunction() {
        Cpu c = cpu();
        return c.depth == 0 ? "?" : c.callStack[c.depth - 1];
    }

    // ---- lock classes: dropping them, and who takes them -----------------------------------------

    /**
     * Runs this kernel without {@code classes}: their acquisitions and releases are elided (a
     * trace note marks where each would have been), so the explorer shows what the kernel would
     * suffer without them. A dropped lock reads as never taken (isLocked() false, not in the held
     * locks, no lockdep dependency), and the assertions that it is held are suppressed, as lockdep
     * answers "held" for what it does not track (rcu_read_lock_held() returns 1 when lockdep is
     * off, kernel/rcu/update.c): the point is to see the race, not the assertion that names it.
     * Call before any lock of this kernel is made (the locks read the set when they are built).
     */
    public void dropLockClasses(Set<LockClass> classes) {
        if (locksMade && !classes.equals(droppedLocks)) {
            throw new IllegalStateException("lock classes are dropped before the machine's locks are made");
        }
        droppedLocks = Set.copyOf(classes);
        dropRcuReader = classes.contains(LockClass.RCU_READ_LOCK);
        dropGracePeriod = classes.contains(LockClass.SYNCHRONIZE_RCU);
        dropIrqDisable = classes.contains(LockClass.LOCAL_IRQ_DISABLE);
    }

    /** The dropped lock classes. */
    public Set<LockClass> droppedLockClasses() { return droppedLocks; }

    /** True when the class lockdep names {@code lockdepName} ("&zone->lock") is dropped. */
    public boolean lockClassDropped(String lockdepName) {
        if (droppedLocks.isEmpty()) return false;
        String bare = lockdepName.startsWith("&") ? lockdepName.substring(1) : lockdepName;
        for (LockClass c : droppedLocks) if (c.name().equals(bare)) return true;
        return false;
    }

    /** Called by a lock's constructor: true when its class is dropped on this kernel. */
    public boolean lockInit(LockClass cls) {
        locksMade = true;
        return droppedLocks.contains(cls);
    }

    /** Asks to be told, for every lock class taken from now on, which kernel function took it. */
    public void recordLockUsage(BiConsumer<LockClass, String> usage) { lockUsage = usage; }

    /** A lock of class {@code cls} was just taken by the current CPU (the lock classes call this). */
    public void lockTaken(LockClass cls) {
        if (lockUsage != null) lockUsage.accept(cls, currentFunction());
    }

    /** The trace note a dropped acquisition or release leaves: where the lock would have been. */
    /** The suffix of a trace note for a lock call a variant dropped (the condenser looks for it). */
    public static final String DROPPED_LOCK = " (dropped)";

    public void droppedLockNote(String operation) {
        if (sched.tracing()) sched.note(operation + DROPPED_LOCK);
    }

    // ---- atomic context ---------------------------------------------------------------------

    public void preemptDisable() { cpu().preemptCount++; }
    public void preemptEnable() { cpu().preemptCount--; }

    /**
     * might_sleep(): a sleeping lock or allocation from atomic context is a bug
     * (kernel/sched/core.c, __might_resched).
     */
    public void mightSleep(String file, int line) {
        Cpu c = cpu();
        if (c.preemptCount > 0 || c.irqDisableDepth > 0 || c.rcuNesting > 0) {
            String fn = currentFunction();
            String report = "BUG: sleeping function called from invalid context at " + file + ":" + line + "\n"
                    + String.format(Locale.ROOT, "in_atomic(): %d, irqs_disabled(): %d, non_block: 0, pid: %d, name: %s%n",
                            c.preemptCount > 0 ? 1 : 0, c.irqDisableDepth > 0 ? 1 : 0, c.pid, c.comm)
                    + String.format(Locale.ROOT, "preempt_count: %x, expected: 0%n", c.preemptCount)
                    + "RCU nest depth: " + c.rcuNesting + ", expected: 0\n"
                    + heldLocksText(c)
                    + callTrace(c);
            throw new KernelFault.SleepInAtomic(fn, report);
        }
    }

    // ---- IRQs and IPIs (include/linux/irqflags.h, kernel/smp.c) --------------------------------

    /** X86_EFLAGS_IF: the interrupt-enable bit of the flags local_irq_save() returns. */
    public static final long IRQ_FLAGS_IF = 0x200;

    /**
     * local_irq_disable(). Not nesting, as in the kernel: one enable undoes any number of
     * disables. While IRQs are off, IPIs to this CPU wait (see {@link #smpCallFunctionMany}).
     */
    public void localIrqDisable() {
        if (dropIrqDisable) { droppedLockNote("local_irq_disable"); return; }
        lockTaken(LockClass.LOCAL_IRQ_DISABLE);
        Cpu c = cpu();
        point("local_irq_disable", c, Access.SYNC);
        c.irqDisableDepth = 1;
    }

    /** local_irq_enable(): IPIs that arrived while IRQs were off are handled now, on this CPU. */
    public void localIrqEnable() {
        if (dropIrqDisable) { droppedLockNote("local_irq_enable"); return; }
        Cpu c = cpu();
        point("local_irq_enable", c, Access.SYNC);
        c.irqDisableDepth = 0;
        handlePendingIpis(c);
    }

    /** local_irq_save(): disables IRQs and returns the previous state ({@link #IRQ_FLAGS_IF} set when they were on). */
    public long localIrqSave() {
        if (dropIrqDisable) { droppedLockNote("local_irq_save"); return IRQ_FLAGS_IF; }
        lockTaken(LockClass.LOCAL_IRQ_DISABLE);
        Cpu c = cpu();
        point("local_irq_save", c, Access.SYNC);
        long flags = c.irqDisableDepth > 0 ? 0 : IRQ_FLAGS_IF;
        c.irqDisableDepth = 1;
        return flags;
    }

    /** local_irq_restore(flags): back to the state {@link #localIrqSave()} saw. */
    public void localIrqRestore(long flags) {
        if (dropIrqDisable) { droppedLockNote("local_irq_restore"); return; }
        Cpu c = cpu();
        point("local_irq_restore", c, Access.SYNC);
        if ((flags & IRQ_FLAGS_IF) != 0) {
            c.irqDisableDepth = 0;
            handlePendingIpis(c);
        } else {
            c.irqDisableDepth = 1;
        }
    }

    /** One smp_call_function_many() request (struct call_single_data): how many CPUs have yet to run it. */
    static final class IpiCall {
        final Runnable func;
        int pending;

        IpiCall(Runnable func) {
            this.func = func;
        }
    }

    /** The mask of every CPU of this machine (cpu_online_mask; CPU hotplug is not modelled). */
    public long cpuOnlineMask() {
        return cpus.length == 64 ? -1L : (1L << cpus.length) - 1;
    }

    /**
     * smp_call_function_many(mask, func, wait): runs {@code func} on every CPU of {@code mask}
     * except the caller (kernel/smp.c). A target with IRQs on, or one that has finished its work,
     * takes the IPI at once; a target with IRQs off takes it only when it enables them again. With
     * {@code wait} the caller blocks until every target has run {@code func} — which is what makes
     * a lockless walker with IRQs off safe against a freer that sends a TLB-flush IPI first
     * (mm/mmu_gather.c, tlb_remove_table_sync_one).
     */
    public void smpCallFunctionMany(long mask, Runnable func, boolean wait) {
        try (var _ = enter("smp_call_function_many")) {
            Cpu me = cpu();
            if (wait && me.irqDisableDepth > 0) {
                warn("kernel/smp.c", 0, "smp_call_function_many() with IRQs disabled can deadlock");
            }
            point("smp_call_function_many:send IPIs", ipiState, Access.SYNC);
            IpiCall call = new IpiCall(func);
            for (long m = mask & ~(1L << me.id) & cpuOnlineMask(); m != 0; m &= m - 1) {
                int t = Long.numberOfTrailingZeros(m);
                Cpu target = cpus[t];
                if (target.irqDisableDepth == 0 || sched.finished(t)) {
                    sched.runAs(t, () -> runIpi(func));
                } else {
                    call.pending++;
                    target.pendingIpis.add(call);
                    note("IPI to CPU " + t + " pending: IRQs off there");
                }
            }
            if (wait && call.pending > 0) sched.waitUntil(() -> call.pending == 0, "IPI acknowledgement (csd lock)");
        }
    }

    private void runIpi(Runnable func) {
        try (var _ = enter("__flush_smp_call_function_queue")) {
            func.run();
        }
    }

    private void handlePendingIpis(Cpu c) {
        while (!c.pendingIpis.isEmpty()) {
            IpiCall call = c.pendingIpis.remove(0);
            try {
                runIpi(call.func);
            } finally {
                call.pending--;
            }
        }
    }

    // ---- RCU (kernel/rcu/tree.c, tree_plugin.h; non-preemptible flavour) ------------------------

    private record RcuCallback(Runnable func, long[] snapshot) { }

    /** rcu_read_lock(): enters a read-side critical section (nesting). Sleeping inside is a might_sleep() bug. */
    public void rcuReadLock() {
        if (dropRcuReader) { droppedLockNote("rcu_read_lock"); return; }
        lockTaken(LockClass.RCU_READ_LOCK);
        Cpu c = cpu();
        point("rcu_read_lock", rcuState, Access.SYNC);
        c.rcuNesting++;
    }

    /** rcu_read_unlock(): leaving the outermost section is a quiescent state for grace periods that wait on this CPU. */
    public void rcuReadUnlock() {
        if (dropRcuReader) { droppedLockNote("rcu_read_unlock"); return; }
        Cpu c = cpu();
        point("rcu_read_unlock", rcuState, Access.SYNC);
        if (c.rcuNesting == 0) {
            warn("kernel/rcu/tree_plugin.h", 0, "rcu_read_unlock() without rcu_read_lock()");
            return;
        }
        if (--c.rcuNesting == 0) c.rcuQuiescentCount++;
    }

    /**
     * rcu_read_lock_held(): true when the current CPU is inside an RCU read-side critical section.
     * Its callers are assertions; with the read side dropped it answers true, as the kernel's does
     * when lockdep is not watching (kernel/rcu/update.c), so the assertion is not the failure.
     */
    public boolean rcuReadLockHeld() { return dropRcuReader || cpu().rcuNesting > 0; }

    /** Per CPU: the quiescent count of a CPU inside a reader now, -1 for a CPU outside any reader. */
    private long[] rcuSnapshot() {
        long[] s = new long[cpus.length];
        for (int i = 0; i < cpus.length; i++) s[i] = cpus[i].rcuNesting > 0 ? cpus[i].rcuQuiescentCount : -1;
        return s;
    }

    private boolean rcuGracePeriodOver(long[] s) {
        for (int i = 0; i < s.length; i++) if (s[i] >= 0 && cpus[i].rcuQuiescentCount == s[i]) return false;
        return true;
    }

    /**
     * synchronize_rcu(): sleeps until every reader that was inside a read-side section when it
     * began has left it; readers that begin later are not waited for.
     */
    public void synchronizeRcu() {
        if (!dropGracePeriod) lockTaken(LockClass.SYNCHRONIZE_RCU);
        try (var _ = enter("synchronize_rcu")) {
            mightSleep("kernel/rcu/tree.c", 3570);
            if (dropGracePeriod) { droppedLockNote("synchronize_rcu: wait for readers"); return; }
            point("synchronize_rcu", rcuState, Access.SYNC);
            long[] s = rcuSnapshot();
            sched.waitUntil(() -> rcuGracePeriodOver(s), "an RCU grace period");
        }
    }

    /**
     * call_rcu(func): {@code func} runs after a grace period, from the next preemption point of
     * a CPU with IRQs on (the RCU softirq) once the readers present now have all left, or at the
     * end of the execution (rcu_barrier()).
     */
    public void callRcu(Runnable func) {
        if (dropGracePeriod) {
            // no grace period: the callback runs now, under any reader still inside
            droppedLockNote("call_rcu: wait for readers");
            try (var _ = enter("rcu_do_batch")) {
                func.run();
            }
            return;
        }
        lockTaken(LockClass.SYNCHRONIZE_RCU);
        point("call_rcu", rcuState, Access.SYNC);
        rcuCallbacks.add(new RcuCallback(func, rcuSnapshot()));
    }

    private void runReadyRcuCallbacks() {
        Cpu c = cpu();
        if (c.irqDisableDepth > 0) return;
        inRcuCallbacks = true;
        try {
            for (int i = 0; i < rcuCallbacks.size(); ) {
                RcuCallback cb = rcuCallbacks.get(i);
                if (!rcuGracePeriodOver(cb.snapshot())) {
                    i++;
                    continue;
                }
                rcuCallbacks.remove(i);
                try (var _ = enter("rcu_do_batch")) {
                    cb.func().run();
                }
            }
        } finally {
            inRcuCallbacks = false;
        }
    }

    /** rcu_barrier(): runs every queued callback; the explorer calls it after all CPUs finished. */
    public void rcuBarrier() {
        inRcuCallbacks = true;
        try {
            while (!rcuCallbacks.isEmpty()) {
                RcuCallback cb = rcuCallbacks.remove(0);
                try (var _ = enter("rcu_do_batch")) {
                    cb.func().run();
                }
            }
        } finally {
            inRcuCallbacks = false;
        }
    }

    // ---- reports ----------------------------------------------------------------------------

    /**
     * Builds the oops a kernel-mode access to an unmapped address produces, in the shape of
     * arch/x86/mm/fault.c (show_fault_oops) or arch/arm64/mm/fault.c (die_kernel_fault), and
     * returns it for the caller to throw.
     */
    public KernelFault.Oops pageFault(long address, boolean write, String function) {
        Cpu c = cpu();
        int n = ++oopsCount;
        StringBuilder sb = new StringBuilder();
        String addr = String.format(Locale.ROOT, "%016x", address);
        if (arch == Arch.X86_64) {
            if (Long.compareUnsigned(address, 4096) < 0) {
                sb.append("BUG: kernel NULL pointer dereference, address: ").append(addr).append('\n');
            } else {
                sb.append("BUG: unable to handle page fault for address: ").append(addr).append('\n');
            }
            sb.append("#PF: supervisor ").append(write ? "write" : "read").append(" access in kernel mode\n");
            sb.append("#PF: error_code(").append(write ? "0x0002" : "0x0000").append(") - not-present page\n");
            sb.append("Oops: ").append(write ? "0002" : "0000").append(" [#").append(n).append("] SMP PTI\n");
            sb.append(cpuLine(c));
            sb.append("RIP: 0010:").append(function).append('\n');
            sb.append("CR2: ").append(addr).append('\n');
            sb.append(callTrace(c));
            sb.append("---[ end trace 0000000000000000 ]---\n");
        } else {
            sb.append("Unable to handle kernel paging request at virtual address ").append(addr).append('\n');
            sb.append("Mem abort info:\n");
            sb.append("  ESR = 0x0000000096000006\n");
            sb.append("  EC = 0x25: DABT (current EL), IL = 32 bits\n");
            sb.append("Internal error: Oops: 0000000096000006 [#").append(n).append("] PREEMPT SMP\n");
            sb.append(cpuLine(c));
            sb.append("pc : ").append(function).append('\n');
            sb.append(callTrace(c));
            sb.append("---[ end trace 0000000000000000 ]---\n");
        }
        log.printk(sb.toString());
        return new KernelFault.Oops(address, function, sb.toString());
    }

    /**
     * BUG()/VM_BUG_ON(): "kernel BUG at file:line!" with the oops body. {@code preface} is
     * printed first (dump_page output for VM_BUG_ON_PAGE), may be empty.
     */
    public KernelFault.Bug bug(String file, int line, String preface) {
        Cpu c = cpu();
        int n = ++oopsCount;
        String fn = currentFunction();
        StringBuilder sb = new StringBuilder(preface);
        if (!preface.isEmpty() && !preface.endsWith("\n")) sb.append('\n');
        sb.append("kernel BUG at ").append(file).append(':').append(line).append("!\n");
        sb.append(arch == Arch.X86_64 ? "Oops: invalid opcode: 0000 [#" : "Internal error: Oops - BUG: 00000000f2000800 [#")
                .append(n).append(arch == Arch.X86_64 ? "] SMP PTI\n" : "] PREEMPT SMP\n");
        sb.append(cpuLine(c));
        sb.append(arch == Arch.X86_64 ? "RIP: 0010:" : "pc : ").append(fn).append('\n');
        sb.append(callTrace(c));
        sb.append("---[ end trace 0000000000000000 ]---\n");
        log.printk(sb.toString());
        return new KernelFault.Bug(fn, sb.toString());
    }

    /**
     * A KASAN use-after-free report (mm/kasan/report.c) for an access of {@code size} bytes at
     * {@code address} in {@code function}: the header, the access and task, the CPU and call
     * trace, then {@code objectInfo} (what the buggy address belongs to, as the caller knows it).
     * Logged, and returned for the caller to throw.
     */
    public KernelFault.Kasan kasanUseAfterFree(long address, int size, boolean write, String function, String objectInfo) {
        Cpu c = cpu();
        String report = "==================================================================\n"
                + "BUG: KASAN: use-after-free in " + function + "\n"
                + (write ? "Write" : "Read") + String.format(Locale.ROOT, " of size %d at addr %016x by task %s/%d%n", size, address, c.comm, c.pid)
                + "\n" + cpuLine(c) + callTrace(c) + "\n"
                + objectInfo
                + "==================================================================\n";
        log.printk(report);
        return new KernelFault.Kasan("use-after-free", write, function, report);
    }

    /** WARN_ON(): logs the warning and remembers it as a taint; execution goes on. */
    public void warn(String file, int line, String message) {
        log.taint(KernelLog.TaintKind.WARNING, "WARNING in " + currentFunction(), warnSplat(file + ":" + line + " ", message));
    }

    /**
     * The text of a WARN() splat (lib/bug.c __warn) on the current CPU: {@code message} (WARN()'s
     * format, or "" for WARN_ON), the "WARNING: CPU: n PID: p at" line with {@code where}
     * ("file:line " or "" when there is none) and the function, the CPU line and the call trace.
     */
    String warnSplat(String where, String message) {
        Cpu c = cpu();
        return "------------[ cut here ]------------\n"
                + (message.isEmpty() ? "" : message + "\n")
                + "WARNING: CPU: " + c.id + " PID: " + c.pid + " at " + where + currentFunction() + "\n"
                + cpuLine(c) + callTrace(c) + "---[ end trace 0000000000000000 ]---";
    }

    public String cpuLine(Cpu c) {
        return "CPU: " + c.id + " PID: " + c.pid + " Comm: " + c.comm + " Not tainted " + release + " #1\n";
    }

    public String callTrace(Cpu c) {
        StringBuilder sb = new StringBuilder("Call Trace:\n");
        if (arch == Arch.X86_64) sb.append(" <TASK>\n");
        for (int i = c.depth - 1; i >= 0; i--) sb.append(' ').append(c.callStack[i]).append('\n');
        if (arch == Arch.X86_64) sb.append(" </TASK>\n");
        return sb.toString();
    }

    public String heldLocksText(Cpu c) {
        int n = c.nrHeld;
        if (n == 0) return "no locks held by " + c.comm + "/" + c.pid + ".\n";
        StringBuilder sb = new StringBuilder().append(n).append(" lock")
                .append(n == 1 ? "" : "s").append(" held by ").append(c.comm).append('/').append(c.pid).append(":\n");
        for (int i = 0; i < n; i++) sb.append(" #").append(i).append(": ").append(c.heldLocks[i]).append('\n');
        return sb.toString();
    }
}
