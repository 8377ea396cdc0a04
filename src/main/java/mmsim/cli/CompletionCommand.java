package mmsim.cli;

import java.util.concurrent.Callable;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code mmsim generate-completion}: a bash (and zsh, via bashcompinit) completion script. */
@Command(name = "generate-completion", mixinStandardHelpOptions = true,
        header = "Print a bash/zsh completion script.",
        description = "Print a bash/zsh completion script for mmsim: subcommands, options, strategies and the catalogue's scenario names.",
        footer = {"", "Install for this shell:", "  source <(./mmsim generate-completion)",
                "or system-wide:", "  ./mmsim generate-completion > /etc/bash_completion.d/mmsim"})
public final class CompletionCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        String script = AutoComplete.bash("mmsim", spec.root().commandLine());
        spec.commandLine().getOut().print(script);
        spec.commandLine().getOut().flush();
        return Main.EXIT_OK;
    }
}
