package mmsim.mm.debug;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import mmsim.mm.Machine;
import mmsim.mm.init_mm.InitMm;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.PageType;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.pgtable.PgtableArch.Level;
import mmsim.mm.sparse.SparseMem;

/**
 * The page-table part of the whole-model check: every kernel page-table page is accounted for.
 * The tables reachable from swapper_pg_dir are exactly the live tables of init_mm (none reached
 * twice, none live but unreachable: a leak, none reached but freed: a dangling entry); each is a
 * memblock page (PG_reserved) or a PGTY_table page with a reference; and every PGTY_table page of
 * the memmap is a live table of init_mm or of a process. Reads the model raw, between executions.
 */
public final class KernelPgtableCheck {
    private KernelPgtableCheck() { }

    /**
     * The problems found: a table page nothing reaches any more (unreachable live table, or a
     * PGTY_table page that is no live table) is a {@link ModelCheck.Problem.Kind#LEAK} of that
     * pfn, as kmemleak would report it; anything else is an inconsistency.
     */
    public static List<ModelCheck.Problem> check(Machine m) {
        List<ModelCheck.Problem> problems = new ArrayList<>();
        InitMm mm = m.initMm();
        if (mm == null) return problems;
        Set<Long> reached = new HashSet<>();
        List<String> text = new ArrayList<>();
        walk(mm, mm.pgd, Level.PGD, reached, text);
        if (reached.size() != mm.liveTables())
            text.add(String.format(Locale.ROOT, "init_mm: %d live page tables but %d reachable from swapper_pg_dir (leaked tables)",
                    mm.liveTables(), reached.size()));
        Memmap memmap = m.memmap();
        for (long t : reached) {
            if (!memmap.backed(t)) { text.add(String.format(Locale.ROOT, "init_mm table pfn %#x: no struct page", t)); continue; }
            boolean ok = mm.bootTable(t) ? memmap.testBit(t, PageFlag.RESERVED)
                    : memmap.hasType(t, PageType.TABLE) && memmap.refcount(t) > 0;
            if (!ok) text.add(String.format(Locale.ROOT, "init_mm table pfn %#x: neither a reserved memblock page nor a referenced PGTY_table page", t));
        }
        UserMemory um = m.userMemory();
        SparseMem sparse = m.sparse();
        for (long nr = 0; nr < sparse.nrSections(); nr++) {
            long s = sparse.sectionNrToPfn(nr);
            if (!memmap.backed(s)) continue;
            for (long p = s; p < s + sparse.pagesPerSection(); p++) {
                if (memmap.poisoned(p) || !memmap.hasType(p, PageType.TABLE)) continue;
                if (!reached.contains(p) && (um == null || !um.tables.isTable(p)))
                    problems.add(new ModelCheck.Problem(ModelCheck.Problem.Kind.LEAK, p,
                            String.format(Locale.ROOT, "pfn %#x: PGTY_table page that is no live page table (a leaked table page)", p)));
            }
        }
        for (String t : text) problems.add(ModelCheck.Problem.inconsistency(t));
        return problems;
    }

    private static void walk(InitMm mm, long table, Level level, Set<Long> reached, List<String> problems) {
        if (!reached.add(table)) {
            problems.add(String.format(Locale.ROOT, "init_mm table pfn %#x reached twice", table));
            return;
        }
        if (mm.store().peek(table) == null) {
            problems.add(String.format(Locale.ROOT, "init_mm: a %s entry points at freed table pfn %#x", level, table));
            return;
        }
        if (level == Level.PTE) return;
        for (int i = 0; i < PgtableArch.PTRS_PER_TABLE; i++) {
            long e = mm.peek(table, i);
            if (mm.isTable(e, level)) walk(mm, mm.tablePfn(e), level.next(), reached, problems);
        }
    }
}
