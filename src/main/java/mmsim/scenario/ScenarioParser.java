package mmsim.scenario;

import java.time.Duration;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import mmsim.explore.Verdict;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.LockClasses;
import mmsim.scenario.Scenario.Condition;
import mmsim.scenario.Scenario.CpuProgram;
import mmsim.scenario.Scenario.Expect;
import mmsim.scenario.Scenario.Variant;
import mmsim.scenario.ScenarioError.Pos;
import mmsim.scenario.ops.OpRegistry;
import mmsim.scenario.ops.OpRegistry.Step;

/**
 * Reads the scenario language: line-oriented, {@code #} comments, blocks closed by {@code end}.
 *
 * <pre>
 * scenario NAME                      the file's name without .mms
 * title    ONE LINE                  what the race is
 * thread   "SUBJECT" (LIST, DATE)    the thread that argued it
 * layout ... end                     machine layout text (mmsim.mm.linux.MachineLayout), verbatim
 * config   OPTION...                 options common to all variants
 * variant  NAME [era=v4.6|mainline] [OPTION...]   OPTION may be drop-lock=CLASS (run without that lock class)
 * setup ... end                      runs once per execution on CPU 0, not explored
 * cpu NAME ["task label"] ... end    one per simulated CPU: operation lines
 * final ... end                      runs on CPU 0 after every CPU finished, before grading
 * expect   VARIANT|* [KIND] [CONDITION...] ACCEPTABLE|INTERESTING|FORBIDDEN|EXPECTED ["why"]
 *          CONDITION: var=v, var!=v, var<v, var<=v, var>v, var>=v, or var in LOW..HIGH
 * bound K | budget N|30s | step_limit N | strategy dfs|random|pct | seed S
 * question locks                     check also asks which lock classes each holding variant needs
 * </pre>
 *
 * Errors are {@link ScenarioError}s naming file, line and column and what was expected.
 * Full reference: docs/scenario-language.md.
 */
public final class ScenarioParser {

    /** The statements of the language, in the order docs/scenario-language.md presents them. */
    public static final List<String> KEYWORDS = List.of("scenario", "title", "thread", "layout", "config", "variant",
            "setup", "cpu", "final", "expect", "bound", "budget", "step_limit", "strategy", "seed", "question", "report");
    private static final List<String> STRATEGIES = List.of("dfs", "random", "pct");
    private static final List<String> CLASSES = List.of("ACCEPTABLE", "INTERESTING", "FORBIDDEN", "EXPECTED");

    private final String file;
    private final String[] lines;
    private final OpRegistry ops;
    private int ln;   // index of the next line to read

    private ScenarioParser(String file, String text, OpRegistry ops) {
        this.file = file;
        this.lines = text.split("\r?\n", -1);
        this.ops = ops;
    }

    /** Parses and validates {@code text}; {@code file} is the name errors use. */
    public static Scenario parse(String file, String text, OpRegistry ops) {
        return new ScenarioParser(file, text, ops).parse();
    }

