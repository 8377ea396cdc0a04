package mmsim.mm.khugepaged;

import java.util.ArrayList;
import java.util.List;

import mmsim.kernel.Kernel;
import mmsim.kernel.sync.SpinLock;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.linux.MmCore;
import mmsim.mm.memory.Memory;
import mmsim.mm.rmap.Rmap;
import mmsim.mm.swap.Swap;
import mmsim.mm.swap.SwapState;
import mmsim.mm.vmscan.Vmscan;
import mmsim.mm.linux.VmArea;
import mmsim.mm.linux.VmEvent;
import mmsim.mm.huge_memory.HugeMemory;
import mmsim.mm.pgtable.PageTableStore;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.linux.VmFlags;

/**
 * khugepaged (mm/khugepaged.c): scans the mms registered by khugepaged_enter_vma and collapses
 * each PMD range whose PTEs pass hpage_collapse_scan_pmd into one THP (collapse_huge_page).
 *
 * <p>Locking of collapse_huge_page, in its order (the rule the seed-003 races are about):
 * <pre>
 * mmap_lock (write)            excludes faults, munmap, fork, madvise on this mm
 *   anon_vma->rwsem (write)    excludes rmap walkers: reclaim's try_to_unmap, migration, page_referenced
 *     pmd lock                 around pmdp_collapse_flush ("probably unnecessary", still in v6.12)
 *     [tlb_remove_table_sync_one: an IPI every CPU must answer, v6.1+ where tables are RCU-freed]
 *     pte lock of the DETACHED table: __collapse_huge_page_isolate
 *   (anon_vma unlocked)        "all pages are isolated and locked so anon_vma rmap can't run anymore"
 *   copy: per PTE release_pte_page (unlock + putback), then under the pte lock pte_clear + page_remove_rmap
 *   pmd lock: rmap of the THP, deposit of the old table, set_pmd_at
 * </pre>
 * GUP-fast takes none of these: what keeps it out is the TLB flush of pmdp_collapse_flush on
 * architectures whose flush is an IPI that waits for IRQ-disabled CPUs (x86 native, powerpc
 * radix's serialize_against_pte_lookup before v6.0), and since v6.0 its own PMD re-check and
 * since v6.1 tlb_remove_table_sync_one.
 *
 * <p>Variant switches are declared here (constants below); the eras are combinations of them.
 */
public final class Khugepaged {
    /** Before 2ba99c5e0881 (v6.1): no tlb_remove_table_sync_one() after pmdp_collapse_flush. */
    public static final String NO_TABLE_SYNC = "collapse-no-table-sync";
    /** Kirill's suggestion (Mar 2020): release_pte_page() inside the pte-lock section, before page_remove_rmap. */
    public static final String RELEASE_UNDER_PTL = "collapse-release-under-ptl";
    /** Yang Shi's v1 patch: no putback; after page_remove_rmap unlock, drop the isolation reference, free. */
    public static final String YANG_V1 = "collapse-yang-v1";
    /** Yang Shi's question: no pmd_lock around pmdp_collapse_flush. */
    public static final String NO_PMD_LOCK = "collapse-no-pmd-lock";
    /** Counterfactual negative control: rmap walks reach the detached PTE table. */
    public static final String RMAP_SEES_DETACHED = "rmap-sees-detached-table";
    /** x86 under a hypervisor: the TLB flush is a hypercall; a preempted vCPU gets no IPI (with CONFIG_MMU_GATHER_RCU_TABLE_FREE). */
    public static final String TLB_FLUSH_PARAVIRT = "tlb-flush-paravirt";
    /** powerpc book3s64 radix before v6.0: pmdp_collapse_flush also IPIs mm_cpumask (serialize_against_pte_lookup). */
    public static final String PPC_RADIX_SERIALIZE = "ppc-radix-serialize";

    /**
     * Before v5.8 (Kirill Shutemov's series "khugepaged: allow to collapse PTE-mapped compound
     * pages" and "allow to collapse a page shared across fork"): a PTE mapping a page of a THP
     * stops the scan with SCAN_PAGE_COMPOUND ("TODO: teach khugepaged to collapse THP mapped with
     * pte"), there is no max_ptes_shared, and a page qualifies only with page_count == 1 +
     * PageSwapCache (a page shared across fork, or pinned, fails with SCAN_PAGE_COUNT).
     */
    public static final String NO_COMPOUND = "collapse-no-compound";

