package mmsim.mm.mmap;

import mmsim.mm.linux.MmCore;
import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.VmArea;
import mmsim.mm.linux.VmEvent;

import mmsim.mm.linux.MmStruct;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import mmsim.mm.linux.PageFlag;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.linux.SwapEntry;
import mmsim.mm.linux.Lruvec;

/**
 * The user-memory part of the whole-model check, run when no CPU is inside a kernel path:
 * every page user memory knows of (mapped, in the swap cache, on an LRU list or batch, or
 * handed out by GUP) has page_mapcount equal to the number of PTEs mapping it and a refcount
 * of exactly PTEs + swap cache + per-CPU LRU batch entries + GUP references + one isolation
 * reference when it is off the LRU and out of every batch; PG_lru is set exactly on the pages
 * linked on an LRU list, each on the list its flags choose; PG_swapcache agrees with the swap
 * cache; the LRU, nr_isolated_anon and nr_anon_pages counters agree with the pages; rss counters
 * equal what the page tables hold; swap slot counts equal the swap PTEs naming them and no slot
 * leaks; every live page table is reachable from a live mm and every table an entry names is live.
 * Reads flags with no preemption points (refcounts through the memmap's accessors, whose points
 * cost nothing outside exploration).
 */
public final class UserMemoryCheck {
    private UserMemoryCheck() { }

