package mmsim.mm.memory_hotplug;

import mmsim.kernel.Access;
import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.Gfp;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.MigrateType;
import mmsim.mm.linux.MmCore;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.PageType;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.ZoneType;
import mmsim.mm.migrate.Migrate;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.page_isolation.PageIsolation;
import mmsim.mm.sparse.SparseMem;
import mmsim.mm.swap.Swap;
import mmsim.mm.vmscan.Vmscan;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * The offline half of mm/memory_hotplug.c: offline_pages (isolate, MEM_GOING_OFFLINE, the
 * scan_movable_pages / do_migrate_range loop, take the free pages off the buddy, MEM_OFFLINE,
 * failed_removal) and has_unmovable_pages / v4.6 is_mem_section_removable, which removable_show
 * and offline share. Reached through {@link MemoryHotplug}, which owns the locks and the notifier.
 *
 * <p>Locking: offline_pages runs with mem_hotplug_lock held for write (asserted); the migration
 * takes the page and LRU locks of mm/migrate.c; the pfn scans read the memmap locklessly with a
 * preemption point per pageblock. Lock order: the mm lock tree in the {@code mmsim.mm} package-info.
 */
final class OfflinePages {
    private final Kernel k;
    private final MachineLayout layout;
    private final MmCore core;
    private final PageIsolation isolation;
    private final Swap swap;
    private final Vmscan vmscan;
    private final Migrate migrate;
    private final SparseMem sparse;
    private final Memmap memmap;
    private final BuddyAllocator ba;
    private final MemoryHotplug hp;
    private final boolean v46;
    /** The "System RAM" resources of iomem (MemoryHotplug's), read by walk_system_ram_range. */
    private final TreeMap<Long, Long> systemRam;
    /** Messages printed under migrate_rs in the current offline_pages. */
    private int migrateMessages;

    OfflinePages(Kernel k, MachineLayout layout, MmCore core, PageIsolation isolation, Swap swap, Vmscan vmscan,
            Migrate migrate, SparseMem sparse, Memmap memmap, BuddyAllocator ba, MemoryHotplug hp, boolean v46,
            TreeMap<Long, Long> systemRam) {
        this.k = k;
        this.layout = layout;
        this.core = core;
        this.isolation = isolation;
        this.swap = swap;
        this.vmscan = vmscan;
        this.migrate = migrate;
        this.sparse = sparse;
        this.memmap = memmap;
        this.ba = ba;
        this.hp = hp;
        this.v46 = v46;
        this.systemRam = systemRam;
    }

    /** is_mem_section_removable() (v4.6): no pageblock of the range has unmovable pages. */
    boolean isMemSectionRemovable(long startPfn, long nrPages) {
        for (long pb = startPfn; pb < startPfn + nrPages; pb += Zone.PAGEBLOCK_NR_PAGES) {
            if (!memmap.backed(pb) || memmap.poisoned(pb)) continue;
            // is_pageblock_removable_nolock(): outside its zone's span (a hole's struct page) is not removable
            if (!ba.pageZone(pb).spans(pb)) return false;
            if (hasUnmovablePages(pb, pb + Zone.PAGEBLOCK_NR_PAGES, true) >= 0) return false;
        }
        return true;
    }

    /**
     * has_unmovable_pages() (mm/page_isolation.c; v4.6 mm/page_alloc.c): the first pfn of
     * [start, end) that can be neither freed nor migrated, or -1. Free buddy pages, LRU pages and
     * (offlining) hwpoisoned / PageOffline pages are fine; anything in ZONE_MOVABLE passes (mainline:
     * except PG_reserved); v4.6 passes whole MIGRATE_MOVABLE pageblocks.
     */
    private long hasUnmovablePages(long start, long end, boolean memoryOffline) {
        Zone zone = ba.pageZone(start);
        if (v46) {
            if (zone.type == ZoneType.MOVABLE) return -1;
            int mt = ba.pageblockMigratetype(start);
            if (mt == MigrateType.MOVABLE || mt == MigrateType.CMA) return -1;
        }
        for (long p = start; p < end; p++) {
            long fl = memmap.flags(p);
            if (!v46 && (fl & PageFlag.RESERVED.mask) != 0) return p;
            if (zone.type == ZoneType.MOVABLE) continue;
            if (memmap.refcount(p) == 0) {
                if (memmap.isBuddy(p)) p += (1L << memmap.privateData(p)) - 1;
                continue;
            }
            if (memoryOffline && (fl & PageFlag.HWPOISON.mask) != 0) continue;
            if (memoryOffline && memmap.hasType(p, PageType.OFFLINE)) continue;
            if ((headFlags(p) & PageFlag.LRU.mask) != 0) continue;
            if (v46 && (fl & PageFlag.RESERVED.mask) != 0) return p;
            return p;
        }
        return -1;
    }

