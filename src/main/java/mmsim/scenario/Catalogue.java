package mmsim.scenario;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import mmsim.scenario.ops.OpRegistry;

/**
 * The built-in scenarios: {@code scenarios/NNN-name.mms} under the mmsim home (the launcher passes
 * {@code -Dmmsim.home}; without it, the current directory), in file-name order.
 */
public final class Catalogue {
    private final Path dir;

    public Catalogue(Path dir) {
        this.dir = dir;
    }

    /** The catalogue of this installation. */
    public static Catalogue standard() {
        String home = System.getProperty("mmsim.home");
        Path base = home != null && !home.isBlank() ? Path.of(home) : Path.of("");
        return new Catalogue(base.resolve("scenarios"));
    }

    public Path dir() { return dir; }

    /** The scenario files, sorted by name. */
    public List<Path> files() {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".mms")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The names (file names without .mms). */
    public List<String> names() {
        return files().stream().map(p -> p.getFileName().toString().replaceFirst("\\.mms$", "")).toList();
    }

    /**
     * Finds the scenarios {@code arg} names: an existing file path, a full name, or a unique prefix
     * such as {@code 000} or {@code 000-kpageflags}. Returns an empty list when nothing matches.
     */
    public List<Path> resolve(String arg) {
        Path asFile = Path.of(arg);
        if (arg.endsWith(".mms") && Files.isRegularFile(asFile)) return List.of(asFile);
        List<Path> out = new ArrayList<>();
        for (Path p : files()) {
            String n = p.getFileName().toString().replaceFirst("\\.mms$", "");
            if (n.equals(arg) || n.equals(arg.replaceFirst("\\.mms$", ""))) return List.of(p);
            if (n.startsWith(arg)) out.add(p);
        }
        return out;
    }

    /** Reads and parses one file; the name errors use is the path as given relative to the home. */
    public static Scenario load(Path file, OpRegistry ops) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ScenarioError(file.toString(), 1, 1, "cannot read: " + e.getMessage());
        }
        return ScenarioParser.parse(displayName(file), text, ops);
    }

    /** {@code scenarios/000-x.mms} for catalogue files, the path as given otherwise. */
    public static String displayName(Path file) {
        Path parent = file.getParent();
        if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("scenarios")) {
            return "scenarios/" + file.getFileName();
        }
        return file.toString();
    }
}
