package mmsim.explore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import mmsim.kernel.Access;
import mmsim.kernel.Kernel;
import mmsim.kernel.KernelFault;
import mmsim.kernel.Region;
import mmsim.kernel.Sched;
import mmsim.kernel.StructPages;

/**
 * Runs one execution of a {@link Program.Instance}: the explorer's implementation of
 * {@link Sched}. Each simulated CPU is a coroutine of the {@link Carrier}; exactly one runs.
 *
 * <p>A <em>step</em> is what a CPU does between two scheduling decisions. A decision is taken
 * at every preemption point (by the running CPU itself, so continuing costs no switch), when a
 * CPU blocks in {@link #waitUntil}, and when a CPU's body returns. The {@link Chooser} picks the
 * CPU for the next step among the enabled ones: not finished, and not waiting on a condition
 * that is false. Choosing another CPU while the current one is still enabled is a preemption.
 * The sequence of chosen CPUs is the schedule; it determines the execution completely.
 *
 * <pre>
 *   CPU state:   runnable --waitUntil(false)--> waiting --condition true & chosen--> runnable
 *                runnable --body returns--> finished          (no CPU enabled, some unfinished: deadlock)
 * </pre>
 */
final class Engine implements Sched {

    /** The strategy's decision for one execution. */
    interface Chooser {
        /**
         * @param step    index of this decision in the execution
         * @param current the CPU that ran the last step (-1 before the first); it is in {@code enabled} unless it blocked or finished
         * @param enabled bit mask of the CPUs that may run the next step (never 0)
         * @return a CPU in {@code enabled}; throw IllegalArgumentException when replaying a schedule that diverges
         */
        int choose(int step, int current, long enabled);
    }

    /** Returned by a {@link Chooser} when every runnable CPU is asleep: the execution repeats an explored one. */
    static final int REDUNDANT = -1;

    /** Result of one execution. */
    static final class Run {
        /** Abandoned at a decision where every runnable CPU was asleep (sleep sets): no verdict. */
        boolean redundant;
        Verdict verdict;
        Map<String, String> observed = Map.of();
        Trace trace;
    }

    private static final int IDLE = 0, RUNNING = 1, ABANDON = 2, POST = 3;

    private final Carrier carrier;
    private final int stepLimit;
    // the footprint check (null: off): told of each raw access the running step's point did not announce
    private java.util.function.Consumer<String> undeclared;
    private String[] pendingLabel;

    // The decisions of the last execution (read by DFS and the explorer).
    byte[] chosen = new byte[256];
    long[] enabledAt = new long[256];
    byte[] currentAt = new byte[256];
    // What each step of the last execution touched: DPOR's races and the trace count.
    final StepFootprints footprints = new StepFootprints();
    int steps;
    int preemptions;
    long points;

    // State of the execution in progress.
    private Program.Instance inst;
    private Kernel k;
    private int n;
    private Chooser chooser;
    private boolean tracing;
    private Trace.Recorder rec;
    private Carrier.Coroutine[] cos;
    private boolean[] finished;
    private BooleanSupplier[] waits;
    private String[] waitingFor;
    private int[] depth;
    private Frame[] frames;
    // The access each CPU makes in its next step, from the point (or lock wait) it stopped at;
    // null: not known, which counts as dependent with everything (see dependent()).
    private Object[] pendingLocation;
    private Access[] pendingAccess;
    // Whether each CPU has reached its first point or wait: before, its next step is the part of
    // its body before any shared access.
    private boolean[] begun;
    private int running;
    private int next;
    private int runAs = -1;
    private int mode = IDLE;
    private Throwable fault;
    private int faultCpu;
    private IllegalArgumentException diverged;
    private boolean redundant;
    // the blocks at conditional points of the last execution, for DPOR: before step blockAt[b],
    // CPU blockCpu[b] found the condition on blockWatched[b] false
    int blocks;
    int[] blockAt = new int[16];
    byte[] blockCpu = new byte[16];
    Object[] blockWatched = new Object[16];

