package mmsim.mm.init_mm;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

import java.util.List;

import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;
import mmsim.kernel.sync.SpinLock;
import mmsim.mm.linux.Gfp;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.PageType;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.pgtable.PageTableStore;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.pgtable.PgtableArch.Level;

/**
 * init_mm (mm/init-mm.c) and its page tables: swapper_pg_dir / init_top_pgt and every table
 * below it, as real pages. Tables built at boot come from memblock (pages of the layout's first
 * reserved range, PG_reserved, as early_pgtable_alloc's are); tables built later (hot-add,
 * vmalloc, ioremap) come from the buddy allocator (__get_free_page(GFP_PGTABLE_KERNEL)) and
 * carry PGTY_table. Freed tables go back where they came from (free_reserved_page or
 * free_page), and their contents leave a tombstone in {@link #store()}, so a walker that still
 * holds a freed table gets the KASAN use-after-free report the kernel would print.
 *
 * <p>Locking (the order: the mm lock tree in the {@code mmsim.mm} package-info; what the kernel
 * does, which is not what one would design): init_mm.page_table_lock
 * is taken by the generic populate helpers (pud_alloc/pmd_alloc/pte_alloc_kernel: install a new
 * table only if the entry is still none) and by x86's kernel_physical_mapping_init and
 * remove_pagetable around leaf updates. arm64's __create_pgd_mapping and the v5.7 hot-remove take
 * no lock: writers of the linear map and vmemmap are serialised by mem_hotplug_lock (write), and
 * since 2025 ptdump_walk_pgd takes get_online_mems() against them. vmalloc/ioremap leaf updates
 * take no lock at all (each vmap area is owned by its caller). Walkers (ptdump, vmalloc_to_page,
 * apply_to_page_range's descent) read entries with READ_ONCE and no lock.
 *
 * <p>The kernel page tables are modelled on every arm64 machine and, on x86_64, when the
 * kernel config has {@link #MODEL}: the x86 rows of seeds 000-003 were explored with bounds
 * chosen before these tables existed, and stay as they were unless a scenario asks for them.
 */
public final class InitMm {
    /** The lock class of init_mm.page_table_lock (lockdep's static key at the init site). */
    private static final LockClass PAGE_TABLE_LOCK = LockClass.spinlock("init_mm.page_table_lock");

    /** Model init_mm's page tables on an x86_64 machine (always on for arm64). */
    public static final String MODEL = "kernel-page-tables";
    public static final List<String> OPTIONS = List.of(MODEL);

    public final Kernel k;
    public final PgtableArch arch;
    public final KernelVa va;
    private final PageTableStore store;
    private final BuddyAllocator buddy;
    private final Memmap memmap;
    /** init_mm.page_table_lock, named as lockdep and the traces print it. */
    public final SpinLock pageTableLock;
    /** swapper_pg_dir (arm64) / init_top_pgt (x86). */
    public final long pgd;
    /** memblock's pages for early page tables: free pfns of the first reserved range, top down. */
    private final ArrayDeque<Long> memblock = new ArrayDeque<>();
    /** Tables that came from memblock (PG_reserved, freed with free_reserved_page). */
    private final Set<Long> bootTables = new HashSet<>();
    private final KernelMmu mmu;

    /** What an architecture's MMU code provides to the generic kernel-table code. */
    public interface KernelMmu {
        /** The table entry pointing at {@code tablePfn} for a kernel table at {@code childLevel}. */
        long mkTable(long tablePfn, Level childLevel);
        /** True when a PGD/PUD/PMD entry maps a block (a leaf above the PTE level). */
        boolean isBlock(long entry, Level level);
        /** The leaf entry mapping {@code pfn} with {@code prot} at {@code level} (a block above PTE). */
        long mkLeaf(long pfn, long prot, Level level);
    }

