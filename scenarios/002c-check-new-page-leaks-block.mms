# Seed 002 (c): a soft-offlined free page inside a free block; an order-9 allocation takes the block.
#
# The thread: "[PATCH v3 01/16] mm: use put_page to free page instead of putback_lru_page" (Minchan
# Kim's non-LRU migration series; Naoya Horiguchi and Vlastimil Babka, linux-mm, 4-6 April 2016).
# Naoya's aside:
#
#     when check_new_page() returns 1, the whole buddy block (not only the bad page) seems to be
#     leaked from buddy freelist. For example, if thp (order 9) is requested, and PageHWPoison (or
#     any other types of bad pages) is found in an order 9 block, all 512 page are discarded.
#     Unpoison can't bring it back to buddy.
#
# In 2016 soft offline of a free page only sets PG_hwpoison on it where it lies, inside a free
# block of the buddy lists (TestSetPageHWPoison, no zone->lock). prep_new_page -> check_new_page
# then finds the flag when an allocation takes the block: bad_page() stays silent for hwpoisoned
# pages, the allocator retries with another block, and the 2^order pages of the first one are
# never freed again. unpoison_memory() later sees a refcount-0 page that no list holds, clears the
# flag ("Software-unpoisoned free page") and returns 0: the page is now lost as well.
#
# The program: setup takes an order-9 block and frees it again, so it heads the free lists; CPU A
# soft-offlines its first page through /sys/devices/system/memory/soft_offline_page (a physical
# address); CPU B asks for a THP-sized block (order 9), then unpoisons the pfn through
# debugfs hwpoison/unpoison-pfn (modprobe hwpoison-inject). The whole-model check at the end
# reports pages that are on no list, not reserved, not poisoned and not in use: a "leak".
#
# Variants (mmsim.mm.memory_failure.HwpoisonFlow):
#   v4.2-rc-set-before-migrate, v4.6, swap-order
#                       the free-page path is the same in all 2016 variants: flag set inside the
#                       buddy block. EXPECTED leak whenever the flag comes before B's allocation.
#   vlastimil-testzero  the proposal changes only the migrated source's last put; a free page is
#                       still flagged in the buddy. Does the proposal close this leak too? The
#                       explorer's answer (INTERESTING).
#   v4.19               set_hwpoison_free_buddy_page() under zone->lock: the same flag in a free
#                       block, only race-free against allocation. EXPECTED leak.
#   v5.10, mainline     page_handle_poison -> take_page_off_buddy(): the poisoned page leaves the
#                       buddy, so no allocation can meet it; unpoison puts it back
#                       (put_page_back_buddy, mainline). A leak is FORBIDDEN.
scenario 002c-check-new-page-leaks-block
title    a soft-offlined free page in a free block: check_new_page drops the whole order-9 block, unpoison cannot bring it back
thread   "[PATCH v3 01/16] mm: use put_page to free page instead of putback_lru_page" (linux-mm, 4-6 April 2016)
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +127M           # the rest of 128 MiB
  reserve 0x100000 +15M         # kernel image
end
variant v4.2-rc-set-before-migrate era=v4.6 hwpoison-set-before-migrate
variant v4.6                       era=v4.6
variant swap-order                 era=v4.6 hwpoison-set-before-put
variant vlastimil-testzero         era=v4.6 hwpoison-put-testzero
variant v4.19                      era=v4.6 hwpoison-set-free-buddy
variant v5.10                      era=mainline hwpoison-no-mf-mutex CONFIG_PER_VMA_LOCK=n
variant mainline                   era=mainline
setup
  modprobe hwpoison-inject
  alloc_pages 9 -> blk          # a THP-sized block ...
  free_pages $blk 9             # ... back at the head of the free lists
end
cpu A "echo ADDR > soft_offline_page"
  echo $blk*4K > /sys/devices/system/memory/soft_offline_page -> r
end
cpu B "alloc_pages(order 9); echo PFN > unpoison-pfn"
  alloc_pages 9 -> x
  echo $blk > /sys/kernel/debug/hwpoison/unpoison-pfn -> u
end
expect v4.2-rc-set-before-migrate leak EXPECTED "the poisoned page's block is dropped by check_new_page; unpoison cannot bring it back"
expect v4.6                       leak EXPECTED "the poisoned page's block is dropped by check_new_page; unpoison cannot bring it back"
expect swap-order                 leak EXPECTED "the poisoned page's block is dropped by check_new_page; unpoison cannot bring it back"
expect v4.19                      leak EXPECTED "set_hwpoison_free_buddy_page still leaves the page in its free block"
expect vlastimil-testzero         leak INTERESTING "the proposal diverts only the migrated source; a free page is still flagged in the buddy"
expect *                          leak FORBIDDEN "v5.10+: poisoned pages are taken off the buddy"
expect *                          passed r=-EIO ACCEPTABLE "B took the block first: soft offline refuses a page the kernel holds (not on the LRU)"
expect *                          passed r!=ok FORBIDDEN "soft offline of a free page succeeds"
expect *                          passed ACCEPTABLE "the allocation ran before the page was poisoned, or never met it"
bound 1
