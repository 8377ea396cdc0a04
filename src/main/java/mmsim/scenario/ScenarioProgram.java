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
 * One scenario under one variant, as the explorer runs it. Every {@link #instantiate()} boots a
 * fresh machine from the layout and the variant's kernel config, runs the setup program on CPU 0
 * (before the explorer installs its scheduler, so setup is never explored) and hands out one CPU
 * body per {@code cpu} block. Variables ({@code -> name}) live per execution and are the observed
 * values the grader reads.
 */
public final class ScenarioProgram implements Program {
    private final Scenario scenario;
    private final Variant variant;
    private final MachineLayout layout;
    private final KernelConfig config;
    private final java.util.function.Consumer<Kernel> onExecution;

    public ScenarioProgram(Scenario scenario, Variant variant) {
        this(scenario, variant, k -> { });
    }

    /** {@code onExecution} sees each execution's kernel after setup, before any CPU runs. */
    public ScenarioProgram(Scenario scenario, Variant variant, java.util.function.Consumer<Kernel> onExecution) {
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

    @Override
    public Instance instantiate() {
        Booted m = Booted.boot(layout, config);
        Map<String, String> vars = new TreeMap<>();
        OpContext ctx = m.context(vars);
        Kernel k = m.kernel();
        k.setTask(0, "mmsim-setup", 1);
        for (Step s : scenario.setup()) runSetupStep(s, ctx);
        onExecution.accept(k);
        return new ScenarioInstance(m, ctx, vars);
    }

    private void runSetupStep(Step s, OpContext ctx) {
        String v = s.run(ctx);
        if (s.assigns() == null && v != null && v.startsWith("-E")) {
            throw new ScenarioError(s.pos(), "setup: '" + s.source() + "' failed with " + v
                    + " (setup must succeed; assign the result with '-> var' to allow a failure)");
        }
    }

    private final class ScenarioInstance implements Instance {
        private final Booted machine;
        private final OpContext ctx;
        private final Map<String, String> vars;

        ScenarioInstance(Booted machine, OpContext ctx, Map<String, String> vars) {
            this.machine = machine;
            this.ctx = ctx;
            this.vars = vars;
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
            machine.kernel().setTask(cpu, p.comm(), 100 + cpu);
            for (Step s : p.steps()) s.run(ctx);
        }

        @Override
        public Map<String, String> finish() {
            machine.checkConsistency();
            return new LinkedHashMap<>(vars);
        }
    }

    /**
     * Boots the machine once and runs setup, so a broken setup is reported as a scenario error
     * (with its line) instead of failing every execution.
     */
    public void validate() {
        ScenarioInstance booted;
        try {
            booted = (ScenarioInstance) instantiate();
        } catch (mmsim.kernel.KernelFault f) {
            throw new ScenarioError(scenario.file(), 1, 1, "setup of variant " + variant.name() + " crashed the kernel: " + f.title()
                    + "\n" + f.report());
        }
        checkPaths(booted.machine);
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
        return all;
    }
}