    /** init_mm of a machine booting {@code layout}; created by start_kernel when {@link #enabled}. */
    public InitMm(Kernel k, MachineLayout layout, Memmap memmap, BuddyAllocator buddy) {
        this.k = k;
        boolean arm = layout.arch().kernelArch() == Kernel.Arch.ARM64;
        this.arch = arm ? PgtableArch.arm64() : PgtableArch.x86_64();
        this.store = new PageTableStore(k, arch);
        this.buddy = buddy;
        this.memmap = memmap;
        this.pageTableLock = new SpinLock(k, PAGE_TABLE_LOCK);
        long dramStart = Long.MAX_VALUE;
        for (MachineLayout.Range r : layout.ranges(MachineLayout.Kind.RAM)) dramStart = Math.min(dramStart, r.start());
        this.va = arm ? KernelVa.arm64(dramStart, IMAGE_SIZE) : KernelVa.x86_64(IMAGE_SIZE);
        var reserves = layout.ranges(MachineLayout.Kind.RESERVE);
        if (!reserves.isEmpty()) {
            MachineLayout.Range r = reserves.get(0);
            for (long p = r.endPfn() - 1; p >= r.startPfn() && memblock.size() < MEMBLOCK_TABLES; p--) memblock.add(p);
        }
        this.pgd = allocTable(Level.PGD, true);
        this.mmu = arm ? new mmsim.mm.init_mm.Arm64Entries() : new mmsim.mm.init_mm.X86Entries();
    }

    /** The kernel image the model maps (text, rodata, data): 32 MiB. */
    public static final long IMAGE_SIZE = 32L << 20;
    /** At most this many early page tables come from memblock. */
    private static final int MEMBLOCK_TABLES = 256;

    /** True when a machine booting {@code layout} with {@code config} has its kernel page tables modelled. */
    public static boolean enabled(MachineLayout layout, KernelConfig config) {
        return layout.arch().kernelArch() == Kernel.Arch.ARM64 || config.has(MODEL);
    }

    public PageTableStore store() { return store; }
    public KernelMmu mmu() { return mmu; }

    /** Live table pages (for the whole-model check). */
    public long liveTables() { return store.liveTables(); }

    /** True when {@code pfn} is a table that came from memblock. */
    public boolean bootTable(long pfn) { return bootTables.contains(pfn); }

    // ---- table pages ----------------------------------------------------------------------------

    /**
     * A zeroed table page for {@code level}: from memblock at boot ({@code early}), else
     * __get_free_page(GFP_PGTABLE_KERNEL) marked PGTY_table (pagetable_*_ctor). -1 when out of memory.
     */
    public long allocTable(Level level, boolean early) {
        long pfn;
        if (early && !memblock.isEmpty()) {
            pfn = memblock.poll();
            bootTables.add(pfn);
        } else {
            try (var f = k.enter(early ? "early_pgtable_alloc" : "pgtable_alloc")) {
                pfn = buddy.allocPages(Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, 0);
                if (pfn < 0) return -1;
                memmap.setType(pfn, PageType.TABLE);
            }
        }
        store.attach(pfn, level);
        return pfn;
    }

    /**
     * Frees a table page that has been unlinked (free_hotplug_pgtable_page, pte_free_kernel,
     * free_pagetable): its entries become a tombstone, then the page goes back to the buddy
     * allocator (a memblock table through free_reserved_page).
     */
    public void freeTable(long pfn) {
        store.detach(pfn, false);
        if (bootTables.remove(pfn)) {
            try (var f = k.enter("free_reserved_page")) {
                memmap.clearBit(pfn, PageFlag.RESERVED);
                memmap.setRefcount(pfn, 1);
                buddy.freePage(pfn);
            }
            return;
        }
        memmap.clearType(pfn);
        buddy.freePage(pfn);
    }

    // ---- entries -----------------------------------------------------------------------------------

    /** READ_ONCE(*entry): a preemption point, or the use-after-free report when the table was freed. */
    public long read(long table, int idx, String label) { return store.read(table, idx, label); }

    /** WRITE_ONCE(*entry, val) (set_pte, set_pmd, pmd_clear...). */
    public void write(long table, int idx, long val, String label) { store.write(table, idx, val, label); }

    /**
     * A walker's pass over a whole table: one preemption point (the use-after-free check on the
     * table), then its 512 entries with none. The model makes the scan of one table one step: the
     * races here are on a table's lifetime, and entries a walker goes on to use are re-read with
     * {@link #read} before it descends through them.
     */
    public long[] readTable(long table, String label) {
        store.read(table, 0, label);
        long[] e = new long[PgtableArch.PTRS_PER_TABLE];
        for (int i = 0; i < e.length; i++) e[i] = store.peekEntry(table, i);
        return e;
    }

