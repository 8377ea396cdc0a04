package mmsim.mm.huge_memory;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.kernel.sync.SpinLock;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.linux.MmCore;
import mmsim.mm.rmap.Rmap;
import mmsim.mm.swap.Swap;
import mmsim.mm.linux.VmArea;
import mmsim.mm.linux.VmEvent;
import mmsim.mm.pgtable.PageTableStore;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.linux.VmFlags;

import static mmsim.mm.linux.VmFault.*;

/**
 * Anonymous transparent huge pages mapped by a PMD (mm/huge_memory.c): the huge fault
 * (do_huge_pmd_anonymous_page, the huge zero page on a read fault), the write fault on a huge
 * PMD (do_huge_pmd_wp_page: reuse or split and fall back), zap_huge_pmd, copy_huge_pmd for fork,
 * __split_huge_pmd, follow_huge_pmd for slow GUP, and the PMD-level rmap of a folio
 * (folio_add_new_anon_rmap / folio_remove_rmap_pmd / folio_dup_anon_rmap_pmd). Splitting the
 * folio itself (split_huge_page, the deferred split queue) is {@link SplitHugePage}.
 *
 * <p>The mapcounts are kept as v6.12 keeps them: a PMD mapping counts in the folio's
 * {@code _entire_mapcount} (-1 based, in the first tail), a PTE mapping of one subpage in that
 * subpage's own {@code _mapcount}; every mapping, PMD or PTE, holds one reference on the folio
 * (the head's refcount). A PMD mapping of an anonymous THP keeps a PTE table deposited
 * (pgtable_trans_huge_deposit) so that a later split never has to allocate.
 *
 * <p>Locking (mm/huge_memory.c): a huge PMD is set, changed and cleared only under the PMD
 * table's split lock (pmd_lock); faults hold mmap_lock for read, fork and munmap for write.
 * Deposit and withdraw hold the pmd lock (assert_spin_locked in pgtable-generic.c).
 */
public final class HugeMemory {
    /** HPAGE_PMD_ORDER. */
    public static final int HPAGE_PMD_ORDER = PgtableArch.PMD_SHIFT - PgtableArch.PAGE_SHIFT;
    public static final int HPAGE_PMD_NR = PgtableArch.HPAGE_PMD_NR;

    private final MmCore um;
    private final PgtableAlloc pgalloc;
    private final Swap swap;
    private final Rmap rmap;
    private final Kernel k;
    private final MmPages pages;
    private final PageTableStore store;
    private final PgtableArch arch;
    /** The /sys/kernel/mm/transparent_hugepage settings. */
    public final ThpSettings settings = new ThpSettings();
    /** pmd_huge_pte(): PTE tables deposited under each PMD table, newest first (a list in the kernel). */
    private final Map<Long, ArrayDeque<Long>> deposited = new HashMap<>();
    /** The huge zero folio's head (huge_zero_folio), allocated on first use and kept. */
    private long hugeZeroPfn = -1;
    /** khugepaged_enter_vma(): told when a VMA may hold THPs (khugepaged registers the mm). */
    private java.util.function.Consumer<VmArea> enterVma = v -> { };

    public HugeMemory(MmCore um, PgtableArch arch, PageTableStore store, PgtableAlloc pgalloc, Swap swap, Rmap rmap) {
        this.um = um;
        this.k = um.k;
        this.pages = um.pages;
        this.store = store;
        this.arch = arch;
        this.pgalloc = pgalloc;
        this.swap = swap;
        this.rmap = rmap;
    }

    public void setEnterVma(java.util.function.Consumer<VmArea> c) { this.enterVma = c; }

    /** khugepaged_enter_vma(vma, vm_flags). */
    public void khugepagedEnterVma(VmArea vma) { if (vmaAllowsThp(vma)) enterVma.accept(vma); }

    // ---- policy ---------------------------------------------------------------------------------

    /**
     * thp_vma_allowable_order(vma, vm_flags, PMD_ORDER) for anonymous memory: not VM_NOHUGEPAGE,
     * and THP enabled "always", or "madvise" with VM_HUGEPAGE.
     */
    public boolean vmaAllowsThp(VmArea vma) {
        if (!vma.isAnonymous() || (vma.vmFlags & VmFlags.VM_NOHUGEPAGE) != 0) return false;
        return settings.enabled == ThpSettings.Enabled.ALWAYS
                || settings.enabled == ThpSettings.Enabled.MADVISE && (vma.vmFlags & VmFlags.VM_HUGEPAGE) != 0;
    }