    private Scenario parse() {
        String name = null, title = null, thread = null, layout = null, strategy = "dfs";
        Pos namePos = null, layoutPos = null;
        int layoutLine = 0, bound = 2;
        long budgetExec = 0, seed = 1;
        Duration budgetTime = null;
        List<String> config = new ArrayList<>();
        List<Variant> variants = new ArrayList<>();
        List<Step> setup = List.of();
        List<Step> finalSteps = List.of();
        int stepLimit = 0;
        Pos setupPos = null;
        List<CpuProgram> cpus = new ArrayList<>();
        List<Expect> expects = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<String> questions = new ArrayList<>();
        boolean reportAll = false;

        while (ln < lines.length) {
            int lineNo = ln + 1;
            List<Token> t = Token.split(file, lineNo, lines[ln++]);
            if (t.isEmpty()) continue;
            Token kw = t.get(0);
            String k = kw.text();
            if (kw.quoted() || !KEYWORDS.contains(k)) {
                String hint = k.equals("end") ? " ('end' closes a layout, setup or cpu block; none is open)"
                        : Suggest.didYouMean(k, KEYWORDS);
                throw new ScenarioError(kw.pos(), "unknown keyword '" + k + "'" + hint + "; expected one of: " + String.join(", ", KEYWORDS));
            }
            boolean once = !(k.equals("config") || k.equals("variant") || k.equals("cpu") || k.equals("expect"));
            if (once && !seen.add(k)) throw new ScenarioError(kw.pos(), "'" + k + "' given twice");
            switch (k) {
                case "scenario" -> {
                    name = single(t, "a scenario name");
                    namePos = t.get(1).pos();
                }
                case "title" -> title = rest(t, "a one-line title");
                case "thread" -> thread = rest(t, "the thread's subject, list and date");
                case "config" -> {
                    if (t.size() < 2) throw expected(t, "at least one option");
                    for (Token o : t.subList(1, t.size())) config.add(knownOption(o));
                }
                case "variant" -> variants.add(variant(t, variants));
                case "layout" -> {
                    noArgs(t);
                    layoutPos = kw.pos();
                    layoutLine = lineNo + 1;
                    layout = rawBlock(kw);
                }
                case "setup" -> {
                    noArgs(t);
                    setupPos = kw.pos();
                    setup = program(kw);
                }
                case "cpu" -> cpus.add(cpu(t, cpus));
                case "final" -> {
                    noArgs(t);
                    finalSteps = program(kw);
                }
                case "step_limit" -> stepLimit = (int) number(t, "a step limit per execution", 1000, 100_000_000);
                case "expect" -> expects.add(expect(t));
                case "bound" -> bound = (int) number(t, "a preemption bound", 0, 20);
                case "budget" -> {
                    String b = single(t, "a budget (executions such as 20000, or time such as 30s, 2m)");
                    Duration d = duration(b);
                    if (d != null && d.isZero()) throw new ScenarioError(t.get(1).pos(), "a time budget must be more than zero, got '" + b + "'");
                    if (d != null) budgetTime = d;
                    else budgetExec = number(t, "a budget (executions such as 20000, or time such as 30s, 2m)", 1, Long.MAX_VALUE);
                }
                case "strategy" -> {
                    strategy = single(t, "a strategy (dfs, random or pct)");
                    if (!STRATEGIES.contains(strategy)) {
                        throw new ScenarioError(t.get(1).pos(), "unknown strategy '" + strategy + "'" + Suggest.didYouMean(strategy, STRATEGIES)
                                + "; expected dfs, random or pct");
                    }
                }
                case "seed" -> seed = number(t, "a seed", 0, Long.MAX_VALUE);
                case "question" -> {
                    String q = single(t, "a question check answers (" + String.join(", ", Scenario.QUESTIONS) + ")");
                    if (!Scenario.QUESTIONS.contains(q)) {
                        throw new ScenarioError(t.get(1).pos(), "unknown question '" + q + "'" + Suggest.didYouMean(q, Scenario.QUESTIONS)
                                + "; expected one of: " + String.join(", ", Scenario.QUESTIONS));
                    }
                    questions.add(q);
                }
                case "report" -> {
                    String what = single(t, "what to report: all (every distinct failure, not only the first)");
                    if (!what.equals("all")) {
                        throw new ScenarioError(t.get(1).pos(), "unknown report '" + what + "'; expected 'report all'");
                    }
                    reportAll = true;
                }
                default -> throw new AssertionError(k);
            }
        }

        Pos top = new Pos(file, 1, 1);
        if (name == null) throw new ScenarioError(top, "missing 'scenario NAME' line");
        String base = baseName(file);
        if (base != null && !base.equals(name)) {
            throw new ScenarioError(namePos, "scenario name '" + name + "' differs from the file name '" + base + "'");
        }
        if (layout == null) throw new ScenarioError(top, "missing 'layout' block (the machine: arch, cpus, memory; closed by 'end')");
        if (cpus.isEmpty()) throw new ScenarioError(top, "missing 'cpu NAME ... end' block: a scenario needs at least one CPU program");
        if (variants.isEmpty()) variants.add(new Variant("default", "mainline", List.of(), top));

        checkVariables(setup, cpus, finalSteps, expects);
        List<String> vnames = variants.stream().map(Variant::name).toList();
        for (Expect e : expects) {
            if (!e.appliesTo("*") && !vnames.contains(e.variant())) {
                throw new ScenarioError(e.pos(), "unknown variant '" + e.variant() + "'" + Suggest.didYouMean(e.variant(), vnames)
                        + "; variants: " + String.join(", ", vnames) + ", or * for all");
            }
        }
        return new Scenario(file, name, title == null ? name : title, thread, layout, layoutLine, List.copyOf(config),
                List.copyOf(variants), setup, List.copyOf(cpus), List.copyOf(expects), bound, budgetExec, budgetTime, strategy, seed,
                finalSteps, stepLimit, shadowed(expects), List.copyOf(questions), reportAll);
    }

