package mmsim.mm.debug;

import mmsim.mm.Machine;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.PageType;
import mmsim.mm.linux.SectionMemmap;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.mmap.UserMemoryCheck;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.linux.FreeArea;
import mmsim.mm.linux.MigrateType;
import mmsim.mm.linux.PerCpuPages;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.MemSection;
import mmsim.mm.sparse.SparseMem;
import mmsim.mm.linux.ZoneStat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The whole-model consistency check, callable after any operation (and by the explorer at the
 * end of every execution). Every struct page of a section with a memmap must be exactly one of:
 *
 * <pre>
 *   FREE      on exactly one buddy free list (as part of one block) or one per-cpu list
 *   ALLOCATED refcount &gt; 0, or a tail/continuation of an allocated block
 *   RESERVED  PG_reserved (memblock, holes)
 *   OFFLINE   poisoned memmap, PageOffline, in a section that is not online, or hwpoisoned and
 *             taken off the allocator
 * </pre>
 *
 * and the free lists must agree with the page flags (PageBuddy, order, zone, pageblock type)
 * and with the counters (nr_free per order, NR_FREE_PAGES). A page in none of these states is a
 * leak (the block vanished from the allocator, as in seed 002's hwpoison leak). Also checks the
 * section flags are coherent (ONLINE implies HAS_MEM_MAP implies PRESENT).
 *
 * <p>Reads the model raw, with no preemption points: it runs between executions, not inside one.
 * Models nothing of the kernel; the closest relatives are CONFIG_DEBUG_VM's checks and
 * page_owner's leak hunting.
 */
public final class ModelCheck {
    private ModelCheck() { }

    /** What a page was found to be. */
    public enum State { UNSEEN, FREE, ALLOCATED, RESERVED, OFFLINE }

    /**
     * One thing the check found. A LEAK is a page in no state, lost to the allocator for good
     * ({@code pfn} names it); an INCONSISTENCY is any other disagreement (free lists against
     * PageBuddy, orders or counters, a page on two lists, section flags, user-memory refcounts),
     * {@code pfn} -1. {@link #text()} is the line a report prints; it names the pfn or the zone.
     */
    public record Problem(Kind kind, long pfn, String text) {
        public enum Kind { LEAK, INCONSISTENCY }

        public static Problem leak(long pfn) {
            return new Problem(Kind.LEAK, pfn,
                    String.format(Locale.ROOT, "pfn %#x: leaked (refcount 0, not free, not reserved, not offline)", pfn));
        }

        public static Problem inconsistency(String text) {
            return new Problem(Kind.INCONSISTENCY, -1, text);
        }

        @Override public String toString() { return text; }
    }

    /** The problems found (empty when consistent). */
    public static List<Problem> check(Machine m) {
        return check(m, false);
    }

    /**
     * As {@link #check(Machine)}, but the per-page pass looks only at the max-order blocks whose
     * struct pages were written since {@link Memmap#clearWritten()} (the explorer's check at the
     * end of an execution, when the machine it started from passed the full check). The free
     * lists, counters, sections and user memory are still checked whole.
     */
    public static List<Problem> checkWritten(Machine m) {
        return check(m, true);
    }

    /** "zone order N TYPE list, pfn P": where on the free lists a problem was found. */
    private static String at(Zone z, int order, int mt, long pfn) {
        return String.format(Locale.ROOT, "%s order %d %s list, pfn %#x", z, order, MigrateType.name(mt), pfn);
    }

    private static List<Problem> check(Machine m, boolean writtenOnly) {
        List<Problem> problems = new ArrayList<>();
        Memmap mm = m.memmap();
        SparseMem sparse = m.sparse();
        BuddyAllocator ba = m.allocator();
        long nrPfns = sparse.nrSections() * sparse.pagesPerSection();
        byte[] state = new byte[(int) Math.min(Integer.MAX_VALUE, nrPfns)];

        for (long nr = 0; nr < sparse.nrSections(); nr++) {
            MemSection ms = sparse.section(nr);
            if (ms.online() && !ms.valid()) problems.add(Problem.inconsistency(String.format(Locale.ROOT, "section %d: ONLINE without HAS_MEM_MAP", nr)));
            if (ms.valid() && !ms.present()) problems.add(Problem.inconsistency(String.format(Locale.ROOT, "section %d: HAS_MEM_MAP without PRESENT", nr)));
            if (ms.valid() != mm.backed(sparse.sectionNrToPfn(nr)) && !ms.early())
                problems.add(Problem.inconsistency(String.format(Locale.ROOT, "section %d: HAS_MEM_MAP=%b but memmap %s", nr, ms.valid(),
                        mm.backed(sparse.sectionNrToPfn(nr)) ? "populated" : "absent")));
        }

        for (Zone z : m.zones()) {
            long freePages = 0, cmaFree = 0;
            for (int order = 0; order < Zone.NR_PAGE_ORDERS; order++) {
                FreeArea area = z.freeArea(order);
                long blocks = 0;
                for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) {
                    long prev = -1;
                    for (long p = area.first(mt); p >= 0; ) {
                        blocks++;
                        // where a problem is is formatted only when one is found (at()): this loop
                        // visits every free block of every execution
                        if (blocks > nrPfns) { problems.add(Problem.inconsistency(at(z, order, mt, p) + ": list loops")); break; }
                        if (p < state.length && state[(int) p] != 0) {
                            // runs into a block already seen: say so once and stop walking this list, or
                            // a corrupted list (a lock dropped on purpose) reports every pfn again and again
                            problems.add(Problem.inconsistency(String.format(Locale.ROOT, "pfn %#x: on two free lists/blocks", p)));
                            break;
                        }
                        if (!mm.backed(p)) { problems.add(Problem.inconsistency(at(z, order, mt, p) + ": no memmap")); break; }
                        if (!mm.isBuddy(p)) problems.add(Problem.inconsistency(at(z, order, mt, p) + ": on a free list without PageBuddy"));
                        if (mm.privateData(p) != order) problems.add(Problem.inconsistency(at(z, order, mt, p) + ": buddy order " + mm.privateData(p)));
                        if (mm.refcount(p) != 0) problems.add(Problem.inconsistency(at(z, order, mt, p) + ": refcount " + mm.refcount(p)));
                        if ((p & ((1L << order) - 1)) != 0) problems.add(Problem.inconsistency(at(z, order, mt, p) + ": block not aligned to its order"));
                        if (!z.spans(p) || !z.spans(p + (1L << order) - 1)) problems.add(Problem.inconsistency(at(z, order, mt, p) + ": outside the zone span"));
                        if (ba.pageZone(p) != z) problems.add(Problem.inconsistency(at(z, order, mt, p) + ": page belongs to " + ba.pageZone(p)));
                        if (ba.pageblockMigratetype(p) != mt) problems.add(Problem.inconsistency(at(z, order, mt, p) + ": pageblock type " + MigrateType.name(ba.pageblockMigratetype(p))));
                        int prevLink = mm.lruPrev(p);
                        if ((prev < 0 ? Memmap.NIL : (int) prev) != prevLink) problems.add(Problem.inconsistency(at(z, order, mt, p) + ": broken prev link"));
                        if (noneSeen(state, (int) p, 1 << order)) {
                            java.util.Arrays.fill(state, (int) p, (int) p + (1 << order), (byte) State.FREE.ordinal());
                        } else {
                            for (long q = p; q < p + (1L << order); q++) {
                                if (state[(int) q] != 0) problems.add(Problem.inconsistency(String.format(Locale.ROOT, "pfn %#x: on two free lists/blocks", q)));
                                state[(int) q] = (byte) State.FREE.ordinal();
                            }
                        }
                        if (mt != MigrateType.ISOLATE) freePages += 1L << order;
                        if (mt == MigrateType.CMA) cmaFree += 1L << order;
                        prev = p;
                        int next = mm.lruNext(p);
                        p = next == Memmap.NIL ? -1 : Integer.toUnsignedLong(next);
                    }
                }
                if (blocks != area.nrFree()) problems.add(Problem.inconsistency(String.format(Locale.ROOT, "%s order %d: nr_free %d but %d blocks on the lists", z, order, area.nrFree(), blocks)));
            }
            if (freePages != z.stat(ZoneStat.NR_FREE_PAGES))
                problems.add(Problem.inconsistency(String.format(Locale.ROOT, "%s: NR_FREE_PAGES %d but %d pages on the free lists", z, z.stat(ZoneStat.NR_FREE_PAGES), freePages)));
            if (cmaFree != z.stat(ZoneStat.NR_FREE_CMA_PAGES))
                problems.add(Problem.inconsistency(String.format(Locale.ROOT, "%s: NR_FREE_CMA_PAGES %d but %d", z, z.stat(ZoneStat.NR_FREE_CMA_PAGES), cmaFree)));
            for (int cpu = 0; cpu < m.kernel().nrCpus(); cpu++) {
                PerCpuPages pcp = z.pcp(cpu);
                long count = 0;
                for (int mt = 0; mt < MigrateType.PCPTYPES; mt++) {
                    for (long p = pcp.first(mt); p >= 0; ) {
                        count++;
                        if (count > nrPfns) break;
                        if (state[(int) p] != 0) problems.add(Problem.inconsistency(String.format(Locale.ROOT, "pfn %#x: on a pcp list and elsewhere", p)));
                        state[(int) p] = (byte) State.FREE.ordinal();
                        if (mm.refcount(p) != 0) problems.add(Problem.inconsistency(String.format(Locale.ROOT, "pfn %#x: on cpu %d's pcp list with refcount %d", p, cpu, mm.refcount(p))));
                        if (mm.isBuddy(p)) problems.add(Problem.inconsistency(String.format(Locale.ROOT, "pfn %#x: on a pcp list with PageBuddy", p)));
                        int next = mm.lruNext(p);
                        p = next == Memmap.NIL ? -1 : Integer.toUnsignedLong(next);
                    }
                }
                if (count != pcp.count()) problems.add(Problem.inconsistency(String.format(Locale.ROOT, "%s cpu %d: pcp count %d but %d pages listed", z, cpu, pcp.count(), count)));
            }
        }

        // every struct page: exactly one state
        for (long nr = 0; nr < sparse.nrSections(); nr++) {
            MemSection ms = sparse.section(nr);
            long s = sparse.sectionNrToPfn(nr);
            if (!mm.backed(s)) continue;
            boolean sectionOnline = ms.online() || (m.config().era() == mmsim.mm.linux.KernelConfig.Era.V4_6 && ms.valid());
            // the next non-compound high-order allocation, found once per section and again after
            // the walk passes it (a lookup per allocated page was a sixth of an execution of 000)
            long nextHighOrder = ba.highOrderInUseFrom(s);
            for (long p = s; p < s + sparse.pagesPerSection(); p++) {
                if ((p & (SectionMemmap.WRITTEN_BLOCK_PAGES - 1)) == 0) {
                    if (writtenOnly && !mm.blockWritten(p)) {
                        p += SectionMemmap.WRITTEN_BLOCK_PAGES - 1; // an unwritten block: as it was, and it passed
                        continue;
                    }
                    // a block of offlined memory (its memmap poisoned whole) on no free list: every
                    // page of it is OFFLINE, found in one pass over the flags words
                    if (mm.allPoisoned(p, SectionMemmap.WRITTEN_BLOCK_PAGES)
                            && noneSeen(state, (int) p, SectionMemmap.WRITTEN_BLOCK_PAGES)) {
                        java.util.Arrays.fill(state, (int) p, (int) p + SectionMemmap.WRITTEN_BLOCK_PAGES, (byte) State.OFFLINE.ordinal());
                        p += SectionMemmap.WRITTEN_BLOCK_PAGES - 1;
                        continue;
                    }
                }
                if (state[(int) p] == State.FREE.ordinal()) continue;
                if (mm.poisoned(p)) { state[(int) p] = (byte) State.OFFLINE.ordinal(); continue; }
                if (mm.isBuddy(p)) problems.add(Problem.inconsistency(String.format(Locale.ROOT, "pfn %#x: PageBuddy but on no free list", p)));
                if (mm.testBit(p, PageFlag.RESERVED)) { state[(int) p] = (byte) State.RESERVED.ordinal(); continue; }
                if (mm.hasType(p, PageType.OFFLINE)) { state[(int) p] = (byte) State.OFFLINE.ordinal(); continue; }
                if (mm.refcount(p) > 0) {
                    state[(int) p] = (byte) State.ALLOCATED.ordinal();
                    long extent = 1;
                    if (mm.isHead(p)) extent = 1L << mm.compoundOrder(p);
                    else {
                        if (nextHighOrder < p) nextHighOrder = ba.highOrderInUseFrom(p);
                        if (nextHighOrder == p) extent = 1L << ba.highOrderInUse(p);
                    }
                    for (long q = p + 1; q < p + extent; q++) {
                        if (state[(int) q] == State.FREE.ordinal()) problems.add(Problem.inconsistency(String.format(Locale.ROOT, "pfn %#x: free but inside the allocated block at %#x", q, p)));
                        state[(int) q] = (byte) State.ALLOCATED.ordinal();
                    }
                    p += extent - 1;
                    continue;
                }
                if (mm.refcount(p) < 0) { problems.add(Problem.inconsistency(String.format(Locale.ROOT, "pfn %#x: negative refcount %d", p, mm.refcount(p)))); continue; }
                if (mm.testBit(p, PageFlag.HWPOISON)) { state[(int) p] = (byte) State.OFFLINE.ordinal(); continue; }
                if (!sectionOnline || ba.pageZone(p).managedPages() == 0) { state[(int) p] = (byte) State.OFFLINE.ordinal(); continue; }
                problems.add(Problem.leak(p));
            }
        }

        // ---- user memory (address spaces, page tables, rmap, LRU, swap cache, GUP) -------------
        // refcount = mappings + pins + swap cache + LRU
        // batches + isolation, _mapcount = PTEs, LRU lists = PG_lru, tables reachable from live mms.
        UserMemory um = m.userMemory();
        for (String p : UserMemoryCheck.check(um)) problems.add(Problem.inconsistency(p));
        for (mmsim.mm.linux.VmEvent e : mmsim.mm.linux.VmEvent.values()) {
            if (e.nodeStat == null) continue;
            long sum = 0;
            for (int n = 0; n < ba.nrNodes(); n++) sum += ba.node(n).stat(e.nodeStat);
            if (sum != um.event(e)) problems.add(Problem.inconsistency(String.format(Locale.ROOT, "%s: %d summed over the nodes, %d counted by user memory", e.procName, sum, um.event(e))));
        }
        // ---- kernel page tables (init_mm): every table page reachable once, none leaked ---------
        problems.addAll(KernelPgtableCheck.check(m));
        return problems;
    }

    /** True when no page of [from, from + n) was given a state yet. */
    private static boolean noneSeen(byte[] state, int from, int n) {
        for (int i = from; i < from + n; i++) if (state[i] != 0) return false;
        return true;
    }

    /** Throws IllegalStateException listing the first problems when the model is inconsistent. */
    public static void assertConsistent(Machine m) {
        List<Problem> p = check(m);
        if (!p.isEmpty())
            throw new IllegalStateException("model inconsistent (" + p.size() + " problems):\n  "
                    + String.join("\n  ", p.subList(0, Math.min(20, p.size())).stream().map(Problem::text).toList()));
    }
}
