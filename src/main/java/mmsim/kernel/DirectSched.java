package mmsim.kernel;

import java.util.function.BooleanSupplier;

/**
 * The scheduler used outside exploration: one CPU (by default CPU 0) runs everything,
 * points cost nothing, and a wait that is not already satisfied can never be satisfied,
 * so it is reported as the deadlock it would be.
 */
public final class DirectSched implements Sched {
    private final int nrCpus;
    private int current;

    public DirectSched(int nrCpus) {
        this.nrCpus = nrCpus;
    }

    /** Makes later calls run as {@code cpu} (the shell's {@code taskset}-like switch). */
    public void setCurrentCpu(int cpu) {
        if (cpu < 0 || cpu >= nrCpus) throw new IllegalArgumentException("cpu " + cpu + " out of range 0.." + (nrCpus - 1));
        current = cpu;
    }

    @Override public void point(String label, Object location, Access access) { }

    @Override
    public void waitUntil(BooleanSupplier canProceed, String waitingFor) {
        if (!canProceed.getAsBoolean()) {
            throw new KernelFault.Hang("CPU " + current + " would wait forever for " + waitingFor
                    + " (no other CPU runs outside the explorer)");
        }
    }

    @Override public int currentCpu() { return current; }
    @Override public int nrCpus() { return nrCpus; }
    @Override public boolean exploring() { return false; }
    @Override public boolean tracing() { return false; }
    @Override public Frame enter(String function) { return Frame.NONE; }
    @Override public void note(String text) { }

    @Override
    public void runAs(int cpu, Runnable action) {
        int saved = current;
        current = cpu;
        try {
            action.run();
        } finally {
            current = saved;
        }
    }

    /** Outside exploration only the current CPU is doing anything; the others take interrupts at once. */
    @Override public boolean finished(int cpu) { return cpu != current; }
}
