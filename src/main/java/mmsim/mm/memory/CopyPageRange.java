package mmsim.mm.memory;

import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.huge_memory.HugeMemory;
import mmsim.mm.linux.MmCore;
import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.SwapEntry;
import mmsim.mm.linux.VmArea;
import mmsim.mm.linux.VmFlags;
import mmsim.mm.pgtable.PageTableStore;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.rmap.Rmap;
import mmsim.mm.swap.Swap;
import mmsim.mm.swap.SwapState;

/**
 * fork's half of mm/memory.c: copy_page_range and what it calls (copy_pte_range,
 * copy_present_pte / copy_present_page, copy_nonpresent_pte; copy_huge_pmd is
 * {@link HugeMemory#copyHugePmd}). The child shares the parent's anonymous pages, both sides
 * write-protected so the first write copies (COW), except a page the parent may have DMA-pinned,
 * which the child gets a copy of at once.
 *
 * <p>Locking: dup_mmap holds both mm's mmap_lock for write (asserted) and has write-locked every
 * parent VMA; copy_pte_range holds the child's and then the parent's PTE lock, and drops both to
 * allocate the copy of a pinned page; a COW mapping's copy runs inside the parent's
 * mm->write_protect_seq write section (raw: no preemption off, GUP-fast readers fall back to
 * mmap_lock rather than spin).
 */
final class CopyPageRange {
    private final MmCore um;
    private final Kernel k;
    private final MmPages pages;
    private final PgtableArch arch;
    private final PageTableStore store;
    private final PgtableAlloc pgalloc;
    private final Swap swap;
    private final SwapState swapState;
    private final Rmap rmap;
    private final HugeMemory hugeMemory;
    private final Memory memory;

    CopyPageRange(MmCore um, PgtableArch arch, PageTableStore store, PgtableAlloc pgalloc, Swap swap, SwapState swapState, Rmap rmap,
                  HugeMemory hugeMemory, Memory memory) {
        this.um = um;
        this.k = um.k;
        this.pages = um.pages;
        this.arch = arch;
        this.store = store;
        this.pgalloc = pgalloc;
        this.swap = swap;
        this.swapState = swapState;
        this.rmap = rmap;
        this.hugeMemory = hugeMemory;
        this.memory = memory;
    }

    /**
     * copy_page_range() for one VMA: the child's PTEs share the parent's pages; for a private
     * writable mapping both sides are write-protected so the first write COWs (copy_present_pte).
     * Both mmap_locks are held for write (dup_mmap), so neither tree changes under the copy.
     */
    int copyPageRange(VmArea dst, VmArea src) {
        try (var f = k.enter("copy_page_range")) {
            src.vmMm.mmapAssertWriteLocked();
            dst.vmMm.mmapAssertWriteLocked();
            boolean cow = (src.vmFlags & (VmFlags.VM_SHARED | VmFlags.VM_MAYWRITE)) == VmFlags.VM_MAYWRITE;
            // the count is odd while fork write-protects: a FOLL_PIN GUP-fast meanwhile gives up
            if (cow) src.vmMm.writeProtectSeq.rawWriteBegin();
            try {
                return copyPmdRange(dst, src, cow);
            } finally {
                if (cow) src.vmMm.writeProtectSeq.rawWriteEnd();
            }
        }
    }

    private int copyPmdRange(VmArea dst, VmArea src, boolean cow) {
        {
            for (long a = src.vmStart; a < src.vmEnd; ) {
                long next = Math.min((a & PgtableArch.PMD_MASK) + PgtableArch.PMD_SIZE, src.vmEnd);
                PgtableAlloc.Loc spmd = pgalloc.pmdLoc(src.vmMm, a, false);
                if (spmd != null && arch.pmdTransHuge(store.read(spmd.table(), spmd.idx(), "copy_pmd_range:pmd_trans_huge"))) {
                    PgtableAlloc.Loc dpmd = pgalloc.pmdLoc(dst.vmMm, a, true);
                    int r = dpmd == null ? Errno.ENOMEM.neg() : hugeMemory.copyHugePmd(dst, src, dpmd, spmd, a);
                    if (r == Errno.ENOMEM.neg()) return r;
                    if (r == 0) { a = next; continue; } // -EAGAIN: split, copy the PTEs
                }
                if (spmd != null && arch.isTableEntry(store.read(spmd.table(), spmd.idx(), "copy_pmd_range:pmd"))) {
                    PgtableAlloc.Loc dpmd = pgalloc.pmdLoc(dst.vmMm, a, true);
                    if (dpmd == null || !pgalloc.pteAlloc(dst.vmMm, dpmd)) return Errno.ENOMEM.neg();
                    if (copyPteRange(dst, src, dpmd, spmd, a, next, cow) != 0) return Errno.ENOMEM.neg();
                }
                a = next;
            }
            if (cow) um.flushTlbRange(src, src.vmStart, src.vmEnd);
            return 0;
        }
    }