    /** thp_vma_suitable_order(): the aligned 2 MiB around addr lies inside the VMA. */
    public static boolean suitable(VmArea vma, long addr) {
        long haddr = addr & PgtableArch.PMD_MASK;
        return haddr >= vma.vmStart && haddr + PgtableArch.PMD_SIZE <= vma.vmEnd;
    }

    /** is_huge_zero_pmd(). */
    public boolean isHugeZeroPmd(long pmd) { return hugeZeroPfn >= 0 && arch.pmdTransHuge(pmd) && arch.pmdPfn(pmd) == hugeZeroPfn; }

    /** The huge zero folio's head pfn, or -1 before the first use. */
    public long hugeZeroPfn() { return hugeZeroPfn; }

    /** mm_get_huge_zero_folio(): allocated once (get_huge_zero_page), never freed in the model. */
    private long hugeZeroFolio() {
        if (hugeZeroPfn < 0) {
            long p = pages.allocCompound(HPAGE_PMD_ORDER);
            if (p < 0) return -1;
            hugeZeroPfn = p;
            um.count(VmEvent.THP_ZERO_PAGE_ALLOC);
        }
        return hugeZeroPfn;
    }

    // ---- deposit / withdraw (mm/pgtable-generic.c) ---------------------------------------------

    /** pgtable_trans_huge_deposit(): keeps {@code pgtable} for a later split of this huge PMD. Caller holds the pmd lock. */
    public void deposit(PgtableAlloc.Loc pmd, long pgtable) {
        pgalloc.pmdLockptr(pmd).assertHeld();
        deposited.computeIfAbsent(pmd.table(), t -> new ArrayDeque<>()).push(pgtable);
    }

    /** pgtable_trans_huge_withdraw(). Caller holds the pmd lock. */
    public long withdraw(PgtableAlloc.Loc pmd) {
        pgalloc.pmdLockptr(pmd).assertHeld();
        ArrayDeque<Long> q = deposited.get(pmd.table());
        if (q == null || q.isEmpty()) throw k.bug("mm/pgtable-generic.c", 0, "pgtable_trans_huge_withdraw: nothing deposited under PMD table " + Long.toHexString(pmd.table()));
        long t = q.pop();
        if (q.isEmpty()) deposited.remove(pmd.table());
        return t;
    }

    /** The PTE tables deposited under a PMD table (for the whole-model check). */
    public List<Long> depositedUnder(long pmdTable) {
        ArrayDeque<Long> q = deposited.get(pmdTable);
        return q == null ? List.of() : List.copyOf(q);
    }

    /** zap_deposited_table(): withdraw and free the deposited table (pte_free, mm_dec_nr_ptes). Caller holds the pmd lock. */
    private void zapDepositedTable(MmStruct mm, PgtableAlloc.Loc pmd) {
        pgalloc.freeTable(withdraw(pmd), mm);
    }

    // ---- PMD-level rmap (mm/rmap.c) --------------------------------------------------------------

    /** folio_add_new_anon_rmap(folio, vma, haddr) at PMD level: the folio's first and only mapping. Caller holds the pmd lock. */
    public void addNewAnonRmapPmd(long head, VmArea vma, long haddr) {
        k.lockdep().assertHeldClass(k, PageTableStore.PMD_PTL_CLASS); // the pmd lock
        try (var f = k.enter("folio_add_new_anon_rmap")) {
            pages.set(head, PageFlag.SWAPBACKED);
            pages.setEntireMapcount(head, 0);
            pages.setMapping(head, vma.anonVma.address | MmCore.PAGE_MAPPING_ANON);
            pages.setIndex(head, vma.linearPageIndex(haddr));
            um.setAnonExclusive(head, true);   // PMD-mapped: the head page's bit stands for the folio
            um.count(head, VmEvent.NR_ANON_MAPPED, HPAGE_PMD_NR);
            um.count(head, VmEvent.NR_ANON_THPS, HPAGE_PMD_NR);
        }
    }

