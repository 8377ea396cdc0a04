package mmsim.scenario;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import mmsim.explore.Program;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MachineLayout;
import mmsim.scenario.Scenario.CpuProgram;
import mmsim.scenario.Scenario.Variant;
import mmsim.scenario.ops.OpContext;
import mmsim.scenario.ops.OpRegistry.Step;

/**
 * One scenario under one variant, as the explorer runs it. The first {@link #instantiate()} boots
 * a machine from the layout and the variant's kernel config and runs the setup program on CPU 0
 * (before the explorer installs its scheduler, so setup is never explored); every instance is one
 * deep copy of that machine ({@link GraphCopy}) with one CPU body per {@code cpu} block, restored
 * in place to the state setup left before each execution (so an instance is dead once the next is
 * made; {@link #copyingEachExecution()} when it must not be). Variables ({@code -> name}) live per execution and are the observed
 * values the grader reads.
 */
public final class ScenarioProgram implements Program {
    private final Scenario scenario;
    private final Variant variant;
    private final MachineLayout layout;
    private final KernelConfig config;
    private final java.util.function.Consumer<Kernel> onExecution;
    private java.util.function.Consumer<Booted> onMachine = m -> { };

    public ScenarioProgram(Scenario scenario, Variant variant) {
        this(scenario, variant, k -> { }, false);
    }

    /** {@code onExecution} sees each execution's kernel after setup, before any CPU runs. */
    public ScenarioProgram(Scenario scenario, Variant variant, java.util.function.Consumer<Kernel> onExecution) {
        this(scenario, variant, onExecution, false);
    }

    private ScenarioProgram(Scenario scenario, Variant variant, java.util.function.Consumer<Kernel> onExecution,
                            boolean rebootEachExecution) {
        this(scenario, variant, onExecution, rebootEachExecution, true);
    }

    private ScenarioProgram(Scenario scenario, Variant variant, java.util.function.Consumer<Kernel> onExecution,
                            boolean rebootEachExecution, boolean restoreInPlace) {
        this.recycler = restoreInPlace ? new GraphCopy.Recycler() : null;
        this.rebootEachExecution = rebootEachExecution;
        this.scenario = scenario;
        this.variant = variant;
        this.onExecution = onExecution;
        this.layout = layout(scenario);
        this.config = config(scenario, variant);
    }

    /** The scenario's machine layout, with layout errors placed at their scenario file line. */
    public static MachineLayout layout(Scenario s) {
        MachineLayout l;
        try {
            l = MachineLayout.parse(s.file(), s.layout());
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            // "file:N: problem" -> file line layoutLine + N - 1
            var m = java.util.regex.Pattern.compile("^" + java.util.regex.Pattern.quote(s.file()) + ":(\\d+): (.*)$",
                    java.util.regex.Pattern.DOTALL).matcher(msg == null ? "" : msg);
            if (m.matches()) {
                throw new ScenarioError(s.file(), s.layoutLine() + Integer.parseInt(m.group(1)) - 1, 1, "layout: " + m.group(2));
            }
            throw new ScenarioError(s.file(), s.layoutLine() - 1, 1, "layout: " + (msg == null ? e.toString() : msg.replace(s.file() + ": ", "")));
        }
        if (l.cpus() != s.cpus().size()) {
            throw new ScenarioError(s.file(), s.layoutLine() - 1, 1, "layout gives the machine " + l.cpus() + " CPU" + (l.cpus() == 1 ? "" : "s")
                    + " but the scenario has " + s.cpus().size() + " cpu program" + (s.cpus().size() == 1 ? "" : "s")
                    + "; the explorer runs one program per CPU, so write 'cpus " + s.cpus().size() + "'");
        }
        return l;
    }

    /** The era's default config, plus the scenario's {@code config} options, plus the variant's (OPTION=n removes one). */
    public static KernelConfig config(Scenario s, Variant v) {
        KernelConfig c = KernelConfig.defaults(v.era().equals("v4.6") ? KernelConfig.Era.V4_6 : KernelConfig.Era.MAINLINE);
        for (String o : s.config()) c = apply(c, o);
        for (String o : v.options()) c = apply(c, o);
        return c;
    }

