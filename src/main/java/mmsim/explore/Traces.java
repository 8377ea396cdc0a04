package mmsim.explore;

import java.util.HashSet;
import java.util.Set;

/**
 * The lower bound of partial-order reduction: how many distinct Mazurkiewicz traces (executions up
 * to reordering independent steps, by what each step announced; {@link HappensBefore}) a search
 * visits. A sound reduction must run at least one execution of each trace the unreduced search
 * visits, so no {@link ReductionMode} can run fewer executions than this count on the same program
 * and bound (issue 13's benchmark, {@code ReductionBench}).
 */
public final class Traces {
    private Traces() { }

    /** The exploration under {@code o} (every execution run to its end) and the distinct traces its executions fall into. */
    public record Count(ExplorationResult result, long traces) { }

    public static Count count(Program program, ExploreOptions o) {
        Set<String> seen = new HashSet<>();
        HappensBefore hb = new HappensBefore();
        ExplorationResult r = Explorer.exploreSeeing(program, o, e -> {
            hb.of(e);
            seen.add(hb.traceKey());
        });
        return new Count(r, seen.size());
    }
}