    /** The problems found, one line each (empty when consistent). */
    public static List<String> check(UserMemory um) {
        List<String> bad = new ArrayList<>();
        PgtableArch a = um.arch;
        Map<Long, Integer> maps = new TreeMap<>();
        Map<Long, Integer> swapRefs = new TreeMap<>();
        Map<Long, Integer> pmdMaps = new TreeMap<>(); // folio head -> huge PMDs mapping it
        int[] tables = {0};
        for (MmStruct mm : um.tasks()) {
            long[] rss = new long[4];
            if (mm.dead) bad.add(mm + ": exited but still listed as a task");
            if (mm.pgd < 0) continue;
            if (um.tables.peek(mm.pgd) == null) { bad.add(mm + ": PGD at pfn " + hex(mm.pgd) + " is no live page table"); continue; }
            tables[0]++;
            walk(um, mm, mm.pgd, PgtableArch.Level.PGD, 0, (addr, pte, huge) -> {
                if (huge) {
                    if (um.hugeMemory.isHugeZeroPmd(pte)) return;
                    long head = a.pmdPfn(pte);
                    pmdMaps.merge(head, 1, Integer::sum);
                    rss[MmStruct.MM_ANONPAGES] += PgtableArch.HPAGE_PMD_NR;
                    VmArea vma = mm.vmaLookupRaw(addr);
                    if (vma == null || vma.vmEnd < addr + PgtableArch.PMD_SIZE) bad.add(String.format("%s: huge PMD at %#x maps pfn %#x beyond its VMA", mm, addr, head));
                    if (um.pages.compoundOrder(head) != PgtableArch.PMD_SHIFT - PgtableArch.PAGE_SHIFT) bad.add(String.format("%s: huge PMD at %#x maps pfn %#x, no PMD-sized folio", mm, addr, head));
                    return;
                }
                if (a.ptePresent(pte)) {
                    long pfn = a.ptePfn(pte);
                    if (a.pteSpecial(pte) || pfn == um.zeroPfn) return;
                    maps.merge(pfn, 1, Integer::sum);
                    boolean anon = um.pageAnon(pfn);
                    rss[anon ? MmStruct.MM_ANONPAGES : MmStruct.MM_SHMEMPAGES]++;
                    VmArea vma = mm.vmaLookupRaw(addr);
                    if (vma == null) bad.add(String.format("%s: PTE at %#x maps pfn %#x outside every VMA", mm, addr, pfn));
                    else if (!anon && (vma.vmFile == null || um.shmem.fileOf(pfn) != vma.vmFile || um.pages.index(pfn) != vma.linearPageIndex(addr))) {
                        bad.add(String.format("%s: PTE at %#x maps page-cache pfn %#x that is not index %d of the VMA's file", mm, addr, pfn, vma.linearPageIndex(addr)));
                    }
                } else {
                    long e = a.pteToSwpEntry(pte);
                    if (SwapEntry.isMigrationEntry(e)) rss[um.pageAnon(SwapEntry.pfnSwapEntryToPfn(e)) ? MmStruct.MM_ANONPAGES : MmStruct.MM_SHMEMPAGES]++;
                    else if (!SwapEntry.nonSwapEntry(e)) {
                        swapRefs.merge(SwapEntry.swpOffset(e), 1, Integer::sum);
                        rss[MmStruct.MM_SWAPENTS]++;
                    }
                }
            }, tables, bad);
            for (int i = 0; i < 4; i++) {
                if (rss[i] != mm.rss[i]) bad.add(mm + ": rss[" + i + "] is " + mm.rss[i] + " but page tables hold " + rss[i]);
            }
        }
        if (tables[0] != um.tables.liveTables()) {
            bad.add("page tables: " + um.tables.liveTables() + " live, " + tables[0] + " reachable from live mms (leak)");
        }
        MmPages pg = um.pages;
        Map<Long, Integer> batched = new TreeMap<>();
        for (int cpu = 0; cpu < um.k.nrCpus(); cpu++) for (long p : um.swap.batch(cpu)) batched.merge(p, 1, Integer::sum);
        Map<Long, Long> cached = new TreeMap<>();   // pfn -> slot
        for (var e : um.swapState.cachedPages().entrySet()) cached.put(e.getValue(), e.getKey());
        // GUP's references: FOLL_GET ones count 1 each; FOLL_PIN pins GUP_PIN_COUNTING_BIAS on a small
        // folio, 1 and one _pincount on a large one (mm/gup.c try_grab_folio)
        Map<Long, Integer> dmaPins = um.gup.pins();
        Map<Long, Integer> pins = new TreeMap<>(um.gup.gets());
        dmaPins.forEach((p, n) -> pins.merge(p, 0, Integer::sum));
        Map<Long, mmsim.mm.linux.ShmemFile> pageCache = new TreeMap<>(); // shmem pages -> inode
        for (mmsim.mm.linux.ShmemFile f : um.shmem.files()) {
            if (f.vmas.isEmpty()) bad.add(f + ": no VMA maps it but it was not evicted");
            for (var e : f.cachedPages().entrySet()) {
                if (pageCache.put(e.getValue(), f) != null) bad.add(String.format("pfn %#x: in two page caches", e.getValue()));
                if (pg.mapping(e.getValue()) != f.mappingAddress || pg.index(e.getValue()) != e.getKey()) {
                    bad.add(String.format("pfn %#x: at index %d of %s but page->mapping/index say %#x/%d", e.getValue(), e.getKey(), f,
                            pg.mapping(e.getValue()), pg.index(e.getValue())));
                }
            }
        }
        // folios some PTE or PMD maps (a THP split by a partial zap stays mapped through its other pages)
        java.util.Set<Long> mappedFolios = new java.util.HashSet<>(pmdMaps.keySet());
        for (long p : maps.keySet()) mappedFolios.add(pg.compoundHead(p));
        Map<Long, Integer> listed = new TreeMap<>();  // pfn -> LRU list
        long[] listSizes = new long[5];
        for (Lruvec lv : um.lruvecs()) {
            for (int l = 0; l < 5; l++) {
                for (long pfn : lv.list(l)) {
                    listSizes[l]++;
                    if (listed.put(pfn, l) != null) bad.add(String.format("pfn %#x: on two LRU lists", pfn));
                    if (!pg.peek(pfn, PageFlag.LRU)) bad.add(String.format("pfn %#x: on %s list without PG_lru", pfn, Lruvec.NAMES[l]));
                    int want = pg.peek(pfn, PageFlag.UNEVICTABLE) ? Lruvec.LRU_UNEVICTABLE
                            : (pg.peek(pfn, PageFlag.SWAPBACKED) ? Lruvec.LRU_INACTIVE_ANON : Lruvec.LRU_INACTIVE_FILE)
                            + (pg.peek(pfn, PageFlag.ACTIVE) ? 1 : 0);
                    if (want != l) bad.add(String.format("pfn %#x: on %s list but its flags say %s", pfn, Lruvec.NAMES[l], Lruvec.NAMES[want]));
                    listSizes[l] += (1L << pg.compoundOrder(pfn)) - 1; // the counters count pages, the list folios
                    if (!mappedFolios.contains(pfn) && !cached.containsKey(pfn) && !pinnedFolio(um, pins, pfn) && !pageCache.containsKey(pfn)) {
                        bad.add(String.format("pfn %#x: on %s list but neither mapped, in a cache nor pinned (leak)", pfn, Lruvec.NAMES[l]));
                    }
                }
            }
        }
        VmEvent[] lruStat = {VmEvent.NR_INACTIVE_ANON, VmEvent.NR_ACTIVE_ANON, VmEvent.NR_INACTIVE_FILE, VmEvent.NR_ACTIVE_FILE, VmEvent.NR_UNEVICTABLE};
        for (int l = 0; l < 5; l++) {
            if (um.event(lruStat[l]) != listSizes[l]) bad.add(lruStat[l].procName + " is " + um.event(lruStat[l]) + " but " + listSizes[l] + " pages are on the lists");
        }
        // every folio user memory knows of: refcount = PTEs + PMDs + swap cache + LRU batches + GUP references + isolation
        // (a reference to any page of a large folio is the head's); _mapcount of each page = PTEs mapping it,
        // _entire_mapcount of a large folio = huge PMDs mapping it
        java.util.TreeSet<Long> known = new java.util.TreeSet<>();
        for (var set : List.of(maps.keySet(), cached.keySet(), batched.keySet(), pins.keySet(), listed.keySet(), pageCache.keySet(), pmdMaps.keySet())) {
            for (long pfn : set) known.add(pg.compoundHead(pfn));
        }
        known.remove(um.zeroPfn); // reserved; GUP's references to it are not counted
        known.remove(um.hugeMemory.hugeZeroPfn()); // the huge zero folio likewise
        Map<Long, Integer> folioPins = new TreeMap<>();
        for (var e : pins.entrySet()) folioPins.merge(pg.compoundHead(e.getKey()), e.getValue(), Integer::sum);
        Map<Long, Integer> folioDmaPins = new TreeMap<>();
        for (var e : dmaPins.entrySet()) folioDmaPins.merge(pg.compoundHead(e.getKey()), e.getValue(), Integer::sum);
        long isolated = 0, anonMapped = 0, fileMapped = 0, anonThps = 0;
        for (long pfn : known) {
            int nr = 1 << pg.compoundOrder(pfn);
            int pmd = pmdMaps.getOrDefault(pfn, 0);
            int m = 0;
            for (long p = pfn; p < pfn + nr; p++) {
                int ptes = maps.getOrDefault(p, 0);
                m += ptes;
                int mapcount = pg.peekMapcount(p) < -1 ? 0 : pg.peekMapcount(p) + 1;
                if (mapcount != ptes) bad.add(String.format("pfn %#x: page_mapcount %d but %d PTEs map it", p, mapcount, ptes));
                if ((ptes > 0 || pmd > 0) && um.pageAnon(pfn)) anonMapped++;
                if (ptes > 0 && !um.pageAnon(pfn)) fileMapped++;
            }
            if (nr > 1 && pg.entireMapcount(pfn) + 1 != pmd) {
                bad.add(String.format("pfn %#x: _entire_mapcount %d but %d huge PMDs map the folio", pfn, pg.entireMapcount(pfn) + 1, pmd));
            }
            if (pmd > 0) anonThps += nr;
            int inPageCache = pageCache.containsKey(pfn) ? 1 : 0;
            boolean inCache = cached.containsKey(pfn);
            if (inCache != pg.peek(pfn, PageFlag.OWNER_PRIV_1)) {
                bad.add(String.format("pfn %#x: PG_swapcache %b but %s the swap cache", pfn, !inCache, inCache ? "in" : "not in"));
            }
            if (inCache && um.swapState.pageSwapEntry(pfn) != SwapEntry.swpEntry(0, cached.get(pfn))) {
                bad.add(String.format("pfn %#x: page_private names slot %#x but the swap cache holds it at %#x", pfn,
                        SwapEntry.swpOffset(um.swapState.pageSwapEntry(pfn)), cached.get(pfn)));
            }
            boolean onLru = listed.containsKey(pfn);
            if (pg.peek(pfn, PageFlag.LRU) != onLru) bad.add(String.format("pfn %#x: PG_lru %b but %s an LRU list", pfn, !onLru, onLru ? "on" : "not on"));
            int inBatch = batched.getOrDefault(pfn, 0);
            // off the LRU and in no batch: an isolator (reclaim, migration) holds it and a reference,
            // or memory-failure does: a page it poisoned keeps one reference and is not isolated
            int iso = !onLru && inBatch == 0 ? 1 : 0;
            if (iso == 1 && pg.peek(pfn, PageFlag.SWAPBACKED) && !pg.peek(pfn, PageFlag.HWPOISON)) isolated += nr; // NR_ISOLATED_ANON counts pages
            int dma = folioDmaPins.getOrDefault(pfn, 0);
            int gup = folioPins.getOrDefault(pfn, 0) + (nr > 1 ? dma : dma * MmCore.GUP_PIN_COUNTING_BIAS);
            if (nr > 1 && pg.peekPincount(pfn) != dma) {
                bad.add(String.format("pfn %#x: _pincount %d but %d FOLL_PIN pins are held", pfn, pg.peekPincount(pfn), dma));
            }
            int expect = m + pmd + (inCache ? 1 : 0) + inPageCache + inBatch + gup + iso;
            int ref = pg.refcount(pfn);
            if (ref != expect) {
                bad.add(String.format("pfn %#x: refcount %d, expected %d (%d PTEs + %d PMDs + %d swap cache + %d page cache + %d LRU batch + %d GUP + %d isolation)",
                        pfn, ref, expect, m, pmd, inCache ? 1 : 0, inPageCache, inBatch, gup, iso));
            }
        }
        if (anonThps != um.event(VmEvent.NR_ANON_THPS)) {
            bad.add("nr_anon_transparent_hugepages is " + um.event(VmEvent.NR_ANON_THPS) + " but " + anonThps + " pages are in PMD-mapped THPs");
        }
        if (isolated != um.event(VmEvent.NR_ISOLATED_ANON)) {
            bad.add("nr_isolated_anon is " + um.event(VmEvent.NR_ISOLATED_ANON) + " but " + isolated + " anonymous pages are off the LRU and out of every batch");
        }
        if (fileMapped != um.event(VmEvent.NR_FILE_MAPPED)) {
            bad.add("nr_mapped is " + um.event(VmEvent.NR_FILE_MAPPED) + " but " + fileMapped + " shmem pages are mapped");
        }
        if (pageCache.size() != um.event(VmEvent.NR_SHMEM) || pageCache.size() != um.event(VmEvent.NR_FILE_PAGES)) {
            bad.add("nr_shmem/nr_file_pages are " + um.event(VmEvent.NR_SHMEM) + "/" + um.event(VmEvent.NR_FILE_PAGES) + " but "
                    + pageCache.size() + " pages are in shmem page caches");
        }
        if (anonMapped != um.event(VmEvent.NR_ANON_MAPPED)) {
            bad.add("nr_anon_pages is " + um.event(VmEvent.NR_ANON_MAPPED) + " but " + anonMapped + " anonymous pages are mapped");
        }
        for (long head : um.deferredSplit.peek()) {
            // a folio leaves the queue when it is split or freed (folio_undo_large_rmappable)
            if (pg.compoundOrder(head) == 0 || pg.refcount(head) <= 0 || !um.pageAnon(head)) {
                bad.add(String.format("deferred split queue holds pfn %#x, no live anonymous large folio", head));
            }
        }
        for (var e : swapRefs.entrySet()) {
            int c = um.swapState.swapCount(SwapEntry.swpEntry(0, e.getKey()));
            if (c != e.getValue()) bad.add(String.format("swap slot %#x: count %d but %d swap PTEs", e.getKey(), c, e.getValue()));
        }
        for (var e : cached.entrySet()) {
            long entry = SwapEntry.swpEntry(0, e.getValue());
            if (!um.swapState.hasCache(entry)) bad.add(String.format("swap slot %#x: caches pfn %#x without SWAP_HAS_CACHE", e.getValue(), e.getKey()));
            if (um.swapState.swapCount(entry) != swapRefs.getOrDefault(e.getValue(), 0)) {
                bad.add(String.format("swap slot %#x: count %d but %d swap PTEs", e.getValue(), um.swapState.swapCount(entry), swapRefs.getOrDefault(e.getValue(), 0)));
            }
        }
        java.util.Set<Long> slots = new java.util.TreeSet<>(swapRefs.keySet());
        for (long slot : cached.values()) slots.add(slot);
        if (um.swapState.slotsInUse() != slots.size() || um.swapState.inuse() != slots.size()) {
            bad.add("swap: " + um.swapState.inuse() + " slots in use (" + um.swapState.slotsInUse() + " in the map) but " + slots.size()
                    + " held by PTEs or the swap cache (leak)");
        }
        return bad;
    }

