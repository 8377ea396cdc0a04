package mmsim.mm.rmap;

import mmsim.mm.linux.MmCore;
import mmsim.mm.shmem.Shmem;
import mmsim.mm.swap.SwapState;

import mmsim.mm.linux.AnonVma;

import java.util.ArrayList;
import java.util.List;

import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;
import mmsim.kernel.sync.RwSem;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.linux.VmArea;
import mmsim.mm.linux.VmEvent;
import mmsim.mm.pgtable.PageTableStore;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.linux.SwapEntry;

import static mmsim.mm.linux.VmFault.VM_FAULT_OOM;
import static mmsim.mm.linux.VmFault.VM_FAULT_RETRY;

/**
 * The reverse map of anonymous pages (mm/rmap.c): anon_vma lifetime, the _mapcount rules, and the
 * walks that find every PTE mapping a page (rmap_walk, try_to_unmap, page_referenced); the
 * migration entries (try_to_migrate, remove_migration_ptes) are {@link RmapMigration}.
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info (mm/rmap.c's header, the
 * modelled subset): mmap_lock, then the page lock, then the anon_vma root rwsem (or
 * i_mmap_rwsem), then the PTE lock.
 * Rules kept here:
 * <ul>
 * <li>_mapcount starts at -1; page_mapcount() = _mapcount + 1. It changes only under the PTE
 *     lock of the PTE being set or cleared. Going below -1 is VM_BUG_ON_PAGE.</li>
 * <li>page->mapping of an anonymous page is anon_vma | MmCore.PAGE_MAPPING_ANON, set when the page is
 *     first mapped (page_add_new_anon_rmap) and left in place after the last unmap, so that a
 *     racing rmap walk still finds (and pins) the anon_vma; it is cleared when the page is freed.</li>
 * <li>rmap walkers take the anon_vma root rwsem for read; fork, munmap and khugepaged's collapse
 *     take it for write.</li>
 * </ul>
 *
 * <p>Asserted: the page lock by the walks (rmap_walk, page_referenced, try_to_unmap,
 * try_to_migrate, remove_migration_ptes); a PTE lock by page_add_*_rmap and page_remove_rmap;
 * mmap_lock by anon_vma_prepare, and both mms' for write by anon_vma_fork.
 */
public final class Rmap {
    /**
     * Switch, a counterfactual of the ordering folio_try_share_anon_rmap_pte's comment demands:
     * try_to_unmap_one checks for pins and drops PG_anon_exclusive before it clears the PTE, so a
     * GUP-fast that read the PTE can still pin the page after the check.
     */
    public static final String TRY_SHARE_BEFORE_CLEAR = "unmap-share-before-ptep-clear";
    /** The variant switches of this file, collected at boot into the options a scenario may name. */
    public static final java.util.List<String> OPTIONS = java.util.List.of(TRY_SHARE_BEFORE_CLEAR);

    /** The lock class of every anon_vma->rwsem (lockdep's static key at the init site). */
    private static final LockClass ANON_VMA_RWSEM = LockClass.rwsem("anon_vma->rwsem");

    /** ttu_flags. */
    public static final int TTU_SPLIT_HUGE_PMD = 1 << 2;
    public static final int TTU_IGNORE_MLOCK = 1 << 3;
    public static final int TTU_BATCH_FLUSH = 1 << 5;

    /** What an rmap_walk visitor is given: one VMA that may map the page, the address, and the mapped PTE (locked). */
    @FunctionalInterface
    public interface OneVisitor {
        /** rmap_one: returns false to stop the walk. The PTE lock is held; the visitor must not drop it. */
        boolean visit(VmArea vma, long addr, PgtableAlloc.PteLock pte);
    }

