package mmsim.kernel.sync;

import mmsim.kernel.Kernel;
import mmsim.kernel.KernelFault;

/** Builders of lockdep's reports (kernel/locking/lockdep.c) for the lock classes of this package. */
final class Lockdeps {
    private Lockdeps() { }

    private static String header(String what) {
        return "============================================\n"
                + "WARNING: " + what + "\n"
                + "--------------------------------------------\n";
    }

    static KernelFault.Lockdep recursive(Kernel k, String lock) {
        Kernel.Cpu c = k.cpu();
        String report = header("possible recursive locking detected")
                + c.comm() + "/" + c.pid() + " is trying to acquire lock:\n (&" + lock + ") at: " + k.currentFunction() + "\n\n"
                + "but task is already holding lock:\n (&" + lock + ")\n\n"
                + " *** DEADLOCK ***\n\n" + k.heldLocksText(c) + k.callTrace(c);
        return new KernelFault.Lockdep("possible deadlock in " + k.currentFunction(), report);
    }

    static KernelFault.Lockdep badUnlock(Kernel k, String lock, int owner) {
        Kernel.Cpu c = k.cpu();
        String report = header("bad unlock balance detected!")
                + c.comm() + "/" + c.pid() + " is trying to release lock (&" + lock + ") at: " + k.currentFunction() + "\n"
                + "but there are no more locks to release!" + (owner >= 0 ? " (held by CPU " + owner + ")" : "") + "\n"
                + k.heldLocksText(c) + k.callTrace(c);
        return new KernelFault.Lockdep("WARNING: bad unlock balance in " + k.currentFunction(), report);
    }
}
