package mmsim.scenario;

import java.util.Map;

import mmsim.explore.Outcome;
import mmsim.scenario.ops.OpRegistry.Step;

/**
 * A file path no execution could open. A step that assigns its result ({@code -> var}) may name
 * a file missing after setup (another CPU's hotplug may create it), so the parser lets it pass;
 * but when an exhaustive exploration saw that variable only as {@code -ENOENT}, the path was
 * never there in any interleaving within the bound: a typo, and the scenario tested nothing at
 * that line. Reported as an error at the path's file:line:col, not as a silent "holds" —
 * unless an expect line tests that variable (the author meant the file to be missing).
 */
public final class UnopenedPaths {
    private static final String ENOENT = "-ENOENT";

    private UnopenedPaths() { }

    /** Throws the {@link ScenarioError} for the first such path of an exhaustive result; else returns it. */
    public static ScenarioRunner.VariantResult check(ScenarioRunner.VariantResult r) {
        if (!r.exhausted() || r.outcomes().isEmpty()) return r;
        Scenario s = r.scenario();
        for (Scenario.CpuProgram c : s.cpus()) {
            for (Step step : c.steps()) check(r, step);
        }
        for (Step step : s.finalSteps()) check(r, step);
        return r;
    }

    private static void check(ScenarioRunner.VariantResult r, Step step) {
        if (step.assigns() == null || step.paths().isEmpty()) return;
        // an expect line that tests the variable means the author looks at its value (-ENOENT included)
        for (Scenario.Expect e : r.scenario().expects()) {
            for (Scenario.Condition c : e.conditions()) if (c.var().equals(step.assigns())) return;
        }
        boolean seen = false;
        for (Outcome o : r.outcomes().keySet()) {
            Map<String, String> vars = o.observed();
            String v = vars.get(step.assigns());
            if (v == null) continue;
            if (!v.equals(ENOENT)) return;
            seen = true;
        }
        if (!seen) return;
        Token path = step.paths().get(0);
        throw new ScenarioError(path.pos(), "no execution opened " + path.text() + ": $" + step.assigns() + " was -ENOENT in every one of "
                + r.executions() + " executions of variant " + r.variant().name() + " (exhaustive, bound " + r.settings().bound()
                + "); a typo? (list the directory with 'ls' in: mmsim sh)");
    }
}