    /** folio_remove_rmap_pmd(): one PMD stops mapping the folio. Caller holds the pmd lock. */
    public void removeRmapPmd(long head) {
        k.lockdep().assertHeldClass(k, PageTableStore.PMD_PTL_CLASS); // the pmd lock
        try (var f = k.enter("folio_remove_rmap_pmd")) {
            int now = pages.entireMapcount(head) - 1;
            pages.setEntireMapcount(head, now);
            if (now < -1) throw k.bug("mm/rmap.c", 0, pages.dumpPage(head, "VM_BUG_ON_FOLIO(folio_entire_mapcount(folio) < 0)"));
            if (now == -1) {
                um.count(head, VmEvent.NR_ANON_THPS, -HPAGE_PMD_NR);
                // the subpages still mapped by PTEs stay counted in NR_ANON_MAPPED
                int stillMapped = pages.mappedPages(head, HPAGE_PMD_NR); // _nr_pages_mapped
                um.count(head, VmEvent.NR_ANON_MAPPED, -(HPAGE_PMD_NR - stillMapped));
            }
        }
    }

    /** folio_mapcount(): PMD mappings plus PTE mappings of any of its pages (folio->_large_mapcount + 1). */
    public int folioMapcount(long head) {
        int n = pages.entireMapcount(head) + 1;
        return n + pages.mapcountSum(head, 1 << pages.compoundOrder(head));
    }

    /**
     * folio_likely_mapped_shared() of a large folio (include/linux/mm.h, 6.12): one mapping is
     * exclusive; a PMD mapping beside others, or more mappings than pages, is shared; else the
     * first page's own _mapcount decides.
     */
    public boolean folioLikelyMappedShared(long head) {
        int mapcount = folioMapcount(head);
        if (mapcount <= 1) return false;
        if (pages.entireMapcount(head) + 1 > 0 || mapcount > 1 << pages.compoundOrder(head)) return true;
        return pages.peekMapcount(head) > 0;
    }

    /** True when any mapping (PMD or PTE) maps some page of the folio (folio_mapped). */
    public boolean folioMapped(long head) {
        return pages.entireMapcount(head) >= 0 || pages.mappedPages(head, HPAGE_PMD_NR) > 0; // _nr_pages_mapped
    }

    // ---- faults (mm/memory.c __handle_mm_fault's PMD part) ----------------------------------------

    /**
     * The PMD half of __handle_mm_fault(): a none PMD in a THP-eligible VMA gets a huge page
     * (create_huge_pmd); a huge PMD is written through do_huge_pmd_wp_page or just marked young.
     * Returns VM_FAULT_FALLBACK when the fault is to be handled with PTEs. Caller holds mmap_lock.
     */
    public int handlePmdFault(VmArea vma, long addr, PgtableAlloc.Loc pmd, int flags) {
        vma.assertFaultLocked();
        long pmdval = store.read(pmd.table(), pmd.idx(), "__handle_mm_fault:pmdp_get_lockless");
        boolean write = (flags & FAULT_FLAG_WRITE) != 0;
        if (arch.pmdNone(pmdval)) {
            if (!vmaAllowsThp(vma) || !suitable(vma, addr)) return VM_FAULT_FALLBACK;
            return doHugePmdAnonymousPage(vma, addr, pmd, write);
        }
        if (!arch.pmdTransHuge(pmdval)) return VM_FAULT_FALLBACK;
        boolean unshare = (flags & FAULT_FLAG_UNSHARE) != 0;
        if ((write || unshare) && !arch.pmdWrite(pmdval)) return doHugePmdWpPage(vma, addr, pmd, pmdval, unshare);
        return 0; // huge_pmd_set_accessed(): the access bit is not modelled
    }

