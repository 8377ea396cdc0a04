package mmsim.mm.pgtable;

import java.util.HashMap;
import java.util.Map;

import mmsim.kernel.Access;
import mmsim.kernel.Kernel;
import mmsim.kernel.KernelFault;
import mmsim.kernel.LockClass;
import mmsim.kernel.sync.SpinLock;
import mmsim.mm.pgtable.PgtableArch.Level;

/**
 * The contents of page-table pages: what the kernel reaches through {@code page_address()} of a
 * page whose page_type is PGTY_table (struct ptdesc, include/linux/mm.h; mm/pgtable-generic.c).
 *
 * <p>Each table page is a real page from the buddy allocator (allocated by {@link PgtableAlloc});
 * its 512 entries live here in a {@code long[512]} keyed by the page's pfn. The store also holds
 * the split page-table locks that the kernel keeps in the ptdesc: the PTE-table lock returned by
 * {@code pte_lockptr()} and the PMD-table lock returned by {@code pmd_lockptr()}
 * (USE_SPLIT_PTE_PTLOCKS and USE_SPLIT_PMD_PTLOCKS, both on for x86_64 and arm64 SMP).
 *
 * <p>Lifetime: {@link #attach} when the table page is constructed (pagetable_pte_ctor),
 * {@link #detach} when it is destroyed (pagetable_dtor), just before the page goes back to the
 * allocator. A detached table leaves a tombstone: a walker that still holds the table's pfn (a
 * GUP-fast walk, ptdump, an rmap walk through a stale PMD) and reads an entry gets the report the
 * kernel would give: a KASAN use-after-free for memory still in the linear map, or a kernel page
 * fault when the memory was also removed from the linear map (arm64 hot-remove). If the pfn
 * is reused for a new table, a stale reader sees the new table's entries, as it would.
 *
 * <p>Every entry access is a preemption point on its table. Reads and writes between two points
 * are atomic, so {@link #getAndClear} models ptep_get_and_clear's xchg.
 */
public final class PageTableStore {
    /**
     * The lock class of the PTE tables' split locks (pte_lockptr). ptlock_init gives every split
     * lock, PTE-table and PMD-table alike, one lockdep class (its static key); the model gives the
     * PMD tables' locks a class of their own ({@link #PMD_PTLOCK}) so that a question such as
     * "is the pmd lock around pmdp_collapse_flush necessary?" (seed 003) can drop one without the
     * other. Lock order and "held" assertions are per class here as in lockdep.
     */
    private static final LockClass PTLOCK = LockClass.spinlock("ptlock_ptr(ptdesc)");
    /** The PMD tables' split locks (pmd_lockptr: pmd_lock(), pmd_trans_huge_lock()). */
    private static final LockClass PMD_PTLOCK = LockClass.spinlock("pmd_lockptr(ptdesc)");
    /** The PTE locks' class, as the lock's toString() gives it. */
    public static final String PTL_CLASS = "&" + PTLOCK.name();
    /** The PMD locks' class, as the lock's toString() gives it. */
    public static final String PMD_PTL_CLASS = "&" + PMD_PTLOCK.name();

    /** One table page: its level, entries and (for PTE and PMD tables) its split lock. */
    public static final class Table {
        public final long pfn;
        public final Level level;
        private long[] entries;
        private final SpinLock ptl;
        private boolean unmapped;

        Table(Kernel k, long pfn, Level level) {
            this.pfn = pfn;
            this.level = level;
            this.entries = new long[PgtableArch.PTRS_PER_TABLE];
            this.ptl = level == Level.PTE ? new SpinLock(k, PTLOCK)
                    : level == Level.PMD ? new SpinLock(k, PMD_PTLOCK)
                    : null;
        }

        public boolean freed() { return entries == null; }

        @Override public String toString() { return level + " table " + String.format("%#x", pfn); }
    }

    private final Kernel k;
    private final PgtableArch arch;
    private final long pageOffset;
    private final Map<Long, Table> tables = new HashMap<>();
    private long live;

    public PageTableStore(Kernel k, PgtableArch arch) {
        this.k = k;
        this.arch = arch;
        // PAGE_OFFSET: start of the linear map (x86_64 4-level without KASLR; arm64 VA_BITS=48, v5.4+)
        this.pageOffset = arch instanceof X86Pgtable ? 0xffff888000000000L : 0xffff000000000000L;
    }

    public PgtableArch arch() { return arch; }

    /** Number of live (attached) table pages, for the whole-model check. */
    public long liveTables() { return live; }

    /** Starts tracking the contents of a freshly allocated table page; all entries none. */
    public Table attach(long pfn, Level level) {
        Table old = tables.get(pfn);
        if (old != null && !old.freed()) {
            throw k.bug("mm/pgtable-generic.c", 0, String.format("page table %#x constructed twice (live %s table)", pfn, old.level));
        }
        Table t = new Table(k, pfn, level);
        tables.put(pfn, t);
        live++;
        return t;
    }

