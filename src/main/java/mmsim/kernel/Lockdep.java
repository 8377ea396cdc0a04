package mmsim.kernel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The lock-order half of lockdep (kernel/locking/lockdep.c), one graph per {@link Kernel}.
 * Locks created with the same name share a class. Acquiring class B while holding class A
 * records the dependency A -> B together with the call stack that established it; acquiring B
 * while holding A when B -> ... -> A already exists is a possible circular locking dependency,
 * reported at once (before blocking), in every schedule that takes both orders, as lockdep does.
 *
 * <p>Simplifications: read and write acquisitions are not told apart (lockdep's recursive-read
 * rules are not modelled), trylocks add no dependency, and nesting two locks of one class is
 * allowed (no {@code spin_lock_nested} annotations are needed). Lockdep can be switched off per
 * kernel (CONFIG_PROVE_LOCKING=n) so a test can watch the deadlock itself happen.
 *
 * <p>The other half is the assertions (include/linux/lockdep.h): {@code lockdep_assert_held()},
 * {@code _held_write()}, {@code _held_read()} are methods of the locks in {@code mmsim.kernel.sync}
 * (each checks its own owner field: one compare when the lock is held, so they cost nothing in hot
 * paths); {@link #assertHeldClass}, {@link #assertIrqsDisabled} are here; all fail through
 * {@link #assertFailed}. They stay armed when the dependency checking is off, as with
 * CONFIG_DEBUG_LOCK_ALLOC=y and CONFIG_PROVE_LOCKING=n, which keeps CONFIG_LOCKDEP.
 */
public final class Lockdep {

    /** Where a dependency was first seen. */
    private record Dep(String comm, int pid, int cpu, List<String> stack) { }

    private final Map<String, Map<String, Dep>> after = new HashMap<>();
    private boolean enabled = true;

    public boolean enabled() { return enabled; }

    public void setEnabled(boolean on) { enabled = on; }

    /**
     * Validates acquiring {@code lock} (whose {@code toString()} names its class, e.g. "&zone->lock")
     * on the current CPU, before it blocks; records the new dependencies on the locks it holds.
     */
    public void acquire(Kernel k, Object lock) {
        acquire(k, k.cpu(), lock);
    }

    /** {@link #acquire(Kernel, Object)} for a caller that already has the current CPU {@code c}. */
    public void acquire(Kernel k, Kernel.Cpu c, Object lock) {
        if (!enabled) return;
        int n = c.nrHeld;
        if (n == 0) return;
        Object[] heldLocks = c.heldLocks;
        String next = lock.toString();
        // An edge held -> next that is already in the graph was validated when it was added, and
        // the graph stays acyclic, so it cannot close a cycle now: skip the search (lockdep's
        // lock-chain cache plays the same role for repeated acquisitions).
        boolean allKnown = true;
        for (int i = 0; i < n; i++) {
            String held = heldLocks[i].toString();
            if (held.equals(next)) continue;
            Map<String, Dep> out = after.get(held);
            if (out != null && out.containsKey(next)) continue;
            allKnown = false;
            List<String> path = path(next, held);
            if (path != null) throw circular(k, c, held, next, path);
        }
        if (allKnown) return;
        for (int i = 0; i < n; i++) {
            String held = heldLocks[i].toString();
            if (held.equals(next)) continue;
            after.computeIfAbsent(held, x -> new LinkedHashMap<>())
                    .putIfAbsent(next, new Dep(c.comm, c.pid, c.id, List.copyOf(c.callStack())));
        }
    }

    /**
     * A lockdep assertion failed. The kernel's {@code lockdep_assert(c)} is
     * {@code WARN_ON(debug_locks && !c)}: it prints the WARN splat and goes on. The model prints the
     * same splat (logged) and ends the execution there, as a lockdep verdict: code that runs on
     * without the lock it asserted would let a later failure hide the cause, and the first splat is
     * the one a developer reads. The model has no source lines, so the splat's WARNING line names
     * the function only (__warn's form without a file) and the assertion as written stands above it
     * as the message, e.g. {@code lockdep_assert_held(&zone->lock)}. Build the text only on failure.
     */
    public KernelFault.Lockdep assertFailed(Kernel k, String assertion) {
        String report = k.warnSplat("", assertion);
        k.log().printk(report);
        return new KernelFault.Lockdep("WARNING in " + k.currentFunction() + ": " + assertion, report);
    }

    /** lockdep_assert_irqs_disabled(): hard interrupts are off on this CPU. */
    public void assertIrqsDisabled(Kernel k) {
        if (k.droppedLockClasses().contains(LockClass.LOCAL_IRQ_DISABLE)) return;   // drop-lock: not the failure to report
        if (!k.cpu().irqsDisabled()) throw assertFailed(k, "lockdep_assert_irqs_disabled()");
    }

    /**
     * lockdep_assert_held() for a caller that holds "the lock of this object" without having the
     * object at hand (rmap's page_add_*_rmap get the page, not the PTE whose lock the caller took):
     * this CPU holds some lock of class {@code lockClass} (as {@code toString()} of the lock gives it,
     * e.g. "&ptlock_ptr(ptdesc)"). Weaker than an instance check, and says so in the report.
     */
    public void assertHeldClass(Kernel k, String lockClass) {
        if (k.lockClassDropped(lockClass)) return;   // drop-lock: not the failure to report
        Kernel.Cpu c = k.cpu();
        Object[] held = c.heldLocks;
        for (int i = c.nrHeld - 1; i >= 0; i--) if (held[i].toString().equals(lockClass)) return;
        throw assertFailed(k, "lockdep_assert_held(" + lockClass + ") (any lock of the class)");
    }

    /** A dependency path from -> ... -> to, as the list of classes, or null. Breadth-first, so the shortest. */
    private List<String> path(String from, String to) {
        Map<String, String> parent = new HashMap<>();
        ArrayDeque<String> queue = new ArrayDeque<>();
        queue.add(from);
        parent.put(from, from);
        while (!queue.isEmpty()) {
            String x = queue.poll();
            if (x.equals(to)) {
                List<String> p = new ArrayList<>();
                for (String y = to; ; y = parent.get(y)) {
                    p.add(0, y);
                    if (y.equals(from)) break;
                }
                return p;
            }
            Map<String, Dep> out = after.get(x);
            if (out == null) continue;
            for (String y : out.keySet()) {
                if (parent.putIfAbsent(y, x) == null) queue.add(y);
            }
        }
        return null;
    }

    private KernelFault.Lockdep circular(Kernel k, Kernel.Cpu c, String held, String next, List<String> path) {
        String fn = k.currentFunction();
        StringBuilder sb = new StringBuilder();
        sb.append("======================================================\n");
        sb.append("WARNING: possible circular locking dependency detected\n");
        sb.append(k.release()).append(" Not tainted\n");
        sb.append("------------------------------------------------------\n");
        sb.append(c.comm).append('/').append(c.pid).append(" is trying to acquire lock:\n");
        sb.append(" (").append(next).append("), at: ").append(fn).append("\n\n");
        sb.append("but task is already holding lock:\n");
        sb.append(" (").append(held).append(")\n\n");
        sb.append("which lock already depends on the new lock.\n\n");
        sb.append("the existing dependency chain (in reverse order) is:\n");
        // path: next -> ... -> held; print the recorded edges newest-first, then the new one.
        int num = path.size() - 1;
        for (int i = path.size() - 1; i >= 1; i--) {
            Dep d = after.get(path.get(i - 1)).get(path.get(i));
            sb.append("\n-> #").append(num--).append(" (").append(path.get(i)).append("):\n");
            sb.append("       taken after ").append(path.get(i - 1)).append(" by ").append(d.comm).append('/').append(d.pid)
                    .append(" on CPU ").append(d.cpu).append('\n');
            for (int j = d.stack.size() - 1; j >= 0; j--) sb.append("       ").append(d.stack.get(j)).append('\n');
        }
        sb.append("\n-> #0 (").append(next).append("):\n");
        sb.append("       taken after ").append(held).append(" by ").append(c.comm).append('/').append(c.pid)
                .append(" on CPU ").append(c.id).append('\n');
        for (int j = c.depth - 1; j >= 0; j--) sb.append("       ").append(c.callStack[j]).append('\n');
        sb.append("\nother info that might help us debug this:\n\n");
        if (path.size() > 2) {
            sb.append("Chain exists of:\n  ").append(String.join(" --> ", path.reversed())).append("\n\n");
        }
        String a = held, b = next;
        sb.append(" Possible unsafe locking scenario:\n\n");
        sb.append(String.format(java.util.Locale.ROOT, "       %-24s%s%n", "CPU0", "CPU1"));
        sb.append(String.format(java.util.Locale.ROOT, "       %-24s%s%n", "----", "----"));
        sb.append("  lock(").append(a).append(");\n");
        sb.append("                               lock(").append(path.size() > 2 ? path.get(1) : b).append(");\n");
        sb.append("                               lock(").append(a).append(");\n");
        sb.append("  lock(").append(b).append(");\n\n");
        sb.append(" *** DEADLOCK ***\n\n");
        sb.append(k.heldLocksText(c)).append('\n');
        sb.append("stack backtrace:\n").append(k.cpuLine(c)).append(k.callTrace(c));
        String report = sb.toString();
        k.log().printk(report);
        return new KernelFault.Lockdep("possible deadlock in " + fn, report);
    }
}