    /** do_huge_pmd_anonymous_page(). */
    private int doHugePmdAnonymousPage(VmArea vma, long addr, PgtableAlloc.Loc pmd, boolean write) {
        try (var f = k.enter("do_huge_pmd_anonymous_page")) {
            long haddr = addr & PgtableArch.PMD_MASK;
            MmStruct mm = vma.vmMm;
            int prepared = rmap.vmfAnonPrepare(vma);
            if (prepared != 0) return prepared;
            khugepagedEnterVma(vma);
            if (!write && settings.useZeroPage) {
                long pgtable = pgalloc.allocTable(PgtableArch.Level.PTE);
                if (pgtable < 0) return VM_FAULT_OOM;
                long zero = hugeZeroFolio();
                if (zero < 0) {
                    pgalloc.freeTable(pgtable, null);
                    um.count(VmEvent.THP_FAULT_FALLBACK);
                    return VM_FAULT_FALLBACK;
                }
                SpinLock ptl = pgalloc.pmdLockptr(pmd);
                ptl.lock();
                if (arch.pmdNone(store.read(pmd.table(), pmd.idx(), "do_huge_pmd_anonymous_page:pmd_none"))) {
                    // set_huge_zero_folio(): read-only, special to rmap (no mapcount, no rss)
                    mm.pgtablesBytes += PgtableArch.PAGE_SIZE;
                    deposit(pmd, pgtable);
                    store.write(pmd.table(), pmd.idx(), arch.pmdWrprotect(arch.pfnPmdHuge(zero, vma.vmPageProt)), "set_huge_zero_folio:set_pmd_at");
                    pgtable = -1;
                }
                ptl.unlock();
                if (pgtable >= 0) pgalloc.freeTable(pgtable, null);
                return 0;
            }
            long folio = pages.allocCompound(HPAGE_PMD_ORDER);
            if (folio < 0) {
                um.count(VmEvent.THP_FAULT_FALLBACK);
                return VM_FAULT_FALLBACK;
            }
            pages.set(folio, PageFlag.UPTODATE); // folio_zero_user + __folio_mark_uptodate
            long pgtable = pgalloc.allocTable(PgtableArch.Level.PTE);
            if (pgtable < 0) {
                um.putPage(folio);
                return VM_FAULT_OOM;
            }
            long entry = arch.pfnPmdHuge(folio, vma.vmPageProt);
            if ((vma.vmFlags & VmFlags.VM_WRITE) != 0) entry = arch.pmdMkwrite(arch.pmdMkdirty(entry)); // maybe_pmd_mkwrite
            SpinLock ptl = pgalloc.pmdLockptr(pmd);
            ptl.lock();
            if (!arch.pmdNone(store.read(pmd.table(), pmd.idx(), "__do_huge_pmd_anonymous_page:pmd_none"))) {
                ptl.unlock();
                um.putPage(folio);
                pgalloc.freeTable(pgtable, null);
                return 0;
            }
            addNewAnonRmapPmd(folio, vma, haddr);
            swap.lruCacheAdd(folio);
            mm.pgtablesBytes += PgtableArch.PAGE_SIZE;
            deposit(pmd, pgtable);
            store.write(pmd.table(), pmd.idx(), entry, "__do_huge_pmd_anonymous_page:set_pmd_at");
            mm.rss[MmStruct.MM_ANONPAGES] += HPAGE_PMD_NR;
            ptl.unlock();
            um.count(VmEvent.THP_FAULT_ALLOC);
            return 0;
        }
    }

    /**
     * do_huge_pmd_wp_page(): a write to a read-only huge PMD. The only user (one reference, one
     * PMD mapping) gets it writable in place; otherwise (the huge zero page, a THP shared after
     * fork) the PMD is split and the fault falls back to PTEs, whose COW copies one page (v5.8+).
     */
    private int doHugePmdWpPage(VmArea vma, long addr, PgtableAlloc.Loc pmd, long orig, boolean unshare) {
        try (var f = k.enter("do_huge_pmd_wp_page")) {
            if (!unshare && (vma.vmFlags & VmFlags.VM_WRITE) == 0) return VM_FAULT_SIGSEGV;
            if (!isHugeZeroPmd(orig)) {
                SpinLock ptl = pgalloc.pmdLockptr(pmd);
                ptl.lock();
                if (store.read(pmd.table(), pmd.idx(), "do_huge_pmd_wp_page:pmd_same") != orig) {
                    ptl.unlock();
                    return 0;
                }
                long head = arch.pmdPfn(orig);
                // an exclusive folio is ours whatever its refcount (a pin keeps it so): the early
                // check under the PMD lock, which every writer of PG_anon_exclusive holds
                boolean reuse = um.pageAnonExclusive(head);
                if (!reuse && um.trylockPage(head)) {
                    reuse = pages.refcount(head) == 1 && pages.entireMapcount(head) == 0;
                    if (reuse) um.setAnonExclusive(head, true);
                    um.unlockPage(head);
                }
                if (reuse) {
                    if (!unshare) store.write(pmd.table(), pmd.idx(), arch.pmdMkwrite(arch.pmdMkdirty(orig)), "do_huge_pmd_wp_page:pmdp_set_access_flags");
                    ptl.unlock();
                    return 0;
                }
                ptl.unlock();
            }
            splitHugePmd(vma, pmd, addr);
            return VM_FAULT_FALLBACK;
        }
    }

    // ---- split, zap, copy -------------------------------------------------------------------------

