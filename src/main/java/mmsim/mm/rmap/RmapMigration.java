package mmsim.mm.rmap;

import java.util.ArrayList;

import mmsim.kernel.Kernel;
import mmsim.mm.linux.AnonVma;
import mmsim.mm.linux.MmCore;
import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.SwapEntry;
import mmsim.mm.linux.VmArea;
import mmsim.mm.pgtable.PageTableStore;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;

/**
 * Migration entries in the reverse map: try_to_migrate (mm/rmap.c) turns every PTE of a page, or
 * of every page of a split-bound large folio, into a migration entry naming it, and
 * remove_migration_ptes (mm/migrate.c) turns them back into PTEs of the new page (or the old one
 * when the move failed). PG_anon_exclusive rides in the entry (a readable-exclusive or writable
 * one) and comes back with the PTE.
 *
 * <p>Locking, as {@link Rmap}: the page (folio) lock is held by the caller and asserted; each PTE
 * changes under its PTE lock; the folio-wide walks of split_huge_page run with the anon_vma root
 * rwsem held for write by their caller and lock each PTE table once.
 */
public final class RmapMigration {
    private final Rmap rmap;
    private final MmCore um;
    private final Kernel k;
    private final MmPages pages;
    private final PgtableArch arch;
    private final PageTableStore tables;
    private final PgtableAlloc pgalloc;

    RmapMigration(Rmap rmap, MmCore um, PgtableArch arch, PageTableStore tables, PgtableAlloc pgalloc) {
        this.rmap = rmap;
        this.um = um;
        this.k = um.k;
        this.pages = um.pages;
        this.arch = arch;
        this.tables = tables;
        this.pgalloc = pgalloc;
    }

    /**
     * try_to_migrate(): replaces every PTE of the page with a migration entry naming it (writable
     * if the PTE was) and drops the mapping's reference.
     */
    public boolean tryToMigrate(long pfn) {
        try (var f = k.enter("try_to_migrate")) {
            rmap.assertPageLocked(pfn);
            Rmap.OneVisitor one = (vma, addr, pte) -> {
                try (var g = k.enter("try_to_migrate_one")) {
                    PgtableArch a = arch;
                    boolean exclusive = um.pageAnon(pfn) && um.pageAnonExclusive(pfn);
                    long pteval = tables.getAndClear(pte.table(), pte.idx(), "try_to_migrate_one:ptep_clear_flush");
                    um.flushTlbPage(vma, addr);
                    if (a.pteDirty(pteval)) pages.set(pfn, PageFlag.DIRTY);
                    if (exclusive && !rmap.tryShareAnonRmapPte(pfn)) {
                        tables.write(pte.table(), pte.idx(), pteval, "try_to_migrate_one:set_pte_at(restore)");
                        return false;
                    }
                    long entry = SwapEntry.makeMigrationEntry(pfn, a.pteWrite(pteval), exclusive);
                    tables.write(pte.table(), pte.idx(), a.swpEntryToPte(entry), "try_to_migrate_one:set_pte_at(migration)");
                    rmap.pageRemoveRmap(pfn);
                    um.putPage(pfn);
                    return true;
                }
            };
            rmap.rmapWalk(pfn, false, one);
            return !um.pageMapped(pfn);
        }
    }

    /**
     * remove_migration_ptes(src, dst): every migration entry for {@code src} becomes a PTE of
     * {@code dst} (dst == src when migration failed). Both pages are locked.
     */
    public void removeMigrationPtes(long src, long dst) {
        try (var f = k.enter("remove_migration_ptes")) {
            rmap.assertPageLocked(dst);
            rmap.assertPageLocked(src);
            // dst carries src's mapping and index, so the walk of src's anon_vma finds the entries
            Rmap.OneVisitor one = (vma, addr, pte) -> {
                try (var g = k.enter("remove_migration_pte")) {
                    PgtableArch a = arch;
                    long old = tables.read(pte.table(), pte.idx(), "remove_migration_pte:ptep_get");
                    long entry = a.pteToSwpEntry(old);
                    long v = a.pteMkold(a.pfnPte(dst, vma.vmPageProt));
                    v = a.pteMkyoung(v);
                    if (SwapEntry.isWritableMigrationEntry(entry)) v = a.pteMkwrite(a.pteMkdirty(v));
                    um.getPage(dst);
                    if (um.pageAnon(dst)) {
                        rmap.pageAddAnonRmap(dst, vma, addr);
                        if (migrationEntryExclusive(entry)) um.setAnonExclusive(dst, true); // RMAP_EXCLUSIVE
                    } else {
                        rmap.pageAddFileRmap(dst);
                    }
                    tables.write(pte.table(), pte.idx(), v, "remove_migration_pte:set_pte_at");
                    return true;
                }
            };
            rmap.rmapWalk(src, true, one);
        }
    }

    /**
     * try_to_migrate_one()'s anon_exclusive: an anonymous page's PG_anon_exclusive moves from the
     * page into its migration entry (folio_try_share_anon_rmap_pte clears it; a read-only PTE gets
     * a readable-exclusive entry, a writable one is exclusive by being writable). Returns whether
     * the page was exclusive.
     */
    /**
     * remove_migration_pte(): an entry that is not a plain readable one (writable, or
     * readable-exclusive) gives the page back PG_anon_exclusive (RMAP_EXCLUSIVE).
     */
    private static boolean migrationEntryExclusive(long entry) {
        return SwapEntry.swpType(entry) != SwapEntry.SWP_MIGRATION_READ;
    }

    /** What one PTE of a folio-wide walk does with the page it maps (or the entry naming it); true when it changed the PTE. */
    private interface FolioPte {
        boolean apply(VmArea vma, long addr, PgtableAlloc.PteLock pte, long pfn, long v);
    }

