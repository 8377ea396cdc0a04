package mmsim.explore;

import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

import mmsim.scenario.Catalogue;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioProgram;
import mmsim.scenario.ScenarioRunner;
import mmsim.scenario.ops.OpRegistry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 13: DPOR's race analysis ({@link HappensBefore#of}) skips most pairs of steps: a 64-bit
 * summary of each step's locations ({@link StepSignatures}) rules out independent pairs, and a
 * scan visits only the other CPUs' steps, passing whole runs of them whose union of summaries
 * rules out the step it starts from. Against the definitions, computed the slow way from
 * {@link Engine#stepsDependent} over every pair, on executions of catalogue rows that touch struct
 * pages, sections, page tables, locks that guard data, and lock words:
 * <ul>
 * <li>no dependent pair has disjoint summaries;
 * <li>step i precedes step j exactly when a chain of same-CPU or dependent steps leads from i to j;
 * <li>the races are exactly the dependent pairs of different CPUs with no step ordered between them.
 * </ul>
 */
class RaceAnalysisTest {
    private static final int EXECUTIONS_PER_VARIANT = 40;

    static List<String> rows() {
        return List.of("000-kpageflags-vs-offline", "001b-kpageflags-vs-partial-section-device", "002-soft-offline-vs-allocation",
                "003c-gup-fast-vs-collapse", "004-ptdump-vs-hot-remove", "010-buddy-alloc-free", "011c-gup-fast-vs-munmap", THREE_CPUS);
    }

    /** 010 with a third CPU: a step can then be ordered before another through a third CPU's step, which two CPUs never show. */
    private static final String THREE_CPUS = "010 with 3 CPUs";

    private static Scenario load(String name) throws java.io.IOException {
        OpRegistry ops = OpRegistry.standard();
        if (!name.equals(THREE_CPUS)) return Catalogue.load(Path.of("scenarios", name + ".mms"), ops);
        String two = java.nio.file.Files.readString(Path.of("scenarios/010-buddy-alloc-free.mms"));
        String three = two.replace("cpus 2", "cpus 3").replace("expect *", "cpu C \"alloc+free order 2\"\n  alloc_pages 2 -> c\n  free_pages $c 2\nend\nexpect *");
        assertNotEquals(two, three);
        return mmsim.scenario.ScenarioParser.parse("010-buddy-alloc-free.mms", three, ops);
    }

    @ParameterizedTest
    @MethodSource("rows")
    void theFastAnalysisFindsTheOrderAndRacesOfTheDefinitions(String name) throws java.io.IOException {
        Scenario s = load(name);
        long pairsRuledOut = 0, dependentPairs = 0;
        for (Scenario.Variant v : s.variants()) {
            ScenarioProgram p = new ScenarioProgram(s, v);
            ExploreOptions o = ExploreOptions.defaults().preemptionBound(s.bound()).stopAtFirstFailure(false).isFailure(x -> false)
                    .stepLimit(s.stepLimit() > 0 ? s.stepLimit() : ScenarioRunner.stepLimitOf(p))
                    .budget(Budget.of(EXECUTIONS_PER_VARIANT, java.time.Duration.ofMinutes(5))).reduction(ReductionMode.DPOR);
            long[] counts = new long[2];
            Explorer.exploreSeeing(p, o, e -> {
                long[] c = check(e, name + " " + v.name());
                counts[0] += c[0];
                counts[1] += c[1];
            });
            pairsRuledOut += counts[0];
            dependentPairs += counts[1];
        }
        assertTrue(dependentPairs > 0 && pairsRuledOut > 0, name + ": " + dependentPairs + " dependent pairs, " + pairsRuledOut + " ruled out by summaries");
    }

    /** Checks one execution; returns the pairs the summaries ruled out and the dependent pairs. */
    private static long[] check(Engine e, String what) {
        int n = e.steps;
        StepSignatures sig = new StepSignatures();
        sig.sign(e);
        HappensBefore hb = new HappensBefore();
        hb.of(e);
        boolean[][] dep = new boolean[n][];
        long ruledOut = 0, dependent = 0;
        for (int j = 0; j < n; j++) {
            dep[j] = new boolean[j];
            for (int i = 0; i < j; i++) {
                dep[j][i] = e.chosen[i] != e.chosen[j] && e.stepsDependent(i, j);
                if (dep[j][i]) dependent++;
                if (!sig.mayConflict(i, j)) {
                    ruledOut++;
                    assertFalse(dep[j][i], what + ": steps " + i + " and " + j + " are dependent, their summaries disjoint");
                }
            }
        }
        // before[j]: every step that precedes j, by chains of same-CPU and dependent steps
        BitSet[] before = new BitSet[n];
        for (int j = 0; j < n; j++) {
            before[j] = new BitSet(j);
            for (int i = j - 1; i >= 0; i--) {   // latest first: its own predecessors come with it
                if ((e.chosen[i] == e.chosen[j] || dep[j][i]) && !before[j].get(i)) {
                    before[j].or(before[i]);
                    before[j].set(i);
                }
            }
            for (int i = 0; i < j; i++) assertEquals(before[j].get(i), hb.precedes(i, j), what + ": does step " + i + " precede " + j + "?");
        }
        BitSet races = new BitSet();
        for (int x = 0; x < hb.races(); x++) races.set(hb.raceAt(x) * n + hb.raceWith(x));
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < j; i++) {
                boolean race = dep[j][i];
                for (int k = i + 1; k < j && race; k++) if (before[k].get(i) && before[j].get(k)) race = false;
                assertEquals(race, races.get(i * n + j), what + ": is (" + i + ", " + j + ") a race?");
            }
        }
        return new long[] {ruledOut, dependent};
    }
}
