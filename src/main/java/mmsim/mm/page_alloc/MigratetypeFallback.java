package mmsim.mm.page_alloc;

import mmsim.mm.linux.MigrateType;
import mmsim.mm.linux.FreeArea;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.PageFlag;

/**
 * Migratetype fallback of mm/page_alloc.c: when the wanted type's free lists are empty,
 * __rmqueue_fallback raids another type's lists from the largest order down, and
 * steal_suitable_fallback/try_to_claim_block claims the whole pageblock when that is worth it
 * (simplified: PG_lru pages count as "movable alike"). move_freepages moves a range's free blocks
 * between types.
 *
 * <p>Locking: everything here runs under zone-&gt;lock (move_freepages asserts it).
 */
final class MigratetypeFallback {
    private final BuddyAllocator b;
    private final Memmap memmap;

    MigratetypeFallback(BuddyAllocator b) {
        this.b = b;
        this.memmap = b.memmap();
    }

    /** __rmqueue_fallback(): raid another type's lists, largest blocks first (see the class comment). */
    long rmqueueFallback(Zone zone, int order, int startMt) {
        if (startMt >= MigrateType.PCPTYPES) return -1;
        int current;
        int fallbackMt = -1;
        boolean canSteal = false;
        for (current = Zone.MAX_PAGE_ORDER; current >= order; current--) {
            fallbackMt = findSuitableFallback(zone.freeArea[current], current, startMt);
            if (fallbackMt < 0) continue;
            canSteal = canStealFallback(current, startMt);
            if (!canSteal && startMt == MigrateType.MOVABLE && current > order) {
                // find_smallest: don't break up a large block for a movable allocation that cannot claim it
                for (current = order; current < Zone.NR_PAGE_ORDERS; current++) {
                    fallbackMt = findSuitableFallback(zone.freeArea[current], current, startMt);
                    if (fallbackMt >= 0) break;
                }
                canSteal = false;
            }
            break;
        }
        if (fallbackMt < 0 || current >= Zone.NR_PAGE_ORDERS || current < order) return -1;
        long pfn = Integer.toUnsignedLong(zone.freeArea[current].head[fallbackMt]);
        return stealSuitableFallback(zone, pfn, current, order, startMt, fallbackMt, canSteal);
    }

    private static int findSuitableFallback(FreeArea area, int order, int mt) {
        if (area.nrFree == 0) return -1;
        for (int fb : MigrateType.FALLBACKS[mt]) if (!area.empty(fb)) return fb;
        return -1;
    }

    /** can_steal_fallback(). */
    private static boolean canStealFallback(int order, int startMt) {
        if (order >= Zone.PAGEBLOCK_ORDER) return true;
        return order >= Zone.PAGEBLOCK_ORDER / 2 || startMt == MigrateType.RECLAIMABLE || startMt == MigrateType.UNMOVABLE;
    }

    /** steal_suitable_fallback() / try_to_claim_block(). */
    private long stealSuitableFallback(Zone zone, long pfn, int current, int order, int startMt, int blockMt, boolean wholeBlock) {
        if (current >= Zone.PAGEBLOCK_ORDER) {
            // a whole pageblock or more: change its type(s), then split as the new type
            b.delFromFreeList(zone, pfn, current, blockMt);
            BuddyAllocator.accountFreepages(zone, -(1L << current), blockMt);
            for (long p = pfn; p < pfn + (1L << current); p += Zone.PAGEBLOCK_NR_PAGES) b.setPageblockMigratetype(p, startMt);
            long added = b.expand(zone, pfn, order, current, startMt);
            BuddyAllocator.accountFreepages(zone, added, startMt);
            return pfn;
        }
        if (wholeBlock) {
            long start = pfn & ~(Zone.PAGEBLOCK_NR_PAGES - 1L);
            long[] counts = countBlock(start);
            long freePages = counts[0], movablePages = counts[1];
            long alike;
            if (startMt == MigrateType.MOVABLE) alike = movablePages;
            else if (blockMt == MigrateType.MOVABLE) alike = Zone.PAGEBLOCK_NR_PAGES - (freePages + movablePages);
            else alike = 0;
            if (freePages + alike >= (Zone.PAGEBLOCK_NR_PAGES >> 1) && zone.spans(start) && zone.spans(start + Zone.PAGEBLOCK_NR_PAGES - 1)) {
                moveFreepages(zone, start, start + Zone.PAGEBLOCK_NR_PAGES, blockMt, startMt);
                b.setPageblockMigratetype(start, startMt);
                return b.rmqueueSmallest(zone, order, startMt);
            }
        }
        b.pageDelAndExpand(zone, pfn, order, current, blockMt);
        return pfn;
    }

    /** prep_move_freepages_block()'s counts: free pages and movable (PG_lru) pages of a pageblock. */
    private long[] countBlock(long start) {
        long free = 0, movable = 0;
        for (long p = start; p < start + Zone.PAGEBLOCK_NR_PAGES; ) {
            if (memmap.isBuddy(p)) {
                int o = memmap.privateData(p);
                free += 1L << o;
                p += 1L << o;
                continue;
            }
            if (memmap.testBit(p, PageFlag.LRU)) movable++;
            p++;
        }
        return new long[] {free, movable};
    }

    /** move_freepages(): moves every free block in [start, end) from oldMt's lists to newMt's. */
    public long moveFreepages(Zone zone, long start, long end, int oldMt, int newMt) {
        zone.lock.assertHeld();
        long moved = 0;
        for (long p = start; p < end; ) {
            if (!memmap.isBuddy(p)) {
                p++;
                continue;
            }
            int o = memmap.privateData(p);
            b.moveToFreeList(zone, p, o, oldMt, newMt);
            p += 1L << o;
            moved += 1L << o;
        }
        return moved;
    }
}