    // ---- blocks ---------------------------------------------------------------------------

    /** The lines of a block up to its {@code end}, comments removed and common indentation dropped. */
    private String rawBlock(Token opener) {
        List<String> body = new ArrayList<>();
        while (true) {
            if (ln >= lines.length) throw unclosed(opener);
            String raw = Token.stripComment(lines[ln++]).stripTrailing();
            if (raw.strip().equals("end")) break;
            body.add(raw);
        }
        int indent = Integer.MAX_VALUE;
        for (String l : body) if (!l.isBlank()) indent = Math.min(indent, l.length() - l.stripLeading().length());
        StringBuilder sb = new StringBuilder();
        for (String l : body) sb.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        return sb.toString();
    }

    private List<Step> program(Token opener) {
        List<Step> steps = new ArrayList<>();
        while (true) {
            if (ln >= lines.length) throw unclosed(opener);
            int lineNo = ln + 1;
            String line = lines[ln++];
            List<Token> t = Token.split(file, lineNo, line);
            if (t.isEmpty()) continue;
            if (t.size() == 1 && t.get(0).is("end")) break;
            if (t.get(0).is("cpu") || t.get(0).is("setup") || t.get(0).is("expect") || t.get(0).is("final")) {
                throw new ScenarioError(t.get(0).pos(), "'" + t.get(0).text() + "' inside the block opened at line "
                        + opener.pos().line() + ": expected 'end' first");
            }
            Pos end = new Pos(file, lineNo, Token.stripComment(line).stripTrailing().length() + 1);
            steps.add(ops.parse(t, end, Token.stripComment(line).strip()));
        }
        return List.copyOf(steps);
    }

    private CpuProgram cpu(List<Token> t, List<CpuProgram> cpus) {
        if (t.size() < 2) throw expected(t, "a CPU name (A, B, ...)");
        Token n = t.get(1);
        if (n.quoted() || !n.text().matches("[A-Za-z0-9_]+")) {
            throw new ScenarioError(n.pos(), "expected a CPU name (letters, digits, _), got '" + n.text() + "'");
        }
        for (CpuProgram c : cpus) {
            if (c.name().equals(n.text())) throw new ScenarioError(n.pos(), "cpu " + n.text() + " defined twice (first at line " + c.pos().line() + ")");
        }
        String label = null;
        if (t.size() >= 3) {
            if (!t.get(2).quoted()) throw new ScenarioError(t.get(2).pos(), "expected a quoted task label such as \"cat /proc/kpageflags\", got '" + t.get(2).text() + "'");
            label = t.get(2).text();
        }
        if (t.size() > 3) throw new ScenarioError(t.get(3).pos(), "unexpected '" + t.get(3).text() + "' after the task label");
        List<Step> steps = program(t.get(0));
        if (steps.isEmpty()) throw new ScenarioError(t.get(0).pos(), "cpu " + n.text() + " has no operations");
        return new CpuProgram(n.text(), label, steps, t.get(0).pos());
    }

    private Variant variant(List<Token> t, List<Variant> variants) {
        if (t.size() < 2) throw expected(t, "a variant name");
        Token n = t.get(1);
        if (n.text().equals("*") || !n.text().matches("[A-Za-z0-9_.+-]+")) {
            throw new ScenarioError(n.pos(), "expected a variant name (letters, digits, . _ + -), got '" + n.text() + "'");
        }
        for (Variant v : variants) {
            if (v.name().equals(n.text())) throw new ScenarioError(n.pos(), "variant " + n.text() + " defined twice (first at line " + v.pos().line() + ")");
        }
        String era = "mainline";
        List<String> options = new ArrayList<>();
        for (Token o : t.subList(2, t.size())) {
            if (o.text().startsWith("era=")) {
                era = o.text().substring(4);
                if (!Scenario.ERAS.contains(era)) {
                    throw new ScenarioError(o.pos(), "unknown era '" + era + "'" + Suggest.didYouMean(era, Scenario.ERAS)
                            + "; expected one of: " + String.join(", ", Scenario.ERAS));
                }
            } else {
                options.add(knownOption(o));
            }
        }
        return new Variant(n.text(), era, List.copyOf(options), n.pos());
    }

