package mmsim;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The import arrows of docs/ARCHITECTURE.md: kernel imports nothing of ours; mm only kernel;
 * explore only kernel; iface mm and kernel; scenario explore, iface, mm, kernel; cli anything.
 * Scans the import lines (and fully qualified mmsim.* references) of src/main/java.
 */
class LayeringTest {
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "kernel", Set.of("kernel"),
            "mm", Set.of("mm", "kernel"),
            "explore", Set.of("explore", "kernel"),
            "iface", Set.of("iface", "mm", "kernel"),
            "scenario", Set.of("scenario", "explore", "iface", "mm", "kernel"),
            "cli", Set.of("cli", "scenario", "explore", "iface", "mm", "kernel"));
    private static final Pattern REF = Pattern.compile("\\bmmsim\\.([a-z_]+)\\.");

    @Test
    void importsFollowTheLayerArrows() throws IOException {
        Path root = Path.of("src/main/java/mmsim");
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String layer = root.relativize(f).getName(0).toString();
                Set<String> allowed = ALLOWED.get(layer);
                if (allowed == null) continue; // a top-level file of mmsim itself
                int lineNo = 0;
                for (String line : Files.readAllLines(f)) {
                    lineNo++;
                    String t = line.strip();
                    if (t.startsWith("//") || t.startsWith("*") || t.startsWith("/*")) continue;
                    Matcher mt = REF.matcher(t);
                    while (mt.find()) {
                        String target = mt.group(1);
                        if (ALLOWED.containsKey(target) && !allowed.contains(target))
                            violations.add(f + ":" + lineNo + ": " + layer + " may not use " + target + ": " + t);
                    }
                }
            }
        }
        assertTrue(violations.isEmpty(), String.join("\n", violations));
    }
}
