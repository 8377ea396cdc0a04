package mmsim.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import mmsim.scenario.Catalogue;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioParser;
import mmsim.scenario.Suggest;
import mmsim.scenario.ops.OpRegistry;

/** Finding and loading the scenario a command names: a file, a catalogue name or prefix, or {@code -} (stdin). */
final class ScenarioArgs {
    private ScenarioArgs() { }

    /** Loads one scenario; throws {@link ParameterException} (exit 2) when it names none or several. */
    static Scenario load(String arg, OpRegistry ops, InputStream stdin) {
        if (arg.equals("-")) {
            try {
                String text = new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
                return ScenarioParser.parse("<stdin>", text, ops);
            } catch (IOException e) {
                throw new UsageError("cannot read standard input: " + e.getMessage());
            }
        }
        Path p = Path.of(arg);
        if (Files.isRegularFile(p)) return Catalogue.load(p, ops);
        Catalogue cat = Catalogue.standard();
        List<Path> found = cat.resolve(arg);
        if (found.size() == 1) return Catalogue.load(found.get(0), ops);
        if (found.isEmpty()) {
            throw new UsageError("no scenario file or catalogue entry '" + arg + "'"
                    + Suggest.didYouMean(arg, cat.names()) + " (see: mmsim list)");
        }
        throw new UsageError("'" + arg + "' names several scenarios: "
                + String.join(", ", found.stream().map(x -> x.getFileName().toString()).toList()));
    }

    /** The variant named {@code name}, or a usage error listing them. */
    static Scenario.Variant variant(Scenario s, String name) {
        Scenario.Variant v = s.variant(name);
        if (v == null) {
            throw new UsageError("scenario " + s.name() + " has no variant '" + name + "'"
                    + Suggest.didYouMean(name, s.variantNames()) + "; variants: " + String.join(", ", s.variantNames()));
        }
        return v;
    }
}
