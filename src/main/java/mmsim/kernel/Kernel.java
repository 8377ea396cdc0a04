package mmsim.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The per-machine kernel context: the scheduler hook, the kernel log, per-CPU state (IRQs,
 * preemption count, RCU nesting, held locks, the running task's comm/pid, the call nesting used
 * for oops call traces) and the builders of the kernel's fault reports.
 *
 * <p>Every model object holds the {@code Kernel} of its machine; nothing here is static, so
 * several machines (one per explored execution) never share state.
 */
public final class Kernel {

    /** Architecture flavour of the reports (x86_64 or arm64). */
    public enum Arch { X86_64, ARM64 }

    /** State of one simulated CPU. Touched only by the CPU itself (and by the explorer between steps). */
    public static final class Cpu {
        public final int id;
        String comm = "swapper/0";
        int pid = 0;
        int irqDisableDepth;
        int preemptCount;
        int rcuNesting;
        /** Bumped each time the CPU leaves its outermost RCU read-side section (a quiescent state). */
        long rcuQuiescentCount;
        final List<Object> heldLocks = new ArrayList<>();
        final List<String> callStack = new ArrayList<>();
        private final Sched.Frame popFrame = this::popFrame;

        Cpu(int id) {
            this.id = id;
            this.comm = "swapper/" + id;
        }

        public String comm() { return comm; }
        public int pid() { return pid; }
        public boolean irqsDisabled() { return irqDisableDepth > 0; }
        public int preemptCount() { return preemptCount; }
        public int rcuNesting() { return rcuNesting; }
        public long rcuQuiescentCount() { return rcuQuiescentCount; }
        public List<Object> heldLocks() { return heldLocks; }
        public List<String> callStack() { return callStack; }

        public boolean inAtomic() { return preemptCount > 0 || irqDisableDepth > 0; }

        private void popFrame() {
            if (!callStack.isEmpty()) callStack.remove(callStack.size() - 1);
        }
    }

    private Sched sched;
    private final Cpu[] cpus;
    private final Arch arch;
    private final String release;
    private final KernelLog log = new KernelLog();
    private int oopsCount;

    public Kernel(int nrCpus, Arch arch, String release) {
        if (nrCpus < 1 || nrCpus > 64) throw new IllegalArgumentException("nr_cpus must be 1..64, got " + nrCpus);
        this.cpus = new Cpu[nrCpus];
        for (int i = 0; i < nrCpus; i++) cpus[i] = new Cpu(i);
        this.sched = new DirectSched(nrCpus);
        this.arch = arch;
        this.release = release;
    }

    // ---- scheduling -------------------------------------------------------------------------

    public Sched sched() { return sched; }

    /** Installed by the explorer before the CPUs start; the shell keeps the {@link DirectSched}. */
    public void setSched(Sched sched) {
        if (sched.nrCpus() != cpus.length) throw new IllegalArgumentException("scheduler has " + sched.nrCpus() + " CPUs, machine has " + cpus.length);
        this.sched = sched;
    }

    /** Shorthand for {@code sched().point(label, location, access)}. */
    public void point(String label, Object location, Access access) {
        sched.point(label, location, access);
    }

    public int nrCpus() { return cpus.length; }
    public Cpu cpu() { return cpus[sched.currentCpu()]; }
    public Cpu cpu(int id) { return cpus[id]; }
    public int smpProcessorId() { return sched.currentCpu(); }
    public Arch arch() { return arch; }
    public String release() { return release; }
    public KernelLog log() { return log; }

    /** Names the task running on {@code cpu}, as "Comm:" in reports and the trace column header. */
    public void setTask(int cpu, String comm, int pid) {
        cpus[cpu].comm = comm;
        cpus[cpu].pid = pid;
    }

    /**
     * Enters a kernel function: pushes it on the current CPU's call nesting (for oops call traces)
     * and, when tracing, on the trace. Use with try-with-resources.
     */
    public Sched.Frame enter(String function) {
        Cpu c = cpu();
        c.callStack.add(function);
        if (!sched.tracing()) return c.popFrame;
        Sched.Frame traced = sched.enter(function);
        return () -> {
            traced.close();
            c.popFrame();
        };
    }

    /** A free-text trace line on the current CPU (only recorded while tracing). */
    public void note(String text) {
        if (sched.tracing()) sched.note(text);
    }

    /** The innermost function the current CPU is in, or "?" outside any. */
    public String currentFunction() {
        List<String> s = cpu().callStack;
        return s.isEmpty() ? "?" : s.get(s.size() - 1);
    }

    // ---- atomic context ---------------------------------------------------------------------

    public void preemptDisable() { cpu().preemptCount++; }
    public void preemptEnable() { cpu().preemptCount--; }

    /**
     * might_sleep(): a sleeping lock or allocation from atomic context is a bug
     * (kernel/sched/core.c, __might_resched).
     */
    public void mightSleep(String file, int line) {
        Cpu c = cpu();
        if (c.preemptCount > 0 || c.irqDisableDepth > 0 || c.rcuNesting > 0) {
            String fn = currentFunction();
            String report = "BUG: sleeping function called from invalid context at " + file + ":" + line + "\n"
                    + String.format(Locale.ROOT, "in_atomic(): %d, irqs_disabled(): %d, non_block: 0, pid: %d, name: %s%n",
                            c.preemptCount > 0 ? 1 : 0, c.irqDisableDepth > 0 ? 1 : 0, c.pid, c.comm)
                    + String.format(Locale.ROOT, "preempt_count: %x, expected: 0%n", c.preemptCount)
                    + "RCU nest depth: " + c.rcuNesting + ", expected: 0\n"
                    + heldLocksText(c)
                    + callTrace(c);
            throw new KernelFault.SleepInAtomic(fn, report);
        }
    }

