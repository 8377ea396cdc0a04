package mmsim.mm.pgtable;

import mmsim.mm.linux.SwapEntry;

import java.util.StringJoiner;

/**
 * x86_64 4 KiB page-table entries (arch/x86/include/asm/pgtable_types.h, pgtable.h,
 * pgtable_64.h, pgtable-invert.h), as of ~v6.1 (before the v6.6 shadow-stack SavedDirty bit).
 *
 * <pre>
 *  63 62..59 58 57..52 51                    12 11  10  9   8  7   6  5  4   3   2  1  0
 * +--+------+--------+------------------------+---+---+---+--+---+--+--+---+---+--+--+--+
 * |NX| PKEY |  SW    |   physical frame (pfn) |SW3|SW2|SW1|G |PSE|D |A |PCD|PWT|U |RW|P |
 * +--+------+--------+------------------------+---+---+---+--+---+--+--+---+---+--+--+--+
 *   SW1 (9)  _PAGE_SPECIAL          SW3 (11) _PAGE_SOFT_DIRTY
 *   bit 7    PSE in a PMD/PUD (huge), PAT in a PTE
 *   bit 8    GLOBAL when present, _PAGE_PROTNONE when not present
 * </pre>
 * A PROT_NONE entry (present to Linux, not to the MMU) stores its pfn inverted (L1TF
 * mitigation, __pte_needs_invert), and so does a swap entry:
 * <pre>
 *  63     59 58                                     9  8  7  6 5 4   3  2  1  0
 * +---------+----------------------------------------+--+--+--+-+-+---+--+--+--+
 * |  TYPE   |           ~OFFSET (inverted)           |0 |0 |x |x|x| E |F |SD|0 |
 * +---------+----------------------------------------+--+--+--+-+-+---+--+--+--+
 *   E (3) _PAGE_SWP_EXCLUSIVE   F (2) _PAGE_SWP_UFFD_WP   SD (1) _PAGE_SWP_SOFT_DIRTY
 * </pre>
 * An upper-level entry pointing at a table is the table's pfn | _PAGE_TABLE (0x67:
 * P RW U A D), as pmd_populate writes it for user tables.
 */
public final class X86Pgtable extends PgtableArch {
    static final X86Pgtable INSTANCE = new X86Pgtable();

    private X86Pgtable() {
        super(PAGE_NONE, PAGE_READONLY, PAGE_READONLY_EXEC, PAGE_SHARED, PAGE_SHARED_EXEC);
    }

    public static final long _PAGE_PRESENT = 1L << 0;
    public static final long _PAGE_RW = 1L << 1;
    public static final long _PAGE_USER = 1L << 2;
    public static final long _PAGE_PWT = 1L << 3;
    public static final long _PAGE_PCD = 1L << 4;
    public static final long _PAGE_ACCESSED = 1L << 5;
    public static final long _PAGE_DIRTY = 1L << 6;
    public static final long _PAGE_PSE = 1L << 7;
    public static final long _PAGE_PAT = 1L << 7;
    public static final long _PAGE_GLOBAL = 1L << 8;
    public static final long _PAGE_PROTNONE = _PAGE_GLOBAL;
    public static final long _PAGE_SPECIAL = 1L << 9;
    public static final long _PAGE_UFFD_WP = 1L << 10;
    public static final long _PAGE_SOFT_DIRTY = 1L << 11;
    public static final long _PAGE_NX = 1L << 63;

    public static final long _PAGE_SWP_SOFT_DIRTY = _PAGE_RW;
    public static final long _PAGE_SWP_UFFD_WP = _PAGE_USER;
    public static final long _PAGE_SWP_EXCLUSIVE = _PAGE_PWT;

    /** __PHYSICAL_MASK_SHIFT = 52: the pfn lives in bits 12..51. */
    public static final long PTE_PFN_MASK = ((1L << 52) - 1) & PAGE_MASK;

    public static final long _PAGE_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;

    /** protection_map rows (arch/x86/mm/pgprot.c): private writable maps read-only, for COW. */
    public static final long PAGE_NONE = _PAGE_PROTNONE | _PAGE_ACCESSED;
    public static final long PAGE_READONLY = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX;
    public static final long PAGE_READONLY_EXEC = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
    public static final long PAGE_COPY = PAGE_READONLY;
    public static final long PAGE_COPY_EXEC = PAGE_READONLY_EXEC;
    public static final long PAGE_SHARED = PAGE_READONLY | _PAGE_RW;
    public static final long PAGE_SHARED_EXEC = PAGE_READONLY_EXEC | _PAGE_RW;

    private static final int SWP_TYPE_BITS = 5;
    private static final int SWP_OFFSET_FIRST_BIT = 9;
    private static final int SWP_OFFSET_SHIFT = SWP_OFFSET_FIRST_BIT + SWP_TYPE_BITS;

    @Override public String name() { return "x86_64"; }
    @Override public long taskSize() { return (1L << 47) - PAGE_SIZE; }

    /** __pte_needs_invert(): a non-zero entry without _PAGE_PRESENT keeps its pfn inverted. */
    private static boolean needsInvert(long val) {
        return val != 0 && (val & _PAGE_PRESENT) == 0;
    }

