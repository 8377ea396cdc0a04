package mmsim.mm.memory;

import mmsim.mm.linux.MmCore;
import mmsim.mm.pgtable.PageTableStore;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.huge_memory.HugeMemory;
import mmsim.mm.rmap.Rmap;
import mmsim.mm.shmem.Shmem;
import mmsim.mm.swap.Swap;
import mmsim.mm.swap.SwapState;

import mmsim.mm.linux.SwapEntry;

import mmsim.mm.linux.VmFlags;

import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.kernel.sync.SpinLock;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.linux.VmArea;
import mmsim.mm.linux.VmEvent;

import static mmsim.mm.linux.VmFault.*;

/**
 * Anonymous memory faults, unmapping and fork's page-table copy (mm/memory.c):
 * handle_mm_fault -> handle_pte_fault -> do_anonymous_page / do_wp_page / do_swap_page,
 * zap_pte_range, and the TLB flushes they need; fork's copy_page_range is {@link CopyPageRange}.
 *
 * <p>Locking: faults run with mmap_lock held for read (the caller's {@link #faultIn} takes it)
 * and take the PTE lock to change a PTE, re-checking that the PTE is unchanged (pte_same)
 * after taking it, because another CPU may have faulted or unmapped meanwhile. Zapping holds
 * mmap_lock (write for munmap, read for MADV_DONTNEED) and the PTE lock per table. Pages
 * unmapped by a zap are freed only after the TLB flush (the mmu_gather), so no CPU can still
 * reach them through a stale TLB entry; the flush is an IPI to every CPU in mm_cpumask.
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info. Asserted: mmap_lock by
 * handle_mm_fault and unmap_page_range, a PTE lock by wp_can_reuse_anon_folio.
 */
public final class Memory {
    private final MmCore um;
    private final Swap swap;
    private final SwapState swapState;
    private final Shmem shmem;
    private final Rmap rmap;
    /** mm/huge_memory.c: the PMD level of faults, zaps and fork. */
    private final HugeMemory hugeMemory;
    private final Kernel k;
    private final MmPages pages;
    private final PageTableStore store;
    private final PgtableArch arch;
    private final PgtableAlloc pgalloc;
    private final CopyPageRange copy;

    public Memory(MmCore um, PgtableArch arch, PageTableStore store, PgtableAlloc pgalloc, Swap swap, SwapState swapState, Shmem shmem, Rmap rmap,
                  HugeMemory hugeMemory) {
        this.hugeMemory = hugeMemory;
        this.um = um;
        this.arch = arch;
        this.store = store;
        this.pgalloc = pgalloc;
        this.swap = swap;
        this.swapState = swapState;
        this.shmem = shmem;
        this.rmap = rmap;
        this.k = um.k;
        this.pages = um.pages;
        this.copy = new CopyPageRange(um, arch, store, pgalloc, swap, swapState, rmap, hugeMemory, this);
    }

    // ---- the user-facing entry ----------------------------------------------------------------

