package mmsim.explore;

import java.util.Map;

/**
 * What the explorer runs. {@link #instantiate()} builds a fresh, independent world for every
 * execution: nothing may be shared between two instances, or executions stop being
 * deterministic functions of their schedule.
 */
public interface Program {

    Instance instantiate();

    /** One world: a kernel, its simulated CPUs and the model state they share. */
    interface Instance {
        /** The explorer installs its scheduler with {@code kernel().setSched(...)} before any CPU runs. */
        mmsim.kernel.Kernel kernel();

        int nrCpus();

        /** Trace column header, e.g. {@code "CPU A (cat /proc/kpageflags)"}. */
        String cpuName(int cpu);

        /** Body of simulated CPU {@code cpu}; runs kernel code for real. */
        void runCpu(int cpu);

        /**
         * After all CPUs ended without a fault: end-of-execution checks (may throw
         * {@link mmsim.kernel.KernelFault}); returns observed values for outcome grading
         * (e.g. {@code "A.r0" -> "0x1"}) in a deterministic order.
         */
        Map<String, String> finish();
    }
}
