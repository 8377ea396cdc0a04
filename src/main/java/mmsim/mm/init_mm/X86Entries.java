package mmsim.mm.init_mm;

import static mmsim.mm.pgtable.X86Pgtable.*;

import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.pgtable.PgtableArch.Level;

/**
 * x86_64 kernel mappings (arch/x86/include/asm/pgtable_types.h): PAGE_KERNEL, the large-page
 * variant for 2 MiB / 1 GiB direct-map pages, the image's RX/RO pages, ioremap's UC- pages and
 * _KERNPG_TABLE for kernel table entries (no _PAGE_USER).
 */
public final class X86Entries implements InitMm.KernelMmu {
    public static final long PAGE_KERNEL = _PAGE_PRESENT | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED | _PAGE_GLOBAL | _PAGE_NX;
    public static final long PAGE_KERNEL_RO = PAGE_KERNEL & ~_PAGE_RW;
    public static final long PAGE_KERNEL_RX = PAGE_KERNEL & ~(_PAGE_RW | _PAGE_NX);
    /** ioremap(): _PAGE_CACHE_MODE_UC_MINUS is PCD. */
    public static final long PAGE_KERNEL_IO_UC_MINUS = PAGE_KERNEL | _PAGE_PCD;
    public static final long KERNPG_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;

    @Override
    public long mkTable(long tablePfn, Level childLevel) { return (tablePfn << PgtableArch.PAGE_SHIFT) | KERNPG_TABLE; }

    @Override
    public boolean isBlock(long e, Level level) {
        return (level == Level.PUD || level == Level.PMD) && (e & _PAGE_PRESENT) != 0 && (e & _PAGE_PSE) != 0;
    }

    @Override
    public long mkLeaf(long pfn, long prot, Level level) {
        long e = ((pfn << PgtableArch.PAGE_SHIFT) & PTE_PFN_MASK) | prot;
        return level == Level.PTE ? e : e | _PAGE_PSE;
    }
}