    Engine(Carrier carrier, int stepLimit) {
        this.carrier = carrier;
        this.stepLimit = stepLimit;
    }

    Carrier carrier() { return carrier; }

    /**
     * Observes the struct pages each step actually reads and writes (DPOR: its races are found
     * after the execution, so what a step did counts, not only what its point announced).
     */
    Engine observingAccesses(boolean on) {
        footprints.observing = on;
        return this;
    }

    /** Turns the footprint check on ({@code sink} hears of each undeclared access) or off (null). */
    Engine checkingFootprints(java.util.function.Consumer<String> sink) {
        undeclared = sink;
        return this;
    }

    /** Runs {@code instance} to its end under {@code chooser}; throws IllegalArgumentException on a diverging replay. */
    Run run(Program.Instance instance, Chooser chooser, boolean tracing) {
        start(instance, chooser, tracing);
        Run r = new Run();
        try {
            int nxt = decide(-1, enabledMask());
            int nFinished = 0;
            while (true) {
                running = nxt;
                boolean done = cos[nxt].resume();
                if (fault != null || diverged != null || redundant) break;
                if (done) {
                    finished[nxt] = true;
                    if (++nFinished == n) break;
                    long en = enabledMask();
                    if (en == 0) throw new DeadlockError(deadlockReport());
                    nxt = decide(nxt, en);
                } else {
                    nxt = next;
                }
            }
        } catch (DeadlockError | StepLimitError e) {
            fault = e;
            faultCpu = running;
        } catch (Diverged d) {
            diverged = d.cause;
        } catch (RedundantError e) {
            redundant = true;
        }
        if (redundant) {
            r.redundant = true;
            mode = ABANDON;
            for (int i = 0; i < n; i++) if (!finished[i]) cos[i].abandon();
            mode = IDLE;
            return r;
        }
        if (fault != null || diverged != null) {
            mode = ABANDON;
            for (int i = 0; i < n; i++) if (!finished[i]) cos[i].abandon();
        }
        if (diverged != null) {
            mode = IDLE;
            throw diverged;
        }
        mode = POST;
        running = faultCpu >= 0 && fault != null ? faultCpu : 0;
        if (fault == null) {
            try {
                k.rcuBarrier();
                r.observed = Explorer.frozen(inst.finish());
            } catch (Throwable t) {
                fault = t;
            }
        }
        if (fault != null) {
            r.verdict = verdictOf(fault);
        } else {
            Verdict v = Verdict.ofTaints(k.log().taints());
            r.verdict = v != null ? v : Verdict.PASSED;
        }
        if (tracing) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < n; i++) names.add(inst.cpuName(i));
            r.trace = new Trace(names, rec.events);
        }
        mode = IDLE;
        return r;
    }

    private void start(Program.Instance instance, Chooser ch, boolean tr) {
        inst = instance;
        k = instance.kernel();
        n = instance.nrCpus();
        if (n < 1 || n > Schedule.MAX_CPUS) throw new IllegalArgumentException("the explorer runs 1.." + Schedule.MAX_CPUS + " CPUs, program has " + n);
        if (k.nrCpus() != n) throw new IllegalArgumentException("program has " + n + " CPUs but its kernel " + k.nrCpus());
        chooser = ch;
        tracing = tr;
        rec = tr ? new Trace.Recorder() : null;
        steps = 0;
        blocks = 0;
        preemptions = 0;
        points = 0;
        fault = null;
        faultCpu = -1;
        diverged = null;
        redundant = false;
        runAs = -1;
        if (finished == null || finished.length != n) {
            finished = new boolean[n];
            waits = new BooleanSupplier[n];
            waitingFor = new String[n];
            depth = new int[n];
            frames = new Frame[n];
            cos = new Carrier.Coroutine[n];
            pendingLocation = new Object[n];
            pendingAccess = new Access[n];
            pendingLabel = new String[n];
            begun = new boolean[n];
            for (int i = 0; i < n; i++) {
                final int cpu = i;
                frames[i] = () -> depth[cpu]--;
            }
        } else {
            Arrays.fill(finished, false);
            Arrays.fill(waits, null);
            Arrays.fill(waitingFor, null);
            Arrays.fill(depth, 0);
            Arrays.fill(pendingLocation, null);
            Arrays.fill(pendingAccess, null);
            Arrays.fill(pendingLabel, null);
            Arrays.fill(begun, false);
        }
        k.setSched(this);
        for (int i = 0; i < n; i++) {
            final int cpu = i;
            cos[i] = carrier.create(() -> body(cpu));
        }
        mode = RUNNING;
    }

    private void body(int cpu) {
        try {
            inst.runCpu(cpu);
        } catch (Carrier.Abandoned a) {
            throw a;
        } catch (Diverged d) {
            diverged = d.cause;
        } catch (RedundantError e) {
            redundant = true;
        } catch (Throwable t) {
            fault = t;
            faultCpu = currentCpu();
            if (tracing) rec.add(faultCpu, Trace.Kind.FAULT, lastDepth(faultCpu), "<-- " + tag(verdictOf(t)));
        }
    }

    /** Nesting of the CPU's last traced row: its frames have been closed by the time the fault is caught. */
    private int lastDepth(int cpu) {
        for (int i = rec.events.size() - 1; i >= 0; i--) {
            Trace.Event e = rec.events.get(i);
            if (e.cpu() == cpu) return e.kind() == Trace.Kind.ENTER ? e.depth() + 1 : e.depth();
        }
        return 0;
    }

    private static String tag(Verdict v) {
        return switch (v) {
            case Verdict.Oops o -> "Oops";
            case Verdict.Bug b -> "BUG";
            case Verdict.Kasan ka -> "KASAN";
            case Verdict.SleepInAtomic s -> "BUG: sleeping in atomic";
            case Verdict.Lockdep l -> "lockdep";
            case Verdict.Deadlock d -> "deadlock";
            case Verdict.StepLimit s -> "step limit";
            case Verdict.ModelDefect m -> m.title();
            default -> v.kind().id();
        };
    }

    private Verdict verdictOf(Throwable t) {
        if (t instanceof DeadlockError d) return new Verdict.Deadlock(d.title, d.report);
        if (t instanceof StepLimitError) {
            return new Verdict.StepLimit("step limit: more than " + stepLimit + " steps (livelock?)",
                    "the execution did not end within " + stepLimit + " scheduling steps; the last CPU to run was "
                            + Schedule.cpuLetter(running) + " in " + k.cpu(running).callStack() + "\n");
        }
        return Verdict.of(t);
    }

    // ---- decisions --------------------------------------------------------------------------

    private long enabledMask() {
        long en = 0;
        for (int i = 0; i < n; i++) {
            if (finished[i]) continue;
            BooleanSupplier w = waits[i];
            if (w == null || w.getAsBoolean()) en |= 1L << i;
        }
        return en;
    }

    private int decide(int current, long enabled) {
        if (steps >= stepLimit) throw new StepLimitError();
        int c;
        try {
            c = chooser.choose(steps, current, enabled);
        } catch (IllegalArgumentException e) {
            throw new Diverged(e);
        }
        if (c == REDUNDANT) throw RedundantError.INSTANCE;
        if (c < 0 || c >= n || (enabled & (1L << c)) == 0) {
            throw new IllegalStateException("strategy chose CPU " + c + " which is not runnable (runnable: " + Schedule.letters(enabled) + ")");
        }
        if (steps == chosen.length) {
            int len = steps * 2;
            chosen = Arrays.copyOf(chosen, len);
            enabledAt = Arrays.copyOf(enabledAt, len);
            currentAt = Arrays.copyOf(currentAt, len);
            footprints.grow(len);
        }
        footprints.begin(steps, pendingLocation[c], pendingAccess[c], begun[c]);
        // a point at a whole memmap (a pageblock scan) counts as touching its struct pages
        if (footprints.observing && pendingLocation[c] instanceof StructPages sp && pendingAccess[c] != null && pendingAccess[c] != Access.NONE) {
            footprints.observe(steps, sp.firstPfn(), sp.endPfn(), pendingAccess[c] != Access.READ);
        }
        chosen[steps] = (byte) c;
        enabledAt[steps] = enabled;
        currentAt[steps] = (byte) current;
        steps++;
        if (current >= 0 && c != current && (enabled & (1L << current)) != 0) preemptions++;
        return c;
    }

    /**
     * Whether the next step of CPU {@code sleeper} (asleep, or a candidate for sleep) and the step
     * CPU {@code chosen} is about to take may not commute: they touch the same location and one
     * writes or syncs (a lock's acquire and release, {@link Access#SYNC}); two reads, different
     * locations or different locks commute. A step is what follows the point (or lock wait) where
     * its CPU stopped, which announced its location and access. Not known, so dependent with
     * everything: the step after a point that names an access but no location, and after a wait
     * that names none. A point of {@link Access#NONE} (cond_resched) says that the step after it
     * touches nothing shared before the next point: it commutes with every step.
     *
     * <p>A CPU that has not begun (its body has not reached its first point) is asymmetric. Its
     * next step runs the body up to that first point, which touches nothing shared (the rule of
     * {@link Sched}: a point comes before each shared access), so as the chosen step it wakes
     * nobody. As a sleeper it is never put to sleep: under the preemption bound, running its empty
     * step first is not free, because the switch after it is a preemption, so the equivalent
     * execution with it moved to the front may be out of the bound (Coons, Musuvathi and McKinley,
     * "Bounded partial-order reduction", OOPSLA 2013) — scenario 010 loses outcomes at bound 1 if
     * it sleeps.
     */
    boolean dependent(int sleeper, int chosen) {
        if (!begun[sleeper]) return true;
        if (!begun[chosen]) return false;
        return StepFootprints.conflict(pendingAccess[sleeper], pendingLocation[sleeper], pendingAccess[chosen], pendingLocation[chosen]);
    }

    /** Whether steps {@code i} and {@code j} of the last execution may not commute ({@link StepFootprints#dependent}). */
    boolean stepsDependent(int i, int j) {
        return footprints.dependent(i, j);
    }

    // ---- Sched ------------------------------------------------------------------------------

    @Override
    public void point(String label, Object location, Access access) {
        stop(label, location, access, null, null);
    }

    @Override
    public void point(String label, Object location, Access access, BooleanSupplier canProceed, Object watched) {
        stop(label, location, access, canProceed, watched);
    }

    /**
     * A point: the running CPU announces its next step and the chooser decides who runs it. With
     * {@code canProceed} (a conditional point, a lock's acquire) the CPU is not runnable while it
     * is false, now or after a switch (another CPU may take the lock before this one's step
     * comes); {@code watched} is what it reads.
     */
    private void stop(String label, Object location, Access access, BooleanSupplier canProceed, Object watched) {
        if (mode != RUNNING || runAs >= 0) {
            if (mode == ABANDON) throw Carrier.Abandoned.INSTANCE;
            if (tracing && mode != IDLE) rec.step(currentCpu(), depth[currentCpu()], label, location, access);
            if (canProceed != null) waitUntil(canProceed, label, location, access);
            return;
        }
        points++;
        int me = running;
        begun[me] = true;
        pendingLocation[me] = location;
        pendingAccess[me] = access;
        pendingLabel[me] = label;
        boolean blocked = false;
        if (canProceed != null) {
            waits[me] = canProceed;
            waitingFor[me] = label;
            blocked = !canProceed.getAsBoolean();
            if (blocked && tracing) rec.add(me, Trace.Kind.WAITS, depth[me], label);
        }
        long en = enabledMask();
        if (en == 0) throw new DeadlockError(deadlockReport());
        if (blocked) recordBlock(me, watched);
        int c = decide(me, en);
        if (c != me) {
            if (tracing && !blocked) rec.add(me, Trace.Kind.PREEMPTED, 0, "");
            next = c;
            carrier.suspend();
        }
        if (canProceed != null) {
            waits[me] = null;
            waitingFor[me] = null;
        }
        if (tracing) rec.step(me, depth[me], label, location, access);
    }

    private void recordBlock(int cpu, Object watched) {
        if (blocks == blockAt.length) {
            blockAt = Arrays.copyOf(blockAt, blocks * 2);
            blockCpu = Arrays.copyOf(blockCpu, blocks * 2);
            blockWatched = Arrays.copyOf(blockWatched, blocks * 2);
        }
        blockAt[blocks] = steps;
        blockCpu[blocks] = (byte) cpu;
        blockWatched[blocks] = watched;
        blocks++;
    }

    /** Whether step i of the last execution wrote what block b's condition read (an acquire or release of its lock). */
    boolean stepConflictsWithBlock(int i, int b) {
        return footprints.writes(i, blockWatched[b]);
    }

    /**
     * Whether the next step of CPU {@code sleeper} may not commute with the current CPU having
     * just found its conditional point closed (a lock another CPU holds): finding the lock taken
     * is no step, yet it reads the lock word as an attempt step would, and is ordered before the
     * holder's release. A sleeper whose step writes what the condition reads (the release) must
     * wake ({@link DfsSearch}): moving the release before the block makes the block vanish, and
     * the execution that then follows may need a preemption the bound does not allow (Coons,
     * Musuvathi and McKinley, OOPSLA 2013); 000e v4.6 lost an outcome that way. False when the
     * current CPU is not blocked at such a point.
     */
    boolean dependentWithBlock(int sleeper) {
        // blocked now: the last block was recorded at this decision, before its step is counted
        if (blocks == 0 || blockAt[blocks - 1] != steps) return false;
        Object watched = blockWatched[blocks - 1];
        if (!begun[sleeper]) return true;
        return StepFootprints.conflict(pendingAccess[sleeper], pendingLocation[sleeper], Access.READ, watched);
    }

    @Override
    public void waitUntil(BooleanSupplier canProceed, String what) {
        waitUntil(canProceed, what, null, null);
    }

    @Override
    public void waitUntil(BooleanSupplier canProceed, String what, Object location, Access access) {
        if (canProceed.getAsBoolean()) return;
        if (mode != RUNNING || runAs >= 0) {
            if (mode == ABANDON) throw Carrier.Abandoned.INSTANCE;
            throw new KernelFault.Hang("CPU " + currentCpu() + " would wait for " + what
                    + (runAs >= 0 ? " in interrupt context" : " after every CPU has finished"));
        }
        int me = running;
        begun[me] = true;
        // once the condition holds the CPU makes the access named (a lock it takes); with none
        // named, re-checking the condition reads what it reads: not known
        pendingLocation[me] = location;
        pendingAccess[me] = location == null ? null : access;
        pendingLabel[me] = what;
        waits[me] = canProceed;
        waitingFor[me] = what;
        if (tracing) rec.add(me, Trace.Kind.WAITS, depth[me], what);
        long en = enabledMask();
        if (en == 0) throw new DeadlockError(deadlockReport());
        next = decide(me, en);
        carrier.suspend();
        waits[me] = null;
        waitingFor[me] = null;
    }

    @Override public boolean checksFootprints() { return undeclared != null || footprints.observing; }

    /**
     * The footprint check: a raw access while a CPU runs must lie in what the point before its
     * step announced (its location or a {@link Region} holding it; a write needs a WRITE or SYNC
     * there). Not known (no access named, or an access without a location) covers everything;
     * the part of a CPU's body before its first point, and a NONE point, cover nothing.
     */
    @Override
    public void access(Object location, Access access) {
        if (mode != RUNNING) return;
        if (footprints.observing && steps > 0) {
            if (location instanceof StructPages sp) footprints.observe(steps - 1, sp.firstPfn(), sp.endPfn(), access != Access.READ);
            else footprints.observeOther(steps - 1, location, access != Access.READ);
        }
        if (undeclared == null) return;
        int me = running;
        Access a = pendingAccess[me];
        Object at = pendingLocation[me];
        if (begun[me] && (a == null || (at == null && a != Access.NONE))) return;
        boolean covered = begun[me] && a != Access.NONE && Region.overlap(at, location) && (access == Access.READ || a != Access.READ);
        if (covered) return;
        undeclared.accept((begun[me] ? "'" + pendingLabel[me] + "' (" + a + " " + at + ")" : "(before the first point)") + " -> "
                + access + " " + location);
    }

    @Override public int currentCpu() { return runAs >= 0 ? runAs : running; }
    @Override public int nrCpus() { return n; }
    @Override public boolean exploring() { return true; }
    @Override public boolean tracing() { return tracing; }

    @Override
    public Frame enter(String function) {
        if (!tracing) return Frame.NONE;
        int cpu = currentCpu();
        rec.add(cpu, Trace.Kind.ENTER, depth[cpu], function);
        depth[cpu]++;
        return frames[cpu];
    }

    @Override
    public void note(String text) {
        if (tracing && mode != IDLE) rec.add(currentCpu(), Trace.Kind.NOTE, depth[currentCpu()], text);
    }

    @Override
    public void runAs(int cpu, Runnable action) {
        int saved = runAs;
        runAs = cpu;
        try {
            action.run();
        } finally {
            runAs = saved;
        }
    }

    @Override
    public boolean finished(int cpu) {
        return mode == POST || finished[cpu];
    }

    // ---- deadlock ---------------------------------------------------------------------------

    private String[] deadlockReport() {
        StringBuilder title = new StringBuilder("deadlock: no runnable CPU (");
        StringBuilder sb = new StringBuilder("INFO: deadlock: no simulated CPU can run and some have not finished\n");
        boolean first = true;
        for (int i = 0; i < n; i++) {
            if (finished[i]) continue;
            String what = i == running && waitingFor[i] == null ? "?" : waitingFor[i];
            Kernel.Cpu c = k.cpu(i);
            String fn = c.callStack().isEmpty() ? "?" : c.callStack().get(c.callStack().size() - 1);
            if (!first) title.append(", ");
            first = false;
            title.append("CPU ").append(Schedule.cpuLetter(i)).append(" waits for ").append(what).append(" in ").append(fn);
            sb.append('\n').append(inst.cpuName(i)).append(" blocked in ")
                    .append(fn).append(", waiting for ").append(what).append('\n');
            sb.append(k.heldLocksText(c)).append(k.callTrace(c));
        }
        title.append(')');
        return new String[] {title.toString(), sb.toString()};
    }

    /** No CPU can run: thrown where the last runnable CPU blocks. Not catchable as a RuntimeException by model code. */
    static final class DeadlockError extends Error {
        final String title;
        final String report;

        DeadlockError(String[] titleAndReport) {
            super(titleAndReport[0], null, false, false);
            this.title = titleAndReport[0];
            this.report = titleAndReport[1];
        }
    }

    /** Unwinds an execution its chooser found redundant ({@link #REDUNDANT}). */
    static final class RedundantError extends Error {
        static final RedundantError INSTANCE = new RedundantError();

        private RedundantError() {
            super("redundant execution", null, false, false);
        }
    }

    static final class StepLimitError extends Error {
        StepLimitError() {
            super("step limit", null, false, false);
        }
    }

    /** A replayed schedule asked for a CPU that is not runnable: carried out of the model to the caller. */
    static final class Diverged extends Error {
        final IllegalArgumentException cause;

        Diverged(IllegalArgumentException cause) {
            super(cause.getMessage(), null, false, false);
            this.cause = cause;
        }
    }
}
