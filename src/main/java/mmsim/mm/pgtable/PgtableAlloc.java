package mmsim.mm.pgtable;

import mmsim.mm.linux.MmCore;

import mmsim.kernel.sync.SpinLock;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.linux.VmEvent;
import mmsim.mm.pgtable.PgtableArch.Level;

/**
 * Allocating, populating, walking and freeing user page tables (include/asm-generic/pgalloc.h,
 * mm/memory.c __pte_alloc/__pmd_alloc/__pud_alloc, include/linux/pgtable.h pte_offset_map_lock,
 * mm/pgtable-generic.c __pte_offset_map_lock, mm/memory.c free_pgd_range).
 *
 * <p>Table pages come from the buddy allocator and carry PGTY_table (pagetable_pte_ctor); their
 * entries live in {@link PageTableStore}. Populating an empty upper entry follows the kernel's
 * pattern: allocate the new table with no lock held, then take the lock (mm->page_table_lock
 * for PGD/PUD entries, the PMD table's split lock for a PMD entry), and install it only if the
 * entry is still none; the loser frees its table.
 *
 * <p>Locking: walks without a lock are allowed under mmap_lock (tables are freed only with the
 * mmap_lock held for write, after a TLB flush) and, with IRQs disabled, by GUP-fast.
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info (mm->page_table_lock and the
 * split PTE/PMD locks sit under mmap_lock and the anon_vma rwsem).
 */
public final class PgtableAlloc {
    /** A located entry: table page pfn and index in it. */
    public record Loc(long table, int idx) { }

    /** A mapped and locked PTE (pte_offset_map_lock): the entry's location and its lock. */
    public record PteLock(long table, int idx, SpinLock ptl) {
        public void unlock() { ptl.unlock(); }
    }

    /**
     * CONFIG_MMU_GATHER_RCU_TABLE_FREE (selected by arm64, powerpc, s390, riscv, x86 with PARAVIRT):
     * page tables are freed only after every CPU has left any IRQs-off walk (an RCU grace period,
     * or tlb_remove_table_sync_one's IPI), because the TLB flush itself may not interrupt anyone.
     */
    public static final String CONFIG_MMU_GATHER_RCU_TABLE_FREE = "CONFIG_MMU_GATHER_RCU_TABLE_FREE";
    /** This file's switches, for Machine.knownOptions. */
    public static final java.util.List<String> OPTIONS = java.util.List.of(CONFIG_MMU_GATHER_RCU_TABLE_FREE);

    private final MmCore um;
    private final PageTableStore store;
    private final PgtableArch arch;

    public PgtableAlloc(MmCore um, PageTableStore store, PgtableArch arch) {
        this.um = um;
        this.store = store;
        this.arch = arch;
    }

    /** pgd_alloc(): the top-level table of a new mm. */
    public long pgdAlloc(MmStruct mm) {
        long pfn = allocTable(Level.PGD);
        if (pfn < 0) throw new IllegalStateException("out of memory for a PGD");
        return pfn;
    }

    /** pte_alloc_one() + pagetable_pte_ctor(), or the PMD/PUD equivalents: a zeroed table page. */
    public long allocTable(Level level) {
        try (var f = um.k.enter(level == Level.PTE ? "pte_alloc_one" : level.name().toLowerCase() + "_alloc_one")) {
            long pfn = um.pages.allocPage(true);
            if (pfn < 0) return -1;
            um.pages.setPageTable(pfn, true);
            store.attach(pfn, level);
            if (level != Level.PGD) um.count(pfn, VmEvent.NR_PAGETABLE, 1);
            return pfn;
        }
    }

    /** pte_free() / pmd_free() / pud_free() / pgd_free(): pagetable_dtor + free the page. */
    public void freeTable(long pfn, MmStruct mm) {
        try (var f = um.k.enter("pte_free")) {
            PageTableStore.Table t = store.peek(pfn);
            Level level = t == null ? Level.PTE : t.level;
            store.detach(pfn, false);
            um.pages.setPageTable(pfn, false);
            if (level != Level.PGD) {
                um.count(pfn, VmEvent.NR_PAGETABLE, -1);
                if (mm != null) mm.pgtablesBytes -= PgtableArch.PAGE_SIZE;
            }
            if (um.pages.refAdd(pfn, -1) == 0) um.pages.freePage(pfn);
        }
    }

