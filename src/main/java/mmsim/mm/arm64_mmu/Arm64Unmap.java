package mmsim.mm.arm64_mmu;

import mmsim.kernel.Kernel;
import mmsim.mm.init_mm.InitMm;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.pgtable.PgtableArch.Level;

/**
 * The two passes of arm64 hot-remove (arch/arm64/mm/mmu.c, v5.7 bbd6ec605c0f):
 * unmap_hotplug_range() clears the leaves of [start, end) level by level (a block is cleared and
 * invalidated with one TLBI; with {@code free_mapped} the memory it mapped is freed: the vmemmap's
 * blocks), and free_empty_tables() then walks the same range bottom-up and frees every table all
 * of whose entries are none, clearing its parent entry and invalidating the walk caches
 * (__flush_tlb_kernel_pgtable) first, unless the table's span sticks out of [floor, ceiling)
 * (pgtable_range_aligned).
 *
 * <p>Locking: the caller holds mem_hotplug_lock for write; no other lock in v5.7. With
 * {@code ptlAroundClear} (thread V2) each clear of an entry takes init_mm.page_table_lock.
 * Readers of the tables take no lock: nothing here waits for them.
 *
 * <p>Preemption points: one per table scanned (the whole table is read in one step, see
 * {@link InitMm#readTable}), one per entry cleared, and the buddy allocator's own when a table
 * or a block is freed.
 */
final class Arm64Unmap {
    private final Kernel k;
    private final InitMm mm;
    private final Arm64Mmu mmu;
    private final boolean ptlAroundClear;
    private final boolean floorCeiling;

    Arm64Unmap(Kernel k, InitMm mm, Arm64Mmu mmu, boolean ptlAroundClear, boolean floorCeiling) {
        this.k = k;
        this.mm = mm;
        this.mmu = mmu;
        this.ptlAroundClear = ptlAroundClear;
        this.floorCeiling = floorCeiling;
    }

    private static long span(Level l) { return 1L << l.shift; }

    private void clear(long table, int idx, Level level, String fn) {
        if (ptlAroundClear) mm.pageTableLock.lock();
        mm.write(table, idx, 0, fn + ":" + level.name().toLowerCase() + "_clear");
        if (ptlAroundClear) mm.pageTableLock.unlock();
    }

    // ---- unmap_hotplug_range -------------------------------------------------------------------

    void unmapHotplugRange(long addr, long end, boolean freeMapped) {
        try (var f = k.enter("unmap_hotplug_range")) {
            unmapLevel(mm.pgd, Level.PGD, addr, end, freeMapped);
        }
    }

    private void unmapLevel(long table, Level level, long addr, long end, boolean freeMapped) {
        String fn = "unmap_hotplug_" + level.name().toLowerCase() + "_range";
        long[] e = mm.readTable(table, fn + ":READ_ONCE(*" + level.name().toLowerCase() + "p)");
        for (; addr != end; addr = InitMm.addrEnd(addr, end, level)) {
            int idx = level.index(addr);
            long v = e[idx];
            if (v == 0) continue;
            if (level == Level.PTE || mm.mmu().isBlock(v, level)) {
                clear(table, idx, level, fn);
                if (level == Level.PTE) flushTlbKernelRange();
                else flushTlbKernelRange();           // one TLBI for a block (the first page covers it)
                if (freeMapped) mmu.freeVmemmapBlock(mm.arch.ptePfn(v));
                continue;
            }
            unmapLevel(mm.tablePfn(v), level.next(), addr, InitMm.addrEnd(addr, end, level), freeMapped);
        }
    }

    private void flushTlbKernelRange() {
        try (var f = k.enter("flush_tlb_kernel_range")) { /* broadcast TLBI: nothing waits for other CPUs */ }
    }

    // ---- free_empty_tables ---------------------------------------------------------------------

    void freeEmptyTables(long addr, long end, long floor, long ceiling) {
        try (var f = k.enter("free_empty_tables")) {
            long[] pgd = mm.readTable(mm.pgd, "free_empty_tables:READ_ONCE(*pgdp)");
            for (long a = addr; a != end; a = InitMm.addrEnd(a, end, Level.PGD)) {
                int idx = Level.PGD.index(a);
                if (pgd[idx] == 0) continue;
                freeEmpty(mm.pgd, idx, mm.tablePfn(pgd[idx]), Level.PUD, a, InitMm.addrEnd(a, end, Level.PGD), floor, ceiling);
            }
        }
    }

    /**
     * free_empty_{pud,pmd,pte}_table(): empties the children in [addr, end), then frees
     * {@code table} (a {@code level} table hanging from {@code parent[pidx]}) when its span lies
     * inside [floor, ceiling) and every entry is none.
     */
    private void freeEmpty(long parent, int pidx, long table, Level level, long addr, long end, long floor, long ceiling) {
        String fn = "free_empty_" + level.name().toLowerCase() + "_table";
        long start = addr;
        if (level != Level.PTE) {
            long[] e = mm.readTable(table, fn + ":READ_ONCE(*" + level.name().toLowerCase() + "p)");
            for (; addr != end; addr = InitMm.addrEnd(addr, end, level)) {
                int idx = level.index(addr);
                long v = e[idx];
                if (v == 0) continue;
                if (mm.mmu().isBlock(v, level)) {
                    k.warn("arch/arm64/mm/mmu.c", 1020, fn + ": block entry left in a range being freed");
                    continue;
                }
                freeEmpty(table, idx, mm.tablePfn(v), level.next(), addr, InitMm.addrEnd(addr, end, level), floor, ceiling);
            }
        }
        Level parentLevel = Level.values()[level.ordinal() - 1];
        if (floorCeiling && !pgtableRangeAligned(start, end, floor, ceiling, ~(span(parentLevel) - 1))) return;
        long[] now = mm.readTable(table, fn + ":" + level.name().toLowerCase() + "_none");
        for (long v : now) if (v != 0) return;
        clear(parent, pidx, parentLevel, fn);
        try (var f = k.enter("__flush_tlb_kernel_pgtable")) { /* TLBI of the walk caches for start */ }
        try (var f = k.enter("free_hotplug_pgtable_page")) {
            mm.freeTable(table);
        }
    }

    /**
     * pgtable_range_aligned(): the table covering [start, end) (span {@code ~mask + 1}) lies
     * within [floor, ceiling), so nothing outside the region being removed can use it.
     */
    static boolean pgtableRangeAligned(long start, long end, long floor, long ceiling, long mask) {
        start &= mask;
        if (Long.compareUnsigned(start, floor) < 0) return false;
        if (ceiling != 0) {
            ceiling &= mask;
            if (ceiling == 0) return false;
        }
        return Long.compareUnsigned(end - 1, ceiling - 1) <= 0;
    }

    static { assert PgtableArch.PTRS_PER_TABLE == 512; }
}
