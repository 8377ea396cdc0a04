package mmsim.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

import mmsim.iface.tools.ModelFs;
import mmsim.iface.tools.PageTypes;
import mmsim.mm.Machine;
import mmsim.mm.linux.ArchProfile;
import mmsim.mm.linux.DumpPage;
import mmsim.mm.linux.FreeArea;
import mmsim.mm.linux.MemSection;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.MigrateType;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.Zone;
import mmsim.scenario.ops.Args;

/**
 * The shell's inspection commands, in the shapes kernel people know from crash(8) and drgn:
 * {@code kmem -f [PFN]}, {@code kmem -p PFN}, {@code kmem -n}, {@code kmem -z} and
 * {@code page-types}. They read the model through its raw accessors only (no preemption point,
 * no lock): a post-mortem look at a machine that may have stopped with locks held, as crash
 * reads a vmcore. Bad input gets crash's kind of message on stderr and status 1.
 *
 * Locking: none taken; the machine is not running while the shell reads it.
 */
final class ShellInspect {
    private final Machine m;
    private final PrintWriter out;
    private final PrintWriter err;

    ShellInspect(Machine m, PrintWriter out, PrintWriter err) {
        this.m = m;
        this.out = out;
        this.err = err;
    }

    static final String KMEM_USAGE = "kmem: usage: kmem -f [PFN] | -p PFN | -n | -z";

    int kmem(List<String> args) {
        if (args.isEmpty()) return usage(KMEM_USAGE);
        String opt = args.get(0);
        List<String> rest = args.subList(1, args.size());
        return switch (opt) {
            case "-f" -> rest.isEmpty() ? freeAreas() : rest.size() == 1 ? freeListOf(rest.get(0)) : usage(KMEM_USAGE);
            case "-p" -> rest.size() == 1 ? pageLine(rest.get(0)) : usage(KMEM_USAGE);
            case "-n" -> rest.isEmpty() ? sections() : usage(KMEM_USAGE);
            case "-z" -> rest.isEmpty() ? zones() : usage(KMEM_USAGE);
            default -> usage("kmem: invalid option: " + opt + "\n" + KMEM_USAGE);
        };
    }

    /** Ctrl-C in the shell interrupts the command's thread (ShCommand): stop, keep the shell. */
    private static boolean interrupted() { return Thread.currentThread().isInterrupted(); }

    private int usage(String msg) {
        err.println(msg);
        return 1;
    }

    /** A pfn argument inside the machine's range, or -1 after printing why not. */
    private long pfnArg(String cmd, String text) {
        Long v = Args.parseNumber(text);
        if (v == null || v < 0) {
            err.println(cmd + ": invalid pfn: " + text + " (decimal or 0x hex)");
            return -1;
        }
        if (v >= m.maxPfn()) {
            err.println(String.format(Locale.ROOT, "%s: pfn %#x is beyond the end of memory (max_pfn %#x)", cmd, v, m.maxPfn()));
            return -1;
        }
        if (!m.memmap().backed(v)) {
            long nr = m.sparse().pfnToSectionNr(v);
            err.println(String.format(Locale.ROOT, "%s: pfn %#x has no struct page (section %d has no memmap)", cmd, v, nr));
            return -1;
        }
        return v;
    }

    // ---- kmem -f ------------------------------------------------------------------------------