    /** Counterfactual (wave-2 facts, 2.7): collapse_huge_page without vma_start_write under CONFIG_PER_VMA_LOCK. */
    public static final String NO_VMA_START_WRITE = "collapse-no-vma-start-write";

    /** Every switch above, for Machine.knownOptions's list of known options. */
    public static final List<String> OPTIONS = List.of(NO_TABLE_SYNC, RELEASE_UNDER_PTL, YANG_V1, NO_PMD_LOCK,
            RMAP_SEES_DETACHED, TLB_FLUSH_PARAVIRT, PPC_RADIX_SERIALIZE, NO_COMPOUND,
            NO_VMA_START_WRITE);

    final MmCore um;
    final Kernel k;
    final MmPages pages;
    final PageTableStore store;
    final PgtableArch arch;
    final PgtableAlloc pgalloc;
    final Swap swap;
    final SwapState swapState;
    final Rmap rmap;
    final Memory memory;
    final Vmscan vmscan;
    final HugeMemory huge;
    public final KhugepagedSettings settings = new KhugepagedSettings();
    /** khugepaged_scan.mm_head: the registered mms, in registration order. */
    private final List<MmStruct> mmSlots = new ArrayList<>();
    /** The scan cursor (khugepaged_scan.mm_slot / .address). */
    private int cursorSlot;
    private long cursorAddress;
    /** The table khugepaged holds detached, for the counterfactual: (mm, haddr, table) or null. */
    private Detached detached;

    private record Detached(MmStruct mm, long haddr, long table) { }

    public Khugepaged(MmCore um, PgtableArch arch, PageTableStore store, PgtableAlloc pgalloc, Swap swap, SwapState swapState,
                      Rmap rmap, Memory memory, Vmscan vmscan, HugeMemory huge) {
        this.um = um;
        this.k = um.k;
        this.pages = um.pages;
        this.store = store;
        this.arch = arch;
        this.pgalloc = pgalloc;
        this.swap = swap;
        this.swapState = swapState;
        this.rmap = rmap;
        this.memory = memory;
        this.vmscan = vmscan;
        this.huge = huge;
        huge.setEnterVma(v -> enter(v.vmMm));
        if (um.config.has(RMAP_SEES_DETACHED)) {
            rmap.setDetachedTables((mm, addr) -> {
                Detached d = detached;
                if (d == null || d.mm != mm || (addr & PgtableArch.PMD_MASK) != d.haddr) return null;
                SpinLock ptl = store.ptl(d.table);
                ptl.lock();
                return new PgtableAlloc.PteLock(d.table, PgtableArch.pteIndex(addr), ptl);
            });
        }
    }

    /**
     * madvise_collapse() (MADV_COLLAPSE, v6.1): a synchronous collapse of every PMD range inside
     * [start, end), regardless of the sysfs "enabled" mode and of the max_ptes_* limits (the
     * caller asked for it). A range already PMD-mapped counts as done. Returns 0 when every range
     * is huge afterwards, else the errno of the last failure (madvise_collapse_errno): -ENOMEM
     * (no huge page), -EAGAIN (a transient reason: a page locked, pinned or off the LRU) or
     * -EINVAL. A failure outside mm/khugepaged.c's whitelist (a VMA that changed, a PTE limit)
     * ends the walk over the ranges.
     */
    public int madviseCollapse(MmStruct mm, long start, long end) {
        try (var f = k.enter("madvise_collapse")) {
            mm.mmapLock.downRead();
            VmArea vma = mm.vmaLookup(start);
            boolean ok = vma != null && vma.isAnonymous() && (vma.vmFlags & mmsim.mm.linux.VmFlags.VM_NOHUGEPAGE) == 0;
            mm.mmapLock.upRead();
            if (!ok) return mmsim.kernel.Errno.EINVAL.neg();
            swap.lruAddDrainAll();
            long hstart = (start + PgtableArch.PMD_SIZE - 1) & PgtableArch.PMD_MASK, hend = end & PgtableArch.PMD_MASK;
            long ranges = hend > hstart ? (hend - hstart) / PgtableArch.PMD_SIZE : 0;
            int thps = 0;
            ScanResult lastFail = ScanResult.SCAN_FAIL;
            for (long h = hstart; h < hend; h += PgtableArch.PMD_SIZE) {
                ScanResult r = scanPmd(mm, h, false);
                if (r == ScanResult.SCAN_SUCCEED || r == ScanResult.SCAN_PMD_MAPPED) {
                    thps++;
                    continue;
                }
                lastFail = r;
                if (!switch (r) { // the results after which the next range is still tried; any other ends the call
                    case SCAN_PMD_NULL, SCAN_PTE_NON_PRESENT, SCAN_PAGE_RO, SCAN_LACK_REFERENCED_PAGE, SCAN_PAGE_NULL,
                         SCAN_PAGE_COUNT, SCAN_PAGE_LOCK, SCAN_PAGE_COMPOUND, SCAN_PAGE_LRU, SCAN_DEL_PAGE_LRU -> true;
                    default -> false;
                }) break;
            }
            return thps == ranges ? 0 : madviseCollapseErrno(lastFail);
        }
    }