    /**
     * A user access to {@code addr}: the arch fault handler (do_user_addr_fault / do_page_fault)
     * when the TLB has no usable entry. Takes mmap_lock for read, finds the VMA, checks access,
     * and calls handle_mm_fault until it no longer asks for a retry. Returns 0, or -EFAULT
     * (SIGSEGV), -ENOMEM (OOM), -EHWPOISON / -EIO (SIGBUS).
     */
    public int faultIn(MmStruct mm, long addr, boolean write) {
        try (var f = k.enter(k.arch() == Kernel.Arch.X86_64 ? "exc_page_fault" : "do_mem_abort")) {
            mm.cpumask |= 1L << k.smpProcessorId();
            // a present PTE that allows the access needs no fault: the CPU just uses it
            boolean vmaLockRetried = false;
            for (int attempt = 0; attempt < 16; attempt++) {
                if (accessible(mm, addr, write)) return 0;
                if (mm.perVmaLock && !vmaLockRetried) {
                    // arch/x86/mm/fault.c (and arm64's do_page_fault) since v6.4: first the VMA's
                    // own lock, found under RCU; mmap_lock only when that fails or asks for a retry
                    VmArea vma = mm.lockVmaUnderRcu(addr);
                    if (vma == null) um.count(VmEvent.VMA_LOCK_ABORT); // lock_vma_under_rcu's inval path
                    if (vma != null) {
                        if (!accessAllowed(vma, write)) {
                            mm.vmaEndRead(vma);
                            um.count(VmEvent.VMA_LOCK_SUCCESS);
                            return Errno.EFAULT.neg();
                        }
                        um.count(VmEvent.PGFAULT);
                        int r = handleMmFault(vma, addr & PgtableArch.PAGE_MASK, (write ? FAULT_FLAG_WRITE : 0) | FAULT_FLAG_VMA_LOCK);
                        // the model's fault paths return VM_FAULT_RETRY with the lock still held
                        // (the kernel's drop it where they wait): released here either way
                        mm.vmaEndRead(vma);
                        if ((r & VM_FAULT_RETRY) != 0) {
                            vmaLockRetried = true;
                            um.count(VmEvent.VMA_LOCK_RETRY); // then lock_mmap
                            continue;
                        }
                        um.count(VmEvent.VMA_LOCK_SUCCESS);
                        int err = faultError(r);
                        if (err != 0) return err;
                        continue; // the CPU retries the access
                    }
                }
                vmaLockRetried = false;
                mm.mmapLock.downRead();
                VmArea vma = mm.vmaLookup(addr);
                if (vma == null || !accessAllowed(vma, write)) {
                    mm.mmapLock.upRead();
                    return Errno.EFAULT.neg();
                }
                um.count(VmEvent.PGFAULT);
                int r = handleMmFault(vma, addr & PgtableArch.PAGE_MASK, write ? FAULT_FLAG_WRITE : 0);
                mm.mmapLock.upRead();
                if ((r & VM_FAULT_RETRY) != 0) continue;
                int err = faultError(r);
                if (err != 0) return err;
                // the CPU retries the access; it faults again if the PTE still does not allow it
            }
            return accessible(mm, addr, write) ? 0 : Errno.EFAULT.neg();
        }
    }

    /** mm_fault_error(): what the access returns for a fault result; 0 when it is retried. */
    private static int faultError(int r) {
        if ((r & VM_FAULT_OOM) != 0) return Errno.ENOMEM.neg();
        if ((r & VM_FAULT_HWPOISON) != 0) return Errno.EHWPOISON.neg();
        if ((r & VM_FAULT_SIGBUS) != 0) return Errno.EIO.neg();
        if ((r & VM_FAULT_SIGSEGV) != 0) return Errno.EFAULT.neg();
        return 0;
    }

    private static boolean accessAllowed(VmArea vma, boolean write) {
        return write ? (vma.vmFlags & VmFlags.VM_WRITE) != 0 : (vma.vmFlags & (VmFlags.VM_READ | VmFlags.VM_WRITE)) != 0;
    }

    /**
     * What the MMU does before faulting: walk the tables; a present PTE with the right permission
     * is used as is. The hardware walk is one atomic step (a single point) and not a kernel memory
     * access: tables are freed only after the TLB-flush IPI, which a CPU takes between
     * instructions, so the walk never sees a freed table (peekEntry reads it as empty).
     */
    private boolean accessible(MmStruct mm, long addr, boolean write) {
        k.point("mmu:page walk", mm, mmsim.kernel.Access.READ);
        long pgdE = store.peekEntry(mm.pgd, PgtableArch.pgdIndex(addr));
        if (!arch.isTableEntry(pgdE)) return false;
        long pudE = store.peekEntry(arch.tableEntryPfn(pgdE), PgtableArch.pudIndex(addr));
        if (!arch.isTableEntry(pudE)) return false;
        long pmdE = store.peekEntry(arch.tableEntryPfn(pudE), PgtableArch.pmdIndex(addr));
        if (arch.pmdTransHuge(pmdE)) return !write || arch.pmdWrite(pmdE);
        if (!arch.isTableEntry(pmdE)) return false;
        long ptePfn = arch.tableEntryPfn(pmdE);
        int idx = PgtableArch.pteIndex(addr);
        long pte = store.peekEntry(ptePfn, idx);
        if (pte == 0 || (pte & 1) == 0) return false; // P/V bit clear: the MMU faults
        if (write && !arch.pteWrite(pte)) return false;
        // the walk sets the accessed bit of the PTE it uses (x86's A bit, arm64's hardware AF
        // update), in the same atomic step: what page_referenced and page_idle later clear
        if (!arch.pteYoung(pte)) store.poke(ptePfn, idx, arch.pteMkyoung(pte));
        return true;
    }

