package mmsim.mm.gup;

import mmsim.mm.linux.VmFault;
import mmsim.mm.linux.MmCore;

import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.linux.VmArea;
import mmsim.mm.huge_memory.HugeMemory;
import mmsim.mm.memory.Memory;
import mmsim.mm.pgtable.PageTableStore;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.linux.VmFlags;

/**
 * get_user_pages and get_user_pages_fast (mm/gup.c): take references on the pages backing
 * user addresses.
 *
 * <p>Locking (the order: the mm lock tree in the {@code mmsim.mm} package-info): the slow path
 * holds mmap_lock for read and the PTE lock while it grabs each page, faulting
 * in what is missing (a write request breaks COW first).
 *
 * <p>GUP-fast takes no lock at all. It walks the page tables with IRQs disabled: on x86 a page
 * table is freed only after a TLB-flush IPI, and that IPI cannot be handled by a CPU with IRQs
 * off, so the tables it walks stay allocated until it re-enables IRQs. After grabbing a page
 * it re-reads the PTE and, since v6.0 (70cbc3cc78a9, "mm: gup: fix the fast GUP race against
 * THP collapse"), the PMD, dropping the page if either changed. Era v4.6 does not re-check the
 * PMD. The walk reads entries through {@link PageTableStore}, so a table freed under it is
 * reported as the use-after-free it would be.
 */
public final class Gup {
    /** Switch: skip the v6.0 PMD re-check in GUP-fast even on mainline (to explore seed 003's race). */
    public static final String GUP_FAST_NO_PMD_RECHECK = "gup-fast-no-pmd-recheck";
    /** The variant switches of this file, collected at boot into the options a scenario may name. */
    public static final java.util.List<String> OPTIONS = java.util.List.of(GUP_FAST_NO_PMD_RECHECK);

    private final MmCore um;
    private final PgtableAlloc pgalloc;
    private final Memory memory;
    private final HugeMemory hugeMemory;
    private final Kernel k;
    private final MmPages pages;
    private final PageTableStore store;
    private final PgtableArch arch;
    private final java.util.TreeMap<Long, Integer> pins = new java.util.TreeMap<>();

    public Gup(MmCore um, PgtableArch arch, PageTableStore store, PgtableAlloc pgalloc, Memory memory, HugeMemory hugeMemory) {
        this.hugeMemory = hugeMemory;
        this.um = um;
        this.arch = arch;
        this.store = store;
        this.pgalloc = pgalloc;
        this.memory = memory;
        this.k = um.k;
        this.pages = um.pages;
    }

    private boolean pmdRecheck() {
        return um.config.era() != KernelConfig.Era.V4_6 && !um.config.has(GUP_FAST_NO_PMD_RECHECK);
    }

    /**
     * get_user_pages_fast(start, nrPages, write, pages): the lockless walk, then the slow path for
     * the rest. Returns the number of pages pinned (their pfns in {@code out}), or -errno when none.
     */
    public int getUserPagesFast(MmStruct mm, long start, int nrPages, boolean write, long[] out) {
        try (var f = k.enter("get_user_pages_fast")) {
            mm.cpumask |= 1L << k.smpProcessorId();
            int nr;
            long flags = k.localIrqSave();
            try {
                nr = gupFast(mm, start & PgtableArch.PAGE_MASK, nrPages, write, out);
            } finally {
                k.localIrqRestore(flags);
            }
            if (nr < nrPages) {
                mm.mmapLock.downRead();
                try {
                    int more = getUserPagesLocked(mm, start + (long) nr * PgtableArch.PAGE_SIZE, nrPages - nr, write, out, nr);
                    if (more < 0 && nr == 0) return more;
                    if (more > 0) nr += more;
                } finally {
                    mm.mmapLock.upRead();
                }
            }
            for (int i = 0; i < nr; i++) pins.merge(out[i], 1, Integer::sum);
            return nr;
        }
    }

