package mmsim.mm.mmap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import mmsim.mm.memmap.PageFlag;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.pgtable.SwapEntry;
import mmsim.mm.vmscan.Lruvec;

/**
 * The user-memory part of the whole-model check, run when no CPU is inside a kernel path:
 * every page a PTE maps has page_mapcount equal to the number of such PTEs and a refcount
 * explained by its mappings, the swap cache, and the per-CPU LRU batches; PG_lru is set exactly
 * on the pages linked on an LRU list; rss counters equal what the page tables hold; swap slot
 * counts equal the swap PTEs naming them; every live page table is reachable from a live mm.
 * Reads state with no preemption points.
 */
public final class UserMemoryCheck {
    private UserMemoryCheck() { }

    /** The problems found, one line each (empty when consistent). */
    public static List<String> check(UserMemory um) {
        List<String> bad = new ArrayList<>();
        PgtableArch a = um.arch;
        Map<Long, Integer> maps = new TreeMap<>();
        Map<Long, Integer> swapRefs = new TreeMap<>();
        int[] tables = {0};
        for (MmStruct mm : um.tasks()) {
            long[] rss = new long[4];
            if (mm.pgd < 0) continue;
            tables[0]++;
            walk(um, mm.pgd, PgtableArch.Level.PGD, 0, (addr, pte) -> {
                if (a.ptePresent(pte)) {
                    long pfn = a.ptePfn(pte);
                    if (a.pteSpecial(pte) || pfn == um.zeroPfn) return;
                    maps.merge(pfn, 1, Integer::sum);
                    rss[MmStruct.MM_ANONPAGES]++;
                } else {
                    long e = a.pteToSwpEntry(pte);
                    if (SwapEntry.isMigrationEntry(e)) rss[MmStruct.MM_ANONPAGES]++;
                    else if (!SwapEntry.nonSwapEntry(e)) {
                        swapRefs.merge(SwapEntry.swpOffset(e), 1, Integer::sum);
                        rss[MmStruct.MM_SWAPENTS]++;
                    }
                }
            }, tables);
            for (int i = 0; i < 3; i++) {
                if (rss[i] != mm.rss[i]) bad.add(mm + ": rss[" + i + "] is " + mm.rss[i] + " but page tables hold " + rss[i]);
            }
        }
        if (tables[0] != um.tables.liveTables()) {
            bad.add("page tables: " + um.tables.liveTables() + " live, " + tables[0] + " reachable from live mms (leak)");
        }
        Map<Long, Integer> batched = new HashMap<>();
        for (int cpu = 0; cpu < um.k.nrCpus(); cpu++) for (long p : um.swap.batch(cpu)) batched.merge(p, 1, Integer::sum);
        MmPages pg = um.pages;
        for (var e : maps.entrySet()) {
            long pfn = e.getKey();
            int mapcount = um.rmap.pageMapcount(pfn);
            if (mapcount != e.getValue()) bad.add(String.format("pfn %#x: page_mapcount %d but %d PTEs map it", pfn, mapcount, e.getValue()));
            int expect = e.getValue() + (pg.peek(pfn, PageFlag.OWNER_PRIV_1) ? 1 : 0) + batched.getOrDefault(pfn, 0);
            int ref = pg.refcount(pfn);
            if (ref != expect) bad.add(String.format("pfn %#x: refcount %d, expected %d (mappings + swap cache + LRU batches)", pfn, ref, expect));
            if (!pg.peek(pfn, PageFlag.LRU) && !batched.containsKey(pfn)) bad.add(String.format("pfn %#x: mapped but neither on an LRU list nor in a batch", pfn));
        }
        for (Lruvec lv : um.vmscan.lruvecs()) {
            for (int l = 0; l < 5; l++) {
                for (long pfn : lv.list(l)) {
                    if (!pg.peek(pfn, PageFlag.LRU)) bad.add(String.format("pfn %#x: on %s list without PG_lru", pfn, Lruvec.NAMES[l]));
                    if (!maps.containsKey(pfn) && !pg.peek(pfn, PageFlag.OWNER_PRIV_1)) {
                        bad.add(String.format("pfn %#x: on %s list but neither mapped nor in the swap cache (leak)", pfn, Lruvec.NAMES[l]));
                    }
                }
            }
        }
        for (var e : swapRefs.entrySet()) {
            int c = um.swapState.swapCount(SwapEntry.swpEntry(0, e.getKey()));
            if (c != e.getValue()) bad.add(String.format("swap slot %#x: count %d but %d swap PTEs", e.getKey(), c, e.getValue()));
        }
        return bad;
    }

    private interface PteVisitor { void visit(long addr, long pte); }

    private static void walk(UserMemory um, long table, PgtableArch.Level level, long base, PteVisitor v, int[] tables) {
        PgtableArch a = um.arch;
        for (int i = 0; i < PgtableArch.PTRS_PER_TABLE; i++) {
            long e = um.tables.peekEntry(table, i);
            if (e == 0) continue;
            long addr = base + ((long) i << level.shift);
            if (level == PgtableArch.Level.PTE) { v.visit(addr, e); continue; }
            if (level == PgtableArch.Level.PMD && a.pmdTransHuge(e)) continue;
            if (!a.isTableEntry(e)) continue;
            tables[0]++;
            walk(um, a.tableEntryPfn(e), level.next(), addr, v, tables);
        }
    }
}
