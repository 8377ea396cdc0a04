package mmsim.cli;

import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code mmsim boot LAYOUT}: boots a machine layout and prints the boot log's memory lines
 * (zone ranges, node ranges, "Memory: ...K/...K available"). A malformed or impossible layout
 * is reported as {@code file:line: text: problem}, exit status 2.
 */
@Command(name = "boot", mixinStandardHelpOptions = true, description = {"Boot a machine layout and print the kernel's memory boot lines.",
        "LAYOUT is a layout file (see layouts/*.layout) or 'small' for the built-in one."},
        footer = {"", "Examples:", "  mmsim boot layouts/small.layout", "  mmsim boot --era v4.6 layouts/256g.layout"})
public final class BootCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Parameters(index = "0", paramLabel = "LAYOUT", description = "layout file, or 'small'")
    String layout;

    @CommandLine.Option(names = "--era", paramLabel = "ERA", description = "kernel era: mainline (default) or v4.6")
    String era = "mainline";

    @Override
    public Integer call() throws Exception {
        return UsageError.guard(spec, () -> {
            Machine m = Machine.boot(loadLayout(layout), config(era));
            spec.commandLine().getOut().print(m.kernel().log().text());
            return Main.EXIT_OK;
        });
    }

    /** Loads a layout file ('small' = built-in); errors become a one-line usage error. */
    static MachineLayout loadLayout(String name) {
        if (name == null || name.equals("small")) return MachineLayout.small();
        Path p = Path.of(name);
        if (!Files.isRegularFile(p)) throw new UsageError("layout '" + name + "': no such file");
        try {
            return MachineLayout.load(p);
        } catch (IOException e) {
            throw new UsageError("layout '" + name + "': " + e.getMessage());
        } catch (MachineLayout.LayoutException e) {
            throw new UsageError(e.getMessage());
        }
    }

    static KernelConfig config(String era) {
        return switch (era) {
            case "mainline" -> KernelConfig.mainline();
            case "v4.6", "4.6" -> KernelConfig.v4_6();
            default -> throw new UsageError("unknown era '" + era + "' (mainline or v4.6)");
        };
    }
}