    private final MmCore um;
    private final PgtableArch arch;
    private final PageTableStore tables;
    private final PgtableAlloc pgalloc;
    private final SwapState swapState;
    private final Shmem shmem;
    private final Kernel k;
    private final MmPages pages;
    /**
     * A counterfactual only (seed 003's negative control): lets page_vma_mapped_walk reach a PTE
     * table that was detached from the tree (khugepaged's, between pmdp_collapse_flush and the
     * deposit). The kernel has no such path; by default it finds nothing.
     */
    @FunctionalInterface
    public interface DetachedTables {
        /** The locked PTE of {@code addr} in a detached table of mm, or null. */
        PgtableAlloc.PteLock find(MmStruct mm, long addr);
    }

    private DetachedTables detachedTables = (mm, addr) -> null;

    public void setDetachedTables(DetachedTables d) { this.detachedTables = d; }

    /** try_to_migrate and remove_migration_ptes, for migration and split_huge_page. */
    public final RmapMigration migration;

    public Rmap(MmCore um, PgtableArch arch, PageTableStore tables, PgtableAlloc pgalloc, SwapState swapState, Shmem shmem) {
        this.um = um;
        this.arch = arch;
        this.tables = tables;
        this.pgalloc = pgalloc;
        this.swapState = swapState;
        this.shmem = shmem;
        this.k = um.k;
        this.pages = um.pages;
        this.migration = new RmapMigration(this, um, arch, tables, pgalloc);
    }

    // ---- anon_vma lifetime ------------------------------------------------------------------

    private AnonVma anonVmaAlloc(AnonVma root, AnonVma parent) {
        RwSem sem = root == null ? new RwSem(k, ANON_VMA_RWSEM) : root.rwsem;
        AnonVma av = new AnonVma(sem, root, parent, um.nextAnonVmaAddress());
        if (root != null) root.refcount++; // a child anon_vma pins its root (anon_vma_alloc + get_anon_vma(root))
        um.registerAnonVma(av);
        return av;
    }

    /**
     * vmf_anon_prepare() (mm/memory.c): anon_vma_prepare() for a fault. A fault under the
     * per-VMA lock needs mmap_lock for read to prepare one, and only tries it: contended, the
     * fault is retried under mmap_lock. Returns 0, VM_FAULT_OOM or VM_FAULT_RETRY.
     */
    public int vmfAnonPrepare(VmArea vma) {
        if (!vma.faultUnderVmaLock()) return anonVmaPrepare(vma) ? 0 : VM_FAULT_OOM;
        k.point("vmf_anon_prepare:vma->anon_vma", vma, mmsim.kernel.Access.READ);
        if (vma.anonVma != null) return 0;
        if (!vma.vmMm.mmapLock.downReadTrylock()) return VM_FAULT_RETRY;
        boolean ok = anonVmaPrepare(vma);
        vma.vmMm.mmapLock.upRead();
        return ok ? 0 : VM_FAULT_OOM;
    }

    /**
     * anon_vma_prepare(): gives the VMA an anon_vma before its first anonymous page.
     * Returns false on allocation failure (VM_FAULT_OOM). Caller holds mmap_lock (a fault under
     * the per-VMA lock comes through {@link #vmfAnonPrepare}).
     */
    public boolean anonVmaPrepare(VmArea vma) {
        try (var f = k.enter("anon_vma_prepare")) {
            vma.vmMm.mmapAssertLocked();
            k.point("anon_vma_prepare:vma->anon_vma", vma, mmsim.kernel.Access.READ);
            if (vma.anonVma != null) return true;
            AnonVma av = anonVmaAlloc(null, null);
            av.rwsem.downWrite();
            MmStruct mm = vma.vmMm;
            mm.pageTableLock.lock();
            if (vma.anonVma == null) {
                vma.anonVma = av;
                AnonVma.Chain c = new AnonVma.Chain(vma, av);
                vma.anonVmaChain.add(c);
                av.chains.add(c);
                av = null;
            }
            mm.pageTableLock.unlock();
            if (av != null) {
                av.rwsem.upWrite();
                av.freed = true;
                um.forgetAnonVma(av);
            } else {
                vma.anonVma.rwsem.upWrite();
            }
            return true;
        }
    }

