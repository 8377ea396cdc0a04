package mmsim.scenario;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

import mmsim.explore.ProgressListener;
import mmsim.explore.Verdict;
import mmsim.kernel.LockClass;
import mmsim.mm.linux.KernelConfig;
import mmsim.scenario.Scenario.Variant;
import mmsim.scenario.ScenarioRunner.Finding;
import mmsim.scenario.ScenarioRunner.Hooks;
import mmsim.scenario.ScenarioRunner.Settings;
import mmsim.scenario.ScenarioRunner.Status;
import mmsim.scenario.ScenarioRunner.VariantResult;

/**
 * "Is this lock necessary, is it sufficient?", answered by exploring. The variant is explored
 * once as it is, recording every lock class its executions take and in which kernel functions;
 * then once per class with that class dropped ({@code drop-lock=CLASS}), and with {@code pairs}
 * once per pair of classes. A class is
 * <ul>
 *   <li><b>necessary</b> when the variant holds and, without the class, a FORBIDDEN outcome
 *       or a failing verdict (oops, BUG, KASAN, inconsistency, ...) appears, even one the file
 *       calls INTERESTING: the finding's schedule replays it;</li>
 *   <li><b>not needed</b> within the bound when the search without it was exhaustive and found
 *       nothing forbidden;</li>
 *   <li><b>unknown</b> when the budget ran out first: never reported as not needed.</li>
 * </ul>
 * Sufficiency is the variant's own verdict: a variant that adds a proposed lock is sufficient
 * when it holds within the bound.
 */
public final class LockNecessity {
    private LockNecessity() { }

    /**
     * A failure found with a class dropped is traced as the search found it, not minimised: a
     * dropped lock turns its critical sections into runs of preemption points, and the corrupted
     * state it leaves can make executions loop to the step limit, so minimising costs minutes
     * for a trace a few steps shorter. Depth-first order already finds one with few preemptions.
     */
    static final boolean MINIMIZE = false;

    /** The answer for one dropped class (or pair). */
    public enum Result {
        NECESSARY("necessary"), NOT_NEEDED("not-needed"), UNKNOWN("unknown");

        /** The JSON spelling. */
        public final String json;

        Result(String json) { this.json = json; }

        /** As the text output prints it. */
        public String text() { return this == NOT_NEEDED ? "not needed" : json; }
    }

    /** A lock class the variant's executions take, and the kernel functions that take it. */
    public record Taken(LockClass lockClass, SortedSet<String> where) { }

    /** The run with {@code classes} dropped. */
    public record Drop(List<String> classes, Result result, VariantResult run) {
        /** {@code zone->lock}, or {@code a + b} for a pair. */
        public String label() { return String.join(" + ", classes); }

        /** The forbidden finding that makes the class necessary, or null. */
        public Finding finding() {
            if (result != Result.NECESSARY || run.findings().isEmpty()) return null;
            return run.findings().get(run.findings().size() - 1);
        }
    }

    /** Observes the analysis as it goes (the CLI's progress line). */
    public interface Listener {
        /** A search begins: the baseline ({@code dropped} empty) or one with classes dropped. */
        void start(Variant variant, List<String> dropped, int index, int total);

        ProgressListener progress();

        Listener NONE = new Listener() {
            @Override public void start(Variant variant, List<String> dropped, int index, int total) { }
            @Override public ProgressListener progress() { return ProgressListener.NONE; }
        };
    }

    /**
     * The analysis of one variant.
     * @param baseline  the variant explored as it is
     * @param taken     the classes its executions take, by name
     * @param singles   one drop per taken class, empty when the variant does not hold
     * @param pairs     one drop per pair of taken classes, when asked for
     * @param whyNot    why no class was dropped, or null when they were
     */
    public record Analysis(VariantResult baseline, List<Taken> taken, List<Drop> singles, List<Drop> pairs, String whyNot) {

        /** The variant holds: explored within the bound to the end, no failing verdict (FORBIDDEN or INTERESTING), nothing EXPECTED. */
        public boolean holds() {
            return baseline.status() == Status.OK && baseline.exhausted() && failure(baseline) == null;
        }

        /** The classes found necessary on their own. */
        public List<String> necessary() {
            return singles.stream().filter(d -> d.result() == Result.NECESSARY).map(Drop::label).toList();
        }

        /** The pairs necessary together although each class alone is not: locks redundant with each other. */
        public List<String> redundantPairs() {
            List<String> alone = necessary();
            return pairs.stream().filter(d -> d.result() == Result.NECESSARY && d.classes().stream().noneMatch(alone::contains))
                    .map(Drop::label).toList();
        }

        /** When no class is necessary: one line saying why, read off the runs. Null otherwise. */
        public String whyNoneNecessary() {
            if (!singles.isEmpty() && !necessary().isEmpty()) return null;
            if (whyNot != null) return whyNot;
            int bound = baseline.settings().bound();
            if (taken.isEmpty()) {
                return "the executions take no lock class: what keeps the race closed is not a lock (an ordering, a reference count, a flag)";
            }
            if (singles.stream().anyMatch(d -> d.result() == Result.UNKNOWN)) {
                return "no class was found necessary, but the budget ran out before every search ended (see the unknown rows)";
            }
            return "no class is necessary within bound " + bound + ": the variant holds without each one in turn, so the race is"
                    + " closed by something other than these locks (an ordering, a reference count, a flag)"
                    + (redundantPairs().isEmpty() ? "" : ", or by locks redundant with each other: " + String.join(", ", redundantPairs()));
        }