    /** The flags of the page's head (PageLRU is a PF_HEAD flag). */
    private long headFlags(long p) {
        if (memmap.isTail(p)) return memmap.flags(memmap.compoundHead(p, k.currentFunction()));
        return memmap.flags(p);
    }

    /**
     * offline_pages(start_pfn, nr_pages, zone): isolates the range's pageblocks (-EBUSY "failure to
     * isolate range" when a pageblock holds an unmovable page), notifies MEM_GOING_OFFLINE (a veto
     * ends in MEM_CANCEL_OFFLINE), then repeats migrating the LRU pages out (mm/migrate.c,
     * MR_MEMORY_HOTPLUG) until every page is free and isolated; takes the free pages off the
     * buddy allocator, clears SECTION_IS_ONLINE, adjusts the counts, notifies MEM_OFFLINE and
     * poisons the memmap again (mainline). Any failure after isolation undoes it and notifies
     * MEM_CANCEL_OFFLINE.
     *
     * <p>A page that never becomes free (pinned, or an unmovable page in ZONE_MOVABLE) keeps the
     * kernel's loop going until the writer gets a signal; the model sends that signal after
     * {@link MemoryHotplug#MemoryHotplug.OFFLINE_MAX_PASSES} passes: mainline returns -EINTR ("signal backoff"), v4.6 -EAGAIN
     * (its 120 s timeout).
     */
    int offlinePagesInZone(long startPfn, long nrPages, Zone zone) {
        try (var f = k.enter("offline_pages")) {
            hp.assertMemHotplugHeldWrite();
            long end = startPfn + nrPages;
            String reason;
            int ret;
            if (nrPages == 0 || startPfn % Zone.PAGEBLOCK_NR_PAGES != 0 || end % sparse.pagesPerSection() != 0) {
                k.warn("mm/memory_hotplug.c", 1930, "offline_pages: misaligned range");
                return Errno.EINVAL.neg();
            }
            if (!rangeIsSystemRam(startPfn, end)) {
                ret = Errno.EINVAL.neg();
                reason = "memory holes";
                return failedRemoval(startPfn, end, reason, ret);
            }
            if (ba.pageZone(startPfn) != zone || ba.pageZone(end - 1) != zone) {
                ret = Errno.EINVAL.neg();
                reason = "multizone range";
                return failedRemoval(startPfn, end, reason, ret);
            }
            // zone_pcp_disable + lru_cache_disable: nothing of the range may sit on a per-cpu list
            ba.drainAllPages(zone);
            lruCacheDrain();
            // start_isolate_page_range(): set_migratetype_isolate checks has_unmovable_pages per
            // pageblock under zone->lock, then isolates
            for (long pb = startPfn; pb < end; pb += Zone.PAGEBLOCK_NR_PAGES) {
                long bad;
                zone.lock.lock();
                try {
                    bad = hasUnmovablePages(pb, pb + Zone.PAGEBLOCK_NR_PAGES, true);
                } finally {
                    zone.lock.unlock();
                }
                if (bad >= 0) {
                    if (!v46) dumpUnmovable(bad);
                    return failedRemoval(startPfn, end, "failure to isolate range", Errno.EBUSY.neg());
                }
            }
            isolation.startIsolatePageRange(startPfn, end);
            migrateMessages = 0;
            MemoryNotify arg = new MemoryNotify(startPfn, nrPages, nodeLosesLastMemory(zone, nrPages) ? zone.nid() : -1);
            ret = MemoryNotifier.notifierToErrno(hp.memoryNotify(MemoryNotifier.MEM_GOING_OFFLINE, arg));
            if (ret != 0) return failedRemovalIsolated(startPfn, end, arg, "notifier failure", ret);
            int passes = 0;
            while (true) {
                if (++passes > MemoryHotplug.OFFLINE_MAX_PASSES)
                    return failedRemovalIsolated(startPfn, end, arg, v46 ? "timeout" : "signal backoff",
                            v46 ? Errno.EAGAIN.neg() : Errno.EINTR.neg());
                k.point("offline_pages:cond_resched", null, Access.NONE);
                long pfn = startPfn;
                boolean unmovable = false;
                while (true) {
                    long found = scanMovablePages(pfn, end);
                    if (found == -1) break;
                    if (found == -2) { unmovable = true; break; }
                    pfn = doMigrateRange(found, end);
                }
                if (unmovable) return failedRemovalIsolated(startPfn, end, arg, "unmovable page", Errno.EBUSY.neg());
                ba.drainAllPages(zone);
                if (isolation.testPagesIsolated(startPfn, end) == 0) break;
                lruCacheDrain();
            }
            // __offline_isolated_pages(): free pages out of the buddy, sections no longer online
            ba.offlineIsolatedPages(startPfn, end);
            sparse.offlineMemSections(startPfn, end);
            if (v46) {
                for (long p = startPfn; p < end; p++) memmap.setBit(p, PageFlag.RESERVED);
                k.log().printk("Offlined Pages " + nrPages);
            }
            if (v46) {
                // v4.6: "reset pagetype flags and makes migrate type to be MOVABLE"
                isolation.undoIsolatePageRange(startPfn, end, MigrateType.MOVABLE);
            } else {
                // the pageblocks keep their stale MIGRATE_ISOLATE marks (memmap_init_range of the
                // next online overwrites them); only the zone's count of isolated blocks is fixed up
                zone.lock.lock();
                try {
                    zone.nrIsolatePageblock -= (int) (nrPages / Zone.PAGEBLOCK_NR_PAGES);
                } finally {
                    zone.lock.unlock();
                }
            }
            k.point("offline_pages:adjust_managed_page_count", zone, Access.WRITE);
            zone.adjustManagedPages(-nrPages);
            zone.adjustPresentPages(-nrPages);
            ba.initPerZoneWmarkMin();
            if (!zone.populated()) ba.buildAllZonelists();   // the zone emptied: zone_pcp_reset, then the rebuild
            hp.memoryNotify(MemoryNotifier.MEM_OFFLINE, arg);
            if (!v46) hp.removePfnRangeFromZone(zone, startPfn, nrPages);
            return 0;
        }
    }

