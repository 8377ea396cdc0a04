package mmsim.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jline.reader.Candidate;
import org.jline.reader.Completer;

import mmsim.iface.VirtualFs;
import mmsim.kernel.Errno;
import mmsim.kernel.KernelFault;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MachineLayout;
import mmsim.scenario.Booted;
import mmsim.scenario.ScenarioError;
import mmsim.scenario.Suggest;
import mmsim.scenario.Token;
import mmsim.scenario.ops.Args;
import mmsim.scenario.ops.OpContext;
import mmsim.scenario.ops.OpRegistry;

/**
 * The command interpreter behind {@code mmsim sh}: one booted machine, commands run on CPU 0
 * through the same kernel entry points scenario programs use. Errors print the way bash prints
 * them ({@code echo: write error: Device or resource busy}); the machine keeps its state.
 */
final class Shell {
    private static final List<String> BUILTINS = List.of("cat", "echo", "ls", "dump_page", "kmem", "vtop",
            "page-types", "dmesg", "vars", "help", "exit");

    private final Booted machine;
    private final OpRegistry ops = OpRegistry.standard();
    private final Map<String, String> vars = new TreeMap<>();
    private final OpContext ctx;
    private final String description;
    private PrintWriter out;
    private PrintWriter err;
    private int lineNo;
    private int dmesgSeen;
    private boolean exited;
    private int exitStatus;

    private Shell(Booted machine, String description, PrintWriter out, PrintWriter err) {
        this.machine = machine;
        this.description = description;
        this.ctx = machine.context(vars);
        this.out = out;
        this.err = err;
        machine.kernel().setTask(0, "sh", 1);
        dmesgSeen = machine.kernel().log().size();
    }

    /** A shell on a machine that already ran (the replay of a failure, stopped where it stopped). */
    static Shell on(Booted machine, String description, PrintWriter out, PrintWriter err) {
        return new Shell(machine, description, out, err);
    }

