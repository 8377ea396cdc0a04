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
import mmsim.mm.migrate.Migrate;
import mmsim.mm.swap.Swap;
import mmsim.mm.vmscan.Vmscan;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.NodeStat;

/**
 * get_user_pages, get_user_pages_fast and pin_user_pages_fast (mm/gup.c): take references on
 * the pages backing user addresses. FOLL_GET takes a plain reference; FOLL_PIN (a DMA pin) adds
 * GUP_PIN_COUNTING_BIAS to a small folio's refcount, or one reference and one _pincount to a large
 * one, so folio_maybe_dma_pinned() can tell. A pinned anonymous page must be and stay
 * PageAnonExclusive: a read-only pin of a shared one unshares it first (gup_must_unshare, then a
 * FAULT_FLAG_UNSHARE fault), and sanity_check_pinned_pages (CONFIG_DEBUG_VM) checks it after
 * GUP-fast and at unpin. The zero page is never pinned (no reference, nothing to unpin).
 *
 * <p>Locking (the order: the mm lock tree in the {@code mmsim.mm} package-info): the slow path
 * holds mmap_lock for read and the PTE lock while it grabs each page, faulting
 * in what is missing (a write request breaks COW first). A FOLL_PIN GUP-fast reads
 * mm->write_protect_seq before its walk and gives up (unpinning what it took) if fork's
 * copy_page_range wrote it meanwhile (57efa1fe5957, v5.11): fork write-protects the parent's
 * anonymous pages while that count is odd and must not share a page GUP-fast pins under it
 * (drop-lock=mm->write_protect_seq is the code before that commit).
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

    /** The FOLL_ flags (include/linux/mm_types.h) that the paths here tell apart; values are the model's own. */
    static final int FOLL_WRITE = 1, FOLL_GET = 2, FOLL_PIN = 4, FOLL_LONGTERM = 8;

    private final MmCore um;
    private final PgtableAlloc pgalloc;
    private final Memory memory;
    private final HugeMemory hugeMemory;
    private final Migrate migrate;
    private final Vmscan vmscan;
    private final Swap swap;
    private final Kernel k;
    private final MmPages pages;
    private final PageTableStore store;
    private final PgtableArch arch;
    /** The model's ledgers of what GUP handed out and was not yet put or unpinned, by pfn (the kernel keeps none). */
    private final java.util.TreeMap<Long, Integer> gets = new java.util.TreeMap<>(), pins = new java.util.TreeMap<>();

    public Gup(MmCore um, PgtableArch arch, PageTableStore store, PgtableAlloc pgalloc, Memory memory, HugeMemory hugeMemory,
               Migrate migrate, Vmscan vmscan, Swap swap) {
        this.hugeMemory = hugeMemory;
        this.migrate = migrate;
        this.vmscan = vmscan;
        this.swap = swap;
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
     * the rest. Returns the number of pages taken (their pfns in {@code out}), or -errno when none.
     */
    public int getUserPagesFast(MmStruct mm, long start, int nrPages, boolean write, long[] out) {
        try (var f = k.enter("get_user_pages_fast")) {
            return gupFastFallback(mm, start, nrPages, FOLL_GET | (write ? FOLL_WRITE : 0), out);
        }
    }

    /**
     * pin_user_pages_fast(start, nrPages, (write ? FOLL_WRITE : 0) | (longterm ? FOLL_LONGTERM : 0),
     * pages): as get_user_pages_fast, with FOLL_PIN. A long-term pin (RDMA, vfio) never leaves a
     * page in ZONE_MOVABLE or CMA, which must stay migratable: such pages are migrated out first
     * (check_and_migrate_movable_folios), so a movable memory block can still be offlined.
     */
    public int pinUserPagesFast(MmStruct mm, long start, int nrPages, boolean write, boolean longterm, long[] out) {
        try (var f = k.enter("pin_user_pages_fast")) {
            return gupFastFallback(mm, start, nrPages, FOLL_PIN | (write ? FOLL_WRITE : 0) | (longterm ? FOLL_LONGTERM : 0), out);
        }
    }

    /** gup_fast_fallback(). */
    private int gupFastFallback(MmStruct mm, long start, int nrPages, int gupFlags, long[] out) {
        try (var f = k.enter("gup_fast_fallback")) {
            return gupFastFallbackLocked(mm, start, nrPages, gupFlags, out);
        }
    }

    private int gupFastFallbackLocked(MmStruct mm, long start, int nrPages, int gupFlags, long[] out) {
        mm.cpumask |= 1L << k.smpProcessorId();
        if ((gupFlags & FOLL_PIN) != 0 && !mm.hasPinned) {
            k.point("mm_set_has_pinned_flag", mm, mmsim.kernel.Access.WRITE);
            mm.hasPinned = true;
        }
        int nr = gupFast(mm, start & PgtableArch.PAGE_MASK, nrPages, gupFlags, out);
        if (nr < nrPages) {
            int more = gupLongtermLocked(mm, start + (long) nr * PgtableArch.PAGE_SIZE, nrPages - nr, gupFlags, out, nr);
            if (more < 0 && nr == 0) return more;
            if (more > 0) nr += more;
        }
        var ledger = (gupFlags & FOLL_PIN) != 0 ? pins : gets;
        for (int i = 0; i < nr; i++) if ((gupFlags & FOLL_GET) != 0 || out[i] != um.zeroPfn) ledger.merge(out[i], 1, Integer::sum);
        return nr;
    }

    /** gup_fast(): the walk with IRQs off; a FOLL_PIN walk fails whole if fork write-protected the mm meanwhile. */
    private int gupFast(MmStruct mm, long start, int nrPages, int gupFlags, long[] out) {
        try (var f = k.enter("gup_fast")) {
            return gupFastLocked(mm, start, nrPages, gupFlags, out);
        }
    }

    private int gupFastLocked(MmStruct mm, long start, int nrPages, int gupFlags, long[] out) {
        boolean pin = (gupFlags & FOLL_PIN) != 0;
        long seq = 0;
        if (pin) {
            seq = mm.writeProtectSeq.rawRead();
            if ((seq & 1) != 0) return 0;
        }
        int nr;
        long flags = k.localIrqSave();
        try {
            nr = gupFastPgdRange(mm, start, nrPages, gupFlags, out);
        } finally {
            k.localIrqRestore(flags);
        }
        if (!pin) return nr;
        if (mm.writeProtectSeq.readRetry(seq)) {
            for (int i = 0; i < nr; i++) gupPutFolio(out[i], gupFlags); // gup_fast_unpin_user_pages
            return 0;
        }
        sanityCheckPinnedPages(out, 0, nr);
        return nr;
    }

    /** gup_fast_pgd_range ... gup_fast_pte_range: stops at the first page it cannot take. Caller has IRQs off. */
    private int gupFastPgdRange(MmStruct mm, long start, int nrPages, int gupFlags, long[] out) {
        try (var f = k.enter("gup_fast_pgd_range")) {
            boolean write = (gupFlags & FOLL_WRITE) != 0;
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
                    // gup_fast_pmd_leaf()
                    if (write && !arch.pmdWrite(pmd)) break;
                    long page = arch.pmdPfn(pmd) + PgtableArch.pteIndex(addr);
                    if (!tryGrabFolioFast(page, gupFlags)) break;
                    if (store.read(pmdTable, pmdIdx, "gup_fast_pmd_leaf:recheck") != pmd) { gupPutFolio(page, gupFlags); break; }
                    if (!arch.pmdWrite(pmd) && gupMustUnshare(page, gupFlags)) { gupPutFolio(page, gupFlags); break; }
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
                if (!tryGrabFolioFast(page, gupFlags)) break;
                boolean changed = pmdRecheck() && store.read(pmdTable, pmdIdx, "gup_fast_pte_range:pmd recheck") != pmd;
                if (changed || store.read(pteTable, pteIdx, "gup_fast_pte_range:pte recheck") != pte) {
                    gupPutFolio(page, gupFlags);
                    break;
                }
                if (!arch.pteWrite(pte) && gupMustUnshare(page, gupFlags)) {
                    gupPutFolio(page, gupFlags);
                    break;
                }
                out[nr++] = page;
            }
            return nr;
        }
    }

    /**
     * try_grab_folio_fast(): FOLL_GET is try_get_folio; FOLL_PIN takes that reference too, then
     * (a second atomic) the rest of the bias on a small folio or one _pincount on a large one.
     * The zero page is returned without a pin.
     */
    private boolean tryGrabFolioFast(long page, int gupFlags) {
        if ((gupFlags & FOLL_PIN) != 0 && page == um.zeroPfn) return true;
        if (!pages.getPageUnlessZero(page)) return false;
        if ((gupFlags & FOLL_LONGTERM) != 0 && !pages.longtermPinnable(pages.compoundHead(page))) {
            um.putPage(page);   // the slow path migrates it out of ZONE_MOVABLE first
            return false;
        }
        if ((gupFlags & FOLL_PIN) != 0) {
            long head = pages.compoundHead(page);
            if (pages.compoundOrder(head) > 0) pages.pincountAdd(head, 1);
            else pages.refAdd(head, MmCore.GUP_PIN_COUNTING_BIAS - 1);
            pages.modNodeStat(head, NodeStat.NR_FOLL_PIN_ACQUIRED, 1);
        }
        return true;
    }

    /** try_grab_folio(): the slow path's grab, under the PTE (or PMD) lock: one atomic add. */
    private void tryGrabFolio(long page, int gupFlags) {
        if ((gupFlags & FOLL_PIN) == 0) {
            um.getPage(page);
            return;
        }
        if (page == um.zeroPfn) return;
        long head = pages.compoundHead(page);
        if (pages.compoundOrder(head) > 0) {
            pages.refAdd(head, 1);
            pages.pincountAdd(head, 1);
        } else {
            pages.refAdd(head, MmCore.GUP_PIN_COUNTING_BIAS);
        }
        pages.modNodeStat(head, NodeStat.NR_FOLL_PIN_ACQUIRED, 1);
    }

    /** gup_put_folio(): drops what try_grab_folio(_fast) took. */
    private void gupPutFolio(long page, int gupFlags) {
        if ((gupFlags & FOLL_PIN) == 0) {
            um.putPage(page);
            return;
        }
        if (page == um.zeroPfn) return;
        long head = pages.compoundHead(page);
        pages.modNodeStat(head, NodeStat.NR_FOLL_PIN_RELEASED, 1);
        if (pages.compoundOrder(head) > 0) {
            pages.pincountAdd(head, -1);
            um.putPage(head);
        } else {
            um.putPageRefs(head, MmCore.GUP_PIN_COUNTING_BIAS);
        }
    }

    /**
     * gup_must_unshare() (mm/internal.h): a read-only FOLL_PIN of an anonymous page that is not
     * exclusive to this mm must unshare it first, or the pin could end up on a page the process
     * no longer maps after its next write (COW). File pages only matter to FOLL_LONGTERM (not modelled).
     */
    private boolean gupMustUnshare(long page, int gupFlags) {
        if ((gupFlags & (FOLL_WRITE | FOLL_PIN)) != FOLL_PIN) return false;
        if (page == um.zeroPfn || !um.pageAnon(page)) return false;
        return !pages.test(page, PageFlag.OWNER_2); // PageAnonExclusive, read after the pin (smp_rmb)
    }

    /**
     * sanity_check_pinned_pages() (CONFIG_DEBUG_VM): every pinned anonymous page is exclusive to
     * the mm that pinned it (for a THP the head or the page itself, as PMD- or PTE-mapped).
     */
    private void sanityCheckPinnedPages(long[] out, int from, int to) {
        try (var f = k.enter("sanity_check_pinned_pages")) {
            for (int i = from; i < to; i++) {
                long page = out[i];
                if (page == um.zeroPfn || !um.pageAnon(page)) continue;
                long head = pages.compoundHead(page);
                if (pages.compoundOrder(head) == 0) {
                    if (!um.pageAnonExclusive(head)) throw k.bug("mm/gup.c", 66, pages.dumpPage(page, "VM_BUG_ON_PAGE(!PageAnonExclusive(&folio->page))"));
                } else if (!um.pageAnonExclusive(head) && !um.pageAnonExclusive(page)) {
                    throw k.bug("mm/gup.c", 69, pages.dumpPage(page, "VM_BUG_ON_PAGE(!PageAnonExclusive(&folio->page) && !PageAnonExclusive(page))"));
                }
            }
        }
    }

    /**
     * __gup_longterm_locked(): the slow path under mmap_lock for read. A FOLL_LONGTERM pin runs
     * it in a memalloc_pin_save() scope (what it faults in avoids ZONE_MOVABLE), then checks
     * what it pinned and, while some of it is not long-term pinnable, unpins everything,
     * migrates those folios and pins again.
     */
    private int gupLongtermLocked(MmStruct mm, long start, int nrPages, int gupFlags, long[] out, int off) {
        try (var f = k.enter("__gup_longterm_locked")) {
            Kernel.Cpu cpu = k.cpu();
            int saved = cpu.taskFlags;
            if ((gupFlags & FOLL_LONGTERM) != 0) cpu.taskFlags |= Kernel.PF_MEMALLOC_PIN; // memalloc_pin_save()
            try {
                while (true) {
                    int nr;
                    mm.mmapLock.downRead();
                    try {
                        nr = getUserPagesLocked(mm, start, nrPages, gupFlags, out, off);
                    } finally {
                        mm.mmapLock.upRead();
                    }
                    if (nr <= 0 || (gupFlags & FOLL_LONGTERM) == 0) return nr;
                    int rc = checkAndMigrateMovableFolios(out, off, nr);
                    if (rc != Errno.EAGAIN.neg()) return rc == 0 ? nr : rc;
                }
            } finally {
                cpu.taskFlags = saved; // memalloc_pin_restore()
            }
        }
    }

    /**
     * check_and_migrate_movable_folios(): 0 when every pinned folio may stay pinned; otherwise
     * every pin is dropped, the unpinnable folios are isolated (draining the LRU batches that may
     * hold them) and migrated with MR_LONGTERM_PIN to pages this scope allocates outside
     * ZONE_MOVABLE, and -EAGAIN asks for the pinning again (-ENOMEM if a migration failed).
     */
    private int checkAndMigrateMovableFolios(long[] out, int off, int nr) {
        try (var f = k.enter("check_and_migrate_movable_folios")) {
            java.util.List<Long> movable = new java.util.ArrayList<>();
            boolean collected = false;
            int drained = 0;
            for (int i = off; i < off + nr; i++) {
                long folio = pages.compoundHead(out[i]);
                if (folio == um.zeroPfn || pages.longtermPinnable(folio)) continue;
                collected = true;
                if (movable.contains(folio)) continue;
                // collect_longterm_unpinnable_folios(): a folio still in a per-CPU LRU batch is not on the LRU yet
                if (drained == 0 && !pages.test(folio, PageFlag.LRU)) { swap.lruAddDrain(); drained = 1; }
                if (drained == 1 && !pages.test(folio, PageFlag.LRU)) { swap.lruAddDrainAll(); drained = 2; }
                if (vmscan.isolateLruPage(folio) == 0) movable.add(folio);
            }
            if (!collected) return 0;
            for (int i = off; i < off + nr; i++) gupPutFolio(out[i], FOLL_PIN); // unpin_folio
            if (!movable.isEmpty()) {
                int failed = migrate.migratePages(movable, src -> pages.allocPage(false), Migrate.MigrateMode.SYNC, Migrate.MigrateReason.LONGTERM_PIN);
                if (failed != 0) {
                    migrate.putbackMovablePages(movable);
                    return Errno.ENOMEM.neg();
                }
            }
            migrate.putbackMovablePages(movable);
            return Errno.EAGAIN.neg();
        }
    }

    /** get_user_pages() with mmap_lock held for read by the caller (__get_user_pages). */
    public int getUserPagesLocked(MmStruct mm, long start, int nrPages, boolean write, long[] out, int outOffset) {
        return getUserPagesLocked(mm, start, nrPages, FOLL_GET | (write ? FOLL_WRITE : 0), out, outOffset);
    }

    private int getUserPagesLocked(MmStruct mm, long start, int nrPages, int gupFlags, long[] out, int outOffset) {
        try (var f = k.enter("__get_user_pages")) {
            mm.mmapAssertLocked();
            boolean write = (gupFlags & FOLL_WRITE) != 0;
            int nr = 0;
            for (long addr = start & PgtableArch.PAGE_MASK; nr < nrPages; addr += PgtableArch.PAGE_SIZE) {
                VmArea vma = mm.vmaLookup(addr);
                if (vma == null || (write && (vma.vmFlags & VmFlags.VM_WRITE) == 0)) return nr > 0 ? nr : Errno.EFAULT.neg();
                long page = FOLLOW_FAULT;
                for (int tries = 0; tries < 8 && page < 0; tries++) {
                    page = followPage(vma, addr, gupFlags);
                    if (page >= 0) break;
                    // faultin_page(): a write, or an unshare of an anonymous page for a read-only pin
                    int r = memory.handleMmFault(vma, addr, write ? VmFault.FAULT_FLAG_WRITE : page == FOLLOW_UNSHARE ? VmFault.FAULT_FLAG_UNSHARE : 0);
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

    /** followPage's answers other than a page: fault it in; unshare it (follow_page_pte's -EMLINK). */
    private static final long FOLLOW_FAULT = -1, FOLLOW_UNSHARE = -2;

    /** follow_page_pte(): the page at addr, grabbed under the PTE lock; or what fault it needs first. */
    private long followPage(VmArea vma, long addr, int gupFlags) {
        try (var f = k.enter("follow_page_pte")) {
            boolean write = (gupFlags & FOLL_WRITE) != 0;
            PgtableAlloc.Loc pmd = pgalloc.pmdLoc(vma.vmMm, addr, false);
            if (pmd == null) return FOLLOW_FAULT;
            // follow_pmd_mask: a huge PMD, grabbed under the PMD lock
            long huge = hugeMemory.followHugePmd(pmd, addr, write, (page, writable) -> {
                if (!writable && gupMustUnshare(page, gupFlags)) return FOLLOW_UNSHARE;
                tryGrabFolio(page, gupFlags);
                return page;
            });
            if (huge != HugeMemory.NOT_HUGE) return huge < 0 ? (huge == FOLLOW_UNSHARE ? FOLLOW_UNSHARE : FOLLOW_FAULT) : huge;
            PgtableAlloc.PteLock pte = pgalloc.pteOffsetMapLock(pmd, addr);
            if (pte == null) return FOLLOW_FAULT;
            try {
                long v = store.read(pte.table(), pte.idx(), "follow_page_pte:ptep_get");
                if (!arch.ptePresent(v) || write && !arch.pteWrite(v)) return FOLLOW_FAULT;
                long page = memory.vmNormalPage(v);
                if (page < 0) {
                    if (write) return FOLLOW_FAULT;
                    page = arch.ptePfn(v); // the zero page: FOLL_GET takes a reference on it too
                }
                if (!arch.pteWrite(v) && gupMustUnshare(page, gupFlags)) return FOLLOW_UNSHARE;
                tryGrabFolio(page, gupFlags);
                return page;
            } finally {
                pte.unlock();
            }
        }
    }

    /** put_page() for a page get_user_pages(_fast) returned. */
    public void putUserPage(long pfn) {
        handOver(pfn);
        um.putPage(pfn);
    }

    /** unpin_user_page(): drops a FOLL_PIN pin (nothing for the zero page), checking the page is still exclusive. */
    public void unpinUserPage(long pfn) {
        try (var f = k.enter("unpin_user_page")) {
            sanityCheckPinnedPages(new long[] {pfn}, 0, 1);
            if (pfn != um.zeroPfn) pins.computeIfPresent(pfn, (p, n) -> n == 1 ? null : n - 1);
            gupPutFolio(pfn, FOLL_PIN);
        }
    }

    /**
     * The caller passes a reference get_user_pages_fast returned to code that drops it its own way
     * (memory_failure with MF_COUNT_INCREASED): the ledger forgets it.
     */
    public void handOver(long pfn) {
        gets.computeIfPresent(pfn, (p, n) -> n == 1 ? null : n - 1);
    }

    /** FOLL_GET references get_user_pages(_fast) handed out and not yet put, by pfn: for the whole-model check. */
    public java.util.SortedMap<Long, Integer> gets() { return java.util.Collections.unmodifiableSortedMap(gets); }

    /** FOLL_PIN pins pin_user_pages_fast handed out and not yet unpinned, by pfn (never the zero page). */
    public java.util.SortedMap<Long, Integer> pins() { return java.util.Collections.unmodifiableSortedMap(pins); }
}