    @Override
    public long pfnPte(long pfn, long prot) {
        long pa = (pfn << PAGE_SHIFT) & PTE_PFN_MASK;
        if (needsInvert(prot)) pa = ~pa & PTE_PFN_MASK;
        return pa | prot;
    }

    @Override
    public long ptePfn(long pte) {
        long v = pte;
        if (needsInvert(v)) v = ~v;
        return (v & PTE_PFN_MASK) >>> PAGE_SHIFT;
    }

    @Override public boolean ptePresent(long pte) { return (pte & (_PAGE_PRESENT | _PAGE_PROTNONE)) != 0; }
    @Override public boolean pteWrite(long pte) { return (pte & _PAGE_RW) != 0; }
    @Override public boolean pteDirty(long pte) { return (pte & _PAGE_DIRTY) != 0; }
    @Override public boolean pteYoung(long pte) { return (pte & _PAGE_ACCESSED) != 0; }
    @Override public boolean pteSpecial(long pte) { return (pte & _PAGE_SPECIAL) != 0; }
    @Override public boolean pteSoftDirty(long pte) { return (pte & _PAGE_SOFT_DIRTY) != 0; }
    @Override public long pteMkwrite(long pte) { return pte | _PAGE_RW; }
    @Override public long pteWrprotect(long pte) { return pte & ~_PAGE_RW; }
    @Override public long pteMkdirty(long pte) { return pte | _PAGE_DIRTY | _PAGE_SOFT_DIRTY; }
    @Override public long pteMkclean(long pte) { return pte & ~_PAGE_DIRTY; }
    @Override public long pteMkyoung(long pte) { return pte | _PAGE_ACCESSED; }
    @Override public long pteMkold(long pte) { return pte & ~_PAGE_ACCESSED; }
    @Override public long pteMkspecial(long pte) { return pte | _PAGE_SPECIAL; }

    @Override
    public long swpEntryToPte(long entry) {
        long type = SwapEntry.swpType(entry), offset = SwapEntry.swpOffset(entry);
        return ((~offset << SWP_OFFSET_SHIFT) >>> SWP_TYPE_BITS) | (type << (64 - SWP_TYPE_BITS));
    }

    @Override
    public long pteToSwpEntry(long pte) {
        // the exclusive/uffd/soft-dirty bits live below bit 9 and are dropped here, as pte_to_swp_entry does
        long type = pte >>> (64 - SWP_TYPE_BITS);
        long offset = (~pte << SWP_TYPE_BITS) >>> SWP_OFFSET_SHIFT;
        return SwapEntry.swpEntry((int) type, offset);
    }

    @Override public boolean pteSwpExclusive(long pte) { return (pte & _PAGE_SWP_EXCLUSIVE) != 0; }
    @Override public long pteSwpMkexclusive(long pte) { return pte | _PAGE_SWP_EXCLUSIVE; }

    @Override public long mkTableEntry(long tablePfn) { return ((tablePfn << PAGE_SHIFT) & PTE_PFN_MASK) | _PAGE_TABLE; }
    @Override public long tableEntryPfn(long entry) { return (entry & PTE_PFN_MASK) >>> PAGE_SHIFT; }

    @Override
    public boolean isTableEntry(long entry) {
        return (entry & _PAGE_PRESENT) != 0 && (entry & _PAGE_PSE) == 0;
    }

    @Override
    public long pfnPmdHuge(long pfn, long prot) {
        return pfnPte(pfn, prot) | _PAGE_PSE;
    }

    @Override
    public boolean pmdTransHuge(long pmd) {
        return (pmd & _PAGE_PSE) != 0 && pmdPresent(pmd);
    }

    /** pmd_present(): P, or PROTNONE, or PSE (a PMD under split is kept present with P cleared). */
    @Override
    public boolean pmdPresent(long pmd) {
        return (pmd & (_PAGE_PRESENT | _PAGE_PROTNONE | _PAGE_PSE)) != 0;
    }

    @Override
    public String flagNames(long e, boolean leaf) {
        StringJoiner j = new StringJoiner(" ");
        if ((e & _PAGE_PRESENT) != 0) j.add("P");
        else if ((e & _PAGE_PROTNONE) != 0) j.add("PROTNONE");
        if ((e & _PAGE_RW) != 0) j.add("RW");
        if ((e & _PAGE_USER) != 0) j.add("U");
        if ((e & _PAGE_PWT) != 0) j.add("PWT");
        if ((e & _PAGE_PCD) != 0) j.add("PCD");
        if ((e & _PAGE_ACCESSED) != 0) j.add("A");
        if ((e & _PAGE_DIRTY) != 0) j.add("D");
        if ((e & _PAGE_PSE) != 0) j.add(leaf ? "PAT" : "PSE");
        if ((e & _PAGE_GLOBAL) != 0 && (e & _PAGE_PRESENT) != 0) j.add("G");
        if ((e & _PAGE_SPECIAL) != 0) j.add("SPECIAL");
        if ((e & _PAGE_SOFT_DIRTY) != 0) j.add("SD");
        if ((e & _PAGE_NX) != 0) j.add("NX");
        return j.toString();
    }
}
