package mmsim.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import mmsim.explore.ShardTally;
import mmsim.explore.Verdict;
import mmsim.scenario.Grader;
import mmsim.scenario.OutcomeClass;
import mmsim.scenario.RowGrade;
import mmsim.scenario.ScenarioRunner.Finding;
import mmsim.scenario.ScenarioRunner.Status;
import mmsim.scenario.ScenarioRunner.VariantResult;
import mmsim.scenario.ShardedRun;

/**
 * The {@code shard} section of a sharded row's JSON ({@code --shard I/N}), and the rebuilding of
 * the unsharded row from the N shards' sections ({@code mmsim merge}).
 *
 * <p>A shard's section holds, per search phase, the figures of each DFS segment it counted and
 * each failure with its segment ({@link ShardTally}). The unsharded search stops at its first
 * failure, which is the failure in the earliest segment over all shards; it counted every
 * segment up to that one. So the merge adds the shards' segments up to there, in DFS order (the
 * outcomes then come out in the order the unsharded run first saw them), takes that failure's
 * finding as its shard wrote it, and grades the row by the same rules as a run ({@link RowGrade}).
 * A second phase (after an INTERESTING find) is merged the same way; a shard whose first phase
 * ended in a FORBIDDEN or EXPECTED failure, or in none, would have run its second phase exactly
 * as its first, so its first stands for both. The result is exact when no shard was cut by its
 * budget; otherwise the row says so ({@code merge_note}).
 */
final class ShardJson {
    private ShardJson() { }

    /** The section of a sharded row. */
    static Map<String, Object> section(VariantResult r) {
        ShardedRun s = r.sharded();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", s.shard().index());
        m.put("count", s.shard().count());
        m.put("whole", false);
        ShardTally first = s.phases().isEmpty() ? null : s.phases().get(0).tally();
        m.put("split", first == null ? null : first.split());
        m.put("subtrees", first == null ? null : first.subtrees());
        m.put("all", s.all());
        m.put("expected", s.expected());
        m.put("step_limit", s.stepLimit());
        Grader g = new Grader(r.scenario());
        List<Object> phases = new ArrayList<>();
        for (ShardedRun.Phase p : s.phases()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("exhaustive", p.exhausted());
            o.put("budget_cut", p.budgetCut());
            List<Object> segments = new ArrayList<>();
            List<Object> failures = new ArrayList<>();
            if (p.tally() != null) {
                for (ShardTally.Segment seg : p.tally().segments()) {
                    Map<String, Object> x = new LinkedHashMap<>();
                    x.put("segment", seg.index());
                    x.put("executions", seg.executions());
                    x.put("redundant", seg.redundant());
                    x.put("pruned", seg.pruned());
                    x.put("outcomes", Reports.outcomes(g, r.variant().name(), seg.outcomes()));
                    segments.add(x);
                }
                for (int i = 0; i < p.failures().size(); i++) {
                    Finding f = p.failures().get(i);
                    RowGrade.Graded graded = RowGrade.Graded.of(f);
                    Map<String, Object> x = new LinkedHashMap<>();
                    x.put("segment", p.tally().failureSegments().get(i));
                    x.put("distinct", p.tally().failureKeys().get(i));
                    x.put("declared", graded.declared());
                    x.put("described", graded.described());
                    x.put("finding", Reports.finding(r, f));
                    failures.add(x);
                }
            }
            o.put("segments", segments);
            o.put("failures", failures);
            phases.add(o);
        }
        m.put("phases", phases);
        return m;
    }

    /** The section of a row run whole by shard 0 (it cannot be split: not a DFS, or a lock analysis). */
    static Map<String, Object> whole(mmsim.explore.Shard shard) {
        Map<String, Object> m = of(shard);
        m.put("whole", true);
        return m;
    }