    /** OPTION, OPTION=y or OPTION=n, where OPTION is one the model implements (KernelConfig.knownOptions). */
    private static String knownOption(Token o) {
        if (o.text().startsWith(KernelConfig.DROP_LOCK + "=")) return dropLock(o);
        String name = o.text().replaceFirst("=[yn]$", "");
        if (!mmsim.mm.Machine.knownOptions().contains(name)) {
            throw new ScenarioError(o.pos(), "unknown option '" + name + "'" + Suggest.didYouMean(name, mmsim.mm.Machine.knownOptions())
                    + "; options: " + String.join(", ", mmsim.mm.Machine.knownOptions()) + ", drop-lock=CLASS (run without a lock class)");
        }
        return o.text();
    }

    /** drop-lock=CLASS, where CLASS is a lock class the model declares (mmsim.mm.LockClasses). */
    private static String dropLock(Token o) {
        int at = KernelConfig.DROP_LOCK.length() + 1;
        String cls = o.text().substring(at);
        Pos pos = new Pos(o.pos().file(), o.pos().line(), o.pos().col() + at + (o.quoted() ? 1 : 0));
        if (cls.isEmpty()) throw new ScenarioError(pos, "expected a lock class after 'drop-lock=' (as traces print it, e.g. zone->lock)");
        Set<String> known = LockClasses.all().keySet();
        if (!known.contains(cls)) {
            throw new ScenarioError(pos, "unknown lock class '" + cls + "'" + Suggest.didYouMean(cls, known)
                    + "; lock classes: " + String.join(", ", known));
        }
        return KernelConfig.dropLock(cls);
    }

    private Expect expect(List<Token> t) {
        if (t.size() < 2) throw expected(t, "a variant name or *");
        String variant = t.get(1).text();
        int clsAt = -1;
        for (int i = 2; i < t.size(); i++) {
            if (!t.get(i).quoted() && CLASSES.contains(t.get(i).text())) { clsAt = i; break; }
        }
        if (clsAt < 0) {
            for (int i = 2; i < t.size(); i++) {
                List<String> close = Suggest.close(t.get(i).text().toUpperCase(java.util.Locale.ROOT), CLASSES, 1);
                if (!t.get(i).quoted() && !close.isEmpty() && !t.get(i).text().contains("=")) {
                    throw new ScenarioError(t.get(i).pos(), "unknown outcome class '" + t.get(i).text() + "' (did you mean: " + close.get(0)
                            + "?); expected ACCEPTABLE, INTERESTING, FORBIDDEN or EXPECTED");
                }
            }
            throw expected(t, "an outcome class (ACCEPTABLE, INTERESTING, FORBIDDEN or EXPECTED) after the pattern");
        }
        if (clsAt == 2) throw new ScenarioError(t.get(2).pos(), "expected an outcome pattern (a verdict kind such as oops, or var=value) before " + t.get(2).text());
        Verdict.Kind kind = null;
        List<Condition> conds = new ArrayList<>();
        List<Token> pattern = t.subList(2, clsAt);
        for (int i = 0; i < pattern.size(); i++) {
            Token p = pattern.get(i);
            String s = p.text();
            if (i + 1 < pattern.size() && pattern.get(i + 1).is("in")) {
                conds.add(range(p, pattern, i));
                i += 2;
                continue;
            }
            var m = COMPARISON.matcher(s);
            if (m.matches()) {
                String var = m.group(1), op = m.group(2), value = m.group(3);
                if (!var.matches("[A-Za-z_][A-Za-z0-9_]*")) throw new ScenarioError(p.pos(), "expected var=value, got '" + s + "'");
                if (!op.equals("=") && !op.equals("!=") && mmsim.scenario.ops.Args.parseNumber(value) == null) {
                    throw new ScenarioError(p.pos(), "'" + op + "' compares numbers; '" + value + "' is no number (decimal, 0x hex, K/M/G)");
                }
                conds.add(new Condition(var, op, value, null));
            } else {
                Verdict.Kind named = Verdict.Kind.ofId(s);
                if (named == null) {
                    throw new ScenarioError(p.pos(), "unknown verdict kind '" + s + "'" + Suggest.didYouMean(s, Verdict.Kind.ids())
                            + "; expected one of: " + String.join(", ", Verdict.Kind.ids())
                            + ", or a condition (var=value, var!=value, var<N, var>=N, var in LOW..HIGH)");
                }
                if (kind != null) throw new ScenarioError(p.pos(), "a pattern names one verdict kind; '" + kind.id() + "' is already given");
                kind = named;
            }
        }
        OutcomeClass cls = OutcomeClass.valueOf(t.get(clsAt).text());
        if (kind == Verdict.Kind.MODEL_DEFECT && cls != OutcomeClass.FORBIDDEN) {
            throw new ScenarioError(t.get(clsAt).pos(), "model_defect is a defect of mmsim itself and can only be FORBIDDEN");
        }
        String comment = null;
        if (clsAt + 1 < t.size()) {
            Token c = t.get(clsAt + 1);
            if (!c.quoted()) throw new ScenarioError(c.pos(), "expected a quoted comment after " + cls + ", got '" + c.text() + "'");
            comment = c.text();
            if (clsAt + 2 < t.size()) throw new ScenarioError(t.get(clsAt + 2).pos(), "unexpected '" + t.get(clsAt + 2).text() + "' after the comment");
        }
        return new Expect(variant, kind, List.copyOf(conds), cls, comment, t.get(0).pos());
    }