    /** madvise_collapse_errno(): what MADV_COLLAPSE tells the caller, so it can pick a fallback. */
    static int madviseCollapseErrno(ScanResult r) {
        return switch (r) {
            case SCAN_ALLOC_HUGE_PAGE_FAIL -> mmsim.kernel.Errno.ENOMEM.neg();
            case SCAN_EXCEED_NONE_PTE -> mmsim.kernel.Errno.EBUSY.neg();
            case SCAN_PAGE_COUNT, SCAN_PAGE_LOCK, SCAN_PAGE_LRU, SCAN_DEL_PAGE_LRU -> mmsim.kernel.Errno.EAGAIN.neg(); // try again
            default -> mmsim.kernel.Errno.EINVAL.neg();
        };
    }

    /** __khugepaged_enter(): registers mm once (MMF_VM_HUGEPAGE). */
    public void enter(MmStruct mm) {
        if (!mm.dead && !mmSlots.contains(mm)) mmSlots.add(mm);
    }

    /** The mms registered, for tests and /sys. */
    public List<MmStruct> mmSlots() { return List.copyOf(mmSlots); }

    // ---- the daemon's pass -------------------------------------------------------------------------

    /**
     * One pass of khugepaged_do_scan(): drains every CPU's LRU batch, then scans up to
     * pages_to_scan pages from the cursor on (khugepaged_scan_mm_slot), collapsing what
     * qualifies; a pass that reaches the end of the mm list counts a full scan. Returns the
     * number of THPs collapsed.
     */
    public int scanPass() {
        try (var f = k.enter("khugepaged_do_scan")) {
            swap.lruAddDrainAll();
            mmSlots.removeIf(mm -> mm.dead); // khugepaged_exit / collect_mm_slot
            int progress = 0, collapsed = 0;
            while (progress < settings.pagesToScan) {
                if (mmSlots.isEmpty()) break;
                if (cursorSlot >= mmSlots.size()) {
                    cursorSlot = 0;
                    cursorAddress = 0;
                    settings.fullScans++;
                    break;
                }
                MmStruct mm = mmSlots.get(cursorSlot);
                long next = nextRange(mm, cursorAddress);
                if (next < 0) {
                    cursorSlot++;
                    cursorAddress = 0;
                    if (cursorSlot >= mmSlots.size()) {
                        cursorSlot = 0;
                        settings.fullScans++;
                        break;
                    }
                    continue;
                }
                cursorAddress = next + PgtableArch.PMD_SIZE;
                progress += HugeMemory.HPAGE_PMD_NR;
                if (scanPmd(mm, next, true) == ScanResult.SCAN_SUCCEED) collapsed++;
            }
            return collapsed;
        }
    }

    /** The next aligned PMD range at or after {@code from} inside a VMA that allows THPs, or -1. */
    private long nextRange(MmStruct mm, long from) {
        mm.mmapLock.downRead();
        try {
            for (VmArea v : mm.vmaList()) {
                if (v.vmEnd <= from || !huge.vmaAllowsThp(v)) continue;
                long h = Math.max(from, (v.vmStart + PgtableArch.PMD_SIZE - 1) & PgtableArch.PMD_MASK);
                if (h + PgtableArch.PMD_SIZE <= v.vmEnd) return h;
            }
            return -1;
        } finally {
            mm.mmapLock.upRead();
        }
    }

