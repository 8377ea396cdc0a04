package mmsim.scenario.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import mmsim.kernel.Errno;
import mmsim.scenario.ScenarioError;
import mmsim.scenario.Token;

/**
 * The arguments of one operation line, read left to right at parse time. Every reader names what
 * it expects, so a mistake is reported at the token's line and column with that name
 * ({@code expected ORDER (a number 0..10), got 'x'}).
 */
public final class Args {
    private final String op;
    private final String usage;
    private final List<Token> tokens;
    private final ScenarioError.Pos end;
    private final List<Token> paths = new ArrayList<>();
    private final List<Token> varRefs = new ArrayList<>();
    private int i;

    public Args(String op, String usage, List<Token> tokens, ScenarioError.Pos end) {
        this.op = op;
        this.usage = usage;
        this.tokens = tokens;
        this.end = end;
    }

    /** A parse error at the current token (or at the end of the line), ending with the usage. */
    public ScenarioError error(String what) {
        ScenarioError.Pos at = i < tokens.size() ? tokens.get(i).pos() : end;
        return new ScenarioError(at, what + "; usage: " + usage);
    }

    public boolean hasMore() { return i < tokens.size(); }

    /** The next token's text without consuming it, or null at the end. */
    public String peek() { return i < tokens.size() ? tokens.get(i).text() : null; }

    private Token next(String what) {
        if (i >= tokens.size()) throw error("expected " + what + " after '" + (i == 0 ? op : tokens.get(i - 1).text()) + "'");
        return tokens.get(i++);
    }

    /** Any one word or quoted string. */
    public String word(String what) {
        return next(what).text();
    }

    /** The literal keyword {@code kw} (e.g. {@code at}, {@code count}, {@code >}). */
    public void keyword(String kw) {
        if (i >= tokens.size()) throw error("expected '" + kw + "'");
        Token t = tokens.get(i);
        if (!t.is(kw)) throw error("expected '" + kw + "', got '" + t.text() + "'");
        i++;
    }

    /** Words up to (not including) the keyword {@code stop}, joined with single spaces. */
    public String wordsUntil(String what, String stop) {
        StringBuilder sb = new StringBuilder();
        int start = i;
        while (i < tokens.size() && !tokens.get(i).is(stop)) {
            if (i > start) sb.append(' ');
            sb.append(tokens.get(i++).text());
        }
        if (i == start) throw error("expected " + what + " after '" + (i == 0 ? op : tokens.get(i - 1).text()) + "'");
        return sb.toString();
    }

    /**
     * Words up to (not including) {@code stop}; a word {@code $name} is a variable reference
     * (checked like {@link #varRef}) whose value the caller substitutes at run time.
     */
    public List<String> wordsOrVarsUntil(String what, String stop) {
        List<String> out = new ArrayList<>();
        while (i < tokens.size() && !tokens.get(i).is(stop)) {
            Token t = tokens.get(i++);
            if (!t.quoted() && t.text().startsWith("$") && t.text().length() > 1) {
                int star = t.text().indexOf('*');
                if (star > 0 && parseNumber(t.text().substring(star + 1)) == null) {
                    i--;
                    throw error("expected $var or $var*N with N a number, got '" + t.text() + "'");
                }
                varRefs.add(star < 0 ? t : new Token(t.text().substring(0, star), false, t.pos()));
            }
            out.add(t.text());
        }
        if (out.isEmpty()) throw error("expected " + what + " after '" + (i == 0 ? op : tokens.get(i - 1).text()) + "'");
        return out;
    }

    /** An absolute path under /proc, /sys or /sys/kernel/debug; checked against the machine when the scenario is checked. */
    public String path(String what) {
        Token t = next(what);
        if (!t.text().startsWith("/")) {
            i--;
            throw error("expected " + what + " (an absolute path such as /proc/kpageflags), got '" + t.text() + "'");
        }
        paths.add(t);
        return t.text();
    }

    /** A number: decimal, 0x hex, with an optional K/M/G suffix (binary units). */
    public long number(String what, long min, long max) {
        Token t = next(what);
        Long v = parseNumber(t.text());
        if (v == null || v < min || v > max) {
            i--;
            throw error("expected " + what + " (a number " + (max == Long.MAX_VALUE ? ">= " + min : min + ".." + max)
                    + "), got '" + t.text() + "'");
        }
        return v;
    }

    public int integer(String what, int min, int max) {
        return (int) number(what, min, max);
    }

    /** A reference {@code $name} to a variable an earlier line of the same program assigned. */
    public String varRef(String what) {
        Token t = next(what);
        if (!t.text().startsWith("$") || t.text().length() < 2) {
            i--;
            throw error("expected " + what + " (a variable such as $page), got '" + t.text() + "'");
        }
        varRefs.add(t);
        return t.text().substring(1);
    }

    /**
     * A value computed when the step runs: numbers and {@code $var}s joined by {@code +}, {@code -},
     * {@code *} and {@code /} ({@code $a+4K}, {@code $p*8}, {@code $p/64*8}), {@code *} and {@code /}
     * binding tighter, left to right.
     * Written as one word, without blanks.
     */
    public record Address(String text, java.util.function.ToLongFunction<OpContext> eval) {
        /** A value known at parse time (an unsigned kernel address such as 0xffff800082000000). */
        public static Address constant(long value) {
            return new Address(Long.toUnsignedString(value, 16), c -> value);
        }