    // ---- reports ----------------------------------------------------------------------------

    /**
     * Builds the oops a kernel-mode access to an unmapped address produces, in the shape of
     * arch/x86/mm/fault.c (show_fault_oops) or arch/arm64/mm/fault.c (die_kernel_fault), and
     * returns it for the caller to throw.
     */
    public KernelFault.Oops pageFault(long address, boolean write, String function) {
        Cpu c = cpu();
        int n = ++oopsCount;
        StringBuilder sb = new StringBuilder();
        String addr = String.format(Locale.ROOT, "%016x", address);
        if (arch == Arch.X86_64) {
            if (Long.compareUnsigned(address, 4096) < 0) {
                sb.append("BUG: kernel NULL pointer dereference, address: ").append(addr).append('\n');
            } else {
                sb.append("BUG: unable to handle page fault for address: ").append(addr).append('\n');
            }
            sb.append("#PF: supervisor ").append(write ? "write" : "read").append(" access in kernel mode\n");
            sb.append("#PF: error_code(").append(write ? "0x0002" : "0x0000").append(") - not-present page\n");
            sb.append("Oops: ").append(write ? "0002" : "0000").append(" [#").append(n).append("] SMP PTI\n");
            sb.append(cpuLine(c));
            sb.append("RIP: 0010:").append(function).append('\n');
            sb.append("CR2: ").append(addr).append('\n');
            sb.append(callTrace(c));
            sb.append("---[ end trace 0000000000000000 ]---\n");
        } else {
            sb.append("Unable to handle kernel paging request at virtual address ").append(addr).append('\n');
            sb.append("Mem abort info:\n");
            sb.append("  ESR = 0x0000000096000006\n");
            sb.append("  EC = 0x25: DABT (current EL), IL = 32 bits\n");
            sb.append("Internal error: Oops: 0000000096000006 [#").append(n).append("] PREEMPT SMP\n");
            sb.append(cpuLine(c));
            sb.append("pc : ").append(function).append('\n');
            sb.append(callTrace(c));
            sb.append("---[ end trace 0000000000000000 ]---\n");
        }
        log.printk(sb.toString());
        return new KernelFault.Oops(address, function, sb.toString());
    }

    /**
     * BUG()/VM_BUG_ON(): "kernel BUG at file:line!" with the oops body. {@code preface} is
     * printed first (dump_page output for VM_BUG_ON_PAGE), may be empty.
     */
    public KernelFault.Bug bug(String file, int line, String preface) {
        Cpu c = cpu();
        int n = ++oopsCount;
        String fn = currentFunction();
        StringBuilder sb = new StringBuilder(preface);
        if (!preface.isEmpty() && !preface.endsWith("\n")) sb.append('\n');
        sb.append("kernel BUG at ").append(file).append(':').append(line).append("!\n");
        sb.append(arch == Arch.X86_64 ? "Oops: invalid opcode: 0000 [#" : "Internal error: Oops - BUG: 00000000f2000800 [#")
                .append(n).append(arch == Arch.X86_64 ? "] SMP PTI\n" : "] PREEMPT SMP\n");
        sb.append(cpuLine(c));
        sb.append(arch == Arch.X86_64 ? "RIP: 0010:" : "pc : ").append(fn).append('\n');
        sb.append(callTrace(c));
        sb.append("---[ end trace 0000000000000000 ]---\n");
        log.printk(sb.toString());
        return new KernelFault.Bug(fn, sb.toString());
    }

    /** WARN_ON(): logs the warning and remembers it as a taint; execution goes on. */
    public void warn(String file, int line, String message) {
        Cpu c = cpu();
        String fn = currentFunction();
        String report = "------------[ cut here ]------------\n"
                + (message.isEmpty() ? "" : message + "\n")
                + "WARNING: CPU: " + c.id + " PID: " + c.pid + " at " + file + ":" + line + " " + fn + "\n"
                + cpuLine(c) + callTrace(c) + "---[ end trace 0000000000000000 ]---";
        log.taint("warning", "WARNING in " + fn, report);
    }

    public String cpuLine(Cpu c) {
        return "CPU: " + c.id + " PID: " + c.pid + " Comm: " + c.comm + " Not tainted " + release + " #1\n";
    }

    public String callTrace(Cpu c) {
        StringBuilder sb = new StringBuilder("Call Trace:\n");
        if (arch == Arch.X86_64) sb.append(" <TASK>\n");
        for (int i = c.callStack.size() - 1; i >= 0; i--) sb.append(' ').append(c.callStack.get(i)).append('\n');
        if (arch == Arch.X86_64) sb.append(" </TASK>\n");
        return sb.toString();
    }

    public String heldLocksText(Cpu c) {
        if (c.heldLocks.isEmpty()) return "no locks held by " + c.comm + "/" + c.pid + ".\n";
        StringBuilder sb = new StringBuilder().append(c.heldLocks.size()).append(" lock")
                .append(c.heldLocks.size() == 1 ? "" : "s").append(" held by ").append(c.comm).append('/').append(c.pid).append(":\n");
        for (int i = 0; i < c.heldLocks.size(); i++) sb.append(" #").append(i).append(": ").append(c.heldLocks.get(i)).append('\n');
        return sb.toString();
    }
}