    /**
     * hpage_collapse_scan_pmd() under mmap_lock (read), then collapse_huge_page() when the PTEs
     * qualify. {@code khugepaged}: the daemon's limits apply (MADV_COLLAPSE ignores max_ptes_*).
     */
    public ScanResult scanPmd(MmStruct mm, long haddr, boolean khugepaged) {
        try (var f = k.enter("hpage_collapse_scan_pmd")) {
            mm.mmapLock.downRead();
            VmArea vma = mm.vmaLookup(haddr);
            if (vma == null || !huge.vmaAllowsThp(vma) && khugepaged || !HugeMemory.suitable(vma, haddr)) {
                mm.mmapLock.upRead();
                return ScanResult.SCAN_VMA_CHECK;
            }
            PgtableAlloc.Loc pmd = pgalloc.pmdLoc(mm, haddr, false);
            long pmdval = pmd == null ? 0 : store.read(pmd.table(), pmd.idx(), "find_pmd_or_thp_or_none");
            if (!arch.isTableEntry(pmdval)) {
                mm.mmapLock.upRead();
                return arch.pmdTransHuge(pmdval) ? ScanResult.SCAN_PMD_MAPPED : ScanResult.SCAN_PMD_NULL;
            }
            PgtableAlloc.PteLock pte = pgalloc.pteOffsetMapLock(pmd, haddr);
            if (pte == null) {
                mm.mmapLock.upRead();
                return ScanResult.SCAN_PMD_NULL;
            }
            int noneOrZero = 0, unmapped = 0, shared = 0, referenced = 0;
            boolean writable = false;
            ScanResult result = ScanResult.SCAN_SUCCEED;
            for (int i = 0; i < HugeMemory.HPAGE_PMD_NR && result == ScanResult.SCAN_SUCCEED; i++) {
                long v = store.readLocked(pte.table(), i, "hpage_collapse_scan_pmd:ptep_get");
                if (arch.isSwapPte(v)) {
                    if (++unmapped > settings.maxPtesSwap && khugepaged) result = ScanResult.SCAN_EXCEED_SWAP_PTE;
                    continue;
                }
                if (arch.pteNone(v) || arch.ptePfn(v) == um.zeroPfn) {
                    if (++noneOrZero > settings.maxPtesNone && khugepaged) result = ScanResult.SCAN_EXCEED_NONE_PTE;
                    continue;
                }
                if (arch.pteWrite(v)) writable = true;
                long page = memory.vmNormalPage(v);
                if (page < 0) { result = ScanResult.SCAN_PAGE_NULL; break; }
                // a PTE-mapped THP is judged as its folio (v5.8+): each of its PTEs counts, the tests are the folio's
                long folio = pages.compoundHead(page);
                if (!has(NO_COMPOUND) && mappedShared(page, folio) && ++shared > settings.maxPtesShared && khugepaged) { result = ScanResult.SCAN_EXCEED_SHARED_PTE; break; }
                if (pages.compoundOrder(folio) > 0 && has(NO_COMPOUND)) { result = ScanResult.SCAN_PAGE_COMPOUND; break; }
                if (!pages.test(folio, PageFlag.LRU)) { result = ScanResult.SCAN_PAGE_LRU; break; }
                if (pages.test(folio, PageFlag.LOCKED)) { result = ScanResult.SCAN_PAGE_LOCK; break; }
                if (!um.pageAnon(folio)) { result = ScanResult.SCAN_PAGE_ANON; break; }
                if (!refcountSuitable(folio)) { result = ScanResult.SCAN_PAGE_COUNT; break; }
                if (arch.pteYoung(v) || pages.test(folio, PageFlag.REFERENCED)) referenced++;
            }
            pte.unlock();
            if (result == ScanResult.SCAN_SUCCEED) {
                if (!writable) result = ScanResult.SCAN_PAGE_RO;
                else if (khugepaged && (referenced == 0 || unmapped > 0 && referenced < HugeMemory.HPAGE_PMD_NR / 2)) result = ScanResult.SCAN_LACK_REFERENCED_PAGE;
            }
            if (result != ScanResult.SCAN_SUCCEED) {
                mm.mmapLock.upRead();
                return result;
            }
            return new Collapse(this, mm, haddr, unmapped, khugepaged).run(); // drops mmap_lock
        }
    }

