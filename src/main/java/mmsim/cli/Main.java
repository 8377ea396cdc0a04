package mmsim.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code mmsim} command. Each subcommand is its own class in this package; register it in
 * the {@code subcommands} list below.
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
        subcommands = {
            CommandLine.HelpCommand.class,
            CheckCommand.class,
            ExploreCommand.class,
            ReplayCommand.class,
            LocksCommand.class,
            ShCommand.class,
            ListCommand.class,
            CompletionCommand.class,
            PageTypesCommand.class,
            BootCommand.class,
            CatCommand.class,
            NewCommand.class,
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
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (used by tests). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        // --strategy random, RANDOM and Random are one strategy: help, README and completion write it lower case
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("mmsim: internal error (a defect of mmsim, not of the modelled kernel): " + ex);
            ex.printStackTrace(cmd.getErr());
            return 70;
        });
        return cl.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"mmsim 0.1.0"};
        }
    }
}