    private void dumpUnmovable(long pfn) {
        // set_migratetype_isolate with REPORT_FAILURE: dump_page(unmovable, "unmovable page")
        k.log().printk(mmsim.mm.linux.DumpPage.dumpPage(memmap, pfn, "unmovable page"));
    }

    private int failedRemovalIsolated(long start, long end, MemoryNotify arg, String reason, int ret) {
        isolation.undoIsolatePageRange(start, end, MigrateType.MOVABLE);
        hp.memoryNotify(MemoryNotifier.MEM_CANCEL_OFFLINE, arg);
        return failedRemoval(start, end, reason, ret);
    }

    /** failed_removal: pr_debug on mainline (not in the log by default), KERN_INFO on v4.6. */
    private int failedRemoval(long start, long end, String reason, int ret) {
        if (v46) {
            int shift = layout.arch().pageShift();
            k.log().printk(String.format(Locale.ROOT, "memory offlining [mem %#010x-%#010x] failed", start << shift, (end << shift) - 1));
        }
        return ret;
    }

    private boolean nodeLosesLastMemory(Zone zone, long nrPages) {
        return zone.pgdat.nodePresentPages() <= nrPages;
    }

    /** walk_system_ram_range(): the whole range is iomem "System RAM". */
    private boolean rangeIsSystemRam(long startPfn, long endPfn) {
        int shift = layout.arch().pageShift();
        long s = startPfn << shift, e = endPfn << shift;
        while (s < e) {
            var en = systemRam.floorEntry(s);
            if (en == null || en.getValue() <= s) return false;
            s = en.getValue();
        }
        return true;
    }