    /** handle_mm_fault(): allocate the tables down to the PTE, then handle_pte_fault. */
    public int handleMmFault(VmArea vma, long addr, int flags) {
        try (var f = k.enter("handle_mm_fault")) {
            if ((flags & FAULT_FLAG_VMA_LOCK) != 0) vma.vmLock.assertHeldRead();
            else vma.vmMm.mmapAssertLocked();
            MmStruct mm = vma.vmMm;
            PgtableAlloc.Loc pmd = pgalloc.pmdLoc(mm, addr, true);
            if (pmd == null) return VM_FAULT_OOM;
            // create_huge_pmd / wp_huge_pmd (mm/huge_memory.c); VM_FAULT_FALLBACK leaves it to the PTEs
            int huge = hugeMemory.handlePmdFault(vma, addr, pmd, flags);
            if ((huge & VM_FAULT_FALLBACK) == 0) return huge;
            if (!pgalloc.pteAlloc(mm, pmd)) return VM_FAULT_OOM;
            return handlePteFault(vma, addr, pmd, flags);
        }
    }

    private int handlePteFault(VmArea vma, long addr, PgtableAlloc.Loc pmd, int flags) {
        try (var f = k.enter("handle_pte_fault")) {
            long pmdval = store.read(pmd.table(), pmd.idx(), "handle_pte_fault:pmd");
            if (!arch.isTableEntry(pmdval)) return VM_FAULT_RETRY; // collapsed or freed meanwhile: retry
            long table = arch.tableEntryPfn(pmdval);
            int idx = PgtableArch.pteIndex(addr);
            // orig_pte is read without the lock (ptep_get_lockless); every path re-checks it under the lock
            long orig = store.read(table, idx, "handle_pte_fault:ptep_get_lockless");
            if (arch.pteNone(orig)) return vma.vmFile != null ? doFault(vma, addr, pmd, flags) : doAnonymousPage(vma, addr, pmd, flags);
            if (!arch.ptePresent(orig)) return doSwapPage(vma, addr, pmd, orig, flags);
            if ((flags & (FAULT_FLAG_WRITE | FAULT_FLAG_UNSHARE)) != 0) {
                if (!arch.pteWrite(orig)) return doWpPage(vma, addr, pmd, orig, flags);
                if ((flags & FAULT_FLAG_WRITE) == 0) return 0; // unshare of a writable PTE: exclusive already
                PgtableAlloc.PteLock pte = pgalloc.pteOffsetMapLock(pmd, addr);
                if (pte == null) return VM_FAULT_RETRY;
                long now = store.read(pte.table(), pte.idx(), "handle_pte_fault:pte_same");
                if (now == orig) store.write(pte.table(), pte.idx(), arch.pteMkyoung(arch.pteMkdirty(now)), "ptep_set_access_flags");
                pte.unlock();
                return 0;
            }
            return 0; // spurious: another CPU fixed it up
        }
    }

