package mmsim.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code mmsim} command. Each subcommand is its own class in this package; register it in
 * {@code Subcommands} below.
 *
 * <p>Subcommands are registered lazily: picocli builds a command's model by reflection over its
 * annotations, which costs more than the JVM's own start for ten commands. A command line that
 * names a subcommand registers only that one; only the usage (no subcommand, {@code --help},
 * {@code help}, completion, an unknown word) needs them all.
 *
 * <p>{@code --version} and the usage ({@code --help}, no arguments) need no command model at
 * all: {@link UsageText} answers them with the text picocli gave at build time; plain
 * {@code cat} and {@code page-types} lines are parsed by {@link QuickCommands}.
 *
 * <p>Exit codes follow kselftest: 0 everything as declared, 1 a declared outcome violated,
 * 2 usage error or broken input, 4 a bound or budget hit before an answer, 130 interrupted.
 */
@Command(name = "mmsim",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "An executable model of Linux memory management with a deterministic concurrency explorer.",
            "Kernel code paths (memory hotplug, page_ext, the buddy allocator, ...) run on simulated CPUs;",
            "the explorer enumerates their interleavings and reports what the kernel would suffer."
        },
        footer = {
            "",
            "Exit status: 0 as declared, 1 a declared outcome violated, 2 usage or bad input,",
            "4 bound or budget hit without an answer.",
        })
public final class Main implements Runnable {

    /** Exit codes shared by every command (kselftest manner). */
    public static final int EXIT_OK = 0;
    public static final int EXIT_VIOLATED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_INCOMPLETE = 4;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        Integer status = runShort(args);
        if (status == null) System.exit(executeWithPicocli(args));
        // Runtime.exit first sets up the JDK's System.Logger to log the exit (JDK 21+: ~35 classes
        // no AOT cache holds, 10-20 ms of a 0.1 s run). A short command starts no thread, so when it
        // succeeded main just returns; the JVM then ends with status 0 as System.exit(0) would.
        if (status != EXIT_OK) System.exit(status);
    }

    /**
     * The subcommands, by name, in the order the usage lists them. A holder class: a run that
     * needs no command model ({@link UsageText#quickAnswer}) does not make these factories.
     */
    private static final class Subcommands {
        static final Map<String, Supplier<Object>> ALL = new LinkedHashMap<>();
        static {
            ALL.put("help", CommandLine.HelpCommand::new);
            ALL.put("check", CheckCommand::new);
            ALL.put("explore", ExploreCommand::new);
            ALL.put("merge", MergeCommand::new);
            ALL.put("replay", ReplayCommand::new);
            ALL.put("locks", LocksCommand::new);
            ALL.put("sh", ShCommand::new);
            ALL.put("list", ListCommand::new);
            ALL.put("generate-completion", CompletionCommand::new);
            ALL.put("page-types", PageTypesCommand::new);
            ALL.put("boot", BootCommand::new);
            ALL.put("cat", CatCommand::new);
            ALL.put("new", NewCommand::new);
        }
    }
    /** Subcommands that need every other one registered (they list or complete them). */
    private static final Set<String> NEEDS_ALL = Set.of("help", "generate-completion");

    /** Builds the command line with the subcommands {@code args} can reach. */
    static CommandLine commandLine(String... args) {
        CommandLine cl = new CommandLine(new Main());
        String first = args.length == 0 ? null : args[0];
        boolean versionOnly = args.length == 1 && (first.equals("--version") || first.equals("-V"));
        if (first != null && Subcommands.ALL.containsKey(first) && !NEEDS_ALL.contains(first)) {
            cl.addSubcommand(first, Subcommands.ALL.get(first).get());
        } else if (!versionOnly) {
            Subcommands.ALL.forEach((name, command) -> cl.addSubcommand(name, command.get()));
        }
        return cl;
    }

    /** Runs the command line and returns the exit code (used by tests). */
    public static int execute(String... args) {
        Integer status = runShort(args);
        return status != null ? status : executeWithPicocli(args);
    }

    /**
     * The exit status of a short command, which needs no picocli model and starts no thread (the
     * usage and version of {@link UsageText}, plain cat and page-types of {@link QuickCommands});
     * null for any other command line.
     */
    private static Integer runShort(String[] args) {
        String text = UsageText.quickAnswer(args);
        if (text == null) return QuickCommands.run(args);
        System.out.print(text);
        System.out.flush();
        return EXIT_OK;
    }

    /** The command line through picocli, whatever it asks (also what {@link UsageText} stands in for). */
    static int executeWithPicocli(String... args) {
        CommandLine cl = commandLine(args);
        // --strategy random, RANDOM and Random are one strategy: help, README and completion write it lower case
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> internalError(cmd.getErr(), ex));
        return cl.execute(args);
    }

    /** An exception out of a command: a defect of mmsim, reported with its stack trace, exit status 70 (EX_SOFTWARE). */
    static int internalError(java.io.PrintWriter err, Exception ex) {
        err.println("mmsim: internal error (a defect of mmsim, not of the modelled kernel): " + ex);
        ex.printStackTrace(err);
        return 70;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"mmsim 0.1.0"};
        }
    }
}