    private static final java.util.regex.Pattern COMPARISON = java.util.regex.Pattern.compile("([^=!<>]+)(!=|<=|>=|=|<|>)(.+)");

    /** {@code var in LOW..HIGH}: three tokens from {@code at}. */
    private static Condition range(Token var, List<Token> pattern, int at) {
        if (!var.text().matches("[A-Za-z_][A-Za-z0-9_]*")) throw new ScenarioError(var.pos(), "expected a variable name before 'in', got '" + var.text() + "'");
        if (at + 2 >= pattern.size()) throw new ScenarioError(pattern.get(at + 1).pos(), "expected a range LOW..HIGH after 'in'");
        Token r = pattern.get(at + 2);
        String[] ends = r.text().split("\\.\\.", -1);
        Long lo = ends.length == 2 ? mmsim.scenario.ops.Args.parseNumber(ends[0]) : null;
        Long hi = ends.length == 2 ? mmsim.scenario.ops.Args.parseNumber(ends[1]) : null;
        if (lo == null || hi == null) throw new ScenarioError(r.pos(), "expected a range LOW..HIGH such as 0x8000..0xffff, got '" + r.text() + "'");
        if (lo > hi) throw new ScenarioError(r.pos(), "empty range " + r.text() + ": LOW is above HIGH");
        return new Condition(var.text(), "in", ends[0], ends[1]);
    }