    /**
     * anon_vma_fork(): the child VMA {@code dst} gets links to every anon_vma of {@code src}
     * (anon_vma_clone) and a new anon_vma of its own under src's root, for the pages it will COW.
     * Both mms' mmap_lock are held for write: neither VMA tree nor anon_vma chain changes under it.
     */
    public void anonVmaFork(VmArea dst, VmArea src) {
        try (var f = k.enter("anon_vma_fork")) {
            src.vmMm.mmapAssertWriteLocked();
            dst.vmMm.mmapAssertWriteLocked();
            if (src.anonVma == null) return;
            AnonVma root = src.anonVma.root;
            root.rwsem.downWrite();
            for (AnonVma.Chain c : src.anonVmaChain) {
                AnonVma.Chain n = new AnonVma.Chain(dst, c.anonVma());
                dst.anonVmaChain.add(n);
                c.anonVma().chains.add(n);
            }
            AnonVma av = anonVmaAlloc(root, src.anonVma);
            src.anonVma.degree++;
            AnonVma.Chain own = new AnonVma.Chain(dst, av);
            dst.anonVmaChain.add(own);
            av.chains.add(own);
            dst.anonVma = av;
            root.rwsem.upWrite();
        }
    }

    /** unlink_anon_vmas(): removes the VMA from every anon_vma; frees anon_vmas left without users. */
    public void unlinkAnonVmas(VmArea vma) {
        try (var f = k.enter("unlink_anon_vmas")) {
            if (vma.anonVmaChain.isEmpty()) return;
            AnonVma root = vma.anonVmaChain.get(0).anonVma().root;
            root.rwsem.downWrite();
            for (AnonVma.Chain c : vma.anonVmaChain) c.anonVma().chains.remove(c);
            root.rwsem.upWrite();
            for (AnonVma.Chain c : vma.anonVmaChain) {
                AnonVma av = c.anonVma();
                if (av.chains.isEmpty() && av != av.root) putAnonVma(av);
            }
            if (root.chains.isEmpty()) putAnonVma(root);
            vma.anonVmaChain.clear();
            vma.anonVma = null;
        }
    }

    /** put_anon_vma(): drops a reference; at zero the anon_vma is freed (and releases its root). */
    public void putAnonVma(AnonVma av) {
        if (av.freed) return;
        if (--av.refcount > 0) return;
        av.freed = true;
        um.forgetAnonVma(av);
        if (av.root != av) putAnonVma(av.root);
    }

    /** page_anon_vma(): the anon_vma page->mapping points at, or null for a non-anonymous page. */
    public AnonVma anonVmaOf(long pfn) {
        long m = pages.mapping(pages.compoundHead(pfn)); // folio->mapping: a THP's subpages share the head's
        if ((m & MmCore.PAGE_MAPPING_FLAGS) != MmCore.PAGE_MAPPING_ANON) return null;
        AnonVma av = um.anonVmaAt(m & ~MmCore.PAGE_MAPPING_FLAGS);
        return av;
    }

    // ---- mapcount ---------------------------------------------------------------------------

    /**
     * page_add_new_anon_rmap() (folio_add_new_anon_rmap): a page fresh from the allocator becomes
     * the first mapping of an anonymous address.
     */
    public void pageAddNewAnonRmap(long pfn, VmArea vma, long addr) {
        try (var f = k.enter("page_add_new_anon_rmap")) {
            assertPteLocked();
            if (!vma.contains(addr)) throw vmBugOnPage(pfn, "VM_BUG_ON_VMA(address < vma->vm_start || address >= vma->vm_end)");
            pages.set(pfn, PageFlag.SWAPBACKED);
            pages.setRawMapcount(pfn, 0); // _mapcount = 0: mapped once, starting from -1
            pages.setMapping(pfn, vma.anonVma.address | MmCore.PAGE_MAPPING_ANON);
            pages.setIndex(pfn, vma.linearPageIndex(addr));
            um.setAnonExclusive(pfn, true);   // __folio_set_anon(..., exclusive): RMAP_EXCLUSIVE
            um.count(pfn, VmEvent.NR_ANON_MAPPED, 1);
        }
    }