    /**
     * copy_pte_range(). Returns 0, or -ENOMEM when the copy of a pinned page found no memory. A
     * page fork must copy (copy_present_page) needs a page allocated outside the PTE locks: the
     * walk drops them, allocates (folio_prealloc) and starts again at that address (-EAGAIN).
     */
    private int copyPteRange(VmArea dst, VmArea src, PgtableAlloc.Loc dpmd, PgtableAlloc.Loc spmd, long start, long end, boolean cow) {
        try (var f = k.enter("copy_pte_range")) {
            long prealloc = -1;
            long a = start;
            while (a < end) {
                PgtableAlloc.PteLock d = pgalloc.pteOffsetMapLock(dpmd, a);
                PgtableAlloc.PteLock s = pgalloc.pteOffsetMapLock(spmd, a);
                if (d == null || s == null) {
                    if (s != null) s.unlock();
                    if (d != null) d.unlock();
                    break;
                }
                boolean needPage = false;
                for (; a < end && !needPage; a += PgtableArch.PAGE_SIZE) {
                    int idx = PgtableArch.pteIndex(a);
                    long v = store.read(s.table(), idx, "copy_pte_range:ptep_get");
                    if (v == 0) continue;
                    if (!arch.ptePresent(v)) {
                        copyNonpresentPte(dst, s, d, idx, v, cow);
                        continue;
                    }
                    long page = memory.vmNormalPage(v);
                    if (page >= 0 && um.pageAnon(page)) {
                        um.getPage(page);
                        if (!rmap.tryDupAnonRmapPte(page, src)) {
                            um.putPage(page);   // maybe pinned: the child gets its own copy
                            if (prealloc < 0) {
                                needPage = true;
                                a -= PgtableArch.PAGE_SIZE; // again from this address, with a page
                                continue;
                            }
                            copyPresentPage(dst, d, idx, a, prealloc);
                            prealloc = -1;
                            continue;
                        }
                        dst.vmMm.rss[MmStruct.MM_ANONPAGES]++;
                    } else if (page >= 0) {
                        um.getPage(page);
                        rmap.pageDupRmap(page);
                        dst.vmMm.rss[MmStruct.MM_ANONPAGES]++;
                    }
                    if (cow && arch.pteWrite(v)) {
                        v = arch.pteWrprotect(v);
                        store.write(s.table(), idx, v, "copy_present_pte:ptep_set_wrprotect");
                    }
                    store.write(d.table(), idx, arch.pteMkold(v), "copy_present_pte:set_pte_at");
                }
                s.unlock();
                d.unlock();
                if (needPage) {
                    prealloc = pages.allocPage(false); // folio_prealloc(src_mm, src_vma, addr, false)
                    if (prealloc < 0) return Errno.ENOMEM.neg();
                }
            }
            if (prealloc >= 0) um.putPage(prealloc);
            return 0;
        }
    }

    /** copy_nonpresent_pte(): a swap or migration entry the child shares. */
    private void copyNonpresentPte(VmArea dst, PgtableAlloc.PteLock s, PgtableAlloc.PteLock d, int idx, long v, boolean cow) {
        long entry = arch.pteToSwpEntry(v);
        if (SwapEntry.isMigrationEntry(entry)) {
            dst.vmMm.rss[MmStruct.MM_ANONPAGES]++;
            if (SwapEntry.isWritableMigrationEntry(entry) && cow) {
                // both sides must COW after the migration
                long ro = arch.swpEntryToPte(SwapEntry.makeMigrationEntry(SwapEntry.pfnSwapEntryToPfn(entry), false, false));
                store.write(s.table(), idx, ro, "copy_nonpresent_pte:set_pte_at(src)");
                v = ro;
            }
        } else if (!SwapEntry.nonSwapEntry(entry)) {
            swapState.swapDuplicate(entry);
            dst.vmMm.rss[MmStruct.MM_SWAPENTS]++;
        }
        store.write(d.table(), idx, v, "copy_nonpresent_pte:set_pte_at");
    }

    /**
     * copy_present_page(): the child's own copy of a page the parent may have pinned, exclusive
     * to the child and writable as the VMA allows; the parent's PTE stays as it is.
     */
    private void copyPresentPage(VmArea dst, PgtableAlloc.PteLock d, int idx, long addr, long page) {
        try (var f = k.enter("copy_present_page")) {
            pages.set(page, PageFlag.UPTODATE); // copy_mc_user_highpage, __folio_mark_uptodate
            rmap.pageAddNewAnonRmap(page, dst, addr);
            swap.lruCacheAdd(page);
            dst.vmMm.rss[MmStruct.MM_ANONPAGES]++;
            long entry = arch.pfnPte(page, dst.vmPageProt);
            if ((dst.vmFlags & VmFlags.VM_WRITE) != 0) entry = arch.pteMkwrite(arch.pteMkdirty(entry));
            store.write(d.table(), idx, entry, "copy_present_page:set_pte_at");
        }
    }
}