    /** pgd_offset(mm, addr). */
    public Loc pgdOffset(MmStruct mm, long addr) { return new Loc(mm.pgd, PgtableArch.pgdIndex(addr)); }

    /**
     * Walks to the PMD entry of {@code addr}, allocating missing PUD/PMD tables when
     * {@code alloc} (pud_alloc, pmd_alloc); null when a level is missing and !alloc, or on OOM.
     */
    public Loc pmdLoc(MmStruct mm, long addr, boolean alloc) {
        Loc pgd = pgdOffset(mm, addr);
        long pudTable = lowerTable(mm, pgd, Level.PUD, alloc, "pgd_offset");
        if (pudTable < 0) return null;
        Loc pud = new Loc(pudTable, PgtableArch.pudIndex(addr));
        long pmdTable = lowerTable(mm, pud, Level.PMD, alloc, "pud_offset");
        if (pmdTable < 0) return null;
        return new Loc(pmdTable, PgtableArch.pmdIndex(addr));
    }

    /** Reads an upper entry and returns the table it points at, populating it when allowed. */
    private long lowerTable(MmStruct mm, Loc at, Level lower, boolean alloc, String fn) {
        long e = store.read(at.table, at.idx, fn + ":READ_ONCE(*" + (lower == Level.PUD ? "pgd" : "pud") + ")");
        if (e != 0) return arch.isTableEntry(e) ? arch.tableEntryPfn(e) : -1;
        if (!alloc) return -1;
        long fresh = allocTable(lower);
        if (fresh < 0) return -1;
        mm.pgtablesBytes += PgtableArch.PAGE_SIZE;
        String pop = lower == Level.PUD ? "p4d_populate" : "pud_populate";
        mm.pageTableLock.lock();
        long now = store.read(at.table, at.idx, pop + ":recheck");
        if (now == 0) {
            store.write(at.table, at.idx, arch.mkTableEntry(fresh), pop);
            mm.pageTableLock.unlock();
            return fresh;
        }
        mm.pageTableLock.unlock();
        freeTable(fresh, mm); // another thread populated it first
        return arch.isTableEntry(now) ? arch.tableEntryPfn(now) : -1;
    }

    /** The PMD table's split lock (pmd_lockptr). */
    public SpinLock pmdLockptr(Loc pmd) { return store.ptl(pmd.table); }

    /**
     * __pte_alloc(): makes sure the PMD entry points at a PTE table. Returns false on OOM.
     * A huge PMD counts as populated (the caller rechecks).
     */
    public boolean pteAlloc(MmStruct mm, Loc pmd) {
        long e = store.read(pmd.table, pmd.idx, "pte_alloc:READ_ONCE(*pmd)");
        if (e != 0) return true;
        long fresh = allocTable(Level.PTE);
        if (fresh < 0) return false;
        SpinLock ptl = pmdLockptr(pmd);
        ptl.lock();
        if (store.read(pmd.table, pmd.idx, "pmd_install:recheck") == 0) {
            mm.pgtablesBytes += PgtableArch.PAGE_SIZE;
            store.write(pmd.table, pmd.idx, arch.mkTableEntry(fresh), "pmd_install:pmd_populate");
            fresh = -1;
        }
        ptl.unlock();
        if (fresh >= 0) freeTable(fresh, null);
        return true;
    }

    /**
     * pte_offset_map_lock(): maps the PTE table under a PMD entry and takes its lock, then checks
     * that the PMD still points at the same table (__pte_offset_map_lock since v6.5: the table
     * may have been freed or replaced meanwhile, e.g. by khugepaged's collapse). Null when the
     * PMD has no PTE table (none, huge, or changed).
     */
    public PteLock pteOffsetMapLock(Loc pmd, long addr) {
        while (true) {
            long pmdval = store.read(pmd.table, pmd.idx, "pte_offset_map_lock:pmdp_get_lockless");
            if (!arch.isTableEntry(pmdval)) return null;
            long table = arch.tableEntryPfn(pmdval);
            SpinLock ptl = store.ptl(table);
            ptl.lock();
            long again = store.read(pmd.table, pmd.idx, "pte_offset_map_lock:pmd_same");
            if (again == pmdval) return new PteLock(table, PgtableArch.pteIndex(addr), ptl);
            ptl.unlock();
        }
    }