    static Shell boot(Path layoutFile, String era, List<String> config, PrintWriter out, PrintWriter err) {
        MachineLayout layout;
        try {
            layout = layoutFile == null ? MachineLayout.small() : MachineLayout.load(layoutFile);
        } catch (IOException e) {
            throw new UsageError("cannot read layout " + layoutFile + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UsageError("layout: " + e.getMessage());
        }
        KernelConfig.Era e = switch (era) {
            case "v4.6" -> KernelConfig.Era.V4_6;
            case "mainline" -> KernelConfig.Era.MAINLINE;
            default -> throw new UsageError("--era: expected v4.6 or mainline, got '" + era + "'"
                    + Suggest.didYouMean(era, List.of("v4.6", "mainline")));
        };
        KernelConfig c = KernelConfig.defaults(e);
        for (String o : config) {
            // checked as a scenario's config line is: a misspelt option would silently run the default code
            String name = o.replaceFirst("=[yn]$", "");
            if (!mmsim.mm.Machine.knownOptions().contains(name)) {
                throw new UsageError("--config: unknown option '" + name + "'" + Suggest.didYouMean(name, mmsim.mm.Machine.knownOptions())
                        + "; see: mmsim list --switches");
            }
            c = o.endsWith("=n") ? c.without(name) : c.with(name);
        }
        Booted m = Booted.boot(layout, c);
        return new Shell(m, layout.source() + ", " + era, out, err);
    }

    void setOutput(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    boolean exited() { return exited; }
    int exitStatus() { return exitStatus; }

    String banner() {
        return "mmsim sh on " + description + ". Type 'help' for commands, Tab completes, Ctrl-D leaves.";
    }

    /** Runs one line; returns its status (0 success, 1 failure). */
    int execute(String line) {
        lineNo++;
        List<Token> t;
        try {
            t = Token.split("sh", lineNo, line);
        } catch (ScenarioError e) {
            err.println("mmsim: " + e.detail());
            return done(1);
        }
        if (t.isEmpty()) return 0;
        String cmd = t.get(0).text();
        boolean assigns = t.size() >= 3 && t.get(t.size() - 2).is("->");
        if (!assigns && BUILTINS.contains(cmd)) {
            // builtins take $var as the shell expands it (operations read $var themselves)
            List<Token> expanded = new ArrayList<>();
            for (Token x : t) {
                String name = !x.quoted() && x.text().startsWith("$") ? x.text().substring(1) : null;
                if (name != null && !vars.containsKey(name)) {
                    err.println("mmsim: " + x.text() + ": unbound variable" + Suggest.didYouMean(name, vars.keySet()));
                    return done(1);
                }
                expanded.add(name != null ? new Token(vars.get(name), false, x.pos()) : x);
            }
            t = expanded;
        }
        try {
            if (assigns) return done(operation(t, line));
            return switch (cmd) {
                case "exit", "quit" -> {
                    exited = true;
                    exitStatus = t.size() > 1 ? (int) (long) orZero(Args.parseNumber(t.get(1).text())) : 0;
                    yield exitStatus;
                }
                case "help" -> done(help());
                case "cat" -> done(cat(t));
                case "echo" -> done(echo(t));
                case "ls" -> done(ls(t));
                case "dump_page" -> done(inspect().dumpPage(words(t)));
                case "kmem" -> done(inspect().kmem(words(t)));
                case "vtop" -> done(ShellVtop.vtop(machine.machine(), words(t), out, err));
                case "page-types" -> done(inspect().pageTypes(words(t)));
                case "dmesg" -> done(t.size() > 1 ? operation(t, line) : dmesg());
                case "vars" -> {
                    vars.forEach((k, v) -> out.println(k + "=" + v));
                    yield done(0);
                }
                default -> done(operation(t, line));
            };
        } catch (KernelFault f) {
            // the task that ran into the fault dies; the machine lives on, as after an oops
            out.print(Reports.ensureNewline(f.report()));
            err.println("mmsim: " + cmd + ": " + f.title());
            return done(1);
        } catch (Errno.ErrnoException e) {
            err.println(cmd + ": " + e.errno().text);
            return done(1);
        }
    }

    private static long orZero(Long v) { return v == null ? 0 : v; }

    private int done(int status) {
        out.flush();
        err.flush();
        return status;
    }

    private int help() {
        out.println("Commands (paths complete with Tab):");
        out.println("  cat PATH...              print files under /proc, /sys, /sys/kernel/debug");
        out.println("  echo TEXT > PATH         write TEXT to a sysfs/debugfs file");
        out.println("  ls [-l] [PATH]           list a directory (default /); -l with the kernel's file modes");
        out.println("  dump_page PFN            the kernel's dump_page() of one page");
        out.println("  kmem -f [PFN]            free areas per zone and order (crash); with PFN, the free list holding it");
        out.println("  kmem -p PFN              crash's page line: PAGE PHYSICAL MAPPING INDEX CNT FLAGS");
        out.println("  kmem -n                  memory sections and their memmap (crash)");
        out.println("  kmem -z                  zone watermarks min/low/high, as /proc/zoneinfo");
        out.println("  vtop ADDR [PID]          page-table walk per level (kernel addresses via init_mm)");
        out.println("  page-types [OPTIONS]     tools/mm/page-types on this machine (page-types -h)");
        out.println("  dmesg                    the kernel log");
        out.println("  vars                     values assigned with '-> var'");
        out.println("  help, exit [N]");
        out.println("Operations (as in scenario files; '-> var' keeps the result):");
        for (OpRegistry.Op op : ops.all()) {
            if (BUILTINS.contains(op.name())) continue;
            out.printf("  %-24s %s%n", op.usage(), op.summary());
        }
        return 0;
    }

    private int cat(List<Token> t) {
        if (t.size() < 2) {
            err.println("cat: missing file operand");
            return 1;
        }
        int st = 0;
        for (Token p : t.subList(1, t.size())) {
            String path = p.text();
            try {
                if (machine.isDirectory(path)) {
                    err.println("cat: " + path + ": Is a directory");
                    st = 1;
                    continue;
                }
                byte[] data = machine.read(path);
                if (isBinary(data)) {
                    hexdump(data);
                } else {
                    out.print(Booted.text(data));
                }
            } catch (Errno.ErrnoException e) {
                err.println("cat: " + path + ": " + e.errno().text + hint(path, e.errno()));
                st = 1;
            }
        }
        return st;
    }

    private int echo(List<Token> t) {
        int gt = -1;
        for (int i = 1; i < t.size(); i++) if (t.get(i).is(">")) { gt = i; break; }
        StringBuilder text = new StringBuilder();
        for (int i = 1; i < (gt < 0 ? t.size() : gt); i++) text.append(text.isEmpty() ? "" : " ").append(t.get(i).text());
        if (gt < 0) {
            out.println(text);
            return 0;
        }
        if (gt + 1 >= t.size()) {
            err.println("mmsim: syntax error: expected a file after '>'");
            return 1;
        }
        String path = t.get(gt + 1).text();
        if (!machine.exists(path)) {
            err.println("mmsim: " + path + ": No such file or directory" + hint(path, Errno.ENOENT));
            return 1;
        }
        try {
            machine.write(path, text + "\n");
            return 0;
        } catch (Errno.ErrnoException e) {
            err.println("echo: write error: " + e.errno().text);
            return 1;
        }
    }

    private int ls(List<Token> t) {
        List<String> args = new ArrayList<>(t.subList(1, t.size()).stream().map(Token::text).toList());
        boolean longFormat = args.remove("-l");
        List<String> dirs = args.isEmpty() ? List.of("/") : args;
        int st = 0;
        for (String d : dirs) {
            try {
                if (!machine.isDirectory(d)) {
                    Errno bad = machine.fs().lookupError(d);
                    if (bad != null) throw new Errno.ErrnoException(bad, d);
                    out.println(longFormat ? longEntry(d, d) : d);
                    continue;
                }
                if (dirs.size() > 1) out.println(d + ":");
                for (String e : machine.list(d)) {
                    String name = e.endsWith("/") ? e.substring(0, e.length() - 1) : e;
                    out.println(longFormat ? longEntry((d.endsWith("/") ? d : d + "/") + name, name) : e);
                }
            } catch (Errno.ErrnoException e) {
                err.println("ls: cannot access '" + d + "': " + e.errno().text + hint(d, e.errno()));
                st = 1;
            }
        }
        return st;
    }

    /**
     * One {@code ls -l} line: the mode the kernel gives the file (sysfs attributes 0444/0644/0200,
     * /proc files as created), links, owner root, size as stat reports it (4096 for sysfs
     * attributes, 0 for procfs and debugfs), name, and a symlink's target. No time column: the
     * model has no clock for inode times.
     */
    private String longEntry(String path, String name) {
        VirtualFs.Node n = machine.fs().resolve(path, false);
        if (n instanceof VirtualFs.Symlink link) return "lrwxrwxrwx 1 root root 0 " + name + " -> " + link.target();
        if (n instanceof VirtualFs.Dir) return "drwxr-xr-x 2 root root 0 " + name;
        VirtualFs.File f = (VirtualFs.File) n;
        int size = path.startsWith("/sys/") && !path.startsWith("/sys/kernel/debug/") ? 4096 : 0;
        return VirtualFs.modeString(f.mode) + " 1 root root " + size + " " + name;
    }

    private ShellInspect inspect() { return new ShellInspect(machine.machine(), out, err); }

    private static List<String> words(List<Token> t) {
        return t.subList(1, t.size()).stream().map(Token::text).toList();
    }

    private int dmesg() {
        List<String> lines = machine.kernel().log().lines();
        for (String l : lines) out.println(l);
        dmesgSeen = lines.size();
        return 0;
    }

    private int operation(List<Token> t, String line) {
        if (ops.get(t.get(0).text()) == null) {
            List<String> all = new ArrayList<>(BUILTINS);
            all.addAll(ops.names());
            err.println("mmsim: " + t.get(0).text() + ": command not found" + Suggest.didYouMean(t.get(0).text(), all) + " (try: help)");
            return 1;
        }
        OpRegistry.Step step;
        try {
            step = ops.parse(t, new ScenarioError.Pos("sh", lineNo, line.length() + 1), line.strip());
        } catch (ScenarioError e) {
            err.println(t.get(0).text() + ": " + e.detail());
            return 1;
        }
        for (Token r : step.varRefs()) {
            String name = r.text().substring(1);
            if (vars.containsKey(name)) continue;
            err.println("mmsim: " + r.text() + ": unbound variable" + Suggest.didYouMean(name, vars.keySet())
                    + " (an operation's '-> " + name + "' assigns it; 'vars' lists them)");
            return 1;
        }
        String v = step.run(ctx);
        if (step.assigns() == null && v != null) out.println(v);
        return v != null && v.startsWith("-E") ? 1 : 0;
    }

    /** " (did you mean: memory32?)" for a path whose last existing directory has a close entry. */
    private String hint(String path, Errno e) {
        return e == Errno.ENOENT ? machine.didYouMean(path) : "";
    }

    private static boolean isBinary(byte[] b) {
        for (byte x : b) if (x == 0 || (x < 0x20 && x != '\n' && x != '\t' && x != '\r')) return true;
        return false;
    }

    /** Binary files (kpageflags) as u64 words, eight per pfn. */
    private void hexdump(byte[] data) {
        var bb = java.nio.ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long off = 0;
        while (bb.remaining() >= 8) {
            out.printf("%08x: %016x%n", off, bb.getLong());
            off += 8;
        }
    }

    /** Tab completion: commands first, then paths under the directory typed so far. */
    Completer completer() {
        return (reader, parsed, candidates) -> {
            if (parsed.wordIndex() == 0) {
                for (String b : BUILTINS) candidates.add(new Candidate(b));
                for (String o : ops.names()) if (!BUILTINS.contains(o)) candidates.add(new Candidate(o));
                return;
            }
            String w = parsed.word().substring(0, parsed.wordCursor());
            if (!w.startsWith("/")) {
                if (w.isEmpty()) candidates.add(new Candidate("/", "/", null, null, null, null, false));
                return;
            }
            int slash = w.lastIndexOf('/');
            String dir = slash == 0 ? "/" : w.substring(0, slash);
            try {
                for (String e : machine.list(dir)) {
                    boolean isDir = e.endsWith("/");
                    String full = (dir.equals("/") ? "/" : dir + "/") + e;
                    candidates.add(new Candidate(full, e, null, null, null, null, !isDir));
                }
            } catch (RuntimeException x) {
                // nothing to complete
            }
        };
    }
}
