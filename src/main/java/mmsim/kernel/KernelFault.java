package mmsim.kernel;

/**
 * A failure the simulated kernel suffers: thrown by model code at the point the real kernel
 * would oops, hit BUG(), or be caught by a debugging aid (KASAN, lockdep, might_sleep).
 * The explorer turns each subclass into a verdict; the shell prints {@link #report()}.
 *
 * <p>{@link #title()} is a one-line summary in the syzkaller manner, so verdicts can be grepped
 * and matched against syzbot titles; {@link #report()} is the console text in the kernel's shape.
 */
public abstract sealed class KernelFault extends RuntimeException
        permits KernelFault.Oops, KernelFault.Bug, KernelFault.Kasan, KernelFault.SleepInAtomic,
                KernelFault.Lockdep, KernelFault.Hang {

    private final String report;

    protected KernelFault(String title, String report) {
        super(title, null, false, false);
        this.report = report;
    }

    /** One line in syzkaller's form, e.g. {@code BUG: unable to handle kernel paging request in stable_page_flags}. */
    public String title() {
        return getMessage();
    }

    /** The console text as the kernel would print it. */
    public String report() {
        return report;
    }

    /** A page fault in kernel mode (x86 "BUG: unable to handle page fault", arm64 "Unable to handle kernel paging request"). */
    public static final class Oops extends KernelFault {
        private final long address;
        private final String function;

        public Oops(long address, String function, String report) {
            // The title syzkaller gives the report (pkg/report's linux oops table): the console says
            // "BUG: unable to handle page fault for address", the dashboard "kernel paging request".
            super((Long.compareUnsigned(address, 4096) < 0
                    ? "BUG: unable to handle kernel NULL pointer dereference in " : "BUG: unable to handle kernel paging request in ") + function,
                    report);
            this.address = address;
            this.function = function;
        }

        public long address() { return address; }
        public String function() { return function; }
    }

    /** BUG(), BUG_ON(), VM_BUG_ON_PAGE() and friends: "kernel BUG at mm/file.c:line!". */
    public static final class Bug extends KernelFault {
        private final String function;

        public Bug(String function, String report) {
            super("kernel BUG in " + function, report);
            this.function = function;
        }

        public String function() { return function; }
    }

    /** A KASAN report: use-after-free or out-of-bounds access to model memory. Titled as syzkaller does: "KASAN: use-after-free Read in f". */
    public static final class Kasan extends KernelFault {
        public Kasan(String kind, boolean write, String function, String report) {
            super("KASAN: " + kind + (write ? " Write" : " Read") + " in " + function, report);
        }
    }

    /** might_sleep() in atomic context: "BUG: sleeping function called from invalid context". */
    public static final class SleepInAtomic extends KernelFault {
        public SleepInAtomic(String function, String report) {
            super("BUG: sleeping function called from invalid context in " + function, report);
        }
    }

    /** A lockdep splat: possible circular locking, or a lock the caller must hold but does not. */
    public static final class Lockdep extends KernelFault {
        public Lockdep(String title, String report) {
            super(title, report);
        }
    }

    /** A wait that can never end outside the explorer (the explorer reports deadlocks itself). */
    public static final class Hang extends KernelFault {
        public Hang(String message) {
            super("INFO: task hung: " + message, message);
        }
    }
}
