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
        header = "List the catalogue's scenarios, the operations (--ops) or the variant switches (--switches).",
        description = "List the catalogue's scenarios (name, variants, title), or with --ops the operations a scenario program or the shell can use, or with --switches the options a config or variant line can name. docs/scenario-language.md lists the same.",
        footer = {"", "Examples:", "  mmsim list", "  mmsim list --ops", "  mmsim list --switches", "  mmsim list --json"})
public final class ListCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--ops", description = "List the operations (name, usage, what it does).")
    boolean ops;

    @Option(names = "--switches", description = "List the variant switches and kernel options (name, what it switches).")
    boolean switches;

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
        if (switches) {
            Map<String, String> all = mmsim.scenario.Switches.all();
            int w = all.keySet().stream().mapToInt(String::length).max().orElse(0);
            List<Object> rows = new ArrayList<>();
            all.forEach((name, summary) -> {
                if (json) rows.add(Map.of("name", name, "summary", summary));
                else out.printf("%-" + w + "s  %s%n", name, summary);
            });
            if (json) out.println(Json.write(Map.of("schema_version", 1, "switches", rows)));
            return Main.EXIT_OK;
        }
        Catalogue cat = Catalogue.standard();
        List<Object> rows = new ArrayList<>();
        List<String[]> table = new ArrayList<>();
        int status = Main.EXIT_OK;
        table.add(new String[] {"NAME", "VARIANTS", "TITLE"});
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
                    table.add(new String[] {s.name(), String.join(",", s.variantNames()), s.title()});
                }
            } catch (ScenarioError e) {
                spec.commandLine().getErr().println("mmsim: " + e.getMessage());
                status = Main.EXIT_USAGE;
            }
        }
        if (json) out.println(Json.write(Map.of("schema_version", 1, "scenarios", rows)));
        else if (cat.files().isEmpty()) spec.commandLine().getErr().println("mmsim: no scenarios in " + cat.dir().toAbsolutePath());
        else printTable(out, table);
        out.flush();
        return status;
    }

    /** Columns as wide as their widest cell, two blanks apart; the last column is not padded. */
    static void printTable(java.io.PrintWriter out, List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows) for (int c = 0; c < cols - 1; c++) w[c] = Math.max(w[c], r[c].length());
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < cols - 1; c++) sb.append(r[c]).append(" ".repeat(w[c] - r[c].length() + 2));
            out.println(sb.append(r[cols - 1]));
        }
    }
}