    /** do_anonymous_page(): zero page on read, a new zeroed page on write. */
    private int doAnonymousPage(VmArea vma, long addr, PgtableAlloc.Loc pmd, int flags) {
        try (var f = k.enter("do_anonymous_page")) {
            MmStruct mm = vma.vmMm;
            if ((flags & FAULT_FLAG_WRITE) == 0) {
                long entry = arch.pteMkspecial(arch.pfnPte(um.zeroPage(), vma.vmPageProt));
                PgtableAlloc.PteLock pte = pgalloc.pteOffsetMapLock(pmd, addr);
                if (pte == null) return VM_FAULT_RETRY;
                if (store.read(pte.table(), pte.idx(), "do_anonymous_page:vmf_pte_changed") == 0) {
                    store.write(pte.table(), pte.idx(), entry, "do_anonymous_page:set_pte_at(zero)");
                }
                pte.unlock();
                return 0;
            }
            int prepared = rmap.vmfAnonPrepare(vma);
            if (prepared != 0) return prepared;
            long page = pages.allocPage(false);
            if (page < 0) return VM_FAULT_OOM;
            pages.set(page, PageFlag.UPTODATE);
            long entry = arch.pfnPte(page, vma.vmPageProt);
            if ((vma.vmFlags & VmFlags.VM_WRITE) != 0) entry = arch.pteMkwrite(arch.pteMkdirty(entry));
            PgtableAlloc.PteLock pte = pgalloc.pteOffsetMapLock(pmd, addr);
            if (pte == null) {
                um.putPage(page);
                return VM_FAULT_RETRY;
            }
            if (store.read(pte.table(), pte.idx(), "do_anonymous_page:vmf_pte_changed") != 0) {
                pte.unlock();
                um.putPage(page); // lost the race: another CPU mapped this address
                return 0;
            }
            mm.rss[MmStruct.MM_ANONPAGES]++;
            rmap.pageAddNewAnonRmap(page, vma, addr);
            swap.lruCacheAdd(page);
            store.write(pte.table(), pte.idx(), entry, "do_anonymous_page:set_pte_at");
            pte.unlock();
            return 0;
        }
    }

    /**
     * do_fault() for a shared anonymous (shmem) mapping: do_read_fault / do_shared_fault. The
     * page comes from the inode's page cache (shmem_fault -> shmem_get_folio, locked, with our
     * reference); finish_fault maps it under the PTE lock unless another CPU mapped it first.
     * The reference becomes the mapping's.
     */
    private int doFault(VmArea vma, long addr, PgtableAlloc.Loc pmd, int flags) {
        boolean write = (flags & FAULT_FLAG_WRITE) != 0;
        try (var f = k.enter(write ? "do_shared_fault" : "do_read_fault")) {
            long page;
            try (var g = k.enter("shmem_fault")) {
                page = shmem.getFolio(vma.vmFile, vma.linearPageIndex(addr));
            }
            if (page == mmsim.mm.shmem.Shmem.BEYOND_EOF) return VM_FAULT_SIGBUS;
            if (page < 0) return VM_FAULT_OOM;
            try (var g = k.enter("finish_fault")) {
                PgtableAlloc.PteLock pte = pgalloc.pteOffsetMapLock(pmd, addr);
                if (pte == null || store.read(pte.table(), pte.idx(), "finish_fault:pte_none") != 0) {
                    if (pte != null) pte.unlock();
                    um.unlockPage(page);
                    um.putPage(page);
                    return pte == null ? VM_FAULT_RETRY : 0;
                }
                // set_pte_range(): vm_page_prot of a shared writable mapping is writable already
                long entry = arch.pfnPte(page, vma.vmPageProt);
                if (write) entry = arch.pteMkdirty(entry);
                vma.vmMm.rss[MmStruct.MM_SHMEMPAGES]++;
                rmap.pageAddFileRmap(page);
                store.write(pte.table(), pte.idx(), entry, "set_pte_range:set_pte_at");
                pte.unlock();
                um.unlockPage(page);
                return 0;
            }
        }
    }

    /** vm_normal_page(): the page a present PTE maps, or -1 for the zero page and special mappings. */
    public long vmNormalPage(long pte) {
        if (arch.pteSpecial(pte)) return -1;
        long pfn = arch.ptePfn(pte);
        return pfn == um.zeroPfn ? -1 : pfn;
    }

