package mmsim.mm.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A machine's physical memory as firmware would describe it (the e820 map / device tree plus
 * ACPI hotplug and pmem ranges), parsed from a small line-oriented text:
 *
 * <pre>
 * # comments start with '#'
 * arch     x86_64            # or arm64 (4 KiB pages)
 * cpus     4
 * nodes    2                 # optional: default = 1 + highest node named below
 * ram      0x0        +512M  node 0     # boot RAM; gaps between ram lines are holes
 * reserve  0x0        +1M               # memblock-reserved at boot (firmware, kernel image): PG_reserved
 * hotplug  0x40000000 +128M  node 0     # hot-pluggable: added at boot (sections present, memmap
 *                                       #   poisoned, blocks offline); "absent" = left for add_memory
 * device   0x100000000 +1G   node 0     # kept for devm_memremap_pages (ZONE_DEVICE), not touched at boot
 * </pre>
 *
 * Numbers are decimal or 0x-hex with an optional K/M/G/T suffix. Every range must be page
 * aligned; hotplug ranges memory-block aligned; device ranges subsection (2 MiB) aligned. Ranges
 * may not overlap, reserve ranges must lie inside boot RAM. Errors name the line and the problem:
 * {@code small.layout:4: ram 0x1000 +128M: start not aligned to 4 KiB}.
 */
public final class MachineLayout {

    /** What a physical range is. */
    public enum Kind { RAM, RESERVE, HOTPLUG, DEVICE }

    /**
     * One line's range, {@code [start, end)} in bytes.
     * @param addedAtBoot for HOTPLUG: true when firmware hands it to add_memory at boot (offline blocks)
     */
    public record Range(Kind kind, long start, long end, int nid, boolean addedAtBoot, int line) {
        public long size() { return end - start; }
        public long startPfn() { return start >>> 12; }
        public long endPfn() { return end >>> 12; }
        public long nrPages() { return size() >>> 12; }
        @Override public String toString() {
            return String.format(Locale.ROOT, "%s [mem %#018x-%#018x] node %d", kind.name().toLowerCase(Locale.ROOT), start, end - 1, nid);
        }
    }

    /** A malformed or impossible layout; the message names the source, line and problem. */
    public static final class LayoutException extends IllegalArgumentException {
        public LayoutException(String message) { super(message); }
    }

    private final String source;
    private final ArchProfile arch;
    private final int cpus;
    private final int nodes;
    private final List<Range> ranges;

    private MachineLayout(String source, ArchProfile arch, int cpus, int nodes, List<Range> ranges) {
        this.source = source;
        this.arch = arch;
        this.cpus = cpus;
        this.nodes = nodes;
        this.ranges = List.copyOf(ranges);
    }

    public String source() { return source; }
    public ArchProfile arch() { return arch; }
    public int cpus() { return cpus; }
    public int nodes() { return nodes; }
    public List<Range> ranges() { return ranges; }

    public List<Range> ranges(Kind kind) {
        List<Range> out = new ArrayList<>();
        for (Range r : ranges) if (r.kind == kind) out.add(r);
        return out;
    }

    /** End (exclusive, bytes) of boot RAM: what max_pfn << PAGE_SHIFT is. */
    public long bootMemEnd() {
        long end = 0;
        for (Range r : ranges) if (r.kind == Kind.RAM) end = Math.max(end, r.end);
        return end;
    }

    /** End (exclusive, bytes) of every range of any kind: bounds the section table. */
    public long physEnd() {
        long end = 0;
        for (Range r : ranges) end = Math.max(end, r.end);
        return end;
    }

    public long memoryBlockSize() { return arch.memoryBlockSize(bootMemEnd()); }

    /** The built-in small machine: 512 MiB of boot RAM with the usual low holes, one offline 128 MiB hotplug block. */
    public static final String SMALL = """
            # mmsim built-in small layout: 4 CPUs, one node, 512 MiB boot RAM, one offline hotplug block
            arch     x86_64
            cpus     4
            ram      0x1000      +0x9e000     # low memory below the legacy VGA hole
            ram      0x100000    +511M        # the rest of the first 512 MiB
            reserve  0x100000    +15M         # kernel image, initrd, early page tables
            hotplug  0x20000000  +128M        # ACPI hotplug DIMM, added at boot, offline
            """;

    public static MachineLayout small() { return parse("<built-in small>", SMALL); }

    public static MachineLayout load(Path file) throws IOException {
        return parse(file.getFileName().toString(), Files.readString(file));
    }