    private static String hex(long v) { return String.format("%#x", v); }

    /** A leaf: a PTE, or a huge PMD ({@code huge}). */
    private interface PteVisitor { void visit(long addr, long pte, boolean huge); }

    /** True when GUP holds a reference to some page of the folio headed at {@code head}. */
    private static boolean pinnedFolio(UserMemory um, Map<Long, Integer> pins, long head) {
        for (long p : pins.keySet()) if (um.pages.compoundHead(p) == head) return true;
        return false;
    }

    private static void walk(UserMemory um, MmStruct mm, long table, PgtableArch.Level level, long base, PteVisitor v, int[] tables, List<String> bad) {
        PgtableArch a = um.arch;
        if (level == PgtableArch.Level.PMD) {
            // PTE tables deposited under this PMD table's huge entries (pgtable_trans_huge_deposit)
            for (long t : um.hugeMemory.depositedUnder(table)) {
                if (um.tables.peek(t) == null) bad.add(String.format("%s: deposited table pfn %#x is no live page table", mm, t));
                else tables[0]++;
            }
        }
        for (int i = 0; i < PgtableArch.PTRS_PER_TABLE; i++) {
            long e = um.tables.peekEntry(table, i);
            if (e == 0) continue;
            long addr = base + ((long) i << level.shift);
            if (level == PgtableArch.Level.PTE) { v.visit(addr, e, false); continue; }
            if (level == PgtableArch.Level.PMD && a.pmdTransHuge(e)) { v.visit(addr, e, true); continue; }
            if (!a.isTableEntry(e)) continue;
            long next = a.tableEntryPfn(e);
            if (um.tables.peek(next) == null) {
                bad.add(String.format("%s: %s entry for %#x points at pfn %#x, no live page table (use-after-free)", mm, level, addr, next));
                continue;
            }
            tables[0]++;
            walk(um, mm, next, level.next(), addr, v, tables, bad);
        }
    }
}