        /**
         * The check table's cell: the necessary classes, "none" when the variant holds without each,
         * "unknown" when a search was cut and none was found necessary, "-" when nothing was dropped
         * (the variant fails or is declared to break).
         */
        public String cell() {
            if (singles.isEmpty()) return whyNot != null || !holds() ? "-" : "none";
            List<String> n = necessary();
            if (!n.isEmpty()) return String.join(", ", n);
            return singles.stream().anyMatch(d -> d.result() == Result.UNKNOWN) ? "unknown" : "none";
        }

        /** The closing line: is the variant (with the locks it proposes) sufficient, and which of its locks are necessary. */
        public String sufficiency() {
            String v = "variant " + baseline.variant().name();
            int bound = baseline.settings().bound();
            String fails = failure(baseline);
            if (fails != null) return "not sufficient: " + v + " fails (" + fails + ")";
            if (!holds()) {
                return "sufficiency unknown: " + v + " found nothing forbidden in " + baseline.executions()
                        + " executions, but the budget ran out before the search within bound " + bound + " ended";
            }
            List<String> n = necessary();
            return "sufficient: " + v + " holds within bound " + bound + " (" + baseline.executions() + " executions, exhaustive); "
                    + (n.isEmpty() ? "none of its lock classes is necessary on its own" : "necessary: " + String.join(", ", n));
        }
    }

    /**
     * The failure that keeps {@code r}'s variant from holding, or null: a declaration violated, an
     * EXPECTED breakage (declared or reached), or a failing verdict the scenario calls INTERESTING
     * (a kernel that oopses only "interestingly" still oopses).
     */
    static String failure(VariantResult r) {
        for (Finding f : r.findings()) {
            if (f.failure().verdict().kind() != Verdict.Kind.PASSED) return f.failure().verdict().title();
        }
        if (r.status() == Status.VIOLATED || !new Grader(r.scenario()).expected(r.variant().name()).isEmpty()) return r.verdict();
        return null;
    }

    /** {@code variant} with {@code classes} dropped (drop-lock=CLASS options); same name, so the same declarations grade it. */
    public static Variant dropping(Variant variant, Collection<String> classes) {
        List<String> options = new ArrayList<>(variant.options());
        for (String c : classes) {
            String o = KernelConfig.dropLock(c);
            if (!options.contains(o)) options.add(o);
        }
        return new Variant(variant.name(), variant.era(), List.copyOf(options), variant.pos());
    }

    /** The classes {@code variant} drops that {@code scenario}'s own variant of that name does not: the command line's. */
    public static List<String> droppedBeyondFile(Scenario scenario, Variant variant) {
        Variant declared = scenario.variant(variant.name());
        List<String> declaredOptions = declared == null ? List.of() : declared.options();
        String prefix = KernelConfig.DROP_LOCK + "=";
        return variant.options().stream().filter(o -> o.startsWith(prefix) && !declaredOptions.contains(o))
                .map(o -> o.substring(prefix.length())).toList();
    }

    /** Runs the analysis of {@code variant}. */
    public static Analysis analyse(Scenario scenario, Variant variant, Settings st, boolean pairs, Listener listener) {
        Map<LockClass, SortedSet<String>> usage = new ConcurrentHashMap<>();
        Hooks record = new Hooks(k -> k.recordLockUsage((cls, fn) -> usage.computeIfAbsent(cls, c -> new ConcurrentSkipListSet<>()).add(fn)), true);
        listener.start(variant, List.of(), 0, 1);
        VariantResult baseline = ScenarioRunner.run(scenario, variant, st, listener.progress(), record);
        List<Taken> taken = new ArrayList<>();
        new TreeSet<>(usage.keySet()).forEach(c -> taken.add(new Taken(c, new TreeSet<>(usage.get(c)))));

        String whyNot = null;
        String fails = failure(baseline);
        if (!new Grader(scenario).expected(variant.name()).isEmpty()) {
            whyNot = "variant " + variant.name() + " is declared to break (EXPECTED), so no lock of it can be necessary to it";
        } else if (fails != null) {
            whyNot = "variant " + variant.name() + " does not hold (" + fails + "), so no lock of it is necessary to it yet";
        }
        List<Drop> singles = new ArrayList<>();
        List<Drop> pairDrops = new ArrayList<>();
        if (whyNot == null) {
            List<String> names = taken.stream().map(t -> t.lockClass().name()).toList();
            int total = names.size() + (pairs ? names.size() * (names.size() - 1) / 2 : 0);
            int index = 0;
            for (String c : names) singles.add(drop(scenario, variant, st, List.of(c), listener, ++index, total));
            if (pairs) {
                for (int i = 0; i < names.size(); i++) {
                    for (int j = i + 1; j < names.size(); j++) {
                        pairDrops.add(drop(scenario, variant, st, List.of(names.get(i), names.get(j)), listener, ++index, total));
                    }
                }
            }
        }
        return new Analysis(baseline, List.copyOf(taken), List.copyOf(singles), List.copyOf(pairDrops), whyNot);
    }

    private static Drop drop(Scenario scenario, Variant variant, Settings st, List<String> classes, Listener listener, int index, int total) {
        Variant v = dropping(variant, classes);
        listener.start(v, classes, index, total);
        VariantResult r = ScenarioRunner.run(scenario, v, st, listener.progress(), new Hooks(k -> { }, MINIMIZE));
        Result result = switch (r.status()) {
            case VIOLATED -> r.findings().isEmpty() ? Result.UNKNOWN : Result.NECESSARY;
            // a failing verdict the file calls INTERESTING still fails: the baseline held, so the
            // class kept it away (a kernel that oopses only "interestingly" still oopses)
            case OK -> failure(r) != null ? Result.NECESSARY : r.exhausted() ? Result.NOT_NEEDED : Result.UNKNOWN;
            case INCOMPLETE -> Result.UNKNOWN;
        };
        return new Drop(classes, result, r);
    }
}
