package mmsim.mm.init_mm;

import static mmsim.mm.pgtable.Arm64Pgtable.PTE_AF;
import static mmsim.mm.pgtable.Arm64Pgtable.PTE_CONT;
import static mmsim.mm.pgtable.Arm64Pgtable.PTE_PXN;
import static mmsim.mm.pgtable.Arm64Pgtable.PTE_RDONLY;
import static mmsim.mm.pgtable.Arm64Pgtable.PTE_SHARED;
import static mmsim.mm.pgtable.Arm64Pgtable.PTE_TABLE_BIT;
import static mmsim.mm.pgtable.Arm64Pgtable.PTE_UXN;
import static mmsim.mm.pgtable.Arm64Pgtable.PTE_VALID;
import static mmsim.mm.pgtable.Arm64Pgtable.PTE_WRITE;

import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.pgtable.PgtableArch.Level;

/**
 * arm64 kernel mappings (arch/arm64/include/asm/pgtable-prot.h, memory.h MT_* indices): the
 * protections the linear map, the image, vmemmap and ioremap use, and block/contiguous encodings.
 */
public final class Arm64Entries implements InitMm.KernelMmu {
    public static final int MT_NORMAL = 0, MT_NORMAL_TAGGED = 1, MT_NORMAL_NC = 2, MT_DEVICE_nGnRnE = 3, MT_DEVICE_nGnRE = 4;
    public static final long PTE_ATTRINDX_MASK = 7L << 2;
    public static final long PTE_GP = 1L << 50;
    /** CONT_PTES / CONT_PMDS with 4K pages: 16 entries per contiguous range (64 KiB, 32 MiB). */
    public static final int CONT_ENTRIES = 16;

    static long attrindx(int mt) { return (long) mt << 2; }

    private static final long PROT_DEFAULT = 3L | PTE_AF | PTE_SHARED;
    public static final long PAGE_KERNEL = PROT_DEFAULT | PTE_PXN | PTE_UXN | PTE_WRITE | attrindx(MT_NORMAL);
    public static final long PAGE_KERNEL_RO = (PAGE_KERNEL & ~PTE_WRITE) | PTE_RDONLY;
    public static final long PAGE_KERNEL_ROX = (PAGE_KERNEL & ~(PTE_WRITE | PTE_PXN)) | PTE_RDONLY;
    public static final long PAGE_KERNEL_EXEC = PAGE_KERNEL & ~PTE_PXN;
    public static final long PROT_DEVICE_nGnRE = PROT_DEFAULT | PTE_PXN | PTE_UXN | PTE_WRITE | attrindx(MT_DEVICE_nGnRE);

    @Override
    public long mkTable(long tablePfn, Level childLevel) { return PgtableArch.arm64().mkTableEntry(tablePfn); }

    @Override
    public boolean isBlock(long e, Level level) {
        return level != Level.PTE && level != Level.PGD && (e & PTE_VALID) != 0 && (e & PTE_TABLE_BIT) == 0;
    }

    @Override
    public long mkLeaf(long pfn, long prot, Level level) {
        long e = PgtableArch.arm64().pfnPte(pfn, prot);
        return level == Level.PTE ? e : e & ~PTE_TABLE_BIT;   // mk_pmd_sect_prot / mk_pud_sect_prot
    }

    /** The same entry with the contiguous hint (__pgprot(PTE_CONT)). */
    public static long cont(long e) { return e | PTE_CONT; }
}
