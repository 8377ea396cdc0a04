package mmsim.scenario.ops;

import java.util.Map;

import mmsim.kernel.Kernel;
import mmsim.scenario.Booted;

/**
 * What an operation runs against: the booted machine of this execution, its kernel and the
 * variables of the scenario ({@code -> name} assignments, shared by all programs of one execution).
 */
public final class OpContext {
    private final Booted machine;
    private final Map<String, String> vars;
    /** The kernel log line {@code dmesg} reads from: set by {@code dmesg mark}, and when setup ends. */
    private int dmesgMark;

    public OpContext(Booted machine, Map<String, String> vars) {
        this.machine = machine;
        this.vars = vars;
    }

    /** The booted machine: its files (/proc, /sys, debugfs) and its model. */
    public Booted machine() { return machine; }

    public Kernel kernel() { return machine.kernel(); }

    /** The value of {@code $name}; the parser has checked that an earlier line assigns it. */
    public String var(String name) {
        String v = vars.get(name);
        if (v == null) throw new IllegalStateException("variable $" + name + " has no value yet");
        return v;
    }

    /** The value of {@code $name} read as a number (a pfn an allocation returned). */
    public long varNumber(String name) {
        String v = var(name);
        Long n = Args.parseNumber(v);
        if (n == null) throw new IllegalStateException("variable $" + name + " is '" + v + "', not a number");
        return n;
    }

    public Map<String, String> vars() { return vars; }

    /** Marks the end of the kernel log: a later {@code dmesg} shows only what is logged after it. */
    public void markDmesg() { dmesgMark = kernel().log().size(); }

    public int dmesgMark() { return dmesgMark; }
}