    /**
     * Warnings for expect lines that can never match: an earlier line for the same variant (or *)
     * with no conditions and the same or no verdict kind takes every outcome they would.
     */
    static List<String> shadowed(List<Expect> expects) {
        List<String> out = new ArrayList<>();
        for (int j = 0; j < expects.size(); j++) {
            Expect later = expects.get(j);
            for (int i = 0; i < j; i++) {
                Expect e = expects.get(i);
                boolean variantCovers = e.variant().equals("*") || e.variant().equals(later.variant());
                boolean kindCovers = e.kind() == null || e.kind().equals(later.kind());
                if (variantCovers && kindCovers && e.conditions().isEmpty()) {
                    out.add(later.pos() + ": warning: this expect never matches: line " + e.pos().line() + " ('expect " + e.variant()
                            + (e.pattern().isEmpty() ? "" : " " + e.pattern()) + " " + e.cls() + "') takes every outcome it would;"
                            + " the first matching line wins, so put the more specific line first");
                    break;
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * Each variable has one writer program (setup, one cpu, or final). A {@code $var} names a
     * variable setup or an earlier line of the same program assigned, or one another CPU assigns:
     * then the step waits until that CPU has assigned it (A allocates, B frees what A got). The
     * final block sees every variable.
     */
    private void checkVariables(List<Step> setup, List<CpuProgram> cpus, List<Step> finalSteps, List<Expect> expects) {
        Map<String, String> writer = new HashMap<>();   // var -> program that assigns it
        Set<String> setupVars = new LinkedHashSet<>();
        for (Step s : setup) {
            checkRefs(s, setupVars, "setup");
            if (s.assigns() != null) { setupVars.add(s.assigns()); writer.put(s.assigns(), "setup"); }
        }
        for (CpuProgram c : cpus) {
            for (Step s : c.steps()) if (s.assigns() != null) claim(writer, s, "cpu " + c.name());
        }
        for (CpuProgram c : cpus) {
            Set<String> visible = new LinkedHashSet<>(setupVars);
            for (Map.Entry<String, String> w : writer.entrySet()) {
                if (w.getValue().startsWith("cpu ") && !w.getValue().equals("cpu " + c.name())) visible.add(w.getKey());
            }
            for (Step s : c.steps()) {
                checkRefs(s, visible, "cpu " + c.name());
                if (s.assigns() != null) visible.add(s.assigns());
            }
        }
        Set<String> all = new LinkedHashSet<>(writer.keySet());
        for (Step s : finalSteps) {
            checkRefs(s, all, "final");
            if (s.assigns() != null) { claim(writer, s, "final"); all.add(s.assigns()); }
        }
        for (Expect e : expects) {
            for (Condition c : e.conditions()) {
                if (c.value().startsWith("$") && !writer.containsKey(c.value().substring(1))) {
                    throw new ScenarioError(e.pos(), "outcome compares with variable '" + c.value() + "' that no program assigns");
                }
                if (!writer.containsKey(c.var())) {
                    throw new ScenarioError(e.pos(), "outcome names variable '" + c.var() + "' that no program assigns"
                            + Suggest.didYouMean(c.var(), writer.keySet()) + " (assign one with '-> " + c.var() + "')");
                }
            }
        }
    }

    private static void claim(Map<String, String> writer, Step s, String program) {
        String prev = writer.putIfAbsent(s.assigns(), program);
        if (prev != null && !prev.equals(program)) {
            throw new ScenarioError(s.pos(), "variable '" + s.assigns() + "' is already assigned by " + prev
                    + "; each variable belongs to one program");
        }
    }

    private static void checkRefs(Step s, Set<String> visible, String program) {
        for (Token r : s.varRefs()) {
            String v = r.text().substring(1);
            if (!visible.contains(v)) {
                throw new ScenarioError(r.pos(), "variable $" + v + " is not assigned before this line in " + program
                        + ", nor by setup or another cpu" + Suggest.didYouMean(v, visible));
            }
        }
    }

    // ---- small readers --------------------------------------------------------------------

    private ScenarioError unclosed(Token opener) {
        return new ScenarioError(opener.pos(), "'" + opener.text() + "' block opened here has no 'end' before the end of the file");
    }

    private ScenarioError expected(List<Token> t, String what) {
        Token last = t.get(t.size() - 1);
        return new ScenarioError(new Pos(file, last.pos().line(), last.pos().col() + last.text().length() + (last.quoted() ? 2 : 0) + 1),
                "expected " + what + " after '" + last.text() + "'");
    }

    private String single(List<Token> t, String what) {
        if (t.size() < 2) throw expected(t, what);
        if (t.size() > 2) throw new ScenarioError(t.get(2).pos(), "unexpected '" + t.get(2).text() + "' (expected only " + what + ")");
        return t.get(1).text();
    }

    private String rest(List<Token> t, String what) {
        if (t.size() < 2) throw expected(t, what);
        // keep the text as written (quotes included), minus the keyword and the comment
        Token first = t.get(1);
        String line = Token.stripComment(lines[first.pos().line() - 1]);
        return line.substring(first.pos().col() - 1).strip();
    }

    private long number(List<Token> t, String what, long min, long max) {
        String s = single(t, what);
        Long v = mmsim.scenario.ops.Args.parseNumber(s);
        if (v == null || v < min || v > max) {
            throw new ScenarioError(t.get(1).pos(), "expected " + what + " (a number " + min + ".." + (max == Long.MAX_VALUE ? "" : max) + "), got '" + s + "'");
        }
        return v;
    }

    private static void noArgs(List<Token> t) {
        if (t.size() > 1) throw new ScenarioError(t.get(1).pos(), "unexpected '" + t.get(1).text() + "': '" + t.get(0).text() + "' opens a block; put its lines below and close it with 'end'");
    }

    /** 30s, 2m, 500ms, 1h; null when {@code s} is no duration. */
    public static Duration duration(String s) {
        var m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(s);
        if (!m.matches()) return null;
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** {@code 000-x} for {@code scenarios/000-x.mms}; null for other names (stdin, tests). */
    static String baseName(String file) {
        String f = file.replace('\\', '/');
        f = f.substring(f.lastIndexOf('/') + 1);
        return f.endsWith(".mms") ? f.substring(0, f.length() - 4) : null;
    }
}
