package mmsim.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import mmsim.explore.Verdict;
import mmsim.scenario.Scenario.Condition;
import mmsim.scenario.Scenario.Expect;

/**
 * Grades outcomes against a scenario's declarations. The first {@code expect} line that applies to
 * the variant and matches wins (write the more specific lines first); an undeclared failing verdict
 * is FORBIDDEN, an undeclared passed outcome ACCEPTABLE, an undeclared step_limit INTERESTING (an
 * execution the search could not finish, reported as "step limit"), and {@code model_defect} (a defect of mmsim,
 * not of the modelled kernel) is FORBIDDEN whatever the file says.
 */
public final class Grader {
    private final Scenario scenario;

    public Grader(Scenario scenario) {
        this.scenario = scenario;
    }

    /** The declaration that grades this outcome, or null when none matches. */
    public Expect match(String variant, Verdict.Kind kind, Map<String, String> observed) {
        for (Expect e : scenario.expects()) {
            if (e.appliesTo(variant) && matches(e, kind, observed)) return e;
        }
        return null;
    }

    public OutcomeClass classify(String variant, Verdict.Kind kind, Map<String, String> observed) {
        if (kind == Verdict.Kind.MODEL_DEFECT) return OutcomeClass.FORBIDDEN;
        Expect e = match(variant, kind, observed);
        if (e != null) return e.cls();
        if (kind == Verdict.Kind.STEP_LIMIT) return OutcomeClass.INTERESTING;   // no kernel failure: the run reports it as "step limit"
        return kind == Verdict.Kind.PASSED ? OutcomeClass.ACCEPTABLE : OutcomeClass.FORBIDDEN;
    }

    /** The EXPECTED declarations of a variant: each must be reached or the declaration is violated. */
    public List<Expect> expected(String variant) {
        List<Expect> out = new ArrayList<>();
        for (Expect e : scenario.expects()) if (e.appliesTo(variant) && e.cls() == OutcomeClass.EXPECTED) out.add(e);
        return out;
    }

    static boolean matches(Expect e, Verdict.Kind kind, Map<String, String> observed) {
        if (e.kind() != null && e.kind() != kind) return false;
        for (Condition c : e.conditions()) {
            String v = observed.get(c.var());
            if (v == null) return false;
            // var=$other compares two observed values (e.g. the pfn GUP pinned and the pfn mapped afterwards)
            if (c.value().startsWith("$")) {
                String other = observed.get(c.value().substring(1));
                if (other == null) return false;
                c = new Condition(c.var(), c.op(), other, c.high());
            }
            if (!holds(c, v)) return false;
        }
        return true;
    }

    /**
     * Whether {@code observed} satisfies {@code c}. = and != compare as text or as numbers; the
     * orderings and ranges compare numbers only (a value such as -EBUSY or NULL satisfies none).
     */
    static boolean holds(Condition c, String observed) {
        switch (c.op()) {
            case "=": return valueEquals(observed, c.value());
            case "!=": return !valueEquals(observed, c.value());
            default: break;
        }
        Long v = mmsim.scenario.ops.Args.parseNumber(observed);
        Long x = mmsim.scenario.ops.Args.parseNumber(c.value());
        if (v == null || x == null) return false;
        return switch (c.op()) {
            case "<" -> v < x;
            case "<=" -> v <= x;
            case ">" -> v > x;
            case ">=" -> v >= x;
            case "in" -> {
                Long hi = mmsim.scenario.ops.Args.parseNumber(c.high());
                yield hi != null && v >= x && v <= hi;
            }
            default -> throw new IllegalArgumentException("comparison " + c.op());
        };
    }

    /** Values compare as text, or as numbers when both read as numbers (0x10 = 16). */
    static boolean valueEquals(String observed, String declared) {
        if (observed.equals(declared)) return true;
        Long a = mmsim.scenario.ops.Args.parseNumber(observed);
        Long b = mmsim.scenario.ops.Args.parseNumber(declared);
        return a != null && a.equals(b);
    }
}
