package mmsim.explore;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import mmsim.kernel.KernelFault;
import mmsim.kernel.KernelLog;

/**
 * How one execution ended: a closed family. Kernel verdicts mirror what the kernel's own
 * debugging aids report (oops, BUG, KASAN, bad_page, WARN, kmemleak, might_sleep, lockdep,
 * hung tasks); {@link ModelDefect} is a bug in the model itself and never a kernel verdict.
 *
 * <p>{@link #title()} is one line in the syzkaller manner; {@link #report()} is the console
 * text in the kernel's shape (may be empty).
 */
public sealed interface Verdict {

    /**
     * "passed", "oops", "bug", "kasan", "bad_page", "warning", "leak", "inconsistency",
     * "sleep_in_atomic", "lockdep", "deadlock", "step_limit", "model_defect".
     */
    String kind();

    String title();

    String report();

    default boolean failed() {
        return true;
    }

    /** Every CPU ended, the end-of-execution checks passed, nothing was tainted. */
    record Passed() implements Verdict {
        public String kind() { return "passed"; }
        public String title() { return "passed"; }
        public String report() { return ""; }
        @Override public boolean failed() { return false; }
    }

    /** A kernel-mode page fault ("BUG: unable to handle page fault for address ..."). */
    record Oops(String title, String report, long address, String function) implements Verdict {
        public String kind() { return "oops"; }
    }

    /** BUG()/VM_BUG_ON*(): "kernel BUG at mm/...". */
    record Bug(String title, String report) implements Verdict {
        public String kind() { return "bug"; }
    }

    /** A KASAN report (use-after-free, out-of-bounds). */
    record Kasan(String title, String report) implements Verdict {
        public String kind() { return "kasan"; }
    }

    /** bad_page(): "BUG: Bad page state". */
    record BadPage(String title, String report) implements Verdict {
        public String kind() { return "bad_page"; }
    }

    /** WARN_ON() and friends. */
    record Warning(String title, String report) implements Verdict {
        public String kind() { return "warning"; }
    }

    /** Memory (pages, blocks) lost at the end of the execution, as kmemleak or the accounting check says. */
    record Leak(String title, String report) implements Verdict {
        public String kind() { return "leak"; }
    }

    /**
     * The end-of-execution whole-model check found the allocator's state corrupted: free lists
     * that disagree with PageBuddy, the order or the counters, a page on two lists, incoherent
     * section flags, refcounts that disagree with mappings. Not a model defect: the modelled
     * kernel code left this state (a race the CONFIG_DEBUG_VM checks would catch later, if ever).
     */
    record Inconsistency(String title, String report) implements Verdict {
        public String kind() { return "inconsistency"; }
    }

    /** might_sleep() in atomic context. */
    record SleepInAtomic(String title, String report) implements Verdict {
        public String kind() { return "sleep_in_atomic"; }
    }

    /** lockdep: circular locking dependency, recursive locking, bad unlock, lockdep_assert_held. */
    record Lockdep(String title, String report) implements Verdict {
        public String kind() { return "lockdep"; }
    }

    /** No runnable CPU while some have not finished. */
    record Deadlock(String title, String report) implements Verdict {
        public String kind() { return "deadlock"; }
    }

    /** The execution ran more points than the step limit (livelock, or an unbounded retry loop). */
    record StepLimit(String title, String report) implements Verdict {
        public String kind() { return "step_limit"; }
    }

    /** An unexpected Java exception from model code: a defect of the model, not a kernel verdict. */
    record ModelDefect(String title, String report) implements Verdict {
        public String kind() { return "model_defect"; }
    }

    Passed PASSED = new Passed();

    /** Maps a fault thrown by model code to its verdict. */
    static Verdict of(Throwable t) {
        if (t instanceof KernelFault f) {
            return switch (f) {
                case KernelFault.Oops o -> new Oops(o.title(), o.report(), o.address(), o.function());
                case KernelFault.Bug b -> new Bug(b.title(), b.report());
                case KernelFault.Kasan k -> new Kasan(k.title(), k.report());
                case KernelFault.SleepInAtomic s -> new SleepInAtomic(s.title(), s.report());
                case KernelFault.Lockdep l -> new Lockdep(l.title(), l.report());
                case KernelFault.Hang h -> new Deadlock(h.title(), h.report());
            };
        }
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        StackTraceElement[] st = t.getStackTrace();
        String where = st.length > 0 ? " at " + st[0].getClassName().replaceAll(".*\\.", "") + "." + st[0].getMethodName()
                + "(" + st[0].getFileName() + ":" + st[0].getLineNumber() + ")" : "";
        return new ModelDefect("model defect: " + t.getClass().getSimpleName()
                + (t.getMessage() == null ? "" : ": " + t.getMessage()) + where, sw.toString());
    }

    /** Maps the first non-fatal taint left in the kernel log, or null when there is none. */
    static Verdict ofTaints(List<KernelLog.Taint> taints) {
        if (taints.isEmpty()) return null;
        KernelLog.Taint t = taints.get(0);
        return switch (t.kind()) {
            case "bad_page" -> new BadPage(t.title(), t.report());
            case "leak" -> new Leak(t.title(), t.report());
            case "inconsistency" -> new Inconsistency(t.title(), t.report());
            default -> new Warning(t.title(), t.report());
        };
    }
}