    /** gup_fast_pgd_range ... gup_fast_pte_range: stops at the first page it cannot take. Caller has IRQs off. */
    private int gupFast(MmStruct mm, long start, int nrPages, boolean write, long[] out) {
        try (var f = k.enter("gup_fast")) {
            int nr = 0;
            for (long addr = start; nr < nrPages; addr += PgtableArch.PAGE_SIZE) {
                long pgd = store.read(mm.pgd, PgtableArch.pgdIndex(addr), "gup_fast_pgd_range:READ_ONCE(*pgdp)");
                if (!arch.isTableEntry(pgd)) break;
                long pud = store.read(arch.tableEntryPfn(pgd), PgtableArch.pudIndex(addr), "gup_fast_pud_range:READ_ONCE(*pudp)");
                if (!arch.isTableEntry(pud)) break;
                long pmdTable = arch.tableEntryPfn(pud);
                int pmdIdx = PgtableArch.pmdIndex(addr);
                long pmd = store.read(pmdTable, pmdIdx, "gup_fast_pmd_range:pmdp_get_lockless");
                if (arch.pmdTransHuge(pmd)) {
                    if (write && !arch.pmdWrite(pmd)) break;
                    long page = arch.pmdPfn(pmd) + PgtableArch.pteIndex(addr);
                    if (!pages.getPageUnlessZero(page)) break;
                    if (store.read(pmdTable, pmdIdx, "gup_fast_pmd_leaf:recheck") != pmd) { um.putPage(page); break; }
                    out[nr++] = page;
                    continue;
                }
                if (!arch.isTableEntry(pmd)) break;
                long pteTable = arch.tableEntryPfn(pmd);
                int pteIdx = PgtableArch.pteIndex(addr);
                long pte = store.read(pteTable, pteIdx, "gup_fast_pte_range:ptep_get_lockless");
                if (!arch.ptePresent(pte) || arch.pteSpecial(pte)) break;
                if (write && !arch.pteWrite(pte)) break;
                long page = arch.ptePfn(pte);
                if (!pages.getPageUnlessZero(page)) break; // try_grab_folio_fast
                boolean changed = pmdRecheck() && store.read(pmdTable, pmdIdx, "gup_fast_pte_range:pmd recheck") != pmd;
                if (changed || store.read(pteTable, pteIdx, "gup_fast_pte_range:pte recheck") != pte) {
                    um.putPage(page);
                    break;
                }
                out[nr++] = page;
            }
            return nr;
        }
    }

    /** get_user_pages() with mmap_lock held for read by the caller. */
    public int getUserPagesLocked(MmStruct mm, long start, int nrPages, boolean write, long[] out, int outOffset) {
        try (var f = k.enter("__get_user_pages")) {
            int nr = 0;
            for (long addr = start & PgtableArch.PAGE_MASK; nr < nrPages; addr += PgtableArch.PAGE_SIZE) {
                VmArea vma = mm.vmaLookup(addr);
                if (vma == null || (write && (vma.vmFlags & VmFlags.VM_WRITE) == 0)) return nr > 0 ? nr : Errno.EFAULT.neg();
                long page = -1;
                for (int tries = 0; tries < 8 && page < 0; tries++) {
                    page = followPage(vma, addr, write);
                    if (page >= 0) break;
                    int r = memory.handleMmFault(vma, addr, write ? VmFault.FAULT_FLAG_WRITE : 0);
                    if ((r & VmFault.VM_FAULT_OOM) != 0) return nr > 0 ? nr : Errno.ENOMEM.neg();
                    if ((r & (VmFault.VM_FAULT_SIGBUS | VmFault.VM_FAULT_HWPOISON | VmFault.VM_FAULT_SIGSEGV)) != 0) {
                        return nr > 0 ? nr : Errno.EFAULT.neg();
                    }
                }
                if (page < 0) return nr > 0 ? nr : Errno.EFAULT.neg();
                out[outOffset + nr++] = page;
            }
            return nr;
        }
    }

    /** follow_page_pte(): the page at addr with a reference, under the PTE lock; -1 if a fault is needed. */
    private long followPage(VmArea vma, long addr, boolean write) {
        try (var f = k.enter("follow_page_pte")) {
            PgtableAlloc.Loc pmd = pgalloc.pmdLoc(vma.vmMm, addr, false);
            if (pmd == null) return -1;
            long huge = hugeMemory.followHugePmd(pmd, addr, write); // follow_pmd_mask: a huge PMD
            if (huge != -2) return huge;
            PgtableAlloc.PteLock pte = pgalloc.pteOffsetMapLock(pmd, addr);
            if (pte == null) return -1;
            try {
                long v = store.read(pte.table(), pte.idx(), "follow_page_pte:ptep_get");
                if (!arch.ptePresent(v) || write && !arch.pteWrite(v)) return -1;
                long page = memory.vmNormalPage(v);
                if (page < 0) {
                    if (write) return -1;
                    page = arch.ptePfn(v); // the zero page: FOLL_GET takes a reference on it too
                }
                um.getPage(page);
                return page;
            } finally {
                pte.unlock();
            }
        }
    }

    /** put_page() for a page GUP returned (unpin_user_page for FOLL_PIN users). */
    public void putUserPage(long pfn) {
        handOver(pfn);
        um.putPage(pfn);
    }

    /**
     * The caller passes a reference get_user_pages_fast returned to code that drops it its own way
     * (memory_failure with MF_COUNT_INCREASED): the ledger forgets it.
     */
    public void handOver(long pfn) {
        pins.computeIfPresent(pfn, (p, n) -> n == 1 ? null : n - 1);
    }

    /**
     * References get_user_pages_fast handed out and not yet put, by pfn: the model's ledger for
     * the whole-model check (the kernel keeps none for FOLL_GET; FOLL_PIN's bias is not modelled).
     */
    public java.util.SortedMap<Long, Integer> pins() { return java.util.Collections.unmodifiableSortedMap(pins); }
}