    /** Which shard: at the top of check's output, so that a shard with no row of its own still says. */
    static Map<String, Object> of(mmsim.explore.Shard shard) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", shard.index());
        m.put("count", shard.count());
        return m;
    }

    // ---- merge ------------------------------------------------------------------------------

    /** Input the merge cannot use: the message names the file and what is wrong. */
    static final class BadInput extends RuntimeException {
        BadInput(String message) {
            super(message, null, false, false);
        }
    }

    /** One shard's row: the file it came from, the row and its section. */
    record Part(String file, int index, Map<String, Object> row, Map<String, Object> shard) { }

    /**
     * The unsharded row from one row per shard ({@code parts} in shard order, all checked to be
     * the same scenario x variant). Without a section marked whole, every shard has the row.
     */
    static Map<String, Object> merge(List<Part> parts) {
        Part zero = parts.get(0);
        Map<String, Object> out = new LinkedHashMap<>(zero.row());
        out.remove("shard");
        if (bool(zero.shard(), "whole")) return out;
        for (Part p : parts) {
            for (String k : List.of("strategy", "bound")) same(zero, p, k, zero.row().get(k), p.row().get(k));
            same(zero, p, "sleep-set reduction", reduction(zero.row()).get("sleep_sets"), reduction(p.row()).get("sleep_sets"));
            for (String k : List.of("all", "step_limit", "expected", "split")) same(zero, p, k, zero.shard().get(k), p.shard().get(k));
        }
        boolean all = bool(zero.shard(), "all");
        String expected = (String) zero.shard().get("expected");
        int bound = num(zero.row(), "bound").intValue();
        Tally t = new Tally();
        List<Failure> findings = new ArrayList<>();
        List<String> cut = new ArrayList<>();
        boolean exhausted;
        RowGrade grade;
        if (all) {
            List<Phase> ps = parts.stream().map(p -> phase(p, 0)).toList();
            t.add(ps, Long.MAX_VALUE);
            List<String> seen = new ArrayList<>();
            ps.stream().flatMap(p -> p.failures().stream()).sorted(Comparator.comparingLong(Failure::segment))
                    .forEach(f -> {
                        if (!seen.contains(f.distinct())) {
                            seen.add(f.distinct());
                            findings.add(f);
                        }
                    });
            exhausted = ps.stream().allMatch(Phase::exhausted);
            noteCuts(ps, cut);
            grade = RowGrade.all(findings.stream().map(ShardJson::graded).toList(), expected, exhausted, bound, null);
        } else {
            List<Phase> ps = parts.stream().map(p -> phase(p, 0)).toList();
            Failure first = first(ps);
            t.add(ps, first == null ? Long.MAX_VALUE : first.segment());
            noteCuts(ps, cut);
            exhausted = first != null ? first.phase().exhausted() : ps.stream().allMatch(Phase::exhausted);
            if (first != null) findings.add(first);
            if (first != null && OutcomeClass.valueOf(str(first.finding(), "class")).equals(OutcomeClass.INTERESTING)) {
                // the second phase: each shard's own, or its first when that one ended in anything but INTERESTING
                List<Phase> second = new ArrayList<>();
                for (int i = 0; i < parts.size(); i++) {
                    Phase p1 = ps.get(i);
                    boolean interesting = !p1.failures().isEmpty()
                            && str(p1.failures().get(0).finding(), "class").equals(OutcomeClass.INTERESTING.name());
                    second.add(interesting ? phase(parts.get(i), 1) : p1);
                }
                Failure then = first(second);
                t.add(second, then == null ? Long.MAX_VALUE : then.segment());
                noteCuts(second, cut);
                exhausted = then != null ? then.phase().exhausted() : second.stream().allMatch(Phase::exhausted);
                if (then != null) findings.add(then);
            }
            grade = RowGrade.first(findings.stream().map(ShardJson::graded).toList(), expected, exhausted, bound,
                    num(zero.shard(), "step_limit").intValue(), null);
        }
        boolean budgetCut = !cut.isEmpty() && findings.isEmpty();
        out.put("status", grade.status().name().toLowerCase(java.util.Locale.ROOT));
        out.put("verdict", grade.verdict());
        out.put("note", grade.note());
        out.put("executions", t.executions);
        out.put("exhaustive", exhausted);
        out.put("budget_cut", budgetCut);
        if (out.get("reduction") instanceof Map<?, ?> red) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("sleep_sets", red.get("sleep_sets"));
            r.put("redundant", t.redundant);
            r.put("pruned", t.pruned);
            out.put("reduction", r);
        }
        Long elapsed = null;
        for (Part p : parts) if (p.row().get("elapsed_ms") instanceof Number n) elapsed = Math.max(elapsed == null ? 0 : elapsed, n.longValue());
        out.put("elapsed_ms", elapsed);
        out.put("outcomes", new ArrayList<>(t.outcomes.values()));
        out.put("findings", findings.stream().map(Failure::finding).toList());
        if (!cut.isEmpty()) {
            out.put("merge_note", "not exact: the budget cut " + String.join(", ", cut)
                    + " before its part was explored; an exhaustive run of every shard merges exactly");
        }
        return out;
    }

    /** Status of a merged row, for the exit code. */
    static Status status(Map<String, Object> row) {
        return Status.valueOf(str(row, "status").toUpperCase(java.util.Locale.ROOT));
    }

    private record Phase(Part part, List<Map<String, Object>> segments, List<Failure> failures, boolean exhausted, boolean budgetCut) { }

    private record Failure(Phase phase, long segment, String distinct, boolean declared, String described, Map<String, Object> finding) { }

    @SuppressWarnings("unchecked")
    private static Phase phase(Part p, int i) {
        List<Object> phases = list(p, p.shard(), "phases");
        if (i >= phases.size()) {
            throw new BadInput(p.file() + ": " + rowName(p.row()) + " found an INTERESTING outcome but has no second search phase");
        }
        Map<String, Object> ph = (Map<String, Object>) phases.get(i);
        List<Map<String, Object>> segments = (List<Map<String, Object>>) (List<?>) list(p, ph, "segments");
        List<Failure> failures = new ArrayList<>();
        Phase phase = new Phase(p, segments, failures, bool(ph, "exhaustive"), bool(ph, "budget_cut"));
        for (Object o : list(p, ph, "failures")) {
            Map<String, Object> f = (Map<String, Object>) o;
            failures.add(new Failure(phase, num(f, "segment").longValue(), str(f, "distinct"), bool(f, "declared"), str(f, "described"),
                    (Map<String, Object>) f.get("finding")));
        }
        return phase;
    }

    /** The failure in the earliest DFS segment (a segment's failures come from one shard: the first is its first). */
    private static Failure first(List<Phase> phases) {
        Failure best = null;
        for (Phase p : phases) {
            if (!p.failures().isEmpty() && (best == null || p.failures().get(0).segment() < best.segment())) best = p.failures().get(0);
        }
        return best;
    }

    private static void noteCuts(List<Phase> phases, List<String> cut) {
        for (Phase p : phases) {
            String which = "shard " + p.part().index() + " (" + p.part().file() + ")";
            if (p.budgetCut() && !cut.contains(which)) cut.add(which);
        }
    }

    private static RowGrade.Graded graded(Failure f) {
        return new RowGrade.Graded(OutcomeClass.valueOf(str(f.finding(), "class")), Verdict.Kind.ofId(str(f.finding(), "kind")),
                str(f.finding(), "title"), f.declared(), f.described());
    }

    /** Executions, redundant, pruned and outcomes summed over segments in DFS order. */
    private static final class Tally {
        long executions, redundant, pruned;
        final Map<String, Map<String, Object>> outcomes = new LinkedHashMap<>();

        @SuppressWarnings("unchecked")
        void add(List<Phase> phases, long upTo) {
            List<Map<String, Object>> segments = new ArrayList<>();
            for (Phase p : phases) segments.addAll(p.segments());
            segments.sort(Comparator.comparingLong(s -> num(s, "segment").longValue()));   // stable: shard order within a segment
            for (Map<String, Object> s : segments) {
                if (num(s, "segment").longValue() > upTo) break;
                executions += num(s, "executions").longValue();
                redundant += num(s, "redundant").longValue();
                pruned += num(s, "pruned").longValue();
                for (Object o : (List<Object>) s.get("outcomes")) {
                    Map<String, Object> outcome = (Map<String, Object>) o;
                    String key = outcome.get("verdict") + "\n" + Json.write(outcome.get("observed"));
                    Map<String, Object> into = outcomes.computeIfAbsent(key, k -> {
                        Map<String, Object> m = new LinkedHashMap<>(outcome);
                        m.put("count", 0L);
                        return m;
                    });
                    into.put("count", num(into, "count").longValue() + num(outcome, "count").longValue());
                }
            }
        }
    }

    static String rowName(Map<String, Object> row) {
        return row.get("scenario") + " / " + row.get("variant");
    }

    private static void same(Part zero, Part p, String what, Object a, Object b) {
        if (a == null ? b != null : !a.equals(b)) {
            throw new BadInput(p.file() + ": " + rowName(p.row()) + " was run with " + what + " " + b + ", but " + zero.file()
                    + " with " + a + ": merge the shards of one run");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> reduction(Map<String, Object> row) {
        return row.get("reduction") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static List<Object> list(Part p, Map<String, Object> m, String key) {
        if (m.get(key) instanceof List<?> l) {
            @SuppressWarnings("unchecked") List<Object> x = (List<Object>) l;
            return x;
        }
        throw new BadInput(p.file() + ": " + rowName(p.row()) + ": the shard section has no list '" + key + "'");
    }

    static Number num(Map<String, Object> m, String key) {
        if (m.get(key) instanceof Number n) return n;
        throw new BadInput("field '" + key + "' is not a number");
    }

    static boolean bool(Map<String, Object> m, String key) {
        return Boolean.TRUE.equals(m.get(key));
    }

    static String str(Map<String, Object> m, String key) {
        Object o = m.get(key);
        return o == null ? null : o.toString();
    }
}
