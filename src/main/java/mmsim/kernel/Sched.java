package mmsim.kernel;

import java.util.function.BooleanSupplier;

/**
 * The scheduling hook every kernel code path calls. The explorer implements it to interleave
 * simulated CPUs; {@link DirectSched} implements it for the shell, the CLI and benchmarks.
 *
 * <p>Rules for callers (the model):
 * <ul>
 *   <li>Call {@link #point} immediately <em>before</em> each access to state another CPU can touch:
 *       a memmap word, a section entry, a page_ext pointer, a page-table entry, a free list, a
 *       counter. The label reads {@code function:step} as a kernel developer would write it.</li>
 *   <li>Never spin: to wait, call {@link #waitUntil}; the CPU is then not runnable until the
 *       condition holds. A condition must only read model state.</li>
 *   <li>Never use Java monitors or java.util.concurrent locks in model code.</li>
 * </ul>
 */
public interface Sched {

    /** A preemption point: another CPU may run before the caller continues. */
    void point(String label, Object location, Access access);

    /**
     * A point whose step may begin only once {@code canProceed} holds (a lock's acquire: the CPU
     * spins until the lock is free, then takes it in the step after the point). A CPU stopped
     * here while the condition is false is not runnable, so finding the lock held is no step of
     * its own: an attempt that only watches the owner's critical section changes nothing, and as
     * a step it would multiply the schedules by where in that section it happened.
     * {@code watched} is what the condition reads (the lock word): a strategy orders the blocked
     * CPU after the step that makes it true, as it would order an attempt step reading it.
     */
    default void point(String label, Object location, Access access, BooleanSupplier canProceed, Object watched) {
        point(label, location, access);
        waitUntil(canProceed, label, location, access);
    }

    /** A point that touches nothing shared (cond_resched and the like). */
    default void point(String label) {
        point(label, null, Access.NONE);
    }

    /**
     * Blocks the current CPU until {@code canProceed} holds. The condition is evaluated with no
     * CPU running; when it returns the caller runs again and the condition held at that moment.
     * If no CPU can ever make it true the execution ends in a deadlock verdict.
     */
    void waitUntil(BooleanSupplier canProceed, String waitingFor);

    /**
     * {@link #waitUntil(BooleanSupplier, String)} where the condition reads {@code location} and
     * the CPU, once it may proceed, makes the access {@code access} there (a lock it waits for):
     * a strategy then knows the waiter's next step as it knows a point's.
     */
    default void waitUntil(BooleanSupplier canProceed, String waitingFor, Object location, Access access) {
        waitUntil(canProceed, waitingFor);
    }

    /** The simulated CPU running now (0-based). */
    int currentCpu();

    /** How many simulated CPUs this machine has. */
    int nrCpus();

    /** True while an explorer drives the schedule; false for the shell, CLI and benchmarks. */
    boolean exploring();

    /** True when trace events are being recorded (function nesting, notes). */
    boolean tracing();

    /** Enters a kernel function for the trace's nesting; close the returned frame on exit. */
    Frame enter(String function);

    /** A free-text trace line on the current CPU, e.g. {@code "page_ext = NULL"}. */
    void note(String text);

    /**
     * Runs {@code action} as if on {@code cpu} (an interrupt handler taken by that CPU, e.g. an IPI):
     * {@link #currentCpu()} answers {@code cpu} meanwhile and points inside do not reschedule.
     */
    default void runAs(int cpu, Runnable action) {
        action.run();
    }

    /**
     * Whether the model should report its raw accesses ({@link #access}): a strategy that checks
     * each step's accesses against what the step's point announced (a debug mode of the explorer).
     */
    default boolean checksFootprints() {
        return false;
    }

    /**
     * A raw access the model makes between points (a memmap word, a page_ext word, a zone
     * counter), reported only when {@link #checksFootprints}: the running step's point must have
     * announced it (the location, or a {@link Region} holding it, with an access that covers it).
     */
    default void access(Object location, Access access) { }

    /** True when simulated CPU {@code cpu} has finished its work (it then takes interrupts at once). */
    default boolean finished(int cpu) {
        return false;
    }

    /** A trace frame; closing it pops the function from the current CPU's call nesting. */
    interface Frame extends AutoCloseable {
        @Override
        void close();

        /** The shared frame used when tracing is off. */
        Frame NONE = () -> { };
    }
}
