package mmsim.mm.page_isolation;

import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.MigrateType;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.PageType;
import mmsim.mm.linux.Zone;
import mmsim.mm.page_alloc.BuddyAllocator;

/**
 * mm/page_isolation.c: isolating a pfn range from the allocator pageblock by pageblock
 * (MIGRATE_ISOLATE), undoing it, and testing that every page of the range is free - the steps
 * memory offlining (and alloc_contig_range) take around migration.
 *
 * <p>Locking: each pageblock's migratetype and its free blocks change under zone->lock, taken
 * here per pageblock; test_pages_isolated takes it once for the range. Callers hold
 * mem_hotplug_lock for write (offline_pages) so no one else isolates the same range.
 */
public final class PageIsolation {
    private final Kernel k;
    private final Memmap memmap;
    private final BuddyAllocator ba;

    public PageIsolation(Kernel k, Memmap memmap, BuddyAllocator ba) {
        this.k = k;
        this.memmap = memmap;
        this.ba = ba;
    }

    /**
     * set_migratetype_isolate() over [start, end) pageblock by pageblock: marks each pageblock
     * MIGRATE_ISOLATE and moves its free blocks to the isolate lists (no longer counted free).
     * The kernel also fails with -EBUSY when has_unmovable_pages() finds an unmovable page; the
     * model leaves that to the offline code. Returns 0.
     */
    public int startIsolatePageRange(long start, long end) {
        try (var f = k.enter("start_isolate_page_range")) {
            for (long pb = start & ~(Zone.PAGEBLOCK_NR_PAGES - 1L); pb < end; pb += Zone.PAGEBLOCK_NR_PAGES) {
                Zone zone = ba.pageZone(pb);
                zone.lock.lock();
                try {
                    int mt = ba.pageblockMigratetype(pb);
                    if (mt == MigrateType.ISOLATE) continue;
                    ba.moveFreepagesBlockLocked(zone, pb, mt, MigrateType.ISOLATE);
                    ba.setPageblockMigratetype(pb, MigrateType.ISOLATE);
                    zone.nrIsolatePageblock++;
                } finally {
                    zone.lock.unlock();
                }
            }
            return 0;
        }
    }

    /** undo_isolate_page_range(): pageblocks back to {@code mt}, free blocks with them. */
    public void undoIsolatePageRange(long start, long end, int mt) {
        try (var f = k.enter("undo_isolate_page_range")) {
            for (long pb = start & ~(Zone.PAGEBLOCK_NR_PAGES - 1L); pb < end; pb += Zone.PAGEBLOCK_NR_PAGES) {
                Zone zone = ba.pageZone(pb);
                zone.lock.lock();
                try {
                    if (ba.pageblockMigratetype(pb) != MigrateType.ISOLATE) continue;
                    ba.moveFreepagesBlockLocked(zone, pb, MigrateType.ISOLATE, mt);
                    ba.setPageblockMigratetype(pb, mt);
                    zone.nrIsolatePageblock--;
                } finally {
                    zone.lock.unlock();
                }
            }
        }
    }

    /**
     * test_pages_isolated(): 0 when every page of [start, end) is free in the buddy on an isolated
     * pageblock, hwpoisoned (any refcount) or PageOffline with refcount 0 (offline skips both), else -EBUSY.
     */
    public int testPagesIsolated(long start, long end) {
        try (var f = k.enter("test_pages_isolated")) {
            for (long pb = start; pb < end; pb += Zone.PAGEBLOCK_NR_PAGES)
                if (ba.pageblockMigratetype(pb) != MigrateType.ISOLATE) return Errno.EBUSY.neg();
            Zone zone = ba.pageZone(start);
            zone.lock.lock();
            try {
                for (long p = start; p < end; ) {
                    if (memmap.isBuddy(p)) {
                        p += 1L << memmap.privateData(p);
                    } else if (memmap.testBit(p, PageFlag.HWPOISON)) {
                        p++;   // whatever its refcount: memory_failure keeps its own reference (mm/page_isolation.c)
                    } else if (memmap.hasType(p, PageType.OFFLINE) && memmap.refcount(p) == 0) {
                        p++;   // the driver dropped its reference in MEM_GOING_OFFLINE
                    } else {
                        return Errno.EBUSY.neg();
                    }
                }
            } finally {
                zone.lock.unlock();
            }
            return 0;
        }
    }
}