    private static KernelConfig apply(KernelConfig c, String option) {
        if (option.endsWith("=n")) return c.without(option.substring(0, option.length() - 2));
        if (option.endsWith("=y")) return c.with(option.substring(0, option.length() - 2));
        return c.with(option);
    }

    public Scenario scenario() { return scenario; }
    public Variant variant() { return variant; }
    public KernelConfig kernelConfig() { return config; }

    /**
     * The machine as setup leaves it, booted once; every execution starts from a deep copy of it
     * ({@link GraphCopy}), which costs a fraction of a boot and gives the same state (issue 13).
     * Never run itself.
     */
    private World pristine;

    /** What one execution owns: the machine, the operations' context over it, the variables. */
    private record World(Booted machine, OpContext ctx, Map<String, String> vars) { }

    private final boolean rebootEachExecution;

    /**
     * Every this many instances (and the first), the check at the end of the execution looks at
     * every struct page; the others look only at the memmap the execution wrote, since the machine
     * they started from is the same and the full checks find it consistent.
     */
    static final int FULL_CHECK_EVERY = 64;
    private long instances;

    /**
     * The last instance's machine, restored in place for the next one (the struct-page arrays
     * only in the blocks it wrote: {@link mmsim.mm.linux.Restorable}); on the instances that
     * get the full check, the restore is also compared with the original in full, so a write that
     * missed its mark fails loudly. Null when instances must outlive the next one.
     */
    private final GraphCopy.Recycler recycler;
    private boolean verifyEveryRestore;

    /** Compares every restore with the original in full, not only the full-check instances' (tests). */
    ScenarioProgram verifyingEveryRestore() {
        verifyEveryRestore = true;
        return this;
    }

    @Override
    public Instance instantiate() {
        if (rebootEachExecution) return new ScenarioInstance(bootAndSetup(), true);
        if (pristine == null) pristine = bootAndSetup();
        boolean full = instances++ % FULL_CHECK_EVERY == 0;
        if (recycler != null && (full || verifyEveryRestore)) recycler.verifyNext();
        return new ScenarioInstance(GraphCopy.of(pristine, recycler), full);
    }

    /**
     * The same program, booting a machine and running setup for every execution instead of
     * copying the one setup left (how the explorer ran before issue 13): the reference the copy
     * is compared against in tests and benchmarks.
     */
    public ScenarioProgram rebootingEachExecution() {
        return new ScenarioProgram(scenario, variant, onExecution, true);
    }

    /**
     * The same program, copying the whole machine for every execution instead of restoring the
     * last one in place: the reference the restore is compared against in tests and benchmarks,
     * and what a caller that keeps instances alive needs.
     */
    public ScenarioProgram copyingEachExecution() {
        return new ScenarioProgram(scenario, variant, onExecution, false, false);
    }

    /**
     * The same program, handing each execution's machine to {@code onMachine} before any CPU runs:
     * after a replay it holds the machine as the execution left it (the HTML report's memory map).
     */
    public ScenarioProgram observingMachine(java.util.function.Consumer<Booted> onMachine) {
        // the observer keeps the machine: a later instance must not restore it in place
        ScenarioProgram p = new ScenarioProgram(scenario, variant, onExecution, rebootEachExecution, false);
        p.onMachine = onMachine;
        return p;
    }

    /** Boots a fresh machine and runs the setup program on CPU 0, unexplored. */
    private World bootAndSetup() {
        Booted m = Booted.boot(layout, config);
        Map<String, String> vars = new TreeMap<>();
        OpContext ctx = m.context(vars);
        Kernel k = m.kernel();
        k.setTask(0, "mmsim-setup", 1);
        for (Step s : scenario.setup()) runSetupStep(s, ctx);
        m.machine().memmap().clearWritten();
        ctx.markDmesg();   // dmesg in the CPU programs shows what the race logged
        return new World(m, ctx, vars);
    }

