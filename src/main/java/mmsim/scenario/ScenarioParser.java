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
 * variant  NAME [era=v4.6|mainline] [OPTION...]
 * setup ... end                      runs once per execution on CPU 0, not explored
 * cpu NAME ["task label"] ... end    one per simulated CPU: operation lines
 * expect   VARIANT|* [KIND] [var=value|var!=value...] ACCEPTABLE|INTERESTING|FORBIDDEN|EXPECTED ["why"]
 * bound K | budget N|30s | strategy dfs|random|pct | seed S
 * </pre>
 *
 * Errors are {@link ScenarioError}s naming file, line and column and what was expected.
 */
public final class ScenarioParser {

    private static final List<String> KEYWORDS = List.of("scenario", "title", "thread", "layout", "config", "variant",
            "setup", "cpu", "expect", "bound", "budget", "strategy", "seed");
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
        Pos setupPos = null;
        List<CpuProgram> cpus = new ArrayList<>();
        List<Expect> expects = new ArrayList<>();
        Set<String> seen = new HashSet<>();

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
                case "expect" -> expects.add(expect(t));
                case "bound" -> bound = (int) number(t, "a preemption bound", 0, 20);
                case "budget" -> {
                    String b = single(t, "a budget (executions such as 20000, or time such as 30s, 2m)");
                    Duration d = duration(b);
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

        checkVariables(setup, cpus, expects);
        List<String> vnames = variants.stream().map(Variant::name).toList();
        for (Expect e : expects) {
            if (!e.appliesTo("*") && !vnames.contains(e.variant())) {
                throw new ScenarioError(e.pos(), "unknown variant '" + e.variant() + "'" + Suggest.didYouMean(e.variant(), vnames)
                        + "; variants: " + String.join(", ", vnames) + ", or * for all");
            }
        }
        return new Scenario(file, name, title == null ? name : title, thread, layout, layoutLine, List.copyOf(config),
                List.copyOf(variants), setup, List.copyOf(cpus), List.copyOf(expects), bound, budgetExec, budgetTime, strategy, seed);
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
            if (t.get(0).is("cpu") || t.get(0).is("setup") || t.get(0).is("expect")) {
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
        String name = o.text().replaceFirst("=[yn]$", "");
        if (!mmsim.mm.Machine.knownOptions().contains(name)) {
            throw new ScenarioError(o.pos(), "unknown option '" + name + "'" + Suggest.didYouMean(name, mmsim.mm.Machine.knownOptions())
                    + "; options: " + String.join(", ", mmsim.mm.Machine.knownOptions()));
        }
        return o.text();
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
        for (Token p : t.subList(2, clsAt)) {
            String s = p.text();
            int eq = s.indexOf('=');
            if (eq > 0) {
                boolean neg = s.charAt(eq - 1) == '!';
                String var = s.substring(0, neg ? eq - 1 : eq);
                if (!var.matches("[A-Za-z_][A-Za-z0-9_]*")) throw new ScenarioError(p.pos(), "expected var=value, got '" + s + "'");
                conds.add(new Condition(var, !neg, s.substring(eq + 1)));
            } else {
                Verdict.Kind named = Verdict.Kind.ofId(s);
                if (named == null) {
                    throw new ScenarioError(p.pos(), "unknown verdict kind '" + s + "'" + Suggest.didYouMean(s, Verdict.Kind.ids())
                            + "; expected one of: " + String.join(", ", Verdict.Kind.ids()) + ", or var=value");
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

    /** $var references must follow an assignment in setup or the same program; each var has one writer program. */
    private void checkVariables(List<Step> setup, List<CpuProgram> cpus, List<Expect> expects) {
        Map<String, String> writer = new HashMap<>();   // var -> program that assigns it
        Set<String> setupVars = new LinkedHashSet<>();
        for (Step s : setup) {
            checkRefs(s, setupVars);
            if (s.assigns() != null) { setupVars.add(s.assigns()); writer.put(s.assigns(), "setup"); }
        }
        for (CpuProgram c : cpus) {
            Set<String> visible = new LinkedHashSet<>(setupVars);
            for (Step s : c.steps()) {
                checkRefs(s, visible);
                if (s.assigns() != null) {
                    String prev = writer.putIfAbsent(s.assigns(), "cpu " + c.name());
                    if (prev != null && !prev.equals("cpu " + c.name())) {
                        throw new ScenarioError(s.pos(), "variable '" + s.assigns() + "' is already assigned by " + prev
                                + "; each variable belongs to one program");
                    }
                    visible.add(s.assigns());
                }
            }
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

    private static void checkRefs(Step s, Set<String> visible) {
        for (Token r : s.varRefs()) {
            String v = r.text().substring(1);
            if (!visible.contains(v)) {
                throw new ScenarioError(r.pos(), "variable $" + v + " is not assigned before this line" + Suggest.didYouMean(v, visible));
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
