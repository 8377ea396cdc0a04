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
     * The kinds of verdict, one per record below. {@link #id()} is the name scenario files, the
     * outcome histogram and JSON output use ("kasan", "bad_page", ...).
     */
    enum Kind {
        PASSED("passed"), OOPS("oops"), BUG("bug"), KASAN("kasan"), BAD_PAGE("bad_page"), WARNING("warning"),
        LEAK("leak"), INCONSISTENCY("inconsistency"), SLEEP_IN_ATOMIC("sleep_in_atomic"), LOCKDEP("lockdep"),
        DEADLOCK("deadlock"), STEP_LIMIT("step_limit"), MODEL_DEFECT("model_defect");

        private static final List<String> IDS = java.util.Arrays.stream(values()).map(Kind::id).toList();

        private final String id;

        Kind(String id) { this.id = id; }

        public String id() { return id; }

        /** The kind named {@code id}, or null when no verdict has that name. */
        public static Kind ofId(String id) {
            for (Kind k : values()) if (k.id.equals(id)) return k;
            return null;
        }

        /** Every kind's {@link #id()}, in declaration order. */
        public static List<String> ids() { return IDS; }

        @Override public String toString() { return id; }
    }

    Kind kind();

    String title();

    String report();

    default boolean failed() {
        return true;
    }

    /** Every CPU ended, the end-of-execution checks passed, nothing was tainted. */
    record Passed() implements Verdict {
        public Kind kind() { return Kind.PASSED; }
        public String title() { return "passed"; }
        public String report() { return ""; }
        @Override public boolean failed() { return false; }
    }

    /** A kernel-mode page fault ("BUG: unable to handle page fault for address ..."). */
    record Oops(String title, String report, long address, String function) implements Verdict {
        public Kind kind() { return Kind.OOPS; }
    }

    /** BUG()/VM_BUG_ON*(): "kernel BUG at mm/...". */
    record Bug(String title, String report) implements Verdict {
        public Kind kind() { return Kind.BUG; }
    }

    /** A KASAN report (use-after-free, out-of-bounds). */
    record Kasan(String title, String report) implements Verdict {
        public Kind kind() { return Kind.KASAN; }
    }

    /** bad_page(): "BUG: Bad page state". */
    record BadPage(String title, String report) implements Verdict {
        public Kind kind() { return Kind.BAD_PAGE; }
    }

    /** WARN_ON() and friends. */
    record Warning(String title, String report) implements Verdict {
        public Kind kind() { return Kind.WARNING; }
    }

    /** Memory (pages, blocks) lost at the end of the execution, as kmemleak or the accounting check says. */
    record Leak(String title, String report) implements Verdict {
        public Kind kind() { return Kind.LEAK; }
    }

    /**
     * The end-of-execution whole-model check found the allocator's state corrupted: free lists
     * that disagree with PageBuddy, the order or the counters, a page on two lists, incoherent
     * section flags, refcounts that disagree with mappings. Not a model defect: the modelled
     * kernel code left this state (a race the CONFIG_DEBUG_VM checks would catch later, if ever).
     */
    record Inconsistency(String title, String report) implements Verdict {
        public Kind kind() { return Kind.INCONSISTENCY; }
    }

    /** might_sleep() in atomic context. */
    record SleepInAtomic(String title, String report) implements Verdict {
        public Kind kind() { return Kind.SLEEP_IN_ATOMIC; }
    }

    /** lockdep: circular locking dependency, recursive locking, bad unlock, lockdep_assert_held. */
    record Lockdep(String title, String report) implements Verdict {
        public Kind kind() { return Kind.LOCKDEP; }
    }

    /** No runnable CPU while some have not finished. */
    record Deadlock(String title, String report) implements Verdict {
        public Kind kind() { return Kind.DEADLOCK; }
    }

    /** The execution ran more points than the step limit (livelock, or an unbounded retry loop). */
    record StepLimit(String title, String report) implements Verdict {
        public Kind kind() { return Kind.STEP_LIMIT; }
    }

    /** An unexpected Java exception from model code: a defect of the model, not a kernel verdict. */
    record ModelDefect(String title, String report) implements Verdict {
        public Kind kind() { return Kind.MODEL_DEFECT; }
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
            case BAD_PAGE -> new BadPage(t.title(), t.report());
            case LEAK -> new Leak(t.title(), t.report());
            case INCONSISTENCY -> new Inconsistency(t.title(), t.report());
            case WARNING -> new Warning(t.title(), t.report());
        };
    }
}
