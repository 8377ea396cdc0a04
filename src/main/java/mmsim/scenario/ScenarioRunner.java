package mmsim.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import mmsim.explore.Budget;
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

    /**
     * Exploration settings: the file's, overridden by the command line. {@code stepLimit} bounds
     * the scheduling steps of one execution; 0 derives it from the scenario ({@link #stepLimitOf}).
     * {@code reduction}: sleep-set reduction of the DFS; {@code all}: keep exploring after the
     * first failure and report each distinct one (by kind and location), not only the first.
     */
    public record Settings(Strategy strategy, int bound, long maxExecutions, Duration timeBudget, long seed, int stepLimit,
                           boolean reduction, boolean all) {
        /** With partial-order reduction (the default), stopping at the first failure, the step limit derived. */
        public Settings(Strategy strategy, int bound, long maxExecutions, Duration timeBudget, long seed) {
            this(strategy, bound, maxExecutions, timeBudget, seed, 0);
        }

        /** With partial-order reduction (the default), stopping at the first failure. */
        public Settings(Strategy strategy, int bound, long maxExecutions, Duration timeBudget, long seed, int stepLimit) {
            this(strategy, bound, maxExecutions, timeBudget, seed, stepLimit, true, false);
        }

        /** The same settings with sleep-set reduction on or off. */
        public Settings reduction(boolean on) {
            return new Settings(strategy, bound, maxExecutions, timeBudget, seed, stepLimit, on, all);
        }

        /** The same settings reporting every distinct failure ({@code --all}) or only the first. */
        public Settings all(boolean on) {
            return new Settings(strategy, bound, maxExecutions, timeBudget, seed, stepLimit, reduction, on);
        }

        /** The same settings with this step limit per execution. */
        public Settings stepLimit(int limit) {
            return new Settings(strategy, bound, maxExecutions, timeBudget, seed, limit, reduction, all);
        }

        public static Settings of(Scenario s) {
            return new Settings(Strategy.valueOf(s.strategy().toUpperCase(java.util.Locale.ROOT)), s.bound(),
                    s.budgetExecutions(), s.budgetTime(), s.seed(), s.stepLimit(), true, s.reportAll());
        }
    }

    /** The least step limit: what every catalogue scenario ran with before limits were derived. */
    public static final int MIN_STEP_LIMIT = 100_000;

    /**
     * The step limit of a scenario that sets none: four times the steps of its one execution
     * without preemptions (CPU 0's program, then CPU 1's, ...), and at least {@link #MIN_STEP_LIMIT}.
     * A preempted execution takes about as many steps, as waiting is no step; the margin is for
     * retry loops (offline_pages' -EBUSY retries, lock waits) that preemption makes longer. So
     * onlining a 128 MiB block in v4.6 (a step per page) fits, and only a livelock reaches it.
     */
    public static int stepLimitOf(ScenarioProgram program) {
        ExplorationResult serial = Explorer.explore(program, ExploreOptions.defaults().strategy(Strategy.DFS).preemptionBound(0)
                .maxExecutions(1).stepLimit(50_000_000).isFailure(o -> false));
        return (int) Math.min(Integer.MAX_VALUE, Math.max(MIN_STEP_LIMIT, 4 * serial.points() + 10_000));
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
                                boolean budgetCut, Duration elapsed, Map<Outcome, Long> outcomes,
                                ExplorationResult.Reduction reduction) {
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
        if (st.stepLimit() == 0) st = st.stepLimit(stepLimitOf(program));
        String v = variant.name();
        List<Finding> findings = new ArrayList<>();
        Map<Outcome, Long> outcomes = new LinkedHashMap<>();
        // one budget for the run: both phases and every minimisation spend it, and the progress
        // line counts on across them
        Budget budget = budget(st);

        ExplorationResult r = Explorer.explore(program, options(st, budget, progress, hooks,
                o -> grader.classify(v, o.verdictKind(), o.observed()) != OutcomeClass.ACCEPTABLE));
        if (st.all()) return graded(scenario, variant, st, grader, r);
        long executions = r.executions();
        ExplorationResult.Reduction reduction = r.reduction();
        Duration elapsed = r.elapsed();
        merge(outcomes, r.outcomes());
        Optional<Failure> f = r.failure();
        if (f.isPresent() && classOf(grader, v, f.get()) == OutcomeClass.INTERESTING) {
            findings.add(finding(grader, v, f.get()));
            r = budget.spent() ? cutBefore(r) : Explorer.explore(program, options(st, budget, progress, hooks, o -> {
                OutcomeClass c = grader.classify(v, o.verdictKind(), o.observed());
                return c == OutcomeClass.FORBIDDEN || c == OutcomeClass.EXPECTED;
            }));
            executions += r.executions();
            reduction = new ExplorationResult.Reduction(reduction.on(), reduction.redundant() + r.reduction().redundant(),
                    reduction.pruned() + r.reduction().pruned());
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
        if (decisive != null && decisive.declaration() == null && decisive.failure().verdict().kind() == mmsim.explore.Verdict.Kind.STEP_LIMIT) {
            // not a kernel failure: the search could not finish an execution within the limit
            status = Status.INCOMPLETE;
            verdict = "step limit";
            note = "an execution ran past the step limit of " + st.stepLimit() + " steps (a livelock, or a limit too small:"
                    + " set 'step_limit N' in the scenario or --step-limit N)";
        } else if (decisive != null && decisive.cls() == OutcomeClass.FORBIDDEN) {
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
                r.exhausted(), r.budgetCut(), elapsed, outcomes, reduction);
    }

    /**
     * {@code --all}: one exploration that went on past every failure; each distinct failure is a
     * finding. A FORBIDDEN one decides (VIOLATED), else an EXPECTED one (OK); without either the
     * coverage decides as in a first-failure run.
     */
    private static VariantResult graded(Scenario scenario, Variant variant, Settings st, Grader grader, ExplorationResult r) {
        String v = variant.name();
        List<Finding> findings = r.failures().stream().map(x -> finding(grader, v, x)).toList();
        Finding forbidden = findings.stream().filter(x -> x.cls() == OutcomeClass.FORBIDDEN).findFirst().orElse(null);
        Finding expectedFind = findings.stream().filter(x -> x.cls() == OutcomeClass.EXPECTED).findFirst().orElse(null);
        List<Expect> expected = grader.expected(v);
        Status status;
        String verdict, note;
        String others = findings.size() > 1 ? " (" + findings.size() + " distinct failures)" : "";
        if (forbidden != null) {
            status = Status.VIOLATED;
            verdict = forbidden.failure().verdict().title();
            note = "FORBIDDEN " + describe(forbidden) + others;
        } else if (expectedFind != null) {
            status = Status.OK;
            verdict = expectedFind.failure().verdict().title();
            note = "EXPECTED " + describe(expectedFind) + others;
        } else if (!expected.isEmpty()) {
            verdict = "not reached: " + expected.get(0).pattern();
            status = r.exhausted() ? Status.VIOLATED : Status.INCOMPLETE;
            note = "EXPECTED " + expected.get(0).pattern() + (r.exhausted() ? " not reached although every schedule within bound "
                    + st.bound() + " was explored" : " not reached before the budget ran out");
        } else {
            verdict = findings.isEmpty() ? "holds" : findings.get(0).failure().verdict().title();
            status = r.exhausted() ? Status.OK : Status.INCOMPLETE;
            note = (r.exhausted() ? "no FORBIDDEN outcome in any schedule within bound " + st.bound()
                    : "no FORBIDDEN outcome found, but the budget ran out before the search finished") + others;
        }
        return new VariantResult(scenario, variant, st, status, verdict, note, findings, r.executions(), r.exhausted(),
                r.budgetCut(), r.elapsed(), new LinkedHashMap<>(r.outcomes()), r.reduction());
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

    private static ExploreOptions options(Settings st, Budget budget, ProgressListener progress, Hooks hooks,
                                          java.util.function.Predicate<Outcome> isFailure) {
        ExploreOptions o = ExploreOptions.defaults().strategy(st.strategy()).preemptionBound(st.bound()).seed(st.seed())
                .stepLimit(st.stepLimit())
                .stopAtFirstFailure(!st.all()).isFailure(isFailure).progress(progress).budget(budget).reduction(st.reduction());
        return hooks.minimize() ? o : o.minimize(false);
    }

    /** The run's budget from the settings: the executions and time given, else the strategy's default. */
    static Budget budget(Settings st) {
        ExploreOptions o = ExploreOptions.defaults().strategy(st.strategy());
        if (st.maxExecutions() > 0) o = o.maxExecutions(st.maxExecutions());
        if (st.timeBudget() != null) o = o.timeBudget(st.timeBudget());
        return Budget.of(o.maxExecutions(), st.timeBudget());
    }

    /** The second phase when the first spent the whole budget finding the INTERESTING outcome: a cut, no execution. */
    private static ExplorationResult cutBefore(ExplorationResult first) {
        return new ExplorationResult(first.strategy(), first.bound(), 0, 0, false, true, Optional.empty(), Map.of(), Duration.ZERO,
                first.seed());
    }
}