    /** __split_huge_pmd(): the huge PMD at addr (if still huge) becomes a PTE table mapping the same pages. Caller holds mmap_lock. */
    public void splitHugePmd(VmArea vma, PgtableAlloc.Loc pmd, long addr) {
        vma.assertFaultLocked();
        try (var f = k.enter("__split_huge_pmd")) {
            SpinLock ptl = pgalloc.pmdLockptr(pmd);
            ptl.lock();
            long v = store.read(pmd.table(), pmd.idx(), "__split_huge_pmd:pmd_trans_huge");
            if (arch.pmdTransHuge(v)) splitHugePmdLocked(vma, pmd, addr & PgtableArch.PMD_MASK);
            ptl.unlock();
        }
    }

    /**
     * vma_adjust_trans_huge() at a new VMA boundary {@code at} (split_huge_pmd_if_needed): a huge
     * PMD mapping across an unaligned {@code at} inside the VMA is split. Caller holds mmap_lock
     * for write.
     */
    public void vmaAdjustTransHuge(VmArea vma, long at) {
        vma.vmMm.mmapAssertWriteLocked();
        long haddr = at & PgtableArch.PMD_MASK;
        if (haddr == at || !suitable(vma, haddr)) return;
        PgtableAlloc.Loc pmd = pgalloc.pmdLoc(vma.vmMm, haddr, false);
        if (pmd != null) splitHugePmd(vma, pmd, haddr);
    }

    /**
     * split_huge_pmd_address(vma, addr, freeze=false, folio) as try_to_migrate_one calls it with
     * TTU_SPLIT_HUGE_PMD for split_huge_page's unmap_folio: the huge PMD of {@code vma} at addr,
     * if it still maps {@code head}, becomes a PTE table. The caller holds the folio's lock and its
     * anon_vma for write (which keeps the VMA and its tables), not mmap_lock.
     */
    public void splitHugePmdAddress(VmArea vma, long addr, long head) {
        vma.anonVma.root.rwsem.assertHeldWrite();
        PgtableAlloc.Loc pmd = pgalloc.pmdLoc(vma.vmMm, addr, false);
        if (pmd == null) return;
        try (var f = k.enter("split_huge_pmd_address")) {
            SpinLock ptl = pgalloc.pmdLockptr(pmd);
            ptl.lock();
            long v = store.read(pmd.table(), pmd.idx(), "__split_huge_pmd:pmd_trans_huge");
            if (arch.pmdTransHuge(v) && !isHugeZeroPmd(v) && arch.pmdPfn(v) == head) splitHugePmdLocked(vma, pmd, addr & PgtableArch.PMD_MASK);
            ptl.unlock();
        }
    }

    /** __split_huge_pmd_locked(). Caller holds the pmd lock. */
    private void splitHugePmdLocked(VmArea vma, PgtableAlloc.Loc pmd, long haddr) {
        pgalloc.pmdLockptr(pmd).assertHeld();
        try (var f = k.enter("__split_huge_pmd_locked")) {
            um.count(VmEvent.THP_SPLIT_PMD);
            // pmdp_invalidate() / pmdp_huge_clear_flush(): nobody keeps using the huge translation
            long old = store.getAndClear(pmd.table(), pmd.idx(), "__split_huge_pmd_locked:pmdp_invalidate");
            um.flushTlbRange(vma, haddr, haddr + PgtableArch.PMD_SIZE);
            long pgtable = withdraw(pmd);
            boolean zero = isHugeZeroPmd(old);
            long head = arch.pmdPfn(old);
            if (!zero) {
                if (arch.pmdDirty(old)) pages.set(head, PageFlag.DIRTY);
                // the PMD's PageAnonExclusive (the head page's bit) goes to every PTE: RMAP_EXCLUSIVE (6.12)
                boolean exclusive = um.pageAnonExclusive(head);
                pages.refAdd(head, HPAGE_PMD_NR - 1); // folio_ref_add: one reference per PTE
                for (int i = 0; i < HPAGE_PMD_NR; i++) {
                    // folio_add_anon_rmap_ptes(): each subpage mapped once more by a PTE
                    pages.mapcountAdd(head + i, 1);
                    if (exclusive) um.setAnonExclusive(head + i, true);
                }
            }
            for (int i = 0; i < HPAGE_PMD_NR; i++) {
                long e;
                if (zero) {
                    e = arch.pteMkspecial(arch.pfnPte(um.zeroPage(), vma.vmPageProt));
                } else {
                    e = arch.pfnPte(head + i, vma.vmPageProt);
                    if (arch.pmdWrite(old)) e = arch.pteMkwrite(e);
                    if (arch.pmdDirty(old)) e = arch.pteMkdirty(e);
                }
                store.write(pgtable, i, e, "__split_huge_pmd_locked:set_pte_at");
            }
            if (!zero) {
                // folio_remove_rmap_pmd(): the PMD's entire mapping goes; the PTE mappings keep the pages counted
                pages.setEntireMapcount(head, pages.entireMapcount(head) - 1);
                if (pages.entireMapcount(head) == -1) um.count(head, VmEvent.NR_ANON_THPS, -HPAGE_PMD_NR);
            }
            store.write(pmd.table(), pmd.idx(), arch.mkTableEntry(pgtable), "__split_huge_pmd_locked:pmd_populate");
        }
    }

