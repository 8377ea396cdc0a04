package mmsim.mm.page_alloc;

import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.Zone;

/**
 * The buddy side of memory-failure (mm/page_alloc.c): take_page_off_buddy() lifts one poisoned
 * page out of whatever free block holds it (break_down_buddy_pages gives the rest back) and marks
 * it taken off (private = MAGIC_HWPOISON); put_page_back_buddy() returns it when unpoison drops
 * the last reference. Poisoned pages stay off the allocator in between (v5.10+).
 *
 * <p>Locking: zone-&gt;lock around each, as in the kernel.
 */
final class HwpoisonBuddy {
    private final BuddyAllocator b;

    HwpoisonBuddy(BuddyAllocator b) { this.b = b; }

    /**
     * take_page_off_buddy(): removes one page from whatever free block holds it, splitting the
     * rest back onto the free lists (break_down_buddy_pages). Marks it MAGIC_HWPOISON in private.
     * False when the page is not free in the buddy.
     */
    boolean takePageOffBuddy(long pfn) {
        try (var f = b.kernel().enter("take_page_off_buddy")) {
            Zone zone = b.pageZone(pfn);
            zone.lock.lock();
            try {
                for (int order = 0; order < Zone.NR_PAGE_ORDERS; order++) {
                    long head = pfn & ~((1L << order) - 1);
                    if (b.memmap().isBuddy(head) && b.memmap().privateData(head) >= order) {
                        int pageOrder = b.memmap().privateData(head);
                        int mt = b.pageblockMigratetype(head);
                        b.delFromFreeList(zone, head, pageOrder, mt);
                        BuddyAllocator.accountFreepages(zone, -(1L << pageOrder), mt);
                        breakDownBuddyPages(zone, head, pfn, pageOrder, mt);
                        b.memmap().setPrivateData(pfn, BuddyAllocator.MAGIC_HWPOISON);
                        return true;
                    }
                    if (b.memmap().refcount(head) > 0) break;
                }
                return false;
            } finally {
                zone.lock.unlock();
            }
        }
    }

    private void breakDownBuddyPages(Zone zone, long pfn, long target, int high, int mt) {
        long size = 1L << high;
        while (high > 0) {
            high--;
            size >>= 1;
            long other;
            if (target >= pfn + size) {
                other = pfn;
                pfn = pfn + size;
            } else {
                other = pfn + size;
            }
            b.addToFreeList(zone, other, high, mt, false);
            BuddyAllocator.accountFreepages(zone, size, mt);
        }
    }

    /**
     * put_page_back_buddy(): the reverse, for unpoison. Under zone->lock, drops the reference
     * memory-failure pinned the taken-off page with (page_handle_poison's page_ref_inc); when that
     * was the last, the page goes back to the free lists and loses PG_hwpoison. True when it did.
     */
    boolean putPageBackBuddy(long pfn) {
        try (var f = b.kernel().enter("put_page_back_buddy")) {
            Zone zone = b.pageZone(pfn);
            zone.lock.lock();
            try {
                if (!b.memmap().putPageTestzero(pfn, "put_page_back_buddy:put_page_testzero")) return false;
                b.memmap().setPrivateData(pfn, 0);           // ClearPageHWPoisonTakenOff
                b.freeOnePageLocked(zone, pfn, 0, b.pageblockMigratetype(pfn), BuddyAllocator.FPI_NONE);
                return b.memmap().testAndClear(pfn, PageFlag.HWPOISON, "TestClearPageHWPoison");
            } finally {
                zone.lock.unlock();
            }
        }
    }
}