    /** page_add_anon_rmap(): one more PTE maps an existing anonymous page (swap-in, migration). */
    public void pageAddAnonRmap(long pfn, VmArea vma, long addr) {
        try (var f = k.enter("page_add_anon_rmap")) {
            boolean first = pages.mapcountAdd(pfn, 1) == 0;
            if (first) {
                um.count(pfn, VmEvent.NR_ANON_MAPPED, 1);
                if (!um.pageAnon(pfn)) {
                    pages.setMapping(pfn, vma.anonVma.address | MmCore.PAGE_MAPPING_ANON);
                    pages.setIndex(pfn, vma.linearPageIndex(addr));
                }
            }
        }
    }

    /** page_add_file_rmap() (folio_add_file_rmap_pte): one more PTE maps a page-cache page. */
    public void pageAddFileRmap(long pfn) {
        try (var f = k.enter("page_add_file_rmap")) {
            assertPteLocked();
            if (pages.mapcountAdd(pfn, 1) == 0) um.count(pfn, VmEvent.NR_FILE_MAPPED, 1);
        }
    }

    /** page_dup_rmap(): fork copies a mapping; an anonymous page is no longer exclusive (__folio_try_dup_anon_rmap). */
    public void pageDupRmap(long pfn) {
        pages.mapcountAdd(pfn, 1);
        if (um.pageAnon(pfn)) um.setAnonExclusive(pfn, false);
    }

    /**
     * folio_try_dup_anon_rmap_pte() (include/linux/rmap.h): fork maps an anonymous page into the
     * child too, so it stops being exclusive; false (-EBUSY) for an exclusive page that may be
     * DMA-pinned in a parent that ever pinned (folio_needs_cow_for_dma): the child gets a copy
     * instead, and the pin keeps seeing what the parent maps.
     */
    public boolean tryDupAnonRmapPte(long pfn, VmArea src) {
        boolean maybePinned = um.folioNeedsCowForDma(src.vmMm, pfn);
        if (maybePinned && um.pageAnonExclusive(pfn)) return false;
        pageDupRmap(pfn);
        return true;
    }

    /** page_remove_rmap(): one PTE stops mapping the page. */
    public void pageRemoveRmap(long pfn) {
        try (var f = k.enter("page_remove_rmap")) {
            assertPteLocked();
            int now = pages.mapcountAdd(pfn, -1);
            if (now < -1) {
                throw vmBugOnPage(pfn, "VM_BUG_ON_PAGE(page_mapcount(page) < 0)");
            }
            // a subpage of a THP that a PMD still maps stays counted (folio->_nr_pages_mapped, ENTIRELY_MAPPED)
            if (now == -1 && !entirelyMapped(pfn)) {
                um.count(pfn, um.pageAnon(pfn) ? VmEvent.NR_ANON_MAPPED : VmEvent.NR_FILE_MAPPED, -1);
                long head = pages.compoundHead(pfn);
                // __folio_remove_rmap(): an anonymous THP some of whose pages are still mapped is queued for splitting
                if (head != pfn || pages.compoundOrder(head) > 0) {
                    if (um.pageAnon(head) && anySubpageMapped(head)) um.deferredSplitFolio(head);
                }
            }
        }
    }

    /**
     * The lock of the PTE being changed is held. page_*_rmap get the page, not the PTE,
     * so this checks the lock class: some split PTE lock is held by this CPU.
     */
    private void assertPteLocked() {
        k.lockdep().assertHeldClass(k, PageTableStore.PTL_CLASS);
    }

    /** VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio), as rmap_walk_file and try_to_migrate check. */
    void assertPageLocked(long pfn) {
        if (!pages.peek(pfn, PageFlag.LOCKED)) throw vmBugOnPage(pfn, "VM_BUG_ON_FOLIO(!folio_test_locked(folio))");
    }