    /**
     * do_wp_page(): write to a present read-only PTE of a writable VMA: reuse the page or copy it.
     * With FAULT_FLAG_UNSHARE (GUP's read-only pin of a shared anonymous page) the same choice
     * makes the page exclusive to this mm, but the PTE stays read-only.
     */
    private int doWpPage(VmArea vma, long addr, PgtableAlloc.Loc pmd, long orig, int flags) {
        try (var f = k.enter("do_wp_page")) {
            boolean unshare = (flags & FAULT_FLAG_UNSHARE) != 0;
            if (!unshare && (vma.vmFlags & VmFlags.VM_WRITE) == 0) return VM_FAULT_SIGSEGV;
            if ((vma.vmFlags & (VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE)) != 0) {
                // wp_page_shared(): no copy, the shared page becomes writable in place
                PgtableAlloc.PteLock pte = pgalloc.pteOffsetMapLock(pmd, addr);
                if (pte == null) return VM_FAULT_RETRY;
                long now = store.read(pte.table(), pte.idx(), "wp_page_shared:pte_same");
                if (now == orig) store.write(pte.table(), pte.idx(), arch.pteMkwrite(arch.pteMkdirty(arch.pteMkyoung(now))), "wp_page_reuse:ptep_set_access_flags");
                pte.unlock();
                return 0;
            }
            PgtableAlloc.PteLock pte = pgalloc.pteOffsetMapLock(pmd, addr);
            if (pte == null) return VM_FAULT_RETRY;
            long now = store.read(pte.table(), pte.idx(), "do_wp_page:pte_same");
            if (now != orig) {
                pte.unlock();
                return 0;
            }
            long old = vmNormalPage(now);
            // an exclusive anonymous page is ours whatever its refcount (a pin keeps it so); else
            // wp_can_reuse_anon_folio. PG_anon_exclusive changes only under this PTE lock.
            if (old >= 0 && um.pageAnon(old) && (um.pageAnonExclusive(old) || canReuseAnonPage(old))) {
                um.setAnonExclusive(old, true);
                if (unshare) {
                    pte.unlock();
                    return 0;
                }
                // wp_page_reuse(): the only user writes in place
                store.write(pte.table(), pte.idx(), arch.pteMkwrite(arch.pteMkdirty(arch.pteMkyoung(now))), "wp_page_reuse:ptep_set_access_flags");
                pte.unlock();
                return 0;
            }
            if (old >= 0) um.getPage(old);
            pte.unlock();
            return wpPageCopy(vma, addr, pmd, orig, old, unshare);
        }
    }

    /**
     * wp_can_reuse_anon_folio() (v5.19+) of an anonymous page: reuse when ours is the only
     * reference (the mapping's), counting the swap cache's; the page lock keeps the swap cache
     * stable. Under the PTE lock.
     */
    private boolean canReuseAnonPage(long pfn) {
        k.lockdep().assertHeldClass(k, PageTableStore.PTL_CLASS);
        int swapcache = pages.test(pfn, PageFlag.OWNER_PRIV_1) ? 1 : 0;
        if (pages.refcount(pfn) > 3 + swapcache) return false;
        // a reference may be this CPU's LRU batch's: drain it before judging (lru_add_drain)
        if (!pages.test(pfn, PageFlag.LRU)) swap.lruAddDrain();
        if (pages.refcount(pfn) > 1 + swapcache) return false;
        if (!um.trylockPage(pfn)) return false;
        if (swapcache == 1) swapState.tryToFreeSwap(pfn);
        boolean only = pages.refcount(pfn) == 1;
        um.unlockPage(pfn);
        return only;
    }

    /**
     * wp_page_copy(): a private copy for this mm (COW); {@code old} is -1 for the zero page. An
     * unshare maps the copy read-only (and clean): the next write reuses it, exclusive as it is.
     */
    private int wpPageCopy(VmArea vma, long addr, PgtableAlloc.Loc pmd, long orig, long old, boolean unshare) {
        try (var f = k.enter("wp_page_copy")) {
            MmStruct mm = vma.vmMm;
            int prepared = rmap.vmfAnonPrepare(vma);
            if (prepared != 0) { if (old >= 0) um.putPage(old); return prepared; }
            long page = pages.allocPage(false);
            if (page < 0) {
                if (old >= 0) um.putPage(old);
                return VM_FAULT_OOM;
            }
            pages.set(page, PageFlag.UPTODATE); // cow_user_page: the copy
            PgtableAlloc.PteLock pte = pgalloc.pteOffsetMapLock(pmd, addr);
            if (pte == null || store.read(pte.table(), pte.idx(), "wp_page_copy:pte_same") != orig) {
                if (pte != null) pte.unlock();
                um.putPage(page);
                if (old >= 0) um.putPage(old);
                return 0;
            }
            um.count(VmEvent.COW_FAULT);
            if (old < 0) mm.rss[MmStruct.MM_ANONPAGES]++;
            long entry = arch.pfnPte(page, vma.vmPageProt);
            if (!unshare) entry = arch.pteMkwrite(arch.pteMkdirty(entry));
            // ptep_clear_flush(): nobody may keep using the old translation once we switch
            store.getAndClear(pte.table(), pte.idx(), "wp_page_copy:ptep_clear_flush");
            um.flushTlbPage(vma, addr);
            rmap.pageAddNewAnonRmap(page, vma, addr);
            swap.lruCacheAdd(page);
            store.write(pte.table(), pte.idx(), entry, "wp_page_copy:set_pte_at");
            if (old >= 0) rmap.pageRemoveRmap(old);
            pte.unlock();
            if (old >= 0) {
                um.putPage(old); // the old mapping's reference
                um.putPage(old); // the reference do_wp_page took
            }
            return 0;
        }
    }