    /** crash's {@code kmem -f} summary: per populated zone, blocks and pages per order, by migratetype. */
    private int freeAreas() {
        for (Zone z : m.zones()) {
            if (interrupted()) return 130;
            if (z.empty()) continue;
            long free = 0;
            for (int o = 0; o < Zone.NR_PAGE_ORDERS; o++) free += z.freeArea(o).nrFree() << o;
            out.println("NODE");
            out.printf(Locale.ROOT, "  %d%n", z.nid());
            out.println("ZONE  NAME        SIZE    FREE      MEM_MAP       START_PFN");
            out.printf(Locale.ROOT, "%3d   %-8s %7d %7d  %016x  %#x%n", z.idx(), z.name(), z.spannedPages(), free,
                    m.memmap().pageAddress(z.zoneStartPfn()), z.zoneStartPfn());
            StringBuilder head = new StringBuilder("AREA    SIZE  BLOCKS   PAGES");
            for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) head.append(String.format(Locale.ROOT, " %11s", MigrateType.name(mt)));
            out.println(head);
            for (int o = 0; o < Zone.NR_PAGE_ORDERS; o++) {
                FreeArea a = z.freeArea(o);
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%3d  %6s  %6d  %6d", o, size(o), a.nrFree(), a.nrFree() << o));
                for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) row.append(String.format(Locale.ROOT, " %11d", listLength(a, mt)));
                out.println(row);
            }
            out.println();
        }
        return 0;
    }

    private String size(int order) {
        long kb = (m.arch().pageSize() >> 10) << order;
        return kb >= 1024 ? (kb / 1024) + "m" : kb + "k";
    }

    private long listLength(FreeArea a, int mt) {
        long n = 0;
        for (long p = a.first(mt); p >= 0 && n <= m.maxPfn(); p = next(p)) n++;
        return n;
    }

    private long next(long pfn) {
        int n = m.memmap().lruNext(pfn);
        return n == Memmap.NIL ? -1 : n;
    }

    /**
     * {@code kmem -f PFN}: the free block that holds the page (its head, order) and the list it
     * is on, found by walking the zone's free lists as crash does; a page in no free block says
     * what it is instead (the drgn users' "is this page free, and where?").
     */
    private int freeListOf(String arg) {
        long pfn = pfnArg("kmem", arg);
        if (pfn < 0) return 1;
        Memmap mm = m.memmap();
        for (int o = 0; o < Zone.NR_PAGE_ORDERS; o++) {
            long head = pfn & ~((1L << o) - 1);
            if (!mm.backed(head) || !mm.isBuddy(head) || mm.privateData(head) != o) continue;
            Zone z = m.allocator().pageZone(head);
            for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) {
                long n = 0;
                for (long p = z.freeArea(o).first(mt); p >= 0 && n++ <= m.maxPfn(); p = next(p)) {
                    if (p != head) continue;
                    out.println("      PAGE          PFN     NODE ZONE     ORDER MIGRATETYPE  BLOCK");
                    out.printf(Locale.ROOT, "%016x  %#-8x  %d   %-8s %5d %-12s %#x-%#x%n", mm.pageAddress(pfn), pfn, z.nid(), z.name(), o,
                            MigrateType.name(mt), head, head + (1L << o) - 1);
                    out.printf(Locale.ROOT, "pfn %#x is in a free block of order %d at pfn %#x, on free_area[%d].free_list[MIGRATE_%s] of zone %s (node %d)%n",
                            pfn, o, head, o, MigrateType.name(mt).toUpperCase(Locale.ROOT), z.name(), z.nid());
                    return 0;
                }
            }
            // PageBuddy with the order set but on no list: what a broken free path leaves
            out.printf(Locale.ROOT, "pfn %#x: head %#x is PageBuddy of order %d but on no free list of zone %s%n", pfn, head, o, z.name());
            return 0;
        }
        out.printf(Locale.ROOT, "pfn %#x is not on a free list: %s%n", pfn, whatItIs(pfn));
        return 0;
    }

    /** A short description of a page that is not free: the states a reader checks first. */
    private String whatItIs(long pfn) {
        Memmap mm = m.memmap();
        if (mm.poisoned(pfn)) return "struct page uninitialized (poisoned)";
        long f = mm.flags(pfn);
        String names = PageFlag.names(f & PageFlag.PAGEFLAGS_MASK);
        String type = mmsim.mm.linux.PageType.of(mm.mapcount(pfn)) instanceof mmsim.mm.linux.PageType t ? " page_type " + t.kernelName : "";
        return String.format(Locale.ROOT, "refcount %d, flags %s%s", mm.refcount(pfn), names.isEmpty() ? "0" : names, type);
    }

    // ---- kmem -p ------------------------------------------------------------------------------

    /** crash's page line: PAGE PHYSICAL MAPPING INDEX CNT FLAGS. */
    private int pageLine(String arg) {
        long pfn = pfnArg("kmem", arg);
        if (pfn < 0) return 1;
        Memmap mm = m.memmap();
        out.println("      PAGE        PHYSICAL      MAPPING       INDEX CNT FLAGS");
        long f = mm.flags(pfn);
        String names = mm.poisoned(pfn) ? "poisoned" : PageFlag.names(f & PageFlag.PAGEFLAGS_MASK).toLowerCase(Locale.ROOT).replace('|', ',');
        out.printf(Locale.ROOT, "%016x %8x %16x %8x %3d %x %s%n", mm.pageAddress(pfn), pfn * m.arch().pageSize(), mm.mapping(pfn),
                mm.indexWord(pfn), mm.refcount(pfn), f, names);
        return 0;
    }

    // ---- kmem -n ------------------------------------------------------------------------------

    /**
     * crash's {@code kmem -n} section table: NR, the mem_section's place, the coded mem_map
     * (mem_map minus the section's first pfn, as sparse_encode_mem_map() stores it), the
     * decoded mem_map, the state letters (P present, M has mem_map, O online, E early, D zone
     * device taint) and the first pfn. Only present sections are listed.
     */
    private int sections() {
        var sparse = m.sparse();
        Memmap mm = m.memmap();
        out.println(" NR  SECTION          CODED_MEM_MAP     MEM_MAP           STATE  PFN");
        for (long nr = 0; nr < sparse.nrSections(); nr++) {
            if (interrupted()) return 130;
            MemSection s = sparse.section(nr);
            if (s == null || !s.present()) continue;
            long pfn = sparse.sectionNrToPfn(nr);
            long memMap = s.valid() ? mm.pageAddress(pfn) : 0;
            long coded = s.valid() ? memMap - pfn * ArchProfile.STRUCT_PAGE_SIZE : 0;
            String state = (s.present() ? "P" : "") + (s.valid() ? "M" : "") + (s.online() ? "O" : "") + (s.early() ? "E" : "")
                    + (s.taintZoneDevice() ? "D" : "");
            out.printf(Locale.ROOT, "%3d  %-15s  %016x  %016x  %-5s  %d%n", nr, "mem_section[" + nr + "]", coded, memMap, state, pfn);
        }
        return 0;
    }

    // ---- kmem -z ------------------------------------------------------------------------------

    /** Zone watermarks in /proc/zoneinfo's words (pages): free, min, low, high, spanned, present, managed. */
    private int zones() {
        for (Zone z : m.zones()) {
            long free = 0;
            for (int o = 0; o < Zone.NR_PAGE_ORDERS; o++) free += z.freeArea(o).nrFree() << o;
            out.printf(Locale.ROOT, "Node %d, zone %8s%n", z.nid(), z.name());
            out.printf(Locale.ROOT, "  pages free     %d%n", free);
            out.printf(Locale.ROOT, "        boost    %d%n", z.watermarkBoost());
            out.printf(Locale.ROOT, "        min      %d%n", z.minWmark());
            out.printf(Locale.ROOT, "        low      %d%n", z.lowWmark());
            out.printf(Locale.ROOT, "        high     %d%n", z.highWmark());
            out.printf(Locale.ROOT, "        spanned  %d%n", z.spannedPages());
            out.printf(Locale.ROOT, "        present  %d%n", z.presentPages());
            out.printf(Locale.ROOT, "        managed  %d%n", z.managedPages());
            out.printf(Locale.ROOT, "  start_pfn:     %d%n", z.zoneStartPfn());
        }
        return 0;
    }

    // ---- dump_page, page-types ------------------------------------------------------------------

    int dumpPage(List<String> args) {
        if (args.size() != 1) return usage("dump_page: usage: dump_page PFN (decimal or 0x hex)");
        long pfn = pfnArg("dump_page", args.get(0));
        if (pfn < 0) return 1;
        out.print(DumpPage.dumpPage(m.memmap(), pfn, null));
        return 0;
    }

    /** tools/mm/page-types on this machine's /proc and debugfs (the iface/tools implementation). */
    int pageTypes(List<String> args) {
        ByteArrayOutputStream so = new ByteArrayOutputStream();
        ByteArrayOutputStream se = new ByteArrayOutputStream();
        int st;
        try (PrintStream ps = new PrintStream(se, true, StandardCharsets.UTF_8)) {
            st = PageTypes.run(args.toArray(String[]::new), source -> {
                if (source.kind() == PageTypes.SourceKind.HOST) throw new PageTypes.SourceException("the shell reads the model's files only");
                return new ModelFs(m);
            }, m.config().era() == mmsim.mm.linux.KernelConfig.Era.V4_6, so, ps);
        }
        out.print(so.toString(StandardCharsets.UTF_8));
        err.print(se.toString(StandardCharsets.UTF_8));
        return st;
    }
}
