package mmsim.scenario;

/**
 * How a scenario grades an outcome, jcstress-style, plus EXPECTED for the claim "this variant breaks".
 */
public enum OutcomeClass {
    /** Allowed; exploration goes on. */
    ACCEPTABLE,
    /** Reported with its trace, not asserted. */
    INTERESTING,
    /** Observing it violates the declaration (exit 1). */
    FORBIDDEN,
    /** Like INTERESTING, but the declaration is violated if the exploration ends without reaching it. */
    EXPECTED
}