    /**
     * Stops tracking a table page that is about to be freed. {@code unmappedFromLinearMap}: the
     * memory also disappears from the kernel's linear map (later reads oops instead of KASAN).
     */
    public void detach(long pfn, boolean unmappedFromLinearMap) {
        Table t = tables.get(pfn);
        if (t == null || t.freed()) throw k.bug("mm/pgtable-generic.c", 0, String.format("freeing page table %#x that is not live", pfn));
        k.point("pagetable_dtor", t, Access.WRITE);
        t.entries = null;
        t.unmapped = unmappedFromLinearMap;
        live--;
    }

    /** The live table at {@code pfn}, or null. No point: used by checkers between executions. */
    public Table peek(long pfn) {
        Table t = tables.get(pfn);
        return t == null || t.freed() ? null : t;
    }

    /** True when {@code pfn} holds a live page table. */
    public boolean isTable(long pfn) { return peek(pfn) != null; }

    /** The split lock of a PTE table (pte_lockptr) or PMD table (pmd_lockptr). */
    public SpinLock ptl(long tablePfn) {
        Table t = live(tablePfn, 0, false, "pte_lockptr");
        if (t.ptl == null) throw new IllegalStateException(t + " has no split lock");
        return t.ptl;
    }

    /** READ_ONCE(*entry): a preemption point, then the entry (or the use-after-free report). */
    public long read(long tablePfn, int idx, String label) {
        Table t = tables.get(tablePfn);
        k.point(label, t, Access.READ);
        return live(tablePfn, idx, false, label).entries[idx];
    }

    /**
     * ptep_get() by the holder of the table's split lock: no preemption point. Every writer of
     * a PTE holds that lock and lockless readers (GUP-fast) only read, so nothing can interleave
     * with this access that the lock acquisition did not already order. Asserts the lock is held.
     */
    public long readLocked(long tablePfn, int idx, String label) {
        Table t = live(tablePfn, idx, false, label);
        if (t.ptl == null) throw new IllegalStateException(t + " has no split lock");
        t.ptl.assertHeld();
        return t.entries[idx];
    }

    /** WRITE_ONCE(*entry, val) / set_pte_at. */
    public void write(long tablePfn, int idx, long val, String label) {
        Table t = tables.get(tablePfn);
        k.point(label, t, Access.WRITE);
        live(tablePfn, idx, true, label).entries[idx] = val;
    }

    /** ptep_get_and_clear(): atomically reads and clears an entry. */
    public long getAndClear(long tablePfn, int idx, String label) {
        Table t = tables.get(tablePfn);
        k.point(label, t, Access.SYNC);
        long[] e = live(tablePfn, idx, true, label).entries;
        long old = e[idx];
        e[idx] = 0;
        return old;
    }

    /** Writes an entry of a live table with no preemption point: the rest of a run whose first write took one. */
    public void poke(long tablePfn, int idx, long val) {
        live(tablePfn, idx, true, "poke").entries[idx] = val;
    }

    /** Reads an entry with no preemption point, for read-only views (ptdump of a quiesced machine, checks). */
    public long peekEntry(long tablePfn, int idx) {
        Table t = peek(tablePfn);
        if (t != null && k.checkingFootprints()) k.access(t, Access.READ);
        return t == null ? 0 : t.entries[idx];
    }

    /** The virtual address of an entry in the linear map (what the kernel dereferences). */
    public long entryAddress(long tablePfn, int idx) {
        return pageOffset + (tablePfn << PgtableArch.PAGE_SHIFT) + 8L * idx;
    }

    private Table live(long tablePfn, int idx, boolean write, String label) {
        Table t = tables.get(tablePfn);
        if (t != null && k.checkingFootprints()) k.access(t, write ? Access.WRITE : Access.READ);
        if (t != null && !t.freed()) return t;
        long addr = entryAddress(tablePfn, idx);
        String fn = label.contains(":") ? label.substring(0, label.indexOf(':')) : k.currentFunction();
        if (t != null && t.unmapped || t == null) {
            // never a table, or its memory left the linear map: the access itself faults
            throw k.pageFault(addr, write, fn);
        }
        throw kasanUseAfterFree(addr, write, fn, tablePfn);
    }

    private KernelFault.Kasan kasanUseAfterFree(long addr, boolean write, String fn, long pfn) {
        return k.kasanUseAfterFree(addr, 8, write, fn, "The buggy address belongs to the physical page:\n"
                + String.format("page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:%#x%n", pfn)
                + "page dumped because: kasan: bad access detected\n"
                + "(a page-table page that was freed; see pagetable_dtor)\n");
    }
}
