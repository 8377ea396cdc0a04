package mmsim.mm.migrate;

import mmsim.mm.linux.MmCore;
import mmsim.mm.rmap.Rmap;
import mmsim.mm.shmem.Shmem;
import mmsim.mm.swap.Swap;
import mmsim.mm.swap.SwapState;
import mmsim.mm.vmscan.Vmscan;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongUnaryOperator;

import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.VmEvent;
import mmsim.mm.huge_memory.SplitHugePage;
import mmsim.mm.linux.AnonVma;

/**
 * Page migration of anonymous pages (mm/migrate.c): migrate_pages -> unmap_and_move ->
 * try_to_migrate (migration entries) -> move the page state -> remove_migration_ptes. A THP is
 * split first (try_split_folio, as migrate_pages_batch does where whole-THP migration is not
 * available: set_pmd_migration_entry is not modelled) and its pages migrate one by one; a THP
 * with an extra reference cannot be split and fails (retried, then left on the list).
 *
 * <p>Entry point for other subsystems (memory offlining, soft offline, compaction):
 * <pre>
 *   List&lt;Long&gt; from = ...;                    // pages the caller isolated with isolate_lru_page()
 *   int failed = migratePages(from, src -&gt; allocOnOtherNode(src), MigrateMode.SYNC, MigrateReason.MEMORY_HOTPLUG);
 *   putbackMovablePages(from);      // what is left in 'from' failed: put it back
 * </pre>
 * The allocator callback gets the source pfn and returns a new page (refcount 1) or -1.
 *
 * <p>Locking: the source page is locked (lock_page for MIGRATE_SYNC, trylock otherwise) for the
 * whole move; the anon_vma is pinned (page_get_anon_vma) so the rmap walk that removes the
 * migration entries still finds it even if every mapping goes away meanwhile. A fault on a
 * migration entry waits for the source page's lock (migration_entry_wait).
 *
 * <p>Era switch: how the source page is released after a successful move.
 * <ul>
 * <li>{@code v4.6} (before "mm: use put_page to free page instead of putback_lru_page",
 *     v4.7): putback_lru_page(source) - it goes back through the LRU batch and is freed when
 *     the batch drains. For MR_MEMORY_FAILURE the thread's v4.6 code instead did put_page then
 *     TestSetPageHWPoison on the (possibly already freed) page: seed 002's race.</li>
 * <li>{@code mainline}: put_page(source), except MR_MEMORY_FAILURE, where the isolation
 *     reference stays for the caller's page_handle_poison (v5.11+).</li>
 * </ul>
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info (offline_pages migrates
 * under mem_hotplug_lock; the page lock comes first, then the rmap walk's locks).
 */
public final class Migrate {
    public enum MigrateMode { ASYNC, SYNC_LIGHT, SYNC }

    /** enum migrate_reason (include/linux/migrate_mode.h). */
    public enum MigrateReason {
        COMPACTION, MEMORY_FAILURE, MEMORY_HOTPLUG, SYSCALL, MEMPOLICY_MBIND, NUMA_MISPLACED, CONTIG_RANGE, LONGTERM_PIN, DEMOTION
    }

    /** Pre-v4.7 switch: release the migrated source with putback_lru_page() (also implied by era v4.6). */
    public static final String MIGRATE_PUTBACK_SOURCE = "migrate-putback-lru-source";
    /** The variant switches of this file, collected at boot into the options a scenario may name. */
    public static final java.util.List<String> OPTIONS = java.util.List.of(MIGRATE_PUTBACK_SOURCE);

    /**
     * What unmap_and_move does with a successfully migrated MR_MEMORY_FAILURE source, holding the
     * isolation reference (mm/memory-failure.c installs its era's or variant's release here).
     */
    public interface MemoryFailureSourceHook {
        void releaseSource(long pfn);
    }

    private static final int NR_MAX_MIGRATE_PAGES_RETRY = 10;

    private final MmCore um;
    private final Swap swap;
    private final SwapState swapState;
    private final Shmem shmem;
    private final Rmap rmap;
    private final Vmscan vmscan;
    private final Kernel k;
    private final MmPages pages;
    private MemoryFailureSourceHook memoryFailureHook;
    private final SplitHugePage splitHugePage;

    public Migrate(MmCore um, Swap swap, SwapState swapState, Shmem shmem, Rmap rmap, Vmscan vmscan, SplitHugePage splitHugePage) {
        this.splitHugePage = splitHugePage;
        this.um = um;
        this.swap = swap;
        this.swapState = swapState;
        this.shmem = shmem;
        this.rmap = rmap;
        this.vmscan = vmscan;
        this.k = um.k;
        this.pages = um.pages;
        // without memory-failure's hook: v4.6 put_page then TestSetPageHWPoison; mainline leaves
        // the isolation reference for page_handle_poison()
        this.memoryFailureHook = pfn -> {
            if (oldEra()) {
                um.putPage(pfn);
                pages.testSet(pfn, PageFlag.HWPOISON);
            }
        };
    }

