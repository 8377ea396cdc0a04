package mmsim.iface.tools;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A small getopt_long(3) with glibc's behaviour, so mmsim's ports of kernel tools accept exactly
 * the command lines the C tools accept: short-option clusters ({@code -lN}), attached or separate
 * arguments ({@code -a0x10}, {@code -a 0x10}), long options with {@code =} or a separate
 * argument, unambiguous abbreviations of long options, permutation of non-option arguments
 * (collected in {@link #operands()}), {@code --} ending the options, and glibc's diagnostics
 * ("invalid option -- 'q'", "option '--x' is ambiguous; possibilities: ...").
 */
public final class Getopt {
    /** One long option as in {@code struct option}: name, whether it takes an argument, value returned. */
    public record LongOpt(String name, boolean hasArg, int val) { }

    /** What {@link #next()} returns for an unknown option or a missing argument ('?' in C). */
    public static final int ERROR = '?';
    /** What {@link #next()} returns when the options are exhausted (-1 in C). */
    public static final int END = -1;

    private final String prog;
    private final String[] argv;
    private final String shortOpts;
    private final List<LongOpt> longOpts;
    private final PrintStream err;
    private final List<String> operands = new ArrayList<>();
    private int index;
    private int clusterPos;     // position inside a short-option cluster, 0 when none
    private String optarg;

    /** {@code err} gets glibc's diagnostics; null makes the parser silent (opterr = 0). */
    public Getopt(String prog, String[] argv, String shortOpts, List<LongOpt> longOpts, PrintStream err) {
        this.prog = prog;
        this.argv = argv.clone();
        this.shortOpts = shortOpts;
        this.longOpts = List.copyOf(longOpts);
        this.err = err;
    }

    /** The argument of the option just returned, or null (optarg). */
    public String optarg() { return optarg; }

    /** Non-option arguments seen so far (glibc permutes them to the end of argv). */
    public List<String> operands() { return List.copyOf(operands); }

    /** The next option's value, {@link #ERROR}, or {@link #END}. */
    public int next() {
        optarg = null;
        if (clusterPos > 0) return shortOption();
        while (index < argv.length) {
            String a = argv[index];
            if (a.equals("--")) {
                index++;
                while (index < argv.length) operands.add(argv[index++]);
                return END;
            }
            if (a.startsWith("--")) {
                index++;
                return longOption(a);
            }
            if (a.startsWith("-") && a.length() > 1) {
                clusterPos = 1;
                return shortOption();
            }
            operands.add(a);
            index++;
        }
        return END;
    }

    private int shortOption() {
        String a = argv[index];
        char c = a.charAt(clusterPos++);
        boolean last = clusterPos >= a.length();
        int at = c == ':' ? -1 : shortOpts.indexOf(c);
        if (at < 0) {
            if (last) { index++; clusterPos = 0; }
            if (err != null) err.println(prog + ": invalid option -- '" + c + "'");
            return ERROR;
        }
        boolean takesArg = at + 1 < shortOpts.length() && shortOpts.charAt(at + 1) == ':';
        if (!takesArg) {
            if (last) { index++; clusterPos = 0; }
            return c;
        }
        index++;
        int pos = clusterPos;
        clusterPos = 0;
        if (!last) {
            optarg = a.substring(pos);
            return c;
        }
        if (index >= argv.length) {
            if (err != null) err.println(prog + ": option requires an argument -- '" + c + "'");
            return ERROR;
        }
        optarg = argv[index++];
        return c;
    }

    private int longOption(String a) {
        String body = a.substring(2);
        int eq = body.indexOf('=');
        String name = eq < 0 ? body : body.substring(0, eq);
        LongOpt match = null;
        List<LongOpt> candidates = new ArrayList<>();
        for (LongOpt o : longOpts) {
            if (o.name().equals(name)) { match = o; candidates.clear(); break; }
            if (o.name().startsWith(name)) candidates.add(o);
        }
        if (match == null) {
            if (candidates.isEmpty()) {
                if (err != null) err.println(prog + ": unrecognized option '--" + name + "'");
                return ERROR;
            }
            match = candidates.get(0);
            for (LongOpt o : candidates) {
                if (o.hasArg() != match.hasArg() || o.val() != match.val()) {
                    if (err != null) {
                        StringBuilder sb = new StringBuilder(prog).append(": option '--").append(name)
                                .append("' is ambiguous; possibilities:");
                        for (LongOpt p : candidates) sb.append(" '--").append(p.name()).append('\'');
                        err.println(sb);
                    }
                    return ERROR;
                }
            }
        }
        if (!match.hasArg()) {
            if (eq >= 0) {
                if (err != null) err.println(prog + ": option '--" + match.name() + "' doesn't allow an argument");
                return ERROR;
            }
            return match.val();
        }
        if (eq >= 0) {
            optarg = body.substring(eq + 1);
            return match.val();
        }
        if (index >= argv.length) {
            if (err != null) err.println(prog + ": option '--" + match.name() + "' requires an argument");
            return ERROR;
        }
        optarg = argv[index++];
        return match.val();
    }
}
