package mmsim.scenario;

import java.util.List;

import mmsim.explore.Shard;
import mmsim.explore.Verdict;
import mmsim.scenario.ScenarioRunner.Status;

/**
 * A row's status, verdict and one-line note, graded from its findings and whether the search was
 * exhaustive. One place for the rules, used by {@link ScenarioRunner} on a run and by
 * {@code mmsim merge} on the findings of several shards, so the two agree by construction.
 */
public record RowGrade(Status status, String verdict, String note) {

    /**
     * What grading reads of a finding: its class, verdict kind and title, whether the scenario
     * declares it, and how the declaration reads ("kasan (undeclared)", "PATTERN — comment").
     */
    public record Graded(OutcomeClass cls, Verdict.Kind kind, String title, boolean declared, String described) {
        public static Graded of(ScenarioRunner.Finding f) {
            Scenario.Expect d = f.declaration();
            String kind = f.failure().verdict().kind().id();
            return new Graded(f.cls(), f.failure().verdict().kind(), f.failure().verdict().title(), d != null,
                    d == null ? kind + " (undeclared)" : d.pattern() + (d.comment() != null ? " — " + d.comment() : ""));
        }
    }

    /**
     * A run that stopped at the first failure (after an INTERESTING one, at the first FORBIDDEN or
     * EXPECTED one): the last finding decides. {@code expected}: the first EXPECTED pattern of the
     * variant, or null. {@code shard}: the run explored only this shard of the tree (null: all of it).
     */
    public static RowGrade first(List<Graded> findings, String expected, boolean exhausted, int bound, int stepLimit, Shard shard) {
        Graded decisive = findings.isEmpty() ? null : findings.get(findings.size() - 1);
        if (decisive != null && !decisive.declared() && decisive.kind() == Verdict.Kind.STEP_LIMIT) {
            // not a kernel failure: the search could not finish an execution within the limit
            return new RowGrade(Status.INCOMPLETE, "step limit", "an execution ran past the step limit of " + stepLimit
                    + " steps (a livelock, or a limit too small: set 'step_limit N' in the scenario or --step-limit N)");
        }
        if (decisive != null && decisive.cls() == OutcomeClass.FORBIDDEN) {
            return new RowGrade(Status.VIOLATED, decisive.title(), "FORBIDDEN " + decisive.described());
        }
        if (decisive != null && decisive.cls() == OutcomeClass.EXPECTED) {
            return new RowGrade(Status.OK, decisive.title(), "EXPECTED " + decisive.described());
        }
        if (expected != null && exhausted && shard != null) return notInThisShard(expected, shard);
        if (expected != null) {
            return exhausted
                    ? new RowGrade(Status.VIOLATED, "not reached: " + expected, "EXPECTED " + expected
                            + " not reached although every schedule within bound " + bound + " was explored")
                    : new RowGrade(Status.INCOMPLETE, "not reached: " + expected, "EXPECTED " + expected + " not reached before the budget ran out");
        }
        String verdict = decisive != null ? decisive.title() : "holds";
        return exhausted
                ? new RowGrade(Status.OK, verdict, "no FORBIDDEN outcome in any schedule within bound " + bound)
                : new RowGrade(Status.INCOMPLETE, verdict, "no FORBIDDEN outcome found, but the budget ran out before the search finished");
    }

    /**
     * {@code --all}: a run that went on past every failure. A FORBIDDEN one decides (VIOLATED),
     * else an EXPECTED one (OK); without either the coverage decides as in a first-failure run.
     */
    public static RowGrade all(List<Graded> findings, String expected, boolean exhausted, int bound, Shard shard) {
        Graded forbidden = findings.stream().filter(x -> x.cls() == OutcomeClass.FORBIDDEN).findFirst().orElse(null);
        Graded expectedFind = findings.stream().filter(x -> x.cls() == OutcomeClass.EXPECTED).findFirst().orElse(null);
        String others = findings.size() > 1 ? " (" + findings.size() + " distinct failures)" : "";
        if (forbidden != null) return new RowGrade(Status.VIOLATED, forbidden.title(), "FORBIDDEN " + forbidden.described() + others);
        if (expectedFind != null) return new RowGrade(Status.OK, expectedFind.title(), "EXPECTED " + expectedFind.described() + others);
        if (expected != null && exhausted && shard != null) return notInThisShard(expected, shard);
        if (expected != null) {
            return new RowGrade(exhausted ? Status.VIOLATED : Status.INCOMPLETE, "not reached: " + expected, "EXPECTED " + expected
                    + (exhausted ? " not reached although every schedule within bound " + bound + " was explored" : " not reached before the budget ran out"));
        }
        String verdict = findings.isEmpty() ? "holds" : findings.get(0).title();
        return new RowGrade(exhausted ? Status.OK : Status.INCOMPLETE, verdict, (exhausted ? "no FORBIDDEN outcome in any schedule within bound " + bound
                : "no FORBIDDEN outcome found, but the budget ran out before the search finished") + others);
    }

    /**
     * An EXPECTED outcome one shard did not reach in its part may lie in another's: not a
     * violation until the merge of all shards says so.
     */
    private static RowGrade notInThisShard(String expected, Shard shard) {
        return new RowGrade(Status.OK, "not reached in shard " + shard + ": " + expected, "EXPECTED " + expected + " not reached in the part of"
                + " the search shard " + shard + " explored; mmsim merge grades the row from all " + shard.count() + " shards");
    }
}