    public void setMemoryFailureSourceHook(MemoryFailureSourceHook h) { this.memoryFailureHook = h; }

    private boolean oldEra() {
        return um.config.era() == KernelConfig.Era.V4_6 || um.config.has(MIGRATE_PUTBACK_SOURCE);
    }

    /**
     * migrate_pages(): moves each isolated page of {@code from} to a page {@code getNewPage}
     * returns. Successfully migrated pages leave {@code from}; failed ones stay (still isolated)
     * for the caller's {@link #putbackMovablePages}. Returns the number of pages not migrated,
     * or -ENOMEM when no target page could be allocated.
     */
    public int migratePages(List<Long> from, LongUnaryOperator getNewPage, MigrateMode mode, MigrateReason reason) {
        try (var f = k.enter("migrate_pages")) {
            int failed = 0;
            List<Long> retry = new ArrayList<>(from);
            List<Long> failedList = new ArrayList<>();
            for (int pass = 0; pass < NR_MAX_MIGRATE_PAGES_RETRY && !retry.isEmpty(); pass++) {
                List<Long> again = new ArrayList<>();
                for (int i = 0; i < retry.size(); i++) {
                    long pfn = retry.get(i);
                    if (pages.compoundOrder(pfn) > 0) {
                        // migrate_pages_batch() without whole-THP migration (no set_pmd_migration_entry in
                        // the model): split the THP (try_split_folio) and migrate its pages; the tails
                        // join this pass and the caller's list. A pinned THP cannot be split and stays.
                        int split = trySplitFolio(pfn, retry, from);
                        if (split != 0) {
                            um.count(VmEvent.THP_MIGRATION_FAIL);
                            if (split == Errno.EAGAIN.neg()) again.add(pfn);
                            else failedList.add(pfn);
                            continue;
                        }
                        um.count(VmEvent.THP_MIGRATION_SPLIT);
                    }
                    int rc = unmapAndMove(pfn, getNewPage, mode, reason);
                    if (rc == 0) {
                        from.remove((Object) pfn);
                        um.count(VmEvent.PGMIGRATE_SUCCESS);
                    } else if (rc == Errno.EAGAIN.neg()) {
                        again.add(pfn);
                    } else if (rc == Errno.ENOMEM.neg()) {
                        return Errno.ENOMEM.neg();
                    } else {
                        failedList.add(pfn);
                    }
                }
                retry = again;
            }
            failed = failedList.size() + retry.size();
            um.count(VmEvent.PGMIGRATE_FAIL, failed);
            return failed;
        }
    }

    /**
     * try_split_folio(): lock the isolated THP and split it; the tails (isolated, a reference each)
     * are appended to {@code pass} and {@code from}. 0, or the split's errno.
     */
    private int trySplitFolio(long head, List<Long> pass, List<Long> from) {
        try (var f = k.enter("try_split_folio")) {
            if (!um.trylockPage(head)) return Errno.EAGAIN.neg();
            List<Long> tails = new ArrayList<>();
            int rc = splitHugePage.splitHugePage(head, tails);
            um.unlockPage(head);
            pass.addAll(tails);
            from.addAll(tails);
            return rc;
        }
    }

    /** putback_movable_pages(): failed pages go back to the LRU. */
    public void putbackMovablePages(List<Long> list) {
        try (var f = k.enter("putback_movable_pages")) {
            for (Iterator<Long> it = list.iterator(); it.hasNext(); ) {
                vmscan.putbackLruPage(it.next());
                it.remove();
            }
        }
    }

