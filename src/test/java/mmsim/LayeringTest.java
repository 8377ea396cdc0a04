package mmsim;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The import arrows of docs/ARCHITECTURE.md: kernel imports nothing of ours; mm only kernel;
 * explore only kernel; iface mm and kernel; scenario explore, iface, mm, kernel; cli anything.
 * Scans the import lines (and fully qualified mmsim.* references) of src/main/java.
 *
 * <p>Inside mm: the header layer ({@code mmsim.mm.linux}, the kernel's include/linux) uses no
 * subsystem, and no two mm packages depend on each other in a cycle (strongly connected
 * components of the package graph, each of one package). Same-package references add no edge
 * between packages, so imports and qualified names are the whole graph;
 * {@code jdeps -verbose:class target/classes} shows the same at class level.
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
    /** A reference into mm: group 1 is the subpackage, absent for mmsim.mm itself (the machine). */
    private static final Pattern MM_REF = Pattern.compile("\\bmmsim\\.mm\\.(?:([a-z_][a-z0-9_]*)\\.)?[A-Z]");
    private static final String HEADER_LAYER = "mmsim.mm.linux";

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

    /** Package -> (package it uses -> first file:line that does), over src/main/java/mmsim/mm. */
    static Map<String, Map<String, String>> mmPackageGraph(Path root) throws IOException {
        Map<String, Map<String, String>> g = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root.resolve("mm"))) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String from = "mmsim." + root.relativize(f.getParent()).toString().replace('/', '.');
                Map<String, String> out = g.computeIfAbsent(from, x -> new TreeMap<>());
                int lineNo = 0;
                for (String line : Files.readAllLines(f)) {
                    lineNo++;
                    String t = line.strip();
                    if (t.startsWith("//") || t.startsWith("*") || t.startsWith("/*")) continue;
                    Matcher mt = MM_REF.matcher(t);
                    while (mt.find()) {
                        String to = mt.group(1) == null ? "mmsim.mm" : "mmsim.mm." + mt.group(1);
                        if (!to.equals(from)) out.putIfAbsent(to, f.getFileName() + ":" + lineNo);
                    }
                }
            }
        }
        return g;
    }

    @Test
    void theHeaderLayerUsesNoSubsystem() throws IOException {
        Map<String, String> uses = mmPackageGraph(Path.of("src/main/java/mmsim")).getOrDefault(HEADER_LAYER, Map.of());
        assertTrue(uses.isEmpty(), HEADER_LAYER + " (include/linux) may use only mmsim.kernel; it uses " + uses);
    }

    @Test
    void noPackageCycleInMm() throws IOException {
        Map<String, Map<String, String>> g = mmPackageGraph(Path.of("src/main/java/mmsim"));
        List<String> problems = new ArrayList<>();
        for (List<String> scc : stronglyConnected(g)) {
            if (scc.size() < 2) continue;
            StringBuilder sb = new StringBuilder("package cycle among " + scc + ":");
            for (String a : scc)
                for (var e : g.getOrDefault(a, Map.of()).entrySet())
                    if (scc.contains(e.getKey())) sb.append("\n  ").append(a).append(" -> ").append(e.getKey()).append(" (").append(e.getValue()).append(")");
            problems.add(sb.toString());
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void theCycleFinderFindsACycle() {
        Map<String, Map<String, String>> g = Map.of("a", Map.of("b", ""), "b", Map.of("c", ""), "c", Map.of("a", ""), "d", Map.of("a", ""));
        List<List<String>> big = stronglyConnected(g).stream().filter(s -> s.size() > 1).toList();
        assertEquals(List.of(List.of("a", "b", "c")), big);
    }

    /** Tarjan's strongly connected components; each component sorted. */
    static List<List<String>> stronglyConnected(Map<String, Map<String, String>> g) {
        Set<String> nodes = new TreeSet<>(g.keySet());
        g.values().forEach(m -> nodes.addAll(m.keySet()));
        Map<String, Integer> index = new HashMap<>(), low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new HashSet<>();
        List<List<String>> out = new ArrayList<>();
        for (String v : nodes) if (!index.containsKey(v)) tarjan(v, g, index, low, stack, onStack, out);
        return out;
    }

    private static void tarjan(String v, Map<String, Map<String, String>> g, Map<String, Integer> index, Map<String, Integer> low,
            Deque<String> stack, Set<String> onStack, List<List<String>> out) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        onStack.add(v);
        for (String w : g.getOrDefault(v, Map.of()).keySet()) {
            if (!index.containsKey(w)) {
                tarjan(w, g, index, low, stack, onStack, out);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> comp = new ArrayList<>();
            String w;
            do { w = stack.pop(); onStack.remove(w); comp.add(w); } while (!w.equals(v));
            comp.sort(null);
            out.add(comp);
        }
    }
}