    public static MachineLayout parse(String source, String text) {
        ArchProfile arch = null;
        int cpus = 0;
        int nodes = -1;
        int nodesLine = 0;
        List<Range> ranges = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String raw = lines[i];
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
            if (line.isEmpty()) continue;
            String[] w = words(line);
            Err err = new Err(source, lineNo, line);
            switch (w[0]) {
                case "arch" -> {
                    if (w.length != 2) throw err.at("expected 'arch x86_64' or 'arch arm64'");
                    if (arch != null) throw err.at("arch given twice");
                    arch = ArchProfile.byName(w[1]);
                    if (arch == null) throw err.at("unknown architecture '" + w[1] + "' (x86_64 or arm64)");
                }
                case "cpus" -> {
                    if (w.length != 2) throw err.at("expected 'cpus N'");
                    cpus = (int) err.number(w[1], "CPU count");
                    if (cpus < 1 || cpus > 64) throw err.at("CPU count must be 1..64");
                }
                case "nodes" -> {
                    if (w.length != 2) throw err.at("expected 'nodes N'");
                    nodes = (int) err.number(w[1], "node count");
                    nodesLine = lineNo;
                    if (nodes < 1 || nodes > 64) throw err.at("node count must be 1..64");
                }
                case "ram", "reserve", "hotplug", "device" -> ranges.add(parseRange(err, w));
                default -> throw err.at("unknown keyword '" + w[0] + "' (arch, cpus, nodes, ram, reserve, hotplug, device)");
            }
        }
        if (arch == null) arch = ArchProfile.X86_64;
        if (cpus == 0) cpus = 1;
        List<Range> ram = new ArrayList<>();
        int maxNid = 0;
        for (Range r : ranges) {
            maxNid = Math.max(maxNid, r.nid);
            if (r.kind == Kind.RAM) ram.add(r);
        }
        if (ram.isEmpty()) throw new LayoutException(source + ": no boot RAM ('ram START +SIZE' lines)");
        if (nodes < 0) nodes = maxNid + 1;
        else if (maxNid >= nodes) throw new LayoutException(source + ":" + nodesLine + ": nodes " + nodes + ": a range names node " + maxNid);
        MachineLayout probe = new MachineLayout(source, arch, cpus, nodes, ranges);
        validate(probe, source, lines);
        List<Range> sorted = new ArrayList<>(ranges);
        // by start, then kind; a lambda of this class, not Comparator.comparing's: those are made
        // at run time on every start (the AOT cache keeps only the lambdas of application classes)
        sorted.sort((x, y) -> x.start != y.start ? Long.compare(x.start, y.start) : x.kind.compareTo(y.kind));
        return new MachineLayout(source, arch, cpus, nodes, sorted);
    }

    /** {@code line.split("\\s+")} of a stripped line, without a regex (parsed on every start). */
    static String[] words(String line) {
        List<String> w = new ArrayList<>();
        int i = 0, n = line.length();
        while (i < n) {
            while (i < n && isRegexSpace(line.charAt(i))) i++;
            int start = i;
            while (i < n && !isRegexSpace(line.charAt(i))) i++;
            if (i > start) w.add(line.substring(start, i));
        }
        return w.isEmpty() ? new String[] {line} : w.toArray(String[]::new);
    }

    /** The regex class \s: space, tab, newline, vertical tab, form feed, carriage return. */
    private static boolean isRegexSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    private static Range parseRange(Err err, String[] w) {
        Kind kind = Kind.valueOf(w[0].toUpperCase(Locale.ROOT));
        if (w.length < 3) throw err.at("expected '" + w[0] + " START +SIZE'");
        long start = err.number(w[1], "start");
        if (!w[2].startsWith("+")) throw err.at("size must be written +SIZE, got '" + w[2] + "'");
        long size = err.number(w[2].substring(1), "size");
        if (size <= 0) throw err.at("size must be positive");
        if (start < 0 || start + size < start) throw err.at("range exceeds the physical address space");
        int nid = 0;
        boolean added = true;
        for (int j = 3; j < w.length; j++) {
            if (w[j].equals("node") && j + 1 < w.length) {
                nid = (int) err.number(w[++j], "node");
                if (nid < 0 || nid >= 64) throw err.at("node must be 0..63");
            } else if (kind == Kind.HOTPLUG && w[j].equals("absent")) {
                added = false;
            } else if (kind == Kind.HOTPLUG && w[j].equals("offline")) {
                added = true;
            } else {
                throw err.at("unexpected '" + w[j] + "' (allowed: node N" + (kind == Kind.HOTPLUG ? ", offline, absent" : "") + ")");
            }
        }
        if (kind == Kind.RESERVE && nid != 0) throw err.at("reserve ranges take no node");
        return new Range(kind, start, start + size, nid, kind == Kind.HOTPLUG && added, err.line);
    }

    private static void validate(MachineLayout l, String source, String[] lines) {
        ArchProfile a = l.arch;
        long block = l.memoryBlockSize();
        long maxPhys = 1L << a.maxPhysmemBits();
        for (Range r : l.ranges) {
            String problem = null;
            long sub = 1L << a.subsectionShift();
            if ((r.start & (a.pageSize() - 1)) != 0) problem = "start not aligned to 4 KiB";
            else if ((r.size() & (a.pageSize() - 1)) != 0) problem = "size not a multiple of 4 KiB";
            else if (r.end > maxPhys) problem = "ends beyond MAX_PHYSMEM_BITS (" + a.maxPhysmemBits() + " bits)";
            else if (r.kind == Kind.HOTPLUG && ((r.start | r.size()) & (block - 1)) != 0)
                problem = "hotplug range not aligned to the memory block size (" + (block >> 20) + " MiB)";
            else if (r.kind == Kind.DEVICE && ((r.start | r.size()) & (sub - 1)) != 0)
                problem = "device range not aligned to the subsection size (2 MiB)";
            if (problem != null) throw lineErr(source, lines, r.line).at(problem);
        }
        // overlaps among RAM, HOTPLUG and DEVICE; RESERVE must lie inside RAM and not overlap other reserves
        List<Range> all = new ArrayList<>(l.ranges);
        all.sort((x, y) -> Long.compare(x.start, y.start));
        for (int i = 0; i < all.size(); i++) {
            Range r = all.get(i);
            for (int j = i + 1; j < all.size() && all.get(j).start < r.end; j++) {
                Range o = all.get(j);
                if ((r.kind == Kind.RESERVE) != (o.kind == Kind.RESERVE)) continue;
                Range later = r.line > o.line ? r : o;
                Range earlier = later == r ? o : r;
                throw lineErr(source, lines, later.line)
                        .at("overlaps line " + earlier.line);
            }
        }
        for (Range r : l.ranges) {
            if (r.kind != Kind.RESERVE) continue;
            long covered = 0;
            for (Range m : l.ranges)
                if (m.kind == Kind.RAM) covered += Math.max(0, Math.min(m.end, r.end) - Math.max(m.start, r.start));
            if (covered != r.size())
                throw lineErr(source, lines, r.line).at("reserve range not inside boot RAM");
        }
        // a section's memmap carries one node: two nodes inside one section is not representable here
        long secMask = (1L << a.sectionSizeBits()) - 1;
        for (Range r : l.ranges) {
            for (Range o : l.ranges) {
                if (o == r || o.kind == Kind.RESERVE || r.kind == Kind.RESERVE || o.nid == r.nid) continue;
                if (((r.start) & ~secMask) <= ((o.end - 1) & ~secMask) && ((o.start) & ~secMask) <= ((r.end - 1) & ~secMask)) {
                    Range later = r.line > o.line ? r : o;
                    throw lineErr(source, lines, later.line)
                            .at("shares a memory section with line " + (later == r ? o.line : r.line) + " of another node");
                }
            }
        }
    }

    /** The message builder of layout line {@code line}: its text without the comment (made only for an error: a regex). */
    private static Err lineErr(String source, String[] lines, int line) {
        return new Err(source, line, lines[line - 1].replaceAll("#.*", "").strip());
    }

    /** Builds the "source:line: text: problem" messages. */
    private record Err(String source, int line, String text) {
        LayoutException at(String problem) {
            return new LayoutException(source + ":" + line + ": " + text + ": " + problem);
        }

        long number(String s, String what) {
            try {
                return parseSize(s);
            } catch (NumberFormatException e) {
                throw at("bad " + what + " '" + s + "'");
            }
        }
    }

    /** Parses 4096, 0x1000, 512M, 0x10G (suffixes K, M, G, T are binary). */
    public static long parseSize(String s) {
        if (s.isEmpty()) throw new NumberFormatException(s);
        long mult = 1;
        char last = Character.toUpperCase(s.charAt(s.length() - 1));
        boolean hex = s.startsWith("0x") || s.startsWith("0X");
        if (last == 'K' || last == 'M' || last == 'G' || last == 'T') {
            mult = switch (last) { case 'K' -> 1L << 10; case 'M' -> 1L << 20; case 'G' -> 1L << 30; default -> 1L << 40; };
            s = s.substring(0, s.length() - 1);
        }
        long v = hex ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
        if (v < 0) throw new NumberFormatException(s);
        return Math.multiplyExact(v, mult);
    }
}
