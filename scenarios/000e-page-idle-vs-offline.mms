# Seed 000's other 32-bit reader of page_ext: the idle page tracking bitmap against offline.
#
# Minchan Kim listed the page_ext users Yang Shi's NULL checks had to cover; on 32-bit the idle
# bit lives in page_ext (include/linux/page_idle.h), so besides /proc/kpageflags (scenario 000)
# there is /sys/kernel/mm/page_idle/bitmap (mm/page_idle.c):
#
#     page_idle_bitmap_read
#     page_idle_get_page(pfn)          pfn_valid, PageLRU, get_page_unless_zero
#     page_is_idle
#     lookup_page_ext                              offline_pages
#                                                  memory_notify(MEM_OFFLINE)
#                                                  offline_page_ext
#
# Unlike kpageflags, this reader only looks at page_ext of a page it holds a reference on, and
# only of an LRU page. offline_pages cannot finish while a page of the block is pinned: the
# migration of that page fails and offline retries, so MEM_OFFLINE (which frees the page_ext
# table) waits for the reader's put_page. Whether that reference is enough is the question the
# scenario puts to the explorer; no thread argued it.
#
# Setup: memory1 (pfn 0x8000-0xffff) is re-onlined as ZONE_MOVABLE so that the process's two
# anonymous pages come from it (GFP_HIGHUSER_MOVABLE prefers ZONE_MOVABLE), then every pfn of
# the bitmap word of the first page is marked idle. CPU A reads that word back; CPU B
# offlines memory1, migrating the pages to memory0.
#
# What the explorer answered (bound 1, exhaustive): v4.6 and v4.7 hold: the reference taken by
# page_idle_get_page() keeps the page's migration failing, so MEM_OFFLINE and the free of the
# page_ext table wait for the reader's put_page. Mainline breaks before page_ext is reached:
# page_idle_get_folio() calls pfn_to_online_page(), and offline_pages poisons the memmap under
# it (the residual race of aad5f69bc161, scenario 000c, in a second reader).
#
# Variants, as in scenario 000:
#   v4.6                  page_idle_get_page() with pfn_valid, lookup_page_ext without NULL
#                         check, offline frees the table then writes NULL, no RCU.
#   v4.7-null-checks      f86e4271978b: NULL checks in page_is_idle/set_page_idle.
#   mainline              page_idle_get_folio() with pfn_to_online_page, page_ext_get/put (RCU).
# Bound 1: one preemption is enough for the window between the reference and page_ext.
scenario 000e-page-idle-vs-offline
title    page_idle_bitmap_read -> page_is_idle -> lookup_page_ext against offline_pages -> offline_page_ext
thread   "[PATCH] mm: check the return value of lookup_page_ext for all call sites" (linux-mm, May 2016)
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +255M           # memory0 and memory1 (pfn 0x8000-0xffff)
  reserve 0x100000 +15M         # kernel image
end
config CONFIG_64BIT=n           # page_idle's bits live in page_ext
variant v4.6                 era=v4.6 CONFIG_DEBUG_VM=n
variant v4.7-null-checks     era=v4.6 page_ext-null-checks
variant mainline             era=mainline
setup
  mmap 4K private -> z
  touch $z                      # maps the zero page before memory1 turns movable
  echo offline > /sys/devices/system/memory/memory1/state
  echo online_movable > /sys/devices/system/memory/memory1/state
  mmap 64K private -> a
  write $a 64K                  # 16 anonymous pages in memory1; page_idle tracks only LRU pages,
                                # and the per-CPU LRU batch drains when it fills
  pagemap $a pfn -> p
  pwrite /sys/kernel/mm/page_idle/bitmap at $p/64*8 words 0xffffffffffffffff -> marked
end
cpu A "cat /sys/kernel/mm/page_idle/bitmap"
  read /sys/kernel/mm/page_idle/bitmap at $p/64*8 count 8 -> idle
end
cpu B "echo offline > memory1/state"
  echo offline > /sys/devices/system/memory/memory1/state -> r
end
expect mainline oops EXPECTED "pfn_to_online_page() said online, then offline_pages poisoned the memmap (as in 000c)"
expect * oops FORBIDDEN "the page reference should hold the offline back from page_ext"
expect * kasan FORBIDDEN "the page reference should hold the offline back from page_ext"
expect v4.6 passed r=-EAGAIN ACCEPTABLE "the reader pinned a page through every retry: v4.6's offline gives up (its 120 s timeout)"
expect v4.7-null-checks passed r=-EAGAIN ACCEPTABLE "the reader pinned a page through every retry: v4.6's offline gives up (its 120 s timeout)"
expect mainline passed r=-EINTR ACCEPTABLE "the reader pinned a page through every pass: mainline retries until a signal (the model's pass limit stands for it)"
expect * passed r!=ok FORBIDDEN "offlining a movable block whose pages can migrate must succeed"
expect * passed marked!=8 FORBIDDEN "marking one word idle consumes 8 bytes"
expect * passed idle!=0x0 ACCEPTABLE "the reader ran first: LRU pages marked idle and not touched since"
expect * passed ACCEPTABLE "the reader's page reference held the offline back, or it saw the pages gone"
bound 1
