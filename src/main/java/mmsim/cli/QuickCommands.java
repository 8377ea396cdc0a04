package mmsim.cli;

import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code mmsim cat} and {@code mmsim page-types} without picocli, for the plain command lines
 * that make up nearly every use of them. picocli builds a command's model by reflection over its
 * annotations (a dynamic proxy class per annotation type, which no AOT cache keeps): ~50 ms of a
 * 0.1 s run, for two commands of a handful of options.
 *
 * <p>A command line is taken here only when it holds nothing picocli would read differently:
 * each option at most once, its value in the next argument (not starting with '-' or '@') or
 * after '=', no {@code --}, no {@code @file}, no picocli system property, and for cat exactly one
 * operand and no other option. Anything else, including every line picocli would refuse and
 * every help or version request, is declined (null) and goes to picocli, whose messages and exit
 * codes stay the only ones. QuickCommandsTest holds every accepted line equal to picocli's parse
 * (the same fields) and the output and exit status of whole runs equal to picocli's.
 */
final class QuickCommands {
    private QuickCommands() { }

    /** Runs {@code args} when it is a plain cat or page-types line: its exit status; else null. */
    static Integer run(String[] args) {
        if (args.length == 0 || picocliConfigured()) return null;
        Object command = switch (args[0]) {
            case "cat" -> cat(args);
            case "page-types" -> pageTypes(args);
            default -> null;
        };
        if (command == null) return null;
        PrintWriter out = picocliWriter(System.out, "sun.stdout.encoding");
        PrintWriter err = picocliWriter(System.err, "sun.stderr.encoding");
        try {
            return command instanceof CatCommand c ? c.run(out, err) : ((PageTypesCommand) command).call();
        } catch (Exception e) {      // picocli's execute hands its handler the same (an Error propagates)
            return Main.internalError(err, e);
        }
    }

    /** {@code cat [--layout L] [--era E] [--hex] PATH}, options anywhere; null for anything else. */
    static CatCommand cat(String[] args) {
        CatCommand c = new CatCommand();
        Options o = new Options(args, "--layout", "--era");
        boolean hex = false;
        for (String a; (a = o.next()) != null; ) {
            if (o.value != null) {
                if (o.name.equals("--layout")) c.layout = o.value;
                else c.era = o.value;
            } else if (a.equals("--hex") && !hex) {
                hex = true;
            } else if (a.isEmpty() || a.startsWith("-") || c.path != null) {
                return null;        // an option of picocli's (-h, --version, ...), a second operand, ...
            } else {
                c.path = a;
            }
        }
        c.hex = hex;
        return o.declined || c.path == null ? null : c;
    }

    /** {@code page-types [--layout L] [--era E] [--modprobe M] TOOL-ARGS...}; null when picocli must parse it. */
    static PageTypesCommand pageTypes(String[] args) {
        PageTypesCommand p = new PageTypesCommand();
        Options o = new Options(args, "--layout", "--era", "--modprobe");
        for (String a; (a = o.next()) != null; ) {
            if (o.value == null) p.args.add(a);     // picocli's @Unmatched: everything else, in order
            else if (o.name.equals("--layout")) p.layout = o.value;
            else if (o.name.equals("--era")) p.era = o.value;
            else p.modprobe = o.value;
        }
        return o.declined ? null : p;
    }

    /**
     * Walks {@code args[1..]}, taking the named single-value options ({@code --name V},
     * {@code --name=V}) and handing back every other argument; sets {@link #declined} where
     * picocli could read the line otherwise.
     */
    private static final class Options {
        private final String[] args;
        private final List<String> names;
        private final List<String> seen = new ArrayList<>(3);
        private int i = 1;
        boolean declined;
        String name, value;     // of the option just taken; value null for any other argument

        Options(String[] args, String... names) {
            this.args = args;
            this.names = List.of(names);
        }

        /** The next argument (an option's name), or null at the end or once declined. */
        String next() {
            if (declined || i >= args.length) return null;
            String a = args[i++];
            name = null;
            value = null;
            if (a.equals("--") || a.startsWith("@")) return decline();
            int eq = a.indexOf('=');
            String n = eq > 0 ? a.substring(0, eq) : a;
            if (!names.contains(n)) return a;
            if (seen.contains(n)) return decline();     // picocli: "should be specified only once"
            seen.add(n);
            name = n;
            if (eq > 0) {
                value = a.substring(eq + 1);
            } else if (i < args.length) {
                value = args[i++];
            } else {
                return decline();                        // picocli: "Missing required parameter"
            }
            if (value.isEmpty() || value.startsWith("-") || value.startsWith("@")) return decline();
            return a;
        }

        private String decline() {
            declined = true;
            return null;
        }
    }

    /** A {@code picocli.*} system property (trace, argument files, quotes, ...) could change the parse. */
    private static boolean picocliConfigured() {
        for (Object key : System.getProperties().keySet()) {
            if (key instanceof String s && s.startsWith("picocli.")) return true;
        }
        return false;
    }

    /**
     * The writer picocli's {@code CommandLine.getOut()}/{@code getErr()} make: UTF-8 etc. from
     * {@code sun.stdout.encoding}/{@code sun.stderr.encoding} (cp65001 is UTF-8), else the
     * default charset; buffered, flushed at each println.
     */
    static PrintWriter picocliWriter(OutputStream stream, String encodingProperty) {
        String name = System.getProperty(encodingProperty);
        Charset cs;
        try {
            cs = name == null ? Charset.defaultCharset() : Charset.forName("cp65001".equalsIgnoreCase(name) ? "UTF-8" : name);
        } catch (RuntimeException e) {
            cs = Charset.defaultCharset();
        }
        return new PrintWriter(new BufferedWriter(new OutputStreamWriter(stream, cs)), true);
    }
}
