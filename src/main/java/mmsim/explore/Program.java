package mmsim.explore;

import java.util.Map;

/**
 * What the explorer runs. {@link #instantiate()} builds the world of one execution, equal to
 * every other instance's at its start: nothing may carry over from one execution to the next,
 * or executions stop being deterministic functions of their schedule. An instance is used only
 * until the next {@code instantiate()}, so a program may build the next world in the storage of
 * the last one.
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