    /**
     * rmap_walk_locked() of a whole large folio, as page_vma_mapped_walk walks one: per VMA of the
     * anon_vma (whose rwsem the caller holds for write), the PTEs where the folio's pages would sit,
     * each PTE table under its lock once, and one TLB flush of the VMA's range when any PTE
     * changed (TTU_BATCH_FLUSH's try_to_unmap_flush). Only the pages in {@code only} are looked
     * for: a PTE where none of them can be (an unmapped page, one never turned into a migration
     * entry) is read by the kernel's walk to no effect.
     */
    private void walkFolioPtesLocked(long head, int nr, java.util.BitSet only, FolioPte one) {
        AnonVma av = rmap.anonVmaOf(head);
        if (av == null) return;
        av.root.rwsem.assertHeldWrite();
        long index = pages.index(head);
        for (AnonVma.Chain c : new ArrayList<>(av.chains)) {
            VmArea vma = c.vma();
            PgtableAlloc.PteLock cur = null;
            long curPmd = -1, first = -1, last = -1;
            for (int i = only.nextSetBit(0); i >= 0 && i < nr; i = only.nextSetBit(i + 1)) {
                long addr = vma.vmaAddress(index + i);
                if (addr < 0) continue;
                if ((addr & PgtableArch.PMD_MASK) != curPmd) {
                    if (cur != null) cur.unlock();
                    curPmd = addr & PgtableArch.PMD_MASK;
                    PgtableAlloc.Loc pmd = pgalloc.pmdLoc(vma.vmMm, addr, false);
                    cur = pmd == null ? null : pgalloc.pteOffsetMapLock(pmd, addr);
                }
                if (cur == null) continue;
                PgtableAlloc.PteLock pte = new PgtableAlloc.PteLock(cur.table(), PgtableArch.pteIndex(addr), cur.ptl());
                long v = tables.read(pte.table(), pte.idx(), "page_vma_mapped_walk:ptep_get");
                if (one.apply(vma, addr, pte, head + i, v)) {
                    if (first < 0) first = addr;
                    last = addr;
                }
            }
            if (cur != null) cur.unlock();
            if (first >= 0) um.flushTlbRange(vma, first, last + PgtableArch.PAGE_SIZE);
        }
    }

    /**
     * unmap_folio()'s try_to_migrate(folio, TTU_RMAP_LOCKED | TTU_BATCH_FLUSH) after the PMDs were
     * split: every present PTE mapping one of the folio's pages becomes a migration entry naming
     * that page, its rmap and reference dropped. The folio is locked, its anon_vma held for write.
     */
    public java.util.BitSet tryToMigrateFolioLocked(long head, int nr) {
        try (var f = k.enter("try_to_migrate")) {
            rmap.assertPageLocked(head);
            java.util.BitSet mapped = new java.util.BitSet(nr), converted = new java.util.BitSet(nr);
            for (int i = 0; i < nr; i++) if (pages.peekMapcount(head + i) >= 0) mapped.set(i); // folio->_nr_pages_mapped
            walkFolioPtesLocked(head, nr, mapped, (vma, addr, pte, pfn, v) -> {
                if (!arch.ptePresent(v) || arch.ptePfn(v) != pfn) return false;
                boolean exclusive = um.pageAnon(pfn) && um.pageAnonExclusive(pfn);
                long pteval = tables.getAndClear(pte.table(), pte.idx(), "try_to_migrate_one:ptep_get_and_clear");
                if (arch.pteDirty(pteval)) pages.set(pfn, PageFlag.DIRTY);
                if (exclusive && !rmap.tryShareAnonRmapPte(pfn)) {
                    tables.write(pte.table(), pte.idx(), pteval, "try_to_migrate_one:set_pte_at(restore)");
                    return false;
                }
                long entry = SwapEntry.makeMigrationEntry(pfn, arch.pteWrite(pteval), exclusive);
                tables.write(pte.table(), pte.idx(), arch.swpEntryToPte(entry), "try_to_migrate_one:set_pte_at(migration)");
                rmap.pageRemoveRmap(pfn);
                um.putPage(pfn);
                converted.set((int) (pfn - head));
                return true;
            });
            return converted;
        }
    }

    /**
     * remap_page()'s remove_migration_ptes(folio, folio, RMP_LOCKED) for each page of a (now
     * split, or not) folio: every migration entry naming one of its pages ({@code converted}, as
     * tryToMigrateFolioLocked returned) becomes a PTE of it again.
     */
    public void removeMigrationPtesFolioLocked(long head, int nr, java.util.BitSet converted) {
        try (var f = k.enter("remove_migration_ptes")) {
            rmap.assertPageLocked(head);
            walkFolioPtesLocked(head, nr, converted, (vma, addr, pte, pfn, v) -> {
                if (!arch.isSwapPte(v)) return false;
                long entry = arch.pteToSwpEntry(v);
                if (!SwapEntry.isMigrationEntry(entry) || SwapEntry.pfnSwapEntryToPfn(entry) != pfn) return false;
                long nv = arch.pteMkyoung(arch.pteMkold(arch.pfnPte(pfn, vma.vmPageProt)));
                if (SwapEntry.isWritableMigrationEntry(entry)) nv = arch.pteMkwrite(arch.pteMkdirty(nv));
                um.getPage(pfn);
                rmap.pageAddAnonRmap(pfn, vma, addr);
                if (migrationEntryExclusive(entry)) um.setAnonExclusive(pfn, true); // RMAP_EXCLUSIVE
                tables.write(pte.table(), pte.idx(), nv, "remove_migration_pte:set_pte_at");
                return false; // a new PTE where there was none: nothing to flush
            });
        }
    }
}
