package mmsim.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code mmsim sh}: a shell on a booted machine. */
@Command(name = "sh", mixinStandardHelpOptions = true,
        header = "A shell on a booted machine: cat, echo >, ls, dump_page, kmem, vtop, page-types, the operations.",
        description = "A shell on a booted model machine: cat, echo > and ls over /proc, /sys and debugfs, the driver and user operations of the scenario language (add_memory, alloc_pages, ...), dump_page PFN, the crash(8)-style inspection kmem -f/-p/-n/-z and vtop, page-types, and dmesg (replay --sh opens it on a replayed failure). On a terminal it has line editing, history (~/.mmsim_history) and Tab completion of commands and paths; otherwise it reads a script from standard input, one command per line, without prompts. Type 'help' inside for the commands.",
        footer = {"", "Examples:",
                "  mmsim sh                                  # the built-in small machine, interactive",
                "  mmsim sh layouts/two-node-hotplug.layout --era v4.6",
                "  printf 'alloc_pages 0 -> p\\ndump_page $p\\n' | mmsim sh",
                "", "Exit status: that of the last command (0 it succeeded, 1 it failed), 2 usage", "error."})
public final class ShCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "LAYOUT",
            description = "A machine layout file (see mmsim.mm.linux.MachineLayout); default: the built-in small machine.")
    Path layout;

    @Option(names = "--era", paramLabel = "ERA", defaultValue = "mainline", description = "Kernel era: v4.6 or mainline (default).")
    String era;

    @Option(names = "--config", paramLabel = "OPTION", split = ",", description = "Extra kernel options, e.g. CONFIG_PAGE_OWNER; OPTION=n removes one.")
    java.util.List<String> config = new java.util.ArrayList<>();

    @Option(names = {"-c", "--command"}, paramLabel = "CMD", description = "Run CMD (and further -c commands) instead of reading standard input.")
    java.util.List<String> commands = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
        return UsageError.guard(spec, this::run);
    }

    private Integer run() throws IOException {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        Shell sh = Shell.boot(layout, era, config, out, err);
        return interact(sh, commands);
    }

    /**
     * Runs the shell: the {@code -c} commands when there are any, else standard input (a script
     * when it is not a terminal; line editing, history and completion when it is).
     */
    static int interact(Shell sh, java.util.List<String> commands) throws IOException {
        if (!commands.isEmpty()) {
            int st = 0;
            for (String c : commands) {
                st = sh.execute(c);
                if (sh.exited()) break;
            }
            return st;
        }
        boolean interactive = Term.isTerminal(0) && Term.isTerminal(1);
        if (!interactive) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            int st = 0;
            String line;
            while (!sh.exited() && (line = in.readLine()) != null) st = sh.execute(line);
            return sh.exited() ? sh.exitStatus() : st;
        }
        try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("mmsim")
                    .completer(sh.completer())
                    .variable(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), ".mmsim_history"))
                    .build();
            var tout = terminal.writer();
            sh.setOutput(tout, tout);
            tout.println(sh.banner());
            int st = 0;
            while (!sh.exited()) {
                String line;
                try {
                    line = reader.readLine(st == 0 ? "mmsim# " : "mmsim[" + st + "]# ");
                } catch (UserInterruptException e) {
                    continue;
                } catch (EndOfFileException e) {
                    break;
                }
                // Ctrl-C while a command runs interrupts that command (its loops check the flag),
                // not the shell; at the prompt JLine turns it into UserInterruptException above
                Thread self = Thread.currentThread();
                Terminal.SignalHandler prev = terminal.handle(Terminal.Signal.INT, sig -> self.interrupt());
                try {
                    st = sh.execute(line);
                } finally {
                    terminal.handle(Terminal.Signal.INT, prev);
                    if (Thread.interrupted()) {
                        tout.println("^C");
                        st = 130;
                    }
                }
                tout.flush();
            }
            return sh.exited() ? sh.exitStatus() : st;
        }
    }

}
