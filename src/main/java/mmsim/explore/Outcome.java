package mmsim.explore;

import java.util.Map;

/** The key of the outcome histogram: a verdict kind and the values the program observed. */
public record Outcome(Verdict.Kind verdictKind, Map<String, String> observed) {
    public Outcome {
        observed = Explorer.frozen(observed);
    }
}