    private void runSetupStep(Step s, OpContext ctx) {
        String v = s.run(ctx);
        if (s.assigns() == null && v != null && v.startsWith("-E")) {
            throw new ScenarioError(s.pos(), "setup: '" + s.source() + "' failed with " + v
                    + " (setup must succeed; assign the result with '-> var' to allow a failure)");
        }
    }

    /** The machine of an instance of this program (tests). */
    static Booted machineOf(Instance i) {
        return ((ScenarioInstance) i).machine;
    }

    private final class ScenarioInstance implements Instance {
        private final Booted machine;
        private final OpContext ctx;
        private final Map<String, String> vars;
        private final boolean fullCheck;

        ScenarioInstance(World w, boolean fullCheck) {
            this.fullCheck = fullCheck;
            this.machine = w.machine();
            this.ctx = w.ctx();
            this.vars = w.vars();
            // after the copy: what the hook installs belongs to this execution's kernel alone
            onExecution.accept(machine.kernel());
            onMachine.accept(machine);
        }

        @Override public Kernel kernel() { return machine.kernel(); }
        @Override public int nrCpus() { return scenario.cpus().size(); }

        @Override
        public String cpuName(int cpu) {
            CpuProgram p = scenario.cpus().get(cpu);
            return "CPU " + p.name() + (p.label() != null ? " (" + p.label() + ")" : "");
        }

        @Override
        public void runCpu(int cpu) {
            CpuProgram p = scenario.cpus().get(cpu);
            Kernel k = machine.kernel();
            k.setTask(cpu, p.comm(), 100 + cpu);
            for (Step s : p.steps()) {
                for (mmsim.scenario.Token r : s.varRefs()) {
                    // a variable another CPU assigns: wait until it has (the parser allows no other case)
                    String name = r.text().substring(1);
                    if (!vars.containsKey(name)) k.sched().waitUntil(() -> vars.containsKey(name), "$" + name);
                }
                s.run(ctx);
            }
        }

        @Override
        public Map<String, String> finish() {
            if (!scenario.finalSteps().isEmpty()) {
                // the final block: every CPU has finished; it reads state into variables on CPU 0
                machine.kernel().setTask(0, "mmsim-final", 1);
                for (Step s : scenario.finalSteps()) s.run(ctx);
            }
            machine.checkConsistency(!fullCheck);
            return new LinkedHashMap<>(vars);
        }
    }

    /**
     * Boots the machine once and runs setup, so a broken setup is reported as a scenario error
     * (with its line) instead of failing every execution.
     */
    public void validate() {
        World booted;
        try {
            booted = bootAndSetup();
        } catch (mmsim.mm.linux.MachineLayout.LayoutException e) {
            throw new ScenarioError(scenario.file(), scenario.layoutLine() - 1, 1, "layout: " + e.getMessage());
        } catch (mmsim.kernel.KernelFault f) {
            throw new ScenarioError(scenario.file(), 1, 1, "setup of variant " + variant.name() + " crashed the kernel: " + f.title()
                    + "\n" + f.report());
        }
        checkPaths(booted.machine());
    }

    /**
     * Static file paths (cat, read, echo) must exist on the machine as setup leaves it, or the
     * step would only ever see ENOENT and the scenario would test nothing (a typo). A step that
     * assigns its result ({@code -> var}) may name a missing file: then ENOENT is an observed
     * value, as when the file is removed or created by another CPU's hotplug.
     */
    private void checkPaths(Booted machine) {
        for (Step s : allSteps()) {
            if (s.assigns() != null) continue;
            for (mmsim.scenario.Token p : s.paths()) {
                if (machine.exists(p.text())) continue;
                throw new ScenarioError(p.pos(), "no such file: " + p.text() + " on the machine of variant " + variant.name()
                        + " after setup" + machine.didYouMean(p.text())
                        + "; assign the result with '-> var' when the file is meant to be missing or to appear later");
            }
        }
    }

    /** The CPU programs' steps in order, for validation. */
    List<Step> allSteps() {
        List<Step> all = new java.util.ArrayList<>(scenario.setup());
        for (CpuProgram c : scenario.cpus()) all.addAll(c.steps());
        all.addAll(scenario.finalSteps());
        return all;
    }
}
