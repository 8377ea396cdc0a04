package mmsim.cli;

/**
 * A bad argument found after picocli parsed the line (a scenario that does not exist, a variant
 * the file does not have): printed as one line, {@code mmsim CMD: message}, exit status 2.
 */
final class UsageError extends RuntimeException {
    UsageError(String message) {
        super(message, null, false, false);
    }

    /** Runs {@code body}, turning usage and scenario errors into a message and exit status 2. */
    static int guard(picocli.CommandLine.Model.CommandSpec spec, java.util.concurrent.Callable<Integer> body) throws Exception {
        return guard(spec.name(), spec.commandLine().getOut(), spec.commandLine().getErr(), body);
    }

    /** The same for command {@code name} writing to {@code out} and {@code err} (also without picocli). */
    static int guard(String name, java.io.PrintWriter out, java.io.PrintWriter err,
            java.util.concurrent.Callable<Integer> body) throws Exception {
        try {
            return body.call();
        } catch (UsageError e) {
            err.println("mmsim " + name + ": " + e.getMessage());
            err.println("Try 'mmsim " + name + " --help' for more information.");
            return Main.EXIT_USAGE;
        } catch (mmsim.mm.linux.MachineLayout.LayoutException e) {
            err.println("mmsim " + name + ": " + e.getMessage());
            return Main.EXIT_USAGE;
        } catch (mmsim.scenario.ScenarioError e) {
            err.println("mmsim: " + e.getMessage());
            return Main.EXIT_USAGE;
        } finally {
            out.flush();
            err.flush();
        }
    }
}