    /** True when a huge PMD maps the large folio {@code pfn} belongs to (_entire_mapcount >= 0). */
    private boolean entirelyMapped(long pfn) {
        long head = pages.compoundHead(pfn);
        return pages.compoundOrder(head) > 0 && pages.entireMapcount(head) >= 0;
    }

    /** folio->_nr_pages_mapped != 0: some page of the large folio is still mapped by a PTE. */
    private boolean anySubpageMapped(long head) {
        return pages.mappedPages(head, 1 << pages.compoundOrder(head)) > 0;
    }

    /** page_to_pgoff(): a THP's subpage sits at its head's index plus its offset in the folio. */
    public long pageIndex(long pfn) {
        long head = pages.compoundHead(pfn);
        return pages.index(head) + (pfn - head);
    }

    private RuntimeException vmBugOnPage(long pfn, String what) {
        String dump = pages.dumpPage(pfn, what);
        return k.bug("mm/rmap.c", 0, dump);
    }

    // ---- walks ------------------------------------------------------------------------------

    /**
     * page_vma_mapped_walk() for a base page: the PTE of {@code vma} at {@code addr} mapping
     * {@code pfn} (present, or a migration entry for it when {@code migration}), locked; or null.
     */
    public PgtableAlloc.PteLock pageVmaMapped(long pfn, VmArea vma, long addr, boolean migration) {
        PgtableAlloc.Loc pmd = pgalloc.pmdLoc(vma.vmMm, addr, false);
        if (pmd == null) return null;
        PgtableAlloc.PteLock pte = pgalloc.pteOffsetMapLock(pmd, addr);
        if (pte == null) pte = detachedTables.find(vma.vmMm, addr);
        if (pte == null) return null;
        long v = tables.read(pte.table(), pte.idx(), "page_vma_mapped_walk:ptep_get");
        PgtableArch a = arch;
        boolean match;
        if (migration) {
            match = a.isSwapPte(v) && SwapEntry.isMigrationEntry(a.pteToSwpEntry(v))
                    && SwapEntry.pfnSwapEntryToPfn(a.pteToSwpEntry(v)) == pfn;
        } else {
            match = a.ptePresent(v) && a.ptePfn(v) == pfn;
        }
        if (match) return pte;
        pte.unlock();
        return null;
    }

    /**
     * rmap_walk_anon(): calls {@code one} for each mapping of the anonymous page {@code pfn}, with
     * the anon_vma root rwsem held for read. The page lock keeps mapping and index stable. Returns false when the walk
     * was stopped by the visitor.
     */
    public boolean rmapWalk(long pfn, boolean migration, OneVisitor one) {
        assertPageLocked(pfn);
        if (!um.pageAnon(pfn)) return rmapWalkFile(pfn, migration, one);
        return rmapWalkAnon(pfn, migration, one);
    }

    /**
     * rmap_walk() of an anonymous page the caller has NOT locked, with rwc->anon_lock =
     * folio_lock_anon_vma_read (mm/page_idle.c's walk): the caller's reference keeps the
     * anon_vma findable through page->mapping, the root rwsem is taken for read as usual. File
     * pages still need the page lock (the caller trylocks them, as page_idle does).
     */
    public boolean rmapWalkAnonUnlocked(long pfn, OneVisitor one) {
        if (!um.pageAnon(pfn)) {
            assertPageLocked(pfn);
            return rmapWalkFile(pfn, false, one);
        }
        return rmapWalkAnon(pfn, false, one);
    }

    private boolean rmapWalkAnon(long pfn, boolean migration, OneVisitor one) {
        try (var f = k.enter("rmap_walk_anon")) {
            AnonVma av = anonVmaOf(pfn);
            if (av == null || av.freed) return true;
            av.root.rwsem.downRead();
            try {
                long index = pageIndex(pfn);
                for (AnonVma.Chain c : new ArrayList<>(av.chains)) {
                    if (!visitVma(pfn, c.vma(), index, migration, one)) return false;
                }
                return true;
            } finally {
                av.root.rwsem.upRead();
            }
        }
    }

