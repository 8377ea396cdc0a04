package mmsim.mm.pgtable;

import mmsim.mm.linux.SwapEntry;

import mmsim.mm.linux.VmFlags;

/**
 * Page-table entry encodings, one subclass per architecture (arch/x86/include/asm/pgtable*.h,
 * arch/arm64/include/asm/pgtable*.h, include/linux/pgtable.h for the generic names).
 *
 * <p>Both architectures are modelled with 4 KiB pages and 4 levels of 512 eight-byte entries,
 * P4D folded into the PGD (x86_64 without LA57, arm64 with VA_BITS=48):
 * <pre>
 *   63      48 47     39 38     30 29     21 20     12 11          0
 *  +----------+---------+---------+---------+---------+-------------+
 *  | sign ext | PGD idx | PUD idx | PMD idx | PTE idx | page offset |
 *  +----------+---------+---------+---------+---------+-------------+
 * </pre>
 * An entry is a plain {@code long} with the architecture's real bit layout; the subclasses draw
 * it. A PGD/PUD/PMD entry either points to the next table (its pfn in the address bits, as
 * {@code pmd_populate} writes it) or, for a PMD, maps a 2 MiB huge page ({@code pmd_mkhuge}).
 *
 * <p>Entries are values only: reading and writing them goes through {@link PageTableStore},
 * which owns the preemption points and the use-after-free detection.
 */
public abstract sealed class PgtableArch permits X86Pgtable, Arm64Pgtable {

    public static final int PAGE_SHIFT = 12;
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    public static final long PAGE_MASK = ~(PAGE_SIZE - 1);
    public static final int PMD_SHIFT = 21;
    public static final long PMD_SIZE = 1L << PMD_SHIFT;
    public static final long PMD_MASK = ~(PMD_SIZE - 1);
    public static final int PUD_SHIFT = 30;
    public static final int PGDIR_SHIFT = 39;
    public static final int PTRS_PER_TABLE = 512;
    /** HPAGE_PMD_NR: base pages in a PMD-mapped THP. */
    public static final int HPAGE_PMD_NR = 1 << (PMD_SHIFT - PAGE_SHIFT);
    /** TASK_SIZE for 47/48-bit user address spaces; x86_64 ends one page below 2^47. */
    public abstract long taskSize();

    /** The levels, top down; the P4D level is folded into the PGD on both models. */
    public enum Level {
        PGD(PGDIR_SHIFT), PUD(PUD_SHIFT), PMD(PMD_SHIFT), PTE(PAGE_SHIFT);

        public final int shift;

        Level(int shift) { this.shift = shift; }

        public int index(long addr) { return (int) ((addr >>> shift) & (PTRS_PER_TABLE - 1)); }

        /** The next level down; null for PTE. */
        public Level next() { return this == PTE ? null : values()[ordinal() + 1]; }
    }

    public static int pgdIndex(long addr) { return Level.PGD.index(addr); }
    public static int pudIndex(long addr) { return Level.PUD.index(addr); }
    public static int pmdIndex(long addr) { return Level.PMD.index(addr); }
    public static int pteIndex(long addr) { return Level.PTE.index(addr); }

    public static PgtableArch x86_64() { return X86Pgtable.INSTANCE; }
    public static PgtableArch arm64() { return Arm64Pgtable.INSTANCE; }

    public abstract String name();

    // ---- leaf PTEs ---------------------------------------------------------------------------

    /** pfn_pte(pfn, prot). */
    public abstract long pfnPte(long pfn, long prot);

    /** pte_pfn(pte); only meaningful for present entries. */
    public abstract long ptePfn(long pte);

    /** pte_none(): nothing mapped and no swap entry. */
    public boolean pteNone(long pte) { return pte == 0; }

    /** pte_present(): mapped, including PROT_NONE entries that keep their pfn. */
    public abstract boolean ptePresent(long pte);

    public abstract boolean pteWrite(long pte);
    public abstract boolean pteDirty(long pte);
    public abstract boolean pteYoung(long pte);
    public abstract boolean pteSpecial(long pte);
    public abstract boolean pteSoftDirty(long pte);

    public abstract long pteMkwrite(long pte);
    public abstract long pteWrprotect(long pte);
    public abstract long pteMkdirty(long pte);
    public abstract long pteMkclean(long pte);
    public abstract long pteMkyoung(long pte);
    public abstract long pteMkold(long pte);
    public abstract long pteMkspecial(long pte);

    /**
     * protection_map (mm/mmap.c, DECLARE_VM_GET_PAGE_PROT): the page protection for each
     * combination of VM_READ, VM_WRITE, VM_EXEC and VM_SHARED, built once per arch from its five
     * protections. A private writable mapping gets a read-only one: the first write faults and
     * copies (COW).
     */
    private final long[] protectionMap = new long[16];