    /**
     * zap_pmd_range()'s huge part for [addr, next) of one PMD: a range covering the whole huge
     * PMD is zapped (zap_huge_pmd, the folio gathered to be put after the TLB flush); a partial
     * range splits it first. True when nothing is left for zap_pte_range. Caller holds mmap_lock.
     */
    public boolean zapPmd(VmArea vma, PgtableAlloc.Loc pmd, long addr, long next, List<Long> gather) {
        vma.vmMm.mmapLock.assertHeld();
        long v = store.read(pmd.table(), pmd.idx(), "zap_pmd_range:pmd_trans_huge");
        if (!arch.pmdTransHuge(v)) return false;
        if (next - addr != PgtableArch.PMD_SIZE) {
            splitHugePmd(vma, pmd, addr);
            return false;
        }
        try (var f = k.enter("zap_huge_pmd")) {
            MmStruct mm = vma.vmMm;
            SpinLock ptl = pgalloc.pmdLockptr(pmd);
            ptl.lock();
            long orig = store.read(pmd.table(), pmd.idx(), "__pmd_trans_huge_lock");
            if (!arch.pmdTransHuge(orig)) {
                ptl.unlock();
                return false; // split meanwhile: the PTE zap does it
            }
            store.getAndClear(pmd.table(), pmd.idx(), "zap_huge_pmd:pmdp_huge_get_and_clear_full");
            if (!isHugeZeroPmd(orig)) {
                long head = arch.pmdPfn(orig);
                removeRmapPmd(head);
                if (arch.pmdDirty(orig)) pages.set(head, PageFlag.DIRTY);
                mm.rss[MmStruct.MM_ANONPAGES] -= HPAGE_PMD_NR;
                gather.add(head); // tlb_remove_page_size(): put after the flush
            }
            zapDepositedTable(mm, pmd);
            ptl.unlock();
            return true;
        }
    }

    /**
     * copy_huge_pmd() for fork: the child shares the folio (or the huge zero page), both PMDs
     * write-protected, the child with a deposited table of its own. Returns 0 when copied,
     * -EAGAIN when the caller must copy PTEs instead (the PMD was split), -ENOMEM.
     * Caller holds both mmap_locks for write.
     */
    public int copyHugePmd(VmArea dst, VmArea src, PgtableAlloc.Loc dpmd, PgtableAlloc.Loc spmd, long addr) {
        dst.vmMm.mmapLock.assertHeldWrite();
        src.vmMm.mmapLock.assertHeldWrite();
        try (var f = k.enter("copy_huge_pmd")) {
            long pgtable = pgalloc.allocTable(PgtableArch.Level.PTE);
            if (pgtable < 0) return Errno.ENOMEM.neg();
            SpinLock dptl = pgalloc.pmdLockptr(dpmd), sptl = pgalloc.pmdLockptr(spmd);
            dptl.lock();
            sptl.lock();
            long pmd = store.read(spmd.table(), spmd.idx(), "copy_huge_pmd:*src_pmd");
            if (!arch.pmdTransHuge(pmd)) {
                sptl.unlock();
                dptl.unlock();
                pgalloc.freeTable(pgtable, null);
                return Errno.EAGAIN.neg();
            }
            if (!isHugeZeroPmd(pmd)) {
                long head = arch.pmdPfn(pmd);
                um.getPage(head);
                // folio_try_dup_anon_rmap_pmd(): an exclusive THP the parent may have pinned is not
                // shared: split the PMD and copy at PTE level, where the pinned pages are copied
                if (um.folioNeedsCowForDma(src.vmMm, head) && um.pageAnonExclusive(head)) {
                    um.putPage(head);
                    sptl.unlock();
                    dptl.unlock();
                    pgalloc.freeTable(pgtable, null);
                    splitHugePmd(src, spmd, addr);
                    return Errno.EAGAIN.neg();
                }
                pages.setEntireMapcount(head, pages.entireMapcount(head) + 1);
                um.setAnonExclusive(head, false);
                dst.vmMm.rss[MmStruct.MM_ANONPAGES] += HPAGE_PMD_NR;
            }
            dst.vmMm.pgtablesBytes += PgtableArch.PAGE_SIZE;
            deposit(dpmd, pgtable);
            long ro = arch.pmdWrprotect(pmd);
            store.write(spmd.table(), spmd.idx(), ro, "copy_huge_pmd:pmdp_set_wrprotect");
            store.write(dpmd.table(), dpmd.idx(), arch.pmdMkold(ro), "copy_huge_pmd:set_pmd_at");
            sptl.unlock();
            dptl.unlock();
            return 0;
        }
    }