    /** do_swap_page(): a swap PTE (or a migration / hwpoison entry). */
    private int doSwapPage(VmArea vma, long addr, PgtableAlloc.Loc pmd, long orig, int flags) {
        try (var f = k.enter("do_swap_page")) {
            MmStruct mm = vma.vmMm;
            long entry = arch.pteToSwpEntry(orig);
            if (SwapEntry.isMigrationEntry(entry)) {
                // migration_entry_wait(): sleep until the migration finishes (it holds the old page locked)
                long old = SwapEntry.pfnSwapEntryToPfn(entry);
                k.sched().waitUntil(() -> !pages.peek(old, PageFlag.LOCKED)
                        || store.peekEntry(arch.tableEntryPfn(store.peekEntry(pmd.table(), pmd.idx())), PgtableArch.pteIndex(addr)) != orig,
                        String.format("migration entry for pfn %#x", old));
                return VM_FAULT_RETRY;
            }
            if (SwapEntry.isHwpoisonEntry(entry)) return VM_FAULT_HWPOISON;
            if (SwapEntry.nonSwapEntry(entry)) return VM_FAULT_SIGBUS;
            int ret = 0;
            long page = swapState.lookupSwapCache(entry);
            if (page < 0) {
                page = swapState.swapinNewPage(entry);
                if (page < 0) {
                    // OOM, or another CPU is reading it in: retry if the PTE changed, else OOM
                    PgtableAlloc.PteLock pte = pgalloc.pteOffsetMapLock(pmd, addr);
                    boolean same = pte != null && store.read(pte.table(), pte.idx(), "do_swap_page:pte_same") == orig;
                    if (pte != null) pte.unlock();
                    return same && swapState.swapCount(entry) > 0 && !swapState.hasCache(entry) ? VM_FAULT_OOM : VM_FAULT_RETRY;
                }
                ret = VM_FAULT_MAJOR;
                um.count(VmEvent.PGMAJFAULT);
            }
            um.lockPage(page);
            if (!pages.test(page, PageFlag.OWNER_PRIV_1) || swapState.pageSwapEntry(page) != entry) {
                // folio_swapcache_freed/changed under us: retry
                um.unlockPage(page);
                um.putPage(page);
                return VM_FAULT_RETRY;
            }
            int prepared = rmap.vmfAnonPrepare(vma);
            if (prepared != 0) {
                um.unlockPage(page);
                um.putPage(page);
                return prepared;
            }
            PgtableAlloc.PteLock pte = pgalloc.pteOffsetMapLock(pmd, addr);
            if (pte == null || store.read(pte.table(), pte.idx(), "do_swap_page:pte_same") != orig) {
                if (pte != null) pte.unlock();
                um.unlockPage(page);
                um.putPage(page);
                return ret;
            }
            mm.rss[MmStruct.MM_ANONPAGES]++;
            mm.rss[MmStruct.MM_SWAPENTS]--;
            long v = arch.pfnPte(page, vma.vmPageProt);
            // the page reference we hold becomes the mapping's
            if (um.pageAnon(page)) rmap.pageAddAnonRmap(page, vma, addr);
            else rmap.pageAddNewAnonRmap(page, vma, addr);
            swapState.swapFree(entry);
            if ((flags & FAULT_FLAG_WRITE) != 0 && (vma.vmFlags & VmFlags.VM_WRITE) != 0) {
                // should_try_to_free_swap(): a write makes the page exclusive; drop its swap copy
                swapState.tryToFreeSwap(page);
                if (!pages.test(page, PageFlag.OWNER_PRIV_1) && pages.refcount(page) == 1) v = arch.pteMkwrite(arch.pteMkdirty(v));
            }
            store.write(pte.table(), pte.idx(), v, "do_swap_page:set_pte_at");
            pte.unlock();
            um.unlockPage(page);
            return ret;
        }
    }

