package mmsim.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import mmsim.scenario.Catalogue;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioError;
import mmsim.scenario.ops.OpRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code mmsim list}: the catalogue's scenarios, or the operations scenario programs can use. */
@Command(name = "list", mixinStandardHelpOptions = true,
        header = "List the catalogue's scenarios, or the operations (--ops).",
        description = "List the catalogue's scenarios (name, variants, title), or with --ops the operations a scenario program or the shell can use.",
        footer = {"", "Examples:", "  mmsim list", "  mmsim list --ops", "  mmsim list --json"})
public final class ListCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--ops", description = "List the operations (name, usage, what it does).")
    boolean ops;

    @Option(names = {"-j", "--json"}, description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        OpRegistry reg = OpRegistry.standard();
        if (ops) {
            List<Object> rows = new ArrayList<>();
            for (OpRegistry.Op op : reg.all()) {
                if (json) rows.add(Map.of("name", op.name(), "usage", op.usage(), "summary", op.summary()));
                else out.printf("%-24s %s%n%-24s   %s%n", op.name(), op.usage(), "", op.summary());
            }
            if (json) out.println(Json.write(Map.of("schema_version", 1, "operations", rows)));
            return Main.EXIT_OK;
        }
        Catalogue cat = Catalogue.standard();
        List<Object> rows = new ArrayList<>();
        int status = Main.EXIT_OK;
        if (!json) out.printf("%-36s %-36s %s%n", "NAME", "VARIANTS", "TITLE");
        for (Path p : cat.files()) {
            try {
                Scenario s = Catalogue.load(p, reg);
                if (json) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("name", s.name());
                    r.put("file", Catalogue.displayName(p));
                    r.put("title", s.title());
                    r.put("thread", s.thread());
                    r.put("variants", s.variantNames());
                    rows.add(r);
                } else {
                    out.printf("%-36s %-36s %s%n", s.name(), String.join(",", s.variantNames()), s.title());
                }
            } catch (ScenarioError e) {
                spec.commandLine().getErr().println("mmsim: " + e.getMessage());
                status = Main.EXIT_USAGE;
            }
        }
        if (json) out.println(Json.write(Map.of("schema_version", 1, "scenarios", rows)));
        else if (cat.files().isEmpty()) spec.commandLine().getErr().println("mmsim: no scenarios in " + cat.dir().toAbsolutePath());
        out.flush();
        return status;
    }
}
