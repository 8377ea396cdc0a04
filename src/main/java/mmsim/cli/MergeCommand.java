package mmsim.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.jr.ob.JSON;
import mmsim.scenario.ScenarioRunner.Status;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code mmsim merge FILE...}: the shards' {@code --json} outputs of one run, merged into the unsharded run's output. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        header = "Merge the --json outputs of the shards of one run into what the unsharded run prints.",
        description = "Merge the --json outputs of `mmsim check --shard I/N` (or `explore --shard I/N`), one file per shard, into the --json output one unsharded run prints (with --reduction sleep, which shards run): the same executions, outcome counts, verdicts and first failure (the earliest in DFS order). Exact when every shard explored its part to the end (or to the failure); a row a budget cut says so in merge_note.",
        footer = {"", "Examples:",
                "  mmsim merge shard-0.json shard-1.json   # as mmsim explore 010 --json prints",
                "", "Exit status: as the unsharded run's (0 as declared, 1 violated, 4 incomplete);", "2 bad input: a missing or duplicate shard, shards of different runs, a file", "that is not a sharded --json output."})
public final class MergeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "The --json output of each shard (check or explore), in any order.")
    List<Path> files = new ArrayList<>();

    @Option(names = {"-p", "--pretty"}, description = "Indented JSON (check's form only, as check --pretty).")
    boolean pretty;

    @Override
    public Integer call() throws Exception {
        return UsageError.guard(spec, this::run);
    }

    /** One file: its rows, whether it is check's form (one object with rows) or explore's (JSON Lines), its shard. */
    private record Input(String file, boolean check, List<Map<String, Object>> rows, int index, int count, Object exit) { }

    private Integer run() {
        var out = spec.commandLine().getOut();
        List<Input> inputs = new ArrayList<>();
        try {
            for (Path f : files) inputs.add(read(f));
            Input first = inputs.get(0);
            TreeMap<Integer, Input> byIndex = new TreeMap<>();
            for (Input in : inputs) {
                if (in.check() != first.check()) {
                    throw new ShardJson.BadInput(in.file() + ": the output of " + (in.check() ? "check" : "explore") + ", but " + first.file()
                            + " of " + (first.check() ? "check" : "explore") + ": merge the shards of one run");
                }
                if (in.count() != first.count()) {
                    throw new ShardJson.BadInput(in.file() + ": shard " + in.index() + " of " + in.count() + ", but " + first.file()
                            + " is of " + first.count() + " shards: merge the shards of one run");
                }
                Input dup = byIndex.put(in.index(), in);
                if (dup != null) throw new ShardJson.BadInput(in.file() + " and " + dup.file() + " are both shard " + in.index() + "/" + in.count());
            }
            List<String> missing = new ArrayList<>();
            for (int i = 0; i < first.count(); i++) if (!byIndex.containsKey(i)) missing.add(i + "/" + first.count());
            if (!missing.isEmpty()) {
                throw new ShardJson.BadInput("shard" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing) + " missing: the files given are shards "
                        + String.join(", ", byIndex.keySet().stream().map(i -> i + "/" + first.count()).toList()));
            }
            List<Input> shards = new ArrayList<>(byIndex.values());
            List<Map<String, Object>> merged = merge(shards);
            int exit = exitCode(merged);
            for (Input in : shards) if (in.exit() instanceof Number n && n.intValue() == Main.EXIT_USAGE) exit = Main.EXIT_USAGE;
            if (first.check()) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("schema_version", Reports.SCHEMA_VERSION);
                o.put("rows", merged);
                o.put("exit", exit);
                out.println(pretty ? Json.pretty(o) : Json.write(o));
            } else {
                for (Map<String, Object> row : merged) out.println(Json.write(row));
            }
            var err = spec.commandLine().getErr();
            for (Map<String, Object> row : merged) {
                if (row.get("merge_note") != null) err.println("mmsim merge: " + ShardJson.rowName(row) + ": " + row.get("merge_note"));
            }
            return exit;
        } catch (ShardJson.BadInput e) {
            spec.commandLine().getErr().println("mmsim merge: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
    }

    /** Rows in shard 0's order; every row not run whole is in every shard. */
    private static List<Map<String, Object>> merge(List<Input> shards) {
        Input zero = shards.get(0);
        List<Map<String, Object>> merged = new ArrayList<>();
        List<Map<String, Map<String, Object>>> rowsOf = new ArrayList<>();
        for (Input in : shards) {
            Map<String, Map<String, Object>> rows = new LinkedHashMap<>();
            for (Map<String, Object> r : in.rows()) {
                if (rows.put(ShardJson.rowName(r), r) != null) throw new ShardJson.BadInput(in.file() + ": row " + ShardJson.rowName(r) + " appears twice");
            }
            rowsOf.add(rows);
        }
        for (int i = 1; i < shards.size(); i++) {
            for (String name : rowsOf.get(i).keySet()) {
                if (!rowsOf.get(0).containsKey(name)) {
                    throw new ShardJson.BadInput(shards.get(i).file() + ": has row " + name + ", which " + zero.file() + " (shard 0) has not: merge the shards of one run");
                }
            }
        }
        for (Map.Entry<String, Map<String, Object>> e : rowsOf.get(0).entrySet()) {
            List<ShardJson.Part> parts = new ArrayList<>();
            for (int i = 0; i < shards.size(); i++) {
                Map<String, Object> row = rowsOf.get(i).get(e.getKey());
                if (row == null) {
                    if (i > 0 && ShardJson.bool(section(zero.file(), e.getValue()), "whole")) continue;   // run whole by shard 0
                    throw new ShardJson.BadInput(shards.get(i).file() + ": has no row " + e.getKey() + ", which " + zero.file() + " has: merge the shards of one run");
                }
                parts.add(new ShardJson.Part(shards.get(i).file(), i, row, section(shards.get(i).file(), row)));
            }
            try {
                merged.add(ShardJson.merge(parts));
            } catch (ClassCastException | NullPointerException | IllegalArgumentException x) {
                throw new ShardJson.BadInput(e.getKey() + ": a shard's section is malformed (" + x.getMessage() + ")");
            } catch (ShardJson.BadInput x) {
                throw x.getMessage().startsWith("field ") ? new ShardJson.BadInput(e.getKey() + ": " + x.getMessage()) : x;
            }
        }
        return merged;
    }

    private static int exitCode(List<Map<String, Object>> rows) {
        boolean incomplete = false;
        for (Map<String, Object> r : rows) {
            Status s = ShardJson.status(r);
            if (s == Status.VIOLATED) return Main.EXIT_VIOLATED;
            if (s == Status.INCOMPLETE) incomplete = true;
        }
        return incomplete ? Main.EXIT_INCOMPLETE : Main.EXIT_OK;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(String file, Map<String, Object> row) {
        if (row.get("shard") instanceof Map<?, ?> m && m.get("index") instanceof Number && m.get("count") instanceof Number) return (Map<String, Object>) m;
        throw new ShardJson.BadInput(file + ": row " + ShardJson.rowName(row) + " has no shard section: was it run with --shard I/N --json?");
    }

    /** Reads one shard's file: check's JSON object, or explore's JSON Lines. */
    @SuppressWarnings("unchecked")
    private static Input read(Path f) {
        String file = f.toString();
        String text;
        try {
            text = Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ShardJson.BadInput(file + ": cannot read it (" + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()) + ")");
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        boolean check;
        Object exit = null;
        Object whole = parse(file, text.strip(), 0);
        if (whole instanceof Map<?, ?> m && m.get("rows") instanceof List<?> l) {
            check = true;
            exit = m.get("exit");
            version(file, (Map<String, Object>) m);
            for (Object r : l) {
                if (!(r instanceof Map<?, ?>)) throw new ShardJson.BadInput(file + ": a row is not a JSON object");
                rows.add((Map<String, Object>) r);
            }
        } else {
            check = false;
            String[] lines = text.split("\n");
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].isBlank()) continue;
                if (!(parse(file, lines[i], i + 1) instanceof Map<?, ?> m) || m.get("scenario") == null) {
                    throw new ShardJson.BadInput(file + ":" + (i + 1) + ": not a row of the --json output of check or explore");
                }
                version(file, (Map<String, Object>) m);
                rows.add((Map<String, Object>) m);
            }
        }
        Map<String, Object> s0;
        if (check && whole instanceof Map<?, ?> m && m.get("shard") instanceof Map<?, ?> top) {
            s0 = (Map<String, Object>) top;   // check names its shard at the top: it may have no row of its own
            if (!(s0.get("index") instanceof Number && s0.get("count") instanceof Number)) throw new ShardJson.BadInput(file + ": a malformed shard section");
        } else if (rows.isEmpty()) {
            throw new ShardJson.BadInput(file + ": no rows: not the --json output of a sharded check or explore");
        } else {
            s0 = section(file, rows.get(0));
        }
        int index = ((Number) s0.get("index")).intValue(), count = ((Number) s0.get("count")).intValue();
        for (Map<String, Object> r : rows) {
            Map<String, Object> s = section(file, r);
            if (((Number) s.get("index")).intValue() != index || ((Number) s.get("count")).intValue() != count) {
                throw new ShardJson.BadInput(file + ": rows of different shards (" + index + "/" + count + " and " + s.get("index") + "/" + s.get("count") + ")");
            }
        }
        if (count < 1 || index < 0 || index >= count) throw new ShardJson.BadInput(file + ": shard " + index + "/" + count + " is not a shard");
        return new Input(file, check, rows, index, count, exit);
    }

    private static Object parse(String file, String text, int line) {
        try {
            return JSON.std.anyFrom(text);
        } catch (IOException | RuntimeException e) {
            if (line == 0) return null;   // not one document: read as JSON Lines
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new ShardJson.BadInput(file + ":" + line + ": malformed JSON (" + msg + ")");
        }
    }

    private static void version(String file, Map<String, Object> o) {
        if (!(o.get("schema_version") instanceof Number n) || n.intValue() != Reports.SCHEMA_VERSION) {
            throw new ShardJson.BadInput(file + ": schema_version " + o.get("schema_version") + ", this mmsim reads " + Reports.SCHEMA_VERSION);
        }
    }
}