    /** lru_add_drain_all(): pages in per-CPU LRU batches reach the LRU (PG_lru) so they can be isolated. */
    private void lruCacheDrain() {
        swap.lruAddDrainAll();
    }

    /**
     * scan_movable_pages(): the first LRU page of [start, end) (-1 = -ENOENT none left, -2 =
     * -EBUSY a PageOffline page with a reference, which neither migrates nor frees).
     */
    private long scanMovablePages(long start, long end) {
        for (long p = start; p < end; p++) {
            // lockless pfn walk; one point per pageblock keeps the explorer's choices few (the
            // flags it reads are re-checked under the page's isolation in do_migrate_range)
            if ((p & (Zone.PAGEBLOCK_NR_PAGES - 1)) == 0) k.point("scan_movable_pages", memmap.sectionOf(p), Access.READ);
            if (memmap.isBuddy(p)) { p += (1L << memmap.privateData(p)) - 1; continue; }
            if ((headFlags(p) & PageFlag.LRU.mask) != 0) return p;
            if (memmap.hasType(p, PageType.OFFLINE) && memmap.refcount(p) > 0) return -2;
        }
        return -1;
    }

    /**
     * do_migrate_range(): isolates the LRU pages from {@code start} (hwpoisoned ones are skipped),
     * migrates them to pages allocated outside the range (MR_MEMORY_HOTPLUG), puts back the ones
     * that failed. Returns the pfn to continue scanning from.
     */
    private long doMigrateRange(long start, long end) {
        try (var f = k.enter("do_migrate_range")) {
            List<Long> source = new ArrayList<>();
            long p = start;
            for (; p < end && source.size() < 512; p++) {
                if ((headFlags(p) & PageFlag.LRU.mask) == 0 || memmap.isTail(p)) continue;
                if (memmap.testBit(p, PageFlag.HWPOISON)) continue;
                k.point("do_migrate_range:get_page_unless_zero", memmap.sectionOf(p), Access.WRITE);
                int rc = memmap.refcount(p);
                if (rc == 0) continue;
                memmap.setRefcount(p, rc + 1);
                if (vmscan.isolateLruPage(p) == 0) {
                    source.add(p);
                } else if (migrateRatelimit()) {
                    k.log().printk(String.format(Locale.ROOT, "failed to isolate pfn %x", p));
                    k.log().printk(mmsim.mm.linux.DumpPage.dumpPage(memmap, p, "isolation failed"));
                }
                core.putPage(p);
            }
            if (!source.isEmpty()) {
                int nid = ba.pageZone(source.get(0)).nid();
                int target = nid;
                for (int n = 0; n < ba.nrNodes(); n++) if (n != nid && ba.node(n).nodePresentPages() > 0) { target = n; break; }
                final int t = target;
                int ret = migrate.migratePages(source, src -> ba.allocPagesNode(t, Gfp.GFP_HIGHUSER_MOVABLE, 0),
                        mmsim.mm.migrate.Migrate.MigrateMode.SYNC, mmsim.mm.migrate.Migrate.MigrateReason.MEMORY_HOTPLUG);
                if (ret != 0) {
                    for (long s : source) {
                        if (!migrateRatelimit()) break;
                        k.log().printk(String.format(Locale.ROOT, "migrating pfn %x failed ret:%d", s, ret));
                        k.log().printk(mmsim.mm.linux.DumpPage.dumpPage(memmap, s, "migration failure"));
                    }
                    migrate.putbackMovablePages(source);
                }
            }
            return p;
        }
    }

    /**
     * migrate_rs (DEFINE_RATELIMIT_STATE, DEFAULT_RATELIMIT_BURST 10 per 5 s): the model has no
     * clock, so the burst is counted per offline_pages call.
     */
    private boolean migrateRatelimit() {
        return migrateMessages++ < 10;
    }
}