    protected PgtableArch(long pageNone, long pageReadonly, long pageReadonlyExec, long pageShared, long pageSharedExec) {
        for (int f = 0; f < 16; f++) {
            boolean r = (f & VmFlags.VM_READ) != 0, w = (f & VmFlags.VM_WRITE) != 0;
            boolean x = (f & VmFlags.VM_EXEC) != 0, shared = (f & VmFlags.VM_SHARED) != 0;
            protectionMap[f] = !r && !w && !x ? pageNone
                    : w && shared ? (x ? pageSharedExec : pageShared)
                    : x ? pageReadonlyExec : pageReadonly;
        }
    }

    /** vm_get_page_prot(vm_flags): the protection_map row for VM_READ/WRITE/EXEC/SHARED. */
    public final long vmGetPageProt(long vmFlags) {
        return protectionMap[(int) (vmFlags & (VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_EXEC | VmFlags.VM_SHARED))];
    }

    // ---- swap PTEs (not present, not none) -------------------------------------------------------

    /** __swp_entry_to_pte(): an arch-independent {@link SwapEntry} value as a PTE. */
    public abstract long swpEntryToPte(long entry);

    /** __pte_to_swp_entry(). */
    public abstract long pteToSwpEntry(long pte);

    /** is_swap_pte(): neither none nor present. */
    public boolean isSwapPte(long pte) { return !pteNone(pte) && !ptePresent(pte); }

    /** pte_swp_exclusive(): the PageAnonExclusive bit carried by a swap PTE. */
    public abstract boolean pteSwpExclusive(long pte);

    public abstract long pteSwpMkexclusive(long pte);

    // ---- table entries (PGD/PUD/PMD pointing one level down) ----------------------------------

    /** pmd_populate()/pud_populate()/p4d_populate(): an entry pointing at the table page {@code tablePfn}. */
    public abstract long mkTableEntry(long tablePfn);

    /** The pfn of the table an entry points at (pmd_page_vaddr and friends, as a pfn). */
    public abstract long tableEntryPfn(long entry);

    /** True when an upper-level entry points at a next-level table (pmd_present && !pmd_leaf). */
    public abstract boolean isTableEntry(long entry);

    // ---- huge PMDs ------------------------------------------------------------------------------

    /** pmd_mkhuge(pfn_pmd(pfn, prot)): a PMD mapping 512 pages starting at the 2 MiB-aligned {@code pfn}. */
    public abstract long pfnPmdHuge(long pfn, long prot);

    /** pmd_trans_huge(): a present PMD that maps a huge page. */
    public abstract boolean pmdTransHuge(long pmd);

    /**
     * pmd_pfn() of a huge PMD. On both modelled arches a leaf PMD carries the pfn and the
     * permission, dirty and accessed bits where a PTE does (arm64 defines its pmd helpers
     * through pmd_pte(); x86's use the same _PAGE_* bits), so the PTE helpers serve.
     */
    public long pmdPfn(long pmd) { return ptePfn(pmd); }

    public boolean pmdNone(long pmd) { return pmd == 0; }

    /** pmd_present(): a table or a huge mapping (including one being split or protnone). */
    public abstract boolean pmdPresent(long pmd);

    public boolean pmdWrite(long pmd) { return pteWrite(pmd); }
    public boolean pmdDirty(long pmd) { return pteDirty(pmd); }
    public boolean pmdYoung(long pmd) { return pteYoung(pmd); }
    public long pmdMkwrite(long pmd) { return pteMkwrite(pmd); }
    public long pmdWrprotect(long pmd) { return pteWrprotect(pmd); }
    public long pmdMkdirty(long pmd) { return pteMkdirty(pmd); }
    public long pmdMkold(long pmd) { return pteMkold(pmd); }

    /**
     * The flag names set in an entry, for dumps and traces, e.g. {@code "P RW U A D NX"}. {@code leaf}
     * says whether the entry is a PTE (x86 bit 7 is PAT there, PSE in a PMD).
     */
    public abstract String flagNames(long entry, boolean leaf);

    /** One line describing an entry as a kernel developer reads it: raw value, flags, pfn or swap entry. */
    public String describe(long entry, Level level) {
        if (entry == 0) return String.format("%016x (none)", entry);
        boolean leaf = level == Level.PTE;
        if (leaf ? isSwapPte(entry) : !pmdPresent(entry)) {
            long e = pteToSwpEntry(entry);
            return String.format("%016x (%s)", entry, SwapEntry.describe(e));
        }
        long pfn;
        String kind;
        if (leaf) { pfn = ptePfn(entry); kind = "pfn"; }
        else if (level == Level.PMD && pmdTransHuge(entry)) { pfn = pmdPfn(entry); kind = "huge pfn"; }
        else { pfn = tableEntryPfn(entry); kind = "table pfn"; }
        return String.format("%016x (%s %s %#x)", entry, flagNames(entry, leaf), kind, pfn);
    }
}