    /**
     * is_refcount_suitable(folio) (v5.8+; "page_count != 1 + PageSwapCache" before): no reference
     * but the mappings' (folio_mapcount: a large folio's PMD and PTE mappings) and the swap
     * cache's (one per page).
     */
    boolean refcountSuitable(long folio) {
        if (has(NO_COMPOUND)) return pages.refcount(folio) == 1 + (pages.test(folio, PageFlag.OWNER_PRIV_1) ? 1 : 0); // v5.7 and before
        int order = pages.compoundOrder(folio);
        int mapcount = order == 0 ? um.pageMapcount(folio) : huge.folioMapcount(folio);
        int expected = mapcount + (pages.test(folio, PageFlag.OWNER_PRIV_1) ? 1 << order : 0);
        return pages.refcount(folio) == expected;
    }

    /**
     * The shared test of hpage_collapse_scan_pmd / __collapse_huge_page_isolate: a base page
     * mapped more than once; a large folio by folio_likely_mapped_shared (6.12).
     */
    boolean mappedShared(long page, long folio) {
        if (pages.compoundOrder(folio) == 0) return um.pageMapcount(page) > 1;
        return huge.folioLikelyMappedShared(folio);
    }

    /** Records the table collapse holds detached (for the counterfactual rmap only). */
    void setDetached(MmStruct mm, long haddr, long table) { detached = table < 0 ? null : new Detached(mm, haddr, table); }

    // ---- pmdp_collapse_flush per architecture -------------------------------------------------------

    /**
     * pmdp_collapse_flush(): clears the PMD and flushes the range's TLB entries, returning the old
     * PMD. Generic (mm/pgtable-generic.c): pmdp_huge_get_and_clear + flush_tlb_range, an IPI that
     * waits on x86 native, a broadcast TLBI on arm64 (tlb-flush-no-ipi), a hypercall under x86
     * paravirt that skips preempted vCPUs. powerpc radix before v6.0 also sends
     * serialize_against_pte_lookup's IPI to mm_cpumask and waits.
     */
    long pmdpCollapseFlush(VmArea vma, long haddr, PgtableAlloc.Loc pmd) {
        try (var f = k.enter("pmdp_collapse_flush")) {
            long old = store.getAndClear(pmd.table(), pmd.idx(), "pmdp_collapse_flush:pmdp_huge_get_and_clear");
            if (um.config.has(PPC_RADIX_SERIALIZE)) {
                try (var g = k.enter("serialize_against_pte_lookup")) {
                    k.smpCallFunctionMany(vma.vmMm.cpumask, () -> { }, true);
                }
            }
            if (um.config.has(TLB_FLUSH_PARAVIRT)) {
                try (var g = k.enter("kvm_flush_tlb_multi")) {
                    // the host flushes a preempted vCPU's TLB when it next runs it: nothing waits for it
                    k.point("kvm_flush_tlb_multi:hypercall", vma.vmMm, mmsim.kernel.Access.SYNC);
                }
            } else {
                um.flushTlbRange(vma, haddr, haddr + PgtableArch.PMD_SIZE);
            }
            return old;
        }
    }

    /** tlb_remove_table_sync_one() after the flush (v6.1, 2ba99c5e0881). */
    void tlbRemoveTableSyncOne() { pgalloc.tlbRemoveTableSyncOne(); }

    boolean has(String option) { return um.config.has(option); }

    /** The VMA test of hugepage_vma_revalidate(): still there, still THP-able, still covering the range. */
    VmArea revalidate(MmStruct mm, long haddr) {
        VmArea vma = mm.vmaLookup(haddr);
        if (vma == null || !HugeMemory.suitable(vma, haddr) || (vma.vmFlags & VmFlags.VM_NOHUGEPAGE) != 0 || !vma.isAnonymous()) return null;
        return vma;
    }

    void collapsed() {
        settings.pagesCollapsed++;
    }
}