        /** The value in {@code ctx}: the variables' values (as numbers) combined. */
        public long resolve(OpContext ctx) {
            return eval.applyAsLong(ctx);
        }
    }

    /** Reads an {@link Address}: {@code 0x7f0000000000}, {@code $a}, {@code $a+4K}, {@code $p*8}. */
    public Address address(String what) {
        return operand(what, "an address such as $a, $a+4K or 0x7f0000000000");
    }

    /** Reads a number computed when the step runs ({@link Address}): {@code 0x40000}, {@code $p*8}. */
    public Address operand(String what, String example) {
        Token t = next(what);
        java.util.function.ToLongFunction<OpContext> e = expression(t, t.text());
        if (e == null) {
            i--;
            throw error("expected " + what + " (" + example + "; + - * / join numbers and $vars), got '" + t.text() + "'");
        }
        return new Address(t.text(), e);
    }

    /** expr := term (('+'|'-') term)*, term := atom (('*'|'/') atom)*, atom := NUMBER | $var; null when malformed. */
    private java.util.function.ToLongFunction<OpContext> expression(Token t, String s) {
        java.util.function.ToLongFunction<OpContext> sum = null;
        int sign = 1;
        int from = 0;
        for (int j = 0; j <= s.length(); j++) {
            if (j < s.length() && s.charAt(j) != '+' && (s.charAt(j) != '-' || j == from)) continue;
            java.util.function.ToLongFunction<OpContext> term = term(t, s.substring(from, j));
            if (term == null) return null;
            final int sg = sign;
            final var prev = sum;
            final var tm = term;
            sum = prev == null ? (sg > 0 ? tm : c -> -tm.applyAsLong(c)) : c -> prev.applyAsLong(c) + sg * tm.applyAsLong(c);
            if (j < s.length()) sign = s.charAt(j) == '+' ? 1 : -1;
            from = j + 1;
        }
        return sum;
    }

    /** term := atom (('*'|'/') atom)*, left to right; '/' divides unsigned and truncates ($p/64*8: the u64 word of pfn $p). */
    private java.util.function.ToLongFunction<OpContext> term(Token t, String s) {
        java.util.function.ToLongFunction<OpContext> product = null;
        char op = '*';
        int from = 0;
        for (int j = 0; j <= s.length(); j++) {
            if (j < s.length() && s.charAt(j) != '*' && s.charAt(j) != '/') continue;
            String atom = s.substring(from, j);
            java.util.function.ToLongFunction<OpContext> a;
            if (atom.startsWith("$")) {
                String name = atom.substring(1);
                if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) return null;
                varRefs.add(new Token("$" + name, false, t.pos()));
                a = c -> c.varNumber(name);
            } else {
                Long v = parseNumber(atom);
                if (v == null || v < 0 || (op == '/' && v == 0)) return null;
                long n = v;
                a = c -> n;
            }
            final var prev = product;
            final var at = a;
            final String text = atom;
            product = prev == null ? at : op == '*' ? c -> prev.applyAsLong(c) * at.applyAsLong(c) : c -> {
                long d = at.applyAsLong(c);
                if (d == 0) throw new IllegalStateException("division by zero: " + text + " is 0");
                return Long.divideUnsigned(prev.applyAsLong(c), d);
            };
            if (j < s.length()) op = s.charAt(j);
            from = j + 1;
        }
        return product;
    }

    /** Everything left on the line joined with single spaces (for {@code note}). */
    public String rest(String what) {
        if (i >= tokens.size()) next(what);
        StringBuilder sb = new StringBuilder();
        while (i < tokens.size()) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(tokens.get(i++).text());
        }
        return sb.toString();
    }

    /** Fails when arguments are left over. */
    public void end() {
        if (i < tokens.size()) throw error("unexpected '" + tokens.get(i).text() + "'");
    }

    List<Token> paths() { return paths; }
    List<Token> varRefs() { return varRefs; }

    /** Parses 123, 0x7b, 128M, 4K, 1G; null when the text is no number. */
    public static Long parseNumber(String s) {
        if (s.isEmpty()) return null;
        long mult = 1;
        char last = Character.toUpperCase(s.charAt(s.length() - 1));
        if (last == 'K' || last == 'M' || last == 'G') {
            mult = last == 'K' ? 1L << 10 : last == 'M' ? 1L << 20 : 1L << 30;
            s = s.substring(0, s.length() - 1);
        }
        try {
            String lower = s.toLowerCase(Locale.ROOT);
            long v = lower.startsWith("0x") ? Long.parseUnsignedLong(lower.substring(2), 16) : Long.parseLong(lower);
            return Math.multiplyExact(v, mult);
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    /** The value an assignment gets when a call fails: the errno's name, {@code -EBUSY}. */
    public static String errnoValue(Errno e) {
        return "-" + e.name();
    }
}
