package mmsim.mm.pgtable;

import mmsim.mm.linux.SwapEntry;

import java.util.StringJoiner;

/**
 * arm64 4 KiB-granule, 48-bit VA page-table entries (arch/arm64/include/asm/pgtable-hwdef.h,
 * pgtable-prot.h, pgtable.h), as of ~v6.1 (PTE_PROT_NONE at bit 58; v6.10 moved it onto nG).
 *
 * <pre>
 *  63..59 58  57  56  55  54  53  52  51  50 49  47                 12 11 10  9  8  7  6  5 4..2 1 0
 * +------+---+---+---+---+---+---+---+---+--+-----+------------------+--+--+----+--+--+--+----+-+-+
 * | ign  |PN |DM |SP |DI |UXN|PXN|CON|DBM|GP| res |  output address  |nG|AF| SH |AP|AP|NS|ATTR|T|V|
 * |      |   |   |   |   |   |   |   |   |  |     |   (pfn, PA 47:12)|  |  |    |2 |1 |  |IDX |  | |
 * +------+---+---+---+---+---+---+---+---+--+-----+------------------+--+--+----+--+--+--+----+-+-+
 *  V(0) PTE_VALID   T(1) table/page bit (1 = page at level 3, table above; 0 = block/section)
 *  AP[1](6) PTE_USER   AP[2](7) PTE_RDONLY   SH(9:8) = 3 inner shareable   AF(10) access flag
 *  software: DBM(51) = PTE_WRITE, DI(55) PTE_DIRTY, SP(56) PTE_SPECIAL, DM(57) PTE_DEVMAP,
 *            PN(58) PTE_PROT_NONE (only when !V)
 * </pre>
 * Dirty is two-fold: hardware dirty is "writable and not read-only" (DBM), software dirty is
 * PTE_DIRTY; pte_wrprotect() moves the former into the latter.
 * <p>Swap PTEs (V = 0, PN = 0):
 * <pre>
 *  63   58 57                                        8 7    3   2   1 0
 * +-------+-------------------------------------------+------+---+---+-+
 * |   0   |                 offset                    | type | E | 0 |0|
 * +-------+-------------------------------------------+------+---+---+-+
 * </pre>
 * A table descriptor is the table's physical address | PMD_TYPE_TABLE (3) | PMD_TABLE_PXN (59),
 * as pmd_populate writes user tables; a block (huge PMD) has bits 1:0 = 01 (PMD_TYPE_SECT).
 */
public final class Arm64Pgtable extends PgtableArch {
    static final Arm64Pgtable INSTANCE = new Arm64Pgtable();

    private Arm64Pgtable() {
        super(PAGE_NONE, PAGE_READONLY, PAGE_READONLY_EXEC, PAGE_SHARED, PAGE_SHARED_EXEC);
    }

    public static final long PTE_VALID = 1L << 0;
    public static final long PTE_TABLE_BIT = 1L << 1;
    public static final long PTE_TYPE_PAGE = 3L;
    public static final long PTE_USER = 1L << 6;
    public static final long PTE_RDONLY = 1L << 7;
    public static final long PTE_SHARED = 3L << 8;
    public static final long PTE_AF = 1L << 10;
    public static final long PTE_NG = 1L << 11;
    public static final long PTE_DBM = 1L << 51;
    public static final long PTE_CONT = 1L << 52;
    public static final long PTE_PXN = 1L << 53;
    public static final long PTE_UXN = 1L << 54;
    public static final long PTE_WRITE = PTE_DBM;
    public static final long PTE_DIRTY = 1L << 55;
    public static final long PTE_SPECIAL = 1L << 56;
    public static final long PTE_DEVMAP = 1L << 57;
    public static final long PTE_PROT_NONE = 1L << 58;
    public static final long PTE_SWP_EXCLUSIVE = 1L << 2;
    /** Bits 47:12 hold the output address with 48-bit physical addresses. */
    public static final long PTE_ADDR_MASK = ((1L << 48) - 1) & PAGE_MASK;

    public static final long PMD_TYPE_TABLE = 3L;
    public static final long PMD_TYPE_SECT = 1L;
    public static final long PMD_TABLE_PXN = 1L << 59;

    private static final long PAGE_DEFAULT = PTE_TYPE_PAGE | PTE_AF | PTE_SHARED;
    public static final long PAGE_NONE = (PAGE_DEFAULT & ~PTE_VALID) | PTE_PROT_NONE | PTE_RDONLY | PTE_NG | PTE_PXN | PTE_UXN;
    public static final long PAGE_READONLY = PAGE_DEFAULT | PTE_USER | PTE_RDONLY | PTE_NG | PTE_PXN | PTE_UXN;
    public static final long PAGE_READONLY_EXEC = PAGE_DEFAULT | PTE_USER | PTE_RDONLY | PTE_NG | PTE_PXN;
    public static final long PAGE_SHARED = PAGE_DEFAULT | PTE_USER | PTE_RDONLY | PTE_NG | PTE_PXN | PTE_UXN | PTE_WRITE;
    public static final long PAGE_SHARED_EXEC = PAGE_DEFAULT | PTE_USER | PTE_RDONLY | PTE_NG | PTE_PXN | PTE_WRITE;

    private static final int SWP_TYPE_SHIFT = 3;
    private static final int SWP_TYPE_BITS = 5;
    private static final int SWP_OFFSET_SHIFT = SWP_TYPE_SHIFT + SWP_TYPE_BITS;
    private static final long SWP_OFFSET_MASK = (1L << 50) - 1;

