package mmsim.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import mmsim.explore.ExplorationResult;
import mmsim.explore.ExploreOptions;
import mmsim.explore.Explorer;
import mmsim.explore.Failure;
import mmsim.explore.Outcome;
import mmsim.explore.ProgressListener;
import mmsim.explore.Strategy;
import mmsim.kernel.Kernel;
import mmsim.scenario.Scenario.Expect;
import mmsim.scenario.Scenario.Variant;

/**
 * Explores one scenario under one variant and grades the result against the declarations.
 *
 * <p>Phase 1 stops at the first outcome that is not ACCEPTABLE. When that outcome is only
 * INTERESTING, phase 2 explores again stopping only at FORBIDDEN or EXPECTED outcomes, so an
 * interesting outcome found early never hides a forbidden one.
 */
public final class ScenarioRunner {
    private ScenarioRunner() { }

    /** How one variant behaved relative to its declarations; {@link #exitCode()} in the kselftest manner. */
    public enum Status {
        OK(0), VIOLATED(1), INCOMPLETE(4);
        public final int exit;
        Status(int exit) { this.exit = exit; }
    }

    /** Exploration settings: the file's, overridden by the command line. */
    public record Settings(Strategy strategy, int bound, long maxExecutions, Duration timeBudget, long seed) {
        public static Settings of(Scenario s) {
            return new Settings(Strategy.valueOf(s.strategy().toUpperCase(java.util.Locale.ROOT)), s.bound(),
                    s.budgetExecutions(), s.budgetTime(), s.seed());
        }
    }

    /** A graded failure (or interesting outcome) with its declaration. */
    public record Finding(Failure failure, OutcomeClass cls, Expect declaration) { }

    /**
     * The result of one scenario × variant.
     * @param verdict   the one-line title of the first finding, or "holds", or "not reached: PATTERN"
     * @param note      why the status is what it is, one line
     */
    public record VariantResult(Scenario scenario, Variant variant, Settings settings, Status status, String verdict,
                                String note, List<Finding> findings, long executions, boolean exhausted,
                                boolean budgetCut, Duration elapsed, Map<Outcome, Long> outcomes) {
        public String coverage() {
            if (exhausted) return "exhaustive (bound " + settings.bound() + ")";
            if (budgetCut) return "budget cut";
            return findings.isEmpty() ? "stopped" : "stopped at find";
        }
    }

    /**
     * Checks what the parser cannot: the layout, and (booting each variant's machine once and
     * running setup) that setup succeeds. Throws {@link ScenarioError}.
     */
    public static void validate(Scenario scenario) {
        for (Variant v : scenario.variants()) {
            ScenarioProgram p = new ScenarioProgram(scenario, v);
            p.validate();
        }
    }

    /**
     * What a caller that analyses runs (the locks command) adds to one: a look at each execution's
     * kernel once setup is done ({@link Kernel#recordLockUsage}), and whether a failure found is
     * minimised before it is traced (the explorer's default) or traced as found.
     */
    public record Hooks(Consumer<Kernel> onExecution, boolean minimize) {
        public static final Hooks NONE = new Hooks(k -> { }, true);
    }

    /** Runs {@code variant} of {@code scenario}. */
    public static VariantResult run(Scenario scenario, Variant variant, Settings st, ProgressListener progress) {
        return run(scenario, variant, st, progress, Hooks.NONE);
    }