    /**
     * Sets consecutive entries of one table in one step (vmap_pte_range's loop over the PTEs of one
     * table): the caller owns these entries (its vmap area), so the only thing a concurrent reader
     * can tell apart is how far the run has got, which no race here depends on.
     */
    public void writeRun(long table, int fromIdx, long[] vals, String label) {
        store.write(table, fromIdx, vals[0], label);
        for (int i = 1; i < vals.length; i++) store.poke(table, fromIdx + i, vals[i]);
    }

    /** Entries with no preemption point, for checks between executions. */
    public long peek(long table, int idx) { return store.peekEntry(table, idx); }

    /** True when an upper-level entry points at a next-level table. */
    public boolean isTable(long entry, Level level) { return entry != 0 && level != Level.PTE && !mmu.isBlock(entry, level) && arch.isTableEntry(entry); }

    public long tablePfn(long entry) { return arch.tableEntryPfn(entry); }

    /**
     * The table below the entry {@code (table, idx)} at {@code level}, populating it when it is none
     * and {@code alloc} (the generic p4d/pud/pmd_alloc and pte_alloc_kernel: allocate, then under
     * init_mm.page_table_lock install it only if the entry is still none, else free it). {@code
     * early}: the table comes from memblock. {@code unlocked}: the populate takes no lock
     * (sparse-vmemmap's vmemmap_*_populate and arm64's __create_pgd_mapping, serialised by
     * mem_hotplug_lock instead). -1 when missing and !alloc, when the entry maps a block, or on OOM.
     */
    public long lowerTable(long table, int idx, Level level, boolean alloc, boolean early, String who) {
        return lowerTable(table, idx, level, alloc, early, false, who);
    }

    public long lowerTable(long table, int idx, Level level, boolean alloc, boolean early, boolean unlocked, String who) {
        long e = read(table, idx, who + ":READ_ONCE(*" + level.name().toLowerCase() + ")");
        if (e != 0) return isTable(e, level) ? tablePfn(e) : -1;
        if (!alloc) return -1;
        Level child = level.next();
        long fresh = allocTable(child, early);
        if (fresh < 0) return -1;
        if (unlocked) {
            write(table, idx, mmu.mkTable(fresh, child), level.name().toLowerCase() + "_populate");
            return fresh;
        }
        pageTableLock.lock();
        long now = read(table, idx, level.name().toLowerCase() + "_populate_kernel:recheck");
        if (now == 0) {
            write(table, idx, mmu.mkTable(fresh, child), level.name().toLowerCase() + "_populate_kernel");
            pageTableLock.unlock();
            return fresh;
        }
        pageTableLock.unlock();
        freeTable(fresh);
        return isTable(now, level) ? tablePfn(now) : -1;
    }

    /** Boot-time descent with no lock and no point (paging_init runs on one CPU before SMP). */
    public long bootLowerTable(long table, int idx, Level level) {
        long e = store.peekEntry(table, idx);
        if (e != 0) return isTable(e, level) ? tablePfn(e) : -1;
        long fresh = allocTable(level.next(), true);
        bootSet(table, idx, mmu.mkTable(fresh, level.next()));
        return fresh;
    }

    /** Sets an entry at boot (no preemption point: no other CPU runs yet). */
    public void bootSet(long table, int idx, long val) {
        // the store's write is the only writer; at boot it is reached through peek/attach only
        store.write(table, idx, val, "paging_init");
    }

    /**
     * pgd_addr_end / pud_addr_end / pmd_addr_end: the end of the {@code level} entry's span that
     * holds {@code addr}, or {@code end} if that comes first (unsigned, so an end of 0 or ~0 at the
     * top of the address space works).
     */
    public static long addrEnd(long addr, long end, Level level) {
        long span = 1L << level.shift;
        long n = (addr + span) & -span;
        return Long.compareUnsigned(n - 1, end - 1) < 0 ? n : end;
    }

    /** The table covering {@code addr} at {@code level} (walking from the PGD, no allocation), or -1. */
    public long walkTo(long addr, Level level, String who) {
        long table = pgd;
        for (Level l = Level.PGD; l != level; l = l.next()) {
            table = lowerTable(table, l.index(addr), l, false, false, who);
            if (table < 0) return -1;
        }
        return table;
    }
}
