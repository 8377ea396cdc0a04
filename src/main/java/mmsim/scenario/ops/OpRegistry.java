package mmsim.scenario.ops;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import mmsim.scenario.ScenarioError;
import mmsim.scenario.Suggest;
import mmsim.scenario.Token;

/**
 * The operations scenario programs and the shell can use, by name. See the package documentation
 * for how to add one.
 */
public final class OpRegistry {

    /** Reads an operation's arguments at parse time and returns what to do at run time. */
    @FunctionalInterface
    public interface Parser {
        Action parse(Args args);
    }

    /** One parsed operation, run on the CPU of its program. Returns the value for {@code -> var}, or null. */
    @FunctionalInterface
    public interface Action {
        String run(OpContext ctx);
    }

    /** A registered operation. {@code yieldsValue}: whether {@code -> var} may follow it. */
    public record Op(String name, String usage, String summary, boolean yieldsValue, Parser parser) { }

    /** A parsed line of a program: the operation, its action, the variable it assigns (or null) and where it is. */
    public record Step(Op op, Action action, String assigns, ScenarioError.Pos pos, String source,
                       List<Token> paths, List<Token> varRefs) {
        public String run(OpContext ctx) {
            String v = action.run(ctx);
            if (assigns != null) ctx.vars().put(assigns, v == null ? "ok" : v);
            return v;
        }
    }

    /**
     * The providers of the standard registry. To add operations, write a class in this package
     * implementing {@link OpProvider} and list it here.
     */
    private static final List<OpProvider> PROVIDERS = List.of(
            new BasicOps(),
            new PageOps(),
            new UserMemoryOps(),
            new MemoryHotplugOps(),
            new MemremapOps(),
            new CompactionOps(),
            new KernelPgtableOps(),
            new KPageFlagOps(),
            new HugeMemoryOps()
    );

    private final Map<String, Op> ops = new TreeMap<>();

    /** A registry with every operation of {@link #PROVIDERS}. */
    public static OpRegistry standard() {
        OpRegistry r = new OpRegistry();
        for (OpProvider p : PROVIDERS) p.register(r);
        return r;
    }

    /** Registers an operation; a name registered twice is a programming error. */
    public OpRegistry add(String name, String usage, String summary, boolean yieldsValue, Parser parser) {
        if (ops.containsKey(name)) throw new IllegalStateException("operation '" + name + "' registered twice");
        ops.put(name, new Op(name, usage, summary, yieldsValue, parser));
        return this;
    }

    public Op get(String name) { return ops.get(name); }

    /** Registered operations, sorted by name. */
    public List<Op> all() { return List.copyOf(ops.values()); }

    public List<String> names() { return List.copyOf(ops.keySet()); }

    /**
     * Parses one program line ({@code op args... [-> var]}). {@code end} locates the end of the
     * line for "expected X" errors.
     */
    public Step parse(List<Token> tokens, ScenarioError.Pos end, String source) {
        Token first = tokens.get(0);
        Op op = first.quoted() ? null : ops.get(first.text());
        if (op == null) {
            throw new ScenarioError(first.pos(), "unknown operation '" + first.text() + "'"
                    + Suggest.didYouMean(first.text(), ops.keySet()) + "; known: " + String.join(", ", ops.keySet()));
        }
        List<Token> args = new ArrayList<>(tokens.subList(1, tokens.size()));
        String assigns = null;
        int n = args.size();
        if (n >= 1 && args.get(n - 1).is("->")) {
            throw new ScenarioError(args.get(n - 1).pos(), "expected a variable name after '->'");
        }
        if (n >= 2 && args.get(n - 2).is("->")) {
            Token var = args.get(n - 1);
            if (!var.text().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new ScenarioError(var.pos(), "expected a variable name (letters, digits, _) after '->', got '" + var.text() + "'");
            }
            if (!op.yieldsValue()) {
                throw new ScenarioError(args.get(n - 2).pos(), "'" + op.name() + "' gives no value to assign; usage: " + op.usage());
            }
            assigns = var.text();
            args = args.subList(0, n - 2);
        }
        Args a = new Args(op.name(), op.usage(), args, assigns == null ? end : args.isEmpty() ? end : tokens.get(tokens.size() - 2).pos());
        Action action = op.parser().parse(a);
        a.end();
        return new Step(op, action, assigns, first.pos(), source, Collections.unmodifiableList(a.paths()),
                Collections.unmodifiableList(a.varRefs()));
    }
}