    /**
     * One VMA of an rmap walk: where the page would sit in it (vma_address), whether it is
     * mapped there (page_vma_mapped_walk, which takes the PTE lock), the visit, the unlock.
     * False when the visitor stops the walk.
     */
    private boolean visitVma(long pfn, VmArea vma, long index, boolean migration, OneVisitor one) {
        long addr = vma.vmaAddress(index);
        if (addr < 0) return true;
        PgtableAlloc.PteLock pte = pageVmaMapped(pfn, vma, addr, migration);
        if (pte == null) return true;
        try {
            return one.visit(vma, addr, pte);
        } finally {
            if (pte.ptl().isLocked()) pte.unlock();
        }
    }

    /**
     * rmap_walk_file(): the same for a shmem page, over the VMAs of its inode's i_mmap with
     * i_mmap_rwsem held for read. A page no longer in a page cache has no mappings to find.
     */
    private boolean rmapWalkFile(long pfn, boolean migration, OneVisitor one) {
        try (var f = k.enter("rmap_walk_file")) {
            mmsim.mm.linux.ShmemFile file = shmem.fileOf(pfn);
            if (file == null) return true;
            file.iMmapRwsem.downRead();
            try {
                long index = pages.index(pfn);
                for (VmArea vma : new ArrayList<>(file.vmas)) {
                    if (!visitVma(pfn, vma, index, migration, one)) return false;
                }
                return true;
            } finally {
                file.iMmapRwsem.upRead();
            }
        }
    }

    /**
     * page_referenced(): how many mappings had the accessed bit set (clearing it), and whether
     * one of them is VM_LOCKED ({@code vmFlagsOut[0]}).
     */
    public int pageReferenced(long pfn, long[] vmFlagsOut) {
        try (var f = k.enter("page_referenced")) {
            assertPageLocked(pfn);
            int[] referenced = {0};
            if (!um.pageMapped(pfn)) return 0;
            rmapWalk(pfn, false, (vma, addr, pte) -> {
                if ((vma.vmFlags & mmsim.mm.linux.VmFlags.VM_LOCKED) != 0) {
                    if (vmFlagsOut != null) vmFlagsOut[0] |= mmsim.mm.linux.VmFlags.VM_LOCKED;
                    return false;
                }
                long v = tables.read(pte.table(), pte.idx(), "page_referenced_one:ptep_clear_flush_young");
                if (arch.pteYoung(v)) {
                    tables.write(pte.table(), pte.idx(), arch.pteMkold(v), "page_referenced_one:ptep_clear_flush_young");
                    referenced[0]++;
                }
                return true;
            });
            return referenced[0];
        }
    }

    /**
     * try_to_unmap(): replaces every PTE of the page with a swap entry (the page must be in the
     * swap cache) and drops the mapping's reference. Returns !page_mapped(). The caller also
     * holds an extra reference (reclaim's isolation).
     */
    public boolean tryToUnmap(long pfn, int flags) {
        try (var f = k.enter("try_to_unmap")) {
            assertPageLocked(pfn);
            rmapWalk(pfn, false, (vma, addr, pte) -> tryToUnmapOne(pfn, vma, addr, pte, flags));
            return !um.pageMapped(pfn);
        }
    }

