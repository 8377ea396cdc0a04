package mmsim.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code mmsim new NAME}: writes NAME.mms, a commented scenario that runs, to start a new race from. */
@Command(name = "new", mixinStandardHelpOptions = true,
        header = "Write a commented scenario file that runs, to start a new race from.",
        description = "Write NAME.mms in the current directory (or PATH.mms): a scenario with every block commented - layout, variants, setup, two CPU programs and the outcome declarations - that explores as written. The scenario's name is the file name without .mms, as the language requires. An existing file is never overwritten.",
        footer = {"", "Examples:",
                "  mmsim new my-race",
                "  mmsim explore my-race.mms --bound 1",
                "", "Exit status: 0 written, 2 bad name or the file exists."})
public final class NewCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "The scenario's name (letters, digits, . _ + -), or a path ending in it.")
    String name;

    @Override
    public Integer call() throws Exception {
        return UsageError.guard(spec, this::run);
    }

    private Integer run() throws IOException {
        Path file = Path.of(name.endsWith(".mms") ? name : name + ".mms");
        String base = file.getFileName().toString().replaceFirst("\\.mms$", "");
        if (!base.matches("[A-Za-z0-9_.+-]+")) {
            throw new UsageError("'" + base + "' is no scenario name: use letters, digits and . _ + - (such as 042-my-race)");
        }
        if (Files.exists(file)) throw new UsageError(file + " exists; pick another name or remove it first");
        String text;
        try (InputStream in = NewCommand.class.getResourceAsStream("new-scenario.mms")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Files.writeString(file, text.replace("@NAME@", base).replace("@FILE@", file.toString()));
        spec.commandLine().getOut().println("wrote " + file + "; explore it with: mmsim explore " + file);
        return Main.EXIT_OK;
    }
}