    /** Runs {@code variant} of {@code scenario} with {@code hooks}. */
    public static VariantResult run(Scenario scenario, Variant variant, Settings st, ProgressListener progress, Hooks hooks) {
        Grader grader = new Grader(scenario);
        ScenarioProgram program = new ScenarioProgram(scenario, variant, hooks.onExecution());
        String v = variant.name();
        List<Finding> findings = new ArrayList<>();
        Map<Outcome, Long> outcomes = new LinkedHashMap<>();

        ExplorationResult r = Explorer.explore(program, options(st, progress, hooks,
                o -> grader.classify(v, o.verdictKind(), o.observed()) != OutcomeClass.ACCEPTABLE));
        long executions = r.executions();
        Duration elapsed = r.elapsed();
        merge(outcomes, r.outcomes());
        Optional<Failure> f = r.failure();
        if (f.isPresent() && classOf(grader, v, f.get()) == OutcomeClass.INTERESTING) {
            findings.add(finding(grader, v, f.get()));
            r = Explorer.explore(program, options(st, progress, hooks, o -> {
                OutcomeClass c = grader.classify(v, o.verdictKind(), o.observed());
                return c == OutcomeClass.FORBIDDEN || c == OutcomeClass.EXPECTED;
            }));
            executions += r.executions();
            elapsed = elapsed.plus(r.elapsed());
            merge(outcomes, r.outcomes());
            f = r.failure();
        }
        f.ifPresent(x -> findings.add(finding(grader, v, x)));

        Status status;
        String verdict;
        String note;
        Finding decisive = findings.isEmpty() ? null : findings.get(findings.size() - 1);
        List<Expect> expected = grader.expected(v);
        if (decisive != null && decisive.cls() == OutcomeClass.FORBIDDEN) {
            status = Status.VIOLATED;
            verdict = decisive.failure().verdict().title();
            note = "FORBIDDEN " + describe(decisive);
        } else if (decisive != null && decisive.cls() == OutcomeClass.EXPECTED) {
            status = Status.OK;
            verdict = decisive.failure().verdict().title();
            note = "EXPECTED " + describe(decisive);
        } else if (!expected.isEmpty()) {
            verdict = "not reached: " + expected.get(0).pattern();
            if (r.exhausted()) {
                status = Status.VIOLATED;
                note = "EXPECTED " + expected.get(0).pattern() + " not reached although every schedule within bound "
                        + st.bound() + " was explored";
            } else {
                status = Status.INCOMPLETE;
                note = "EXPECTED " + expected.get(0).pattern() + " not reached before the budget ran out";
            }
        } else {
            verdict = decisive != null ? decisive.failure().verdict().title() : "holds";
            status = r.exhausted() ? Status.OK : Status.INCOMPLETE;
            note = r.exhausted() ? "no FORBIDDEN outcome in any schedule within bound " + st.bound()
                    : "no FORBIDDEN outcome found, but the budget ran out before the search finished";
        }
        return new VariantResult(scenario, variant, st, status, verdict, note, List.copyOf(findings), executions,
                r.exhausted(), r.budgetCut(), elapsed, outcomes);
    }

    private static String describe(Finding f) {
        Expect d = f.declaration();
        String kind = f.failure().verdict().kind().id();
        return d == null ? kind + " (undeclared)" : d.pattern() + (d.comment() != null ? " — " + d.comment() : "");
    }

    private static OutcomeClass classOf(Grader g, String v, Failure f) {
        return g.classify(v, f.verdict().kind(), f.observed());
    }

    private static Finding finding(Grader g, String v, Failure f) {
        return new Finding(f, classOf(g, v, f), g.match(v, f.verdict().kind(), f.observed()));
    }

    private static void merge(Map<Outcome, Long> into, Map<Outcome, Long> from) {
        from.forEach((k, n) -> into.merge(k, n, Long::sum));
    }

    private static ExploreOptions options(Settings st, ProgressListener progress, Hooks hooks,
                                          java.util.function.Predicate<Outcome> isFailure) {
        ExploreOptions o = ExploreOptions.defaults().strategy(st.strategy()).preemptionBound(st.bound()).seed(st.seed())
                .stopAtFirstFailure(true).isFailure(isFailure).progress(progress);
        if (!hooks.minimize()) o = o.minimize(false);
        if (st.maxExecutions() > 0) o = o.maxExecutions(st.maxExecutions());
        if (st.timeBudget() != null) o = o.timeBudget(st.timeBudget());
        return o;
    }
}
