package mmsim.scenario;

import java.time.Duration;
import java.util.List;

import mmsim.explore.Verdict;
import mmsim.scenario.ops.OpRegistry.Step;

/**
 * A parsed scenario file: a machine, the variants to run it under, a setup program, one program
 * per CPU, the declared outcomes and the exploration bound. See {@link ScenarioParser} for the text.
 *
 * @param file        the file name errors and replay commands use
 * @param layout      the machine layout text (of {@code mmsim.mm.linux.MachineLayout}), comments removed
 * @param layoutLine  the file line of the layout's first line, to locate layout errors
 * @param config      options common to every variant
 * @param budgetExecutions  the executions budget, or 0 for none
 * @param budgetTime  the time budget, or null for none
 * @param strategy    dfs, random or pct
 * @param seed        seed of the random strategies
 * @param finalSteps  the {@code final} block: run on CPU 0 after every CPU finished, before grading
 * @param stepLimit   the file's {@code step_limit}, or 0 to derive it from the scenario
 * @param warnings    "file:line:col: warning: ..." lines for what is legal but surely unmeant
 * @param questions   what check also answers for each variant: {@code locks} (which lock classes it needs)
 * @param reportAll   {@code report all}: explore on after the first failure and list each distinct one
 */
public record Scenario(String file, String name, String title, String thread, String layout, int layoutLine,
                       List<String> config, List<Variant> variants, List<Step> setup, List<CpuProgram> cpus,
                       List<Expect> expects, int bound, long budgetExecutions, Duration budgetTime,
                       String strategy, long seed, List<Step> finalSteps, int stepLimit, List<String> warnings,
                       List<String> questions, boolean reportAll) {

    /** {@code question locks}: check adds a column naming the lock classes each holding variant needs. */
    public static final String QUESTION_LOCKS = "locks";

    /** The questions a scenario may ask. */
    public static final List<String> QUESTIONS = List.of(QUESTION_LOCKS);

    public boolean asks(String question) { return questions.contains(question); }

    /** The kernel eras a variant can start from. */
    public static final List<String> ERAS = List.of("v4.6", "mainline");

    /** A named set of switches: an era plus options (kernel config and proposals argued in the thread). */
    public record Variant(String name, String era, List<String> options, ScenarioError.Pos pos) { }

    /** The program of one simulated CPU; {@code label} names its task (the trace column and the comm). */
    public record CpuProgram(String name, String label, List<Step> steps, ScenarioError.Pos pos) {
        /** The comm of the task: the label's first word (as {@code cat}, {@code echo}), or the CPU name. */
        public String comm() {
            if (label == null || label.isBlank()) return "cpu" + name;
            String w = label.strip().split("\\s+")[0];
            return w.length() > 15 ? w.substring(0, 15) : w;   // TASK_COMM_LEN - 1
        }
    }

    /** The comparisons a condition can make; {@code in} is the range {@code value..high}, both ends included. */
    public static final List<String> COMPARISONS = List.of("=", "!=", "<", "<=", ">", ">=", "in");

    /**
     * One condition of an outcome pattern on a variable's final value: {@code var=value},
     * {@code var!=value}, {@code var<value} (and {@code <= > >=}), or {@code var in low..high}.
     */
    public record Condition(String var, String op, String value, String high) {
        @Override public String toString() {
            return op.equals("in") ? var + " in " + value + ".." + high : var + op + value;
        }
    }

    /**
     * A declared outcome: for {@code variant} (or {@code *}), a verdict kind (or null: any) and
     * conditions on observed variables, graded {@code cls}.
     */
    public record Expect(String variant, Verdict.Kind kind, List<Condition> conditions, OutcomeClass cls,
                         String comment, ScenarioError.Pos pos) {
        public boolean appliesTo(String v) {
            return variant.equals("*") || variant.equals(v);
        }

        /** The pattern as written: {@code oops ret=-EBUSY}. */
        public String pattern() {
            StringBuilder sb = new StringBuilder();
            if (kind != null) sb.append(kind.id());
            for (Condition c : conditions) sb.append(sb.isEmpty() ? "" : " ").append(c);
            return sb.toString();
        }
    }

    public Variant variant(String name) {
        for (Variant v : variants) if (v.name().equals(name)) return v;
        return null;
    }

    public List<String> variantNames() {
        return variants.stream().map(Variant::name).toList();
    }
}