    /** Frees page tables no VMA needs any more (free_pgtables / free_pgd_range), walking [start, end). */
    public void freePgtables(MmStruct mm, long start, long end) {
        java.util.List<Long> gathered = new java.util.ArrayList<>();
        try (var f = um.k.enter("free_pgtables")) {
            long pgdStart = start & ~((1L << PgtableArch.PGDIR_SHIFT) - 1);
            for (long a = pgdStart; a < end; a += 1L << PgtableArch.PGDIR_SHIFT) {
                Loc pgd = new Loc(mm.pgd, PgtableArch.pgdIndex(a));
                freeLevel(mm, pgd, Level.PUD, a, start, end, gathered);
            }
        }
        if (gathered.isEmpty()) return;
        // tlb_finish_mmu() with freed_tables: the tables are unlinked above, but a lockless walker
        // (GUP-fast, IRQs off) may have read an entry before it was cleared. The TLB-flush IPI it
        // cannot answer until its walk ends (tlb_remove_table_sync_one, or the RCU grace period of
        // MMU_GATHER_RCU_TABLE_FREE) comes before the table pages are freed.
        try (var f = um.k.enter("tlb_finish_mmu")) {
            um.flushTlbMm(mm, start, end);
            tlbRemoveTableSyncOne(); // tlb_remove_table(): the RCU-deferred free, modelled by its synchronous fallback
            for (long table : gathered) freeTable(table, mm);
        }
    }

    /**
     * tlb_remove_table_sync_one() (mm/mmu_gather.c): an IPI to every CPU, waiting for each, so no
     * GUP-fast walker (IRQs off) is still inside a table about to be freed or reused. A no-op stub
     * without CONFIG_MMU_GATHER_RCU_TABLE_FREE, where the TLB-flush IPI already waited.
     */
    public void tlbRemoveTableSyncOne() {
        if (!um.config.has(CONFIG_MMU_GATHER_RCU_TABLE_FREE)) return;
        try (var f = um.k.enter("tlb_remove_table_sync_one")) {
            um.k.smpCallFunctionMany(um.k.cpuOnlineMask(), () -> { }, true);
        }
    }

    /** True when no VMA of mm overlaps [from, to). */
    private static boolean unused(MmStruct mm, long from, long to) {
        var v = mm.findVma(from);
        return v == null || v.vmStart >= to;
    }

    /** Frees the table below entry {@code at} (spanning [base, base+span)) if unused, after freeing its children. */
    private void freeLevel(MmStruct mm, Loc at, Level level, long base, long start, long end, java.util.List<Long> gathered) {
        long e = store.read(at.table, at.idx, "free_pgd_range:read");
        if (e == 0 || !arch.isTableEntry(e)) return;
        long table = arch.tableEntryPfn(e);
        long span = 1L << (level.shift + 9);
        if (level != Level.PTE) {
            long childSpan = 1L << level.shift;
            for (long a = Math.max(base, start & ~(childSpan - 1)); a < Math.min(base + span, end); a += childSpan) {
                freeLevel(mm, new Loc(table, level.index(a)), level.next(), a, start, end, gathered);
            }
        }
        if (!unused(mm, base, base + span)) return;
        // everything the table maps is outside every VMA: clear the entry; the table is freed
        // after the TLB flush (pte_free_tlb / tlb_remove_table)
        store.write(at.table, at.idx, 0, "free_" + level.name().toLowerCase() + "_range:clear");
        gathered.add(table);
    }

    /** Frees every table of mm including the PGD (exit_mmap's free_pgtables + pgd_free). */
    public void freeAll(MmStruct mm) {
        freePgtables(mm, 0, arch.taskSize());
        freeTable(mm.pgd, null);
        mm.pgd = -1;
    }
}
