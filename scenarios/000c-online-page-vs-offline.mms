# Seed 000, what is left today: pfn_to_online_page() succeeds, then the block goes offline under
# the reader.
#
# Since aad5f69bc161 (v5.4, David Hildenbrand, "fs/proc/page.c: don't access uninitialized
# memmaps in fs/proc/page.c") the kpage* readers ask pfn_to_online_page() instead of pfn_valid(),
# so offline and never-onlined memory reads as KPF_NOPAGE. David's changelog names the window
# that remains: the readers take no get_online_mems(), so between the check and the reads of
# struct page the block can be offlined, and offline_pages() poisons the memmap again
# (remove_pfn_range_from_zone -> page_init_poison). In the thread's terms (Joonsoo Kim, 2016):
#
#     kpageflags_read
#     pfn_valid                     <- today: pfn_to_online_page
#                                             remove_memory   <- today: offline_pages, re-poison
#     stable_page_flags
#     crash!
#
# and his "There is similar race with struct page for offlined memory" is still true. CPU A
# reads the kpageflags entry of memory1's first pfn; CPU B offlines memory1 through sysfs.
#
# What the model produces: the poisoned compound_head word (all ones) decodes to a head page at
# fffffffffffffffe, and page_folio()'s read of it faults there, the oops of aad5f69bc161's own
# changelog. This is a known, documented residual race of mainline: EXPECTED, not "holds".
#
# Variants:
#   mainline   today's reader and offline: the oops is EXPECTED.
#   v4.6       for contrast: 2016's offline left the memmap initialised (PG_reserved), so the
#              same window read a stale but valid struct page on a 64-bit kernel; the crashes of
#              2016 were page_ext (scenario 000) and remove_memory (000b), not this one.
scenario 000c-online-page-vs-offline
title    pfn_to_online_page() succeeds, then offline_pages re-poisons the memmap under stable_page_flags
thread   "[PATCH] mm: check the return value of lookup_page_ext for all call sites" (linux-mm, May 2016); aad5f69bc161 (v5.4)
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +255M           # memory0 and memory1 (pfn 0x8000-0xffff)
  reserve 0x100000 +15M         # kernel image
end
variant mainline era=mainline
variant v4.6     era=v4.6
cpu A "cat /proc/kpageflags"
  read /proc/kpageflags at 0x40000 count 8 -> flags     # pfn 0x8000, the first of memory1
end
cpu B "echo offline > memory1/state"
  echo offline > /sys/devices/system/memory/memory1/state -> r
end
expect mainline oops EXPECTED "the residual race of aad5f69bc161: the memmap is poisoned again under the reader"
expect * passed r!=ok FORBIDDEN "offlining an idle, movable block must succeed"
expect * passed ACCEPTABLE "the reader ran before the offline, saw the block offline (NOPAGE), or read a stale page"
bound 1