    private boolean tryToUnmapOne(long pfn, VmArea vma, long addr, PgtableAlloc.PteLock pte, int flags) {
        try (var f = k.enter("try_to_unmap_one")) {
            if ((vma.vmFlags & mmsim.mm.linux.VmFlags.VM_LOCKED) != 0 && (flags & TTU_IGNORE_MLOCK) == 0) return false;
            PgtableArch a = arch;
            // the counterfactual order: give up exclusivity while the PTE still maps the page
            if (um.config.has(TRY_SHARE_BEFORE_CLEAR) && um.pageAnon(pfn) && um.pageAnonExclusive(pfn) && !tryShareAnonRmapPte(pfn)) return false;
            long pteval = tables.getAndClear(pte.table(), pte.idx(), "try_to_unmap_one:ptep_clear_flush");
            um.flushTlbPage(vma, addr);
            if (a.pteDirty(pteval)) pages.set(pfn, PageFlag.DIRTY);
            if (um.config.era() == mmsim.mm.linux.KernelConfig.Era.V4_6 && pages.test(pfn, PageFlag.HWPOISON)) {
                // v4.6: PageHWPoison && !TTU_IGNORE_HWPOISON - reclaim itself turns the PTE into a
                // hwpoison entry, so the process gets SIGBUS on its next access (since v5.x only
                // memory_failure's TTU_HWPOISON does this)
                vma.vmMm.rss[um.pageAnon(pfn) ? MmStruct.MM_ANONPAGES : MmStruct.MM_SHMEMPAGES]--;
                tables.write(pte.table(), pte.idx(), a.swpEntryToPte(SwapEntry.makeHwpoisonEntry(pfn)), "try_to_unmap_one:set_pte_at(hwpoison)");
                pageRemoveRmap(pfn);
                um.putPage(pfn);
                return true;
            }
            if (!pages.test(pfn, PageFlag.OWNER_PRIV_1)) {
                // an anonymous page must be in the swap cache before it can be unmapped (add_to_swap)
                tables.write(pte.table(), pte.idx(), pteval, "try_to_unmap_one:set_pte_at(restore)");
                return false;
            }
            long entry = swapState.pageSwapEntry(pfn);
            if (swapState.swapDuplicate(entry) < 0) {
                tables.write(pte.table(), pte.idx(), pteval, "try_to_unmap_one:set_pte_at(restore)");
                return false;
            }
            // the swap entry may be shared: PG_anon_exclusive goes, unless a pin keeps the page here
            if (um.pageAnonExclusive(pfn) && !tryShareAnonRmapPte(pfn)) {
                swapState.swapFree(entry);
                tables.write(pte.table(), pte.idx(), pteval, "try_to_unmap_one:set_pte_at(restore)");
                return false;
            }
            MmStruct mm = vma.vmMm;
            mm.rss[MmStruct.MM_ANONPAGES]--;
            mm.rss[MmStruct.MM_SWAPENTS]++;
            tables.write(pte.table(), pte.idx(), a.swpEntryToPte(entry), "try_to_unmap_one:set_pte_at(swp_pte)");
            pageRemoveRmap(pfn);
            um.putPage(pfn);
            return true;
        }
    }

    /**
     * folio_try_share_anon_rmap_pte() (include/linux/rmap.h, v5.19+) for an exclusive anonymous
     * page whose PTE the caller just cleared: PG_anon_exclusive goes, unless the page may be
     * DMA-pinned; then false (-EBUSY), and the caller puts the PTE back and gives up. Its smp_mb
     * between the PTE clear and the pin check pairs with GUP-fast's between the pin and its PTE
     * recheck, so one of the two sees the other. v4.6 had no such check (nor FOLL_PIN).
     */
    boolean tryShareAnonRmapPte(long pfn) {
        try (var f = k.enter("folio_try_share_anon_rmap_pte")) {
            if (um.config.era() != mmsim.mm.linux.KernelConfig.Era.V4_6 && um.folioMaybeDmaPinned(pfn)) return false;
            um.setAnonExclusive(pfn, false);
            return true;
        }
    }

    /** The mms mapping a page (for procfs and tests), by walking its anon_vma. */
    public List<MmStruct> mmsMapping(long pfn) {
        List<MmStruct> out = new ArrayList<>();
        rmapWalk(pfn, false, (vma, addr, pte) -> { out.add(vma.vmMm); return true; });
        return out;
    }

    PageTableStore tables() { return tables; }
}