    /**
     * folio_walk_start() + folio_try_get() as split_huge_pages_pid walks: the large anonymous
     * folio mapped at addr (by a huge PMD or a PTE) with a reference of the caller's, or -1.
     * Caller holds mmap_lock.
     */
    public long getLargeFolioAt(VmArea vma, long addr) {
        vma.vmMm.mmapLock.assertHeld();
        PgtableAlloc.Loc pmd = pgalloc.pmdLoc(vma.vmMm, addr, false);
        if (pmd == null) return -1;
        try (var f = k.enter("folio_walk_start")) {
            SpinLock ptl = pgalloc.pmdLockptr(pmd);
            ptl.lock();
            long v = store.read(pmd.table(), pmd.idx(), "folio_walk_start:pmdp_get");
            if (arch.pmdTransHuge(v)) {
                long head = isHugeZeroPmd(v) ? -1 : arch.pmdPfn(v);
                if (head >= 0 && !pages.getPageUnlessZero(head)) head = -1;
                ptl.unlock();
                return head;
            }
            ptl.unlock();
            PgtableAlloc.PteLock pte = pgalloc.pteOffsetMapLock(pmd, addr);
            if (pte == null) return -1;
            long e = store.read(pte.table(), pte.idx(), "folio_walk_start:ptep_get");
            long head = -1;
            if (arch.ptePresent(e) && !arch.pteSpecial(e) && arch.ptePfn(e) != um.zeroPfn) {
                head = pages.compoundHead(arch.ptePfn(e));
                if (pages.compoundOrder(head) == 0 || !pages.getPageUnlessZero(head)) head = -1;
            }
            pte.unlock();
            return head;
        }
    }

    /** What {@link #followHugePmd} returns when the PMD is not a huge one (follow the PTEs). */
    public static final long NOT_HUGE = Long.MIN_VALUE;

    /** GUP's grab of the page a huge PMD maps, under the PMD lock: returns the page, or a negative answer of GUP's. */
    public interface HugePmdGrab {
        long grab(long page, boolean pmdWritable);
    }

    /**
     * follow_huge_pmd() for slow GUP: what {@code grab} makes of the subpage at addr (GUP takes its
     * reference or pin there, under the PMD lock), or -1 when a fault is needed (a write to a
     * read-only PMD, or the PMD changed); {@link #NOT_HUGE} when the PMD is not huge.
     */
    public long followHugePmd(PgtableAlloc.Loc pmd, long addr, boolean write, HugePmdGrab grab) {
        long v = store.read(pmd.table(), pmd.idx(), "follow_pmd_mask:pmdp_get_lockless");
        if (!arch.pmdTransHuge(v)) return NOT_HUGE;
        try (var f = k.enter("follow_huge_pmd")) {
            SpinLock ptl = pgalloc.pmdLockptr(pmd);
            ptl.lock();
            try {
                long now = store.read(pmd.table(), pmd.idx(), "follow_huge_pmd:pmd_trans_huge");
                if (!arch.pmdTransHuge(now)) return -1;
                if (write && !arch.pmdWrite(now)) return -1;
                return grab.grab(arch.pmdPfn(now) + PgtableArch.pteIndex(addr), arch.pmdWrite(now));
            } finally {
                ptl.unlock();
            }
        }
    }
}