    /** unmap_and_move() (migrate_folio_unmap + migrate_folio_move): 0, -EAGAIN, -ENOMEM or -EBUSY. */
    private int unmapAndMove(long src, LongUnaryOperator getNewPage, MigrateMode mode, MigrateReason reason) {
        try (var f = k.enter("unmap_and_move")) {
            if (pages.refcount(src) == 1) {
                // page was freed from under us (only our isolation ref left): nothing to migrate
                pages.clear(src, PageFlag.ACTIVE);
                releaseSource(src, reason, true);
                return 0;
            }
            long dst = getNewPage.applyAsLong(src);
            if (dst < 0) return Errno.ENOMEM.neg();
            if (!um.trylockPage(src)) {
                if (mode == MigrateMode.ASYNC) { um.putPage(dst); return Errno.EAGAIN.neg(); }
                um.lockPage(src);
            }
            if (pages.test(src, PageFlag.WRITEBACK)) {
                um.unlockPage(src);
                um.putPage(dst);
                return Errno.EBUSY.neg();
            }
            AnonVma av = null;
            if (um.pageAnon(src)) {
                av = rmap.anonVmaOf(src); // page_get_anon_vma(): pin it across the unmap
                if (av != null) av.refcount++;
            }
            um.trylockPage(dst);
            boolean wasMapped = um.pageMapped(src);
            int rc = Errno.EAGAIN.neg();
            if (wasMapped) rmap.migration.tryToMigrate(src);
            if (!um.pageMapped(src)) rc = moveToNewPage(dst, src);
            if (wasMapped) rmap.migration.removeMigrationPtes(src, rc == 0 ? dst : src);
            um.unlockPage(dst);
            um.unlockPage(src);
            if (av != null) rmap.putAnonVma(av);
            if (rc != 0) {
                um.putPage(dst);
                return rc;
            }
            // the new page joins the LRU; its allocation reference is dropped (mappings hold theirs)
            vmscan.putbackLruPageNotIsolated(dst);
            releaseSource(src, reason, false);
            return 0;
        }
    }

    /**
     * migrate_folio() / migrate_page_move_mapping() for an anonymous page: the expected
     * references are ours (isolation) plus the swap cache's; anything else (a GUP pin, a
     * speculative get_page) makes the move fail with -EAGAIN. Then flags and mapping move over.
     */
    private int moveToNewPage(long dst, long src) {
        try (var f = k.enter("migrate_folio")) {
            if (!um.pageAnon(src)) {
                // a shmem page: the isolator's reference and the page cache's; the cache slot moves
                if (!shmem.migrateMapping(src, dst, 2)) return Errno.EAGAIN.neg();
                if (pages.test(src, PageFlag.SWAPBACKED)) pages.set(dst, PageFlag.SWAPBACKED);
                for (PageFlag fl : new PageFlag[] {PageFlag.UPTODATE, PageFlag.DIRTY, PageFlag.REFERENCED, PageFlag.ACTIVE}) {
                    if (pages.testClear(src, fl)) pages.set(dst, fl);
                }
                return 0;
            }
            boolean swapcache = pages.test(src, PageFlag.OWNER_PRIV_1);
            int expected = 1 + (swapcache ? 1 : 0);
            if (swapcache) swapState.xaLock.lock();
            if (pages.refcount(src) != expected) {
                if (swapcache) swapState.xaLock.unlock();
                return Errno.EAGAIN.neg();
            }
            pages.setIndex(dst, pages.index(src));
            pages.setMapping(dst, pages.mapping(src));
            if (pages.test(src, PageFlag.SWAPBACKED)) pages.set(dst, PageFlag.SWAPBACKED);
            if (swapcache) {
                // the swap cache slot now points at the new page; its reference moves with it
                um.getPage(dst);
                pages.set(dst, PageFlag.OWNER_PRIV_1);
                pages.setPrivateData(dst, pages.privateData(src));
                swapState.replaceCachedPage(src, dst);
                pages.clear(src, PageFlag.OWNER_PRIV_1);
                pages.setPrivateData(src, 0);
                pages.refAdd(src, -1);
                swapState.xaLock.unlock();
            }
            // folio_migrate_flags(): the page state follows the data
            for (PageFlag fl : new PageFlag[] {PageFlag.UPTODATE, PageFlag.DIRTY, PageFlag.REFERENCED, PageFlag.ACTIVE}) {
                if (pages.testClear(src, fl)) pages.set(dst, fl);
            }
            return 0;
        }
    }

    /** The source page after migration: freed by put_page (mainline) or putback_lru_page (v4.6). */
    private void releaseSource(long src, MigrateReason reason, boolean freedUnderUs) {
        try (var f = k.enter("migrate_folio_done")) {
            // move_to_new_folio(): a page-cache source forgets its mapping once its PTEs point at
            // the new page (anonymous ones keep it until freed, for PageAnon)
            if (!freedUnderUs && (pages.mapping(src) & MmCore.PAGE_MAPPING_FLAGS) == 0) pages.setMapping(src, 0);
            um.modIsolated(src, -1);
            if (reason == MigrateReason.MEMORY_FAILURE) {
                // also when freed under us: v4.6 and mainline both treat that as a success
                memoryFailureHook.releaseSource(src);
                return;
            }
            if (oldEra() && !freedUnderUs) {
                swap.lruCacheAdd(src); // putback_lru_page(): via the LRU batch...
                um.putPage(src);     // ...dropping our reference; the batch drain frees it
            } else {
                um.putPage(src);
            }
        }
    }
}
