package mmsim.kernel;

import java.util.function.BooleanSupplier;

/**
 * The scheduler used outside exploration: one CPU (by default CPU 0) runs everything,
 * points cost nothing, and a wait that is not already satisfied can never be satisfied,
 * so it is reported as the deadlock it would be.
 */
public final class DirectSched implements Sched {
    private final int nrCpus;
    /** Read directly by {@link Kernel#smpProcessorId()} on the fast path. */
    int current;
    /**
     * The machine's CPUs when this scheduler was made by its {@link Kernel} (else null), and
     * the one {@link #current} names: {@link Kernel#cpu()}, asked several times per lock and
     * kernel function, then reads one field instead of indexing the CPU table.
     */
    private final Kernel.Cpu[] cpus;
    Kernel.Cpu currentCpu;

    public DirectSched(int nrCpus) {
        this(nrCpus, null);
    }

    DirectSched(int nrCpus, Kernel.Cpu[] cpus) {
        this.nrCpus = nrCpus;
        this.cpus = cpus;
        this.currentCpu = cpus == null ? null : cpus[0];
    }

    /** True when this scheduler was made for the machine whose CPUs are {@code cpus}. */
    boolean boundTo(Kernel.Cpu[] cpus) { return this.cpus == cpus; }

    private void setCurrent(int cpu) {
        current = cpu;
        if (cpus != null) currentCpu = cpus[cpu];
    }

    /** Makes later calls run as {@code cpu} (the shell's {@code taskset}-like switch). */
    public void setCurrentCpu(int cpu) {
        if (cpu < 0 || cpu >= nrCpus) throw new IllegalArgumentException("cpu " + cpu + " out of range 0.." + (nrCpus - 1));
        setCurrent(cpu);
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
        setCurrent(cpu);
        try {
            action.run();
        } finally {
            setCurrent(saved);
        }
    }

    /** Outside exploration only the current CPU is doing anything; the others take interrupts at once. */
    @Override public boolean finished(int cpu) { return cpu != current; }
}