    @Override public String name() { return "arm64"; }
    @Override public long taskSize() { return 1L << 48; }

    @Override public long pfnPte(long pfn, long prot) { return ((pfn << PAGE_SHIFT) & PTE_ADDR_MASK) | prot; }
    @Override public long ptePfn(long pte) { return (pte & PTE_ADDR_MASK) >>> PAGE_SHIFT; }
    @Override public boolean ptePresent(long pte) { return (pte & (PTE_VALID | PTE_PROT_NONE)) != 0; }
    @Override public boolean pteWrite(long pte) { return (pte & PTE_WRITE) != 0; }

    private static boolean hwDirty(long pte) { return (pte & PTE_WRITE) != 0 && (pte & PTE_RDONLY) == 0; }

    @Override public boolean pteDirty(long pte) { return hwDirty(pte) || (pte & PTE_DIRTY) != 0; }
    @Override public boolean pteYoung(long pte) { return (pte & PTE_AF) != 0; }
    @Override public boolean pteSpecial(long pte) { return (pte & PTE_SPECIAL) != 0; }
    /** arm64 has no soft-dirty tracking (no CONFIG_HAVE_ARCH_SOFT_DIRTY). */
    @Override public boolean pteSoftDirty(long pte) { return false; }

    @Override
    public long pteMkwrite(long pte) {
        pte |= PTE_WRITE;
        if ((pte & PTE_DIRTY) != 0) pte &= ~PTE_RDONLY;
        return pte;
    }

    @Override
    public long pteWrprotect(long pte) {
        if (hwDirty(pte)) pte |= PTE_DIRTY;
        return (pte & ~PTE_WRITE) | PTE_RDONLY;
    }

    @Override
    public long pteMkdirty(long pte) {
        pte |= PTE_DIRTY;
        if ((pte & PTE_WRITE) != 0) pte &= ~PTE_RDONLY;
        return pte;
    }

    @Override public long pteMkclean(long pte) { return (pte & ~PTE_DIRTY) | PTE_RDONLY; }
    @Override public long pteMkyoung(long pte) { return pte | PTE_AF; }
    @Override public long pteMkold(long pte) { return pte & ~PTE_AF; }
    @Override public long pteMkspecial(long pte) { return pte | PTE_SPECIAL; }

    @Override
    public long swpEntryToPte(long entry) {
        long type = SwapEntry.swpType(entry), offset = SwapEntry.swpOffset(entry) & SWP_OFFSET_MASK;
        return (type << SWP_TYPE_SHIFT) | (offset << SWP_OFFSET_SHIFT);
    }

    @Override
    public long pteToSwpEntry(long pte) {
        int type = (int) ((pte >>> SWP_TYPE_SHIFT) & ((1 << SWP_TYPE_BITS) - 1));
        return SwapEntry.swpEntry(type, (pte >>> SWP_OFFSET_SHIFT) & SWP_OFFSET_MASK);
    }

    @Override public boolean pteSwpExclusive(long pte) { return (pte & PTE_SWP_EXCLUSIVE) != 0; }
    @Override public long pteSwpMkexclusive(long pte) { return pte | PTE_SWP_EXCLUSIVE; }

    @Override
    public long mkTableEntry(long tablePfn) {
        return ((tablePfn << PAGE_SHIFT) & PTE_ADDR_MASK) | PMD_TYPE_TABLE | PMD_TABLE_PXN;
    }

    @Override public long tableEntryPfn(long entry) { return (entry & PTE_ADDR_MASK) >>> PAGE_SHIFT; }

    @Override
    public boolean isTableEntry(long entry) {
        return (entry & 3L) == PMD_TYPE_TABLE;
    }

    @Override
    public long pfnPmdHuge(long pfn, long prot) {
        // pmd_mkhuge(): clear the table bit, making bits 1:0 = 01 (a block descriptor)
        return pfnPte(pfn, prot) & ~PTE_TABLE_BIT;
    }

    @Override
    public boolean pmdTransHuge(long pmd) {
        return pmd != 0 && pmdPresent(pmd) && (pmd & PTE_TABLE_BIT) == 0;
    }

    @Override public boolean pmdPresent(long pmd) { return ptePresent(pmd); }

    @Override
    public String flagNames(long e, boolean leaf) {
        StringJoiner j = new StringJoiner(" ");
        if ((e & PTE_VALID) != 0) j.add("V");
        else if ((e & PTE_PROT_NONE) != 0) j.add("PROT_NONE");
        j.add((e & PTE_TABLE_BIT) != 0 ? (leaf ? "PAGE" : "TABLE") : "BLK");
        if ((e & PTE_USER) != 0) j.add("USER");
        j.add((e & PTE_RDONLY) != 0 ? "ro" : "RW");
        if ((e & PTE_AF) != 0) j.add("AF");
        if ((e & PTE_NG) != 0) j.add("nG");
        if ((e & PTE_WRITE) != 0) j.add("DBM");
        if ((e & PTE_DIRTY) != 0) j.add("DIRTY");
        if ((e & PTE_SPECIAL) != 0) j.add("SPECIAL");
        if ((e & PTE_PXN) != 0) j.add("PXN");
        if ((e & PTE_UXN) != 0) j.add("UXN");
        return j.toString();
    }
}
