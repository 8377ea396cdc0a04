package mmsim.mm.init_mm;

import mmsim.mm.pgtable.Arm64Pgtable;
import mmsim.mm.pgtable.PgtableArch.Level;

/**
 * Building a kernel mapping of [phys, phys + size) at virt with the largest pages alignment
 * allows: arm64's __create_pgd_mapping (alloc_init_pud / alloc_init_cont_pmd / init_pmd /
 * alloc_init_cont_pte, with PUD and PMD blocks and the contiguous hint over 16 aligned entries)
 * and x86's kernel_physical_mapping_init (phys_pud_init / phys_pmd_init / phys_pte_init with
 * 1 GiB and 2 MiB pages). The arch differences are the {@link Style}.
 *
 * <p>Locking: arm64 takes no lock (its callers hold mem_hotplug_lock or run at boot); x86 takes
 * init_mm.page_table_lock around each leaf it sets and around each table it installs.
 */
public final class KernelMap {
    /** How an architecture builds the mapping. */
    public record Style(boolean pudBlocks, boolean contHint, boolean locked, String fnPrefix) {
        public static final Style ARM64 = new Style(true, true, false, "alloc_init");
        public static final Style X86 = new Style(true, false, true, "phys");
    }

    private static final long CONT_SPAN = 16;
    private final InitMm mm;
    private final Style style;

    public KernelMap(InitMm mm, Style style) {
        this.mm = mm;
        this.style = style;
    }

    /** The end of the contiguous chunk (16 entries of {@code span}) holding addr, or end. */
    private static long contEnd(long addr, long end, long span) {
        long size = span * CONT_SPAN;
        long n = (addr + size) & -size;
        return Long.compareUnsigned(n - 1, end - 1) < 0 ? n : end;
    }

    private static boolean aligned(long a, long b, long c, long size) { return ((a | b | c) & (size - 1)) == 0; }

    /** Maps [virt, virt + size) to phys with {@code prot}; {@code early}: tables from memblock. */
    public void map(long phys, long virt, long size, long prot, boolean early) {
        long end = virt + size;
        for (long addr = virt; addr != end; ) {
            long next = InitMm.addrEnd(addr, end, Level.PGD);
            long pud = mm.lowerTable(mm.pgd, Level.PGD.index(addr), Level.PGD, true, early, !style.locked, style.fnPrefix + "_pud");
            level(pud, Level.PUD, addr, next, phys, prot, early);
            phys += next - addr;
            addr = next;
        }
    }

    private void level(long table, Level level, long addr, long end, long phys, long prot, boolean early) {
        long span = 1L << level.shift;
        boolean cont = style.contHint && level != Level.PUD;
        while (addr != end) {
            // alloc_init_cont_pmd / alloc_init_cont_pte: a chunk of 16 entries gets the contiguous
            // hint when the whole chunk is mapped, virtually and physically aligned
            long cnext = cont ? contEnd(addr, end, span) : end;
            long cprot = cont && aligned(addr, cnext, phys, span * CONT_SPAN) ? prot | Arm64Pgtable.PTE_CONT : prot;
            for (; addr != cnext; ) {
                long next = InitMm.addrEnd(addr, cnext, level);
                int idx = level.index(addr);
                if (level == Level.PTE || (level == Level.PMD || style.pudBlocks) && aligned(addr, next, phys, span)) {
                    if (style.locked) mm.pageTableLock.lock();
                    mm.write(table, idx, mm.mmu().mkLeaf(phys >>> 12, cprot, level), setName(level));
                    if (style.locked) mm.pageTableLock.unlock();
                } else {
                    long lower = mm.lowerTable(table, idx, level, true, early, !style.locked, style.fnPrefix + "_" + level.next().name().toLowerCase());
                    level(lower, level.next(), addr, next, phys, prot, early);
                }
                phys += next - addr;
                addr = next;
            }
        }
    }

    private static String setName(Level l) {
        return switch (l) {
            case PUD -> "set_pud";
            case PMD -> "set_pmd";
            default -> "set_pte";
        };
    }
}