    // ---- unmapping -------------------------------------------------------------------------------

    /**
     * zap_page_range / unmap_page_range for [start, end) of one VMA: clears every PTE, drops
     * rmap and rss, then flushes the TLB and only then drops the pages' references
     * (tlb_finish_mmu).
     */
    public void zapRange(VmArea vma, long start, long end) {
        try (var f = k.enter("unmap_page_range")) {
            vma.vmMm.mmapAssertLocked();
            MmStruct mm = vma.vmMm;
            java.util.List<Long> gather = new java.util.ArrayList<>();
            for (long a = start; a < end; ) {
                long next = Math.min((a & PgtableArch.PMD_MASK) + PgtableArch.PMD_SIZE, end);
                PgtableAlloc.Loc pmd = pgalloc.pmdLoc(mm, a, false);
                if (pmd != null && !hugeMemory.zapPmd(vma, pmd, a, next, gather)) zapPteRange(vma, pmd, a, next, gather);
                a = next;
            }
            um.flushTlbRange(vma, start, end);
            try (var g = k.enter("tlb_finish_mmu")) {
                // free_pages_and_swap_cache(): a page that was the last mapping of its swap copy drops it
                for (long pfn : gather) {
                    swapState.freeSwapCache(pfn);
                    um.putPage(pfn);
                }
            }
        }
    }

    private void zapPteRange(VmArea vma, PgtableAlloc.Loc pmd, long start, long end, java.util.List<Long> gather) {
        try (var f = k.enter("zap_pte_range")) {
            MmStruct mm = vma.vmMm;
            PgtableAlloc.PteLock pte = pgalloc.pteOffsetMapLock(pmd, start);
            if (pte == null) return;
            SpinLock ptl = pte.ptl();
            for (long a = start; a < end; a += PgtableArch.PAGE_SIZE) {
                int idx = PgtableArch.pteIndex(a);
                long v = store.read(pte.table(), idx, "zap_pte_range:ptep_get");
                if (v == 0) continue;
                if (arch.ptePresent(v)) {
                    v = store.getAndClear(pte.table(), idx, "zap_pte_range:ptep_get_and_clear_full");
                    long page = vmNormalPage(v);
                    if (page < 0) continue;
                    mm.rss[um.pageAnon(page) ? MmStruct.MM_ANONPAGES : MmStruct.MM_SHMEMPAGES]--;
                    if (arch.pteDirty(v)) pages.set(page, PageFlag.DIRTY);
                    rmap.pageRemoveRmap(page);
                    gather.add(page); // __tlb_remove_page: freed after the flush
                    continue;
                }
                long entry = arch.pteToSwpEntry(v);
                store.write(pte.table(), idx, 0, "zap_pte_range:pte_clear");
                if (SwapEntry.isMigrationEntry(entry)) {
                    mm.rss[um.pageAnon(SwapEntry.pfnSwapEntryToPfn(entry)) ? MmStruct.MM_ANONPAGES : MmStruct.MM_SHMEMPAGES]--;
                } else if (!SwapEntry.nonSwapEntry(entry)) {
                    mm.rss[MmStruct.MM_SWAPENTS]--;
                    ptl.unlock(); // free_swap_and_cache may lock the cached page: not under the PTE lock here
                    swapState.freeSwapAndCache(entry);
                    ptl.lock();
                }
            }
            ptl.unlock();
        }
    }

    // ---- fork ------------------------------------------------------------------------------------

    /** copy_page_range() for one VMA of fork ({@link CopyPageRange}). */
    public int copyPageRange(VmArea dst, VmArea src) {
        return copy.copyPageRange(dst, src);
    }
}
