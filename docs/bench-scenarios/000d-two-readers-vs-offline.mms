# Benchmark input (docs/BENCHMARKS.md, issue 13), not part of the catalogue: scenario 000d with a
# second page_owner reader (CPU C), the 3-CPU race the issue measured.
#
# Seed 000 on a 64-bit kernel: page_owner's PFN walker reading page_ext while the block is
# offlined.
#
# Yang Shi's patch checked lookup_page_ext() at every caller, page_owner's among them, and the
# thread's race (scenario 000) is not particular to page_idle: every page_ext client that walks
# PFNs without the hotplug lock has it. On 64-bit the one such walker is page_owner's
# read_page_owner() behind /sys/kernel/debug/page_owner (mm/page_owner.c):
#
#     read_page_owner
#     pfn_valid / PageBuddy
#     lookup_page_ext
#     section->page_ext                    offline_pages
#                                          memory_notify(MEM_OFFLINE)
#                                          offline_page_ext
#                                          free the table; ms->page_ext = NULL
#     test_bit(PAGE_EXT_OWNER, &page_ext->flags)
#
# CPU A reads the file at position 0xfffe (the file position is a pfn: the walk starts at the
# last two pages of memory1, which lie inside a free buddy block, so they are not skipped as
# PageBuddy heads and their page_ext is tested); CPU B offlines memory1 through sysfs. Nothing
# here is simplified to 32 bits: CONFIG_PAGE_OWNER (page_owner=on) is what makes page_ext exist.
#
# Variants, as in 000:
#   v4.6                  no NULL check in read_page_owner; offline frees then NULLs, no RCU.
#   v4.7-null-checks      f86e4271978b: "if (unlikely(!page_ext)) continue;" in the walker.
#   page_ext-with-memmap  page_ext lives as long as the memmap: offlining leaves it.
#   mainline              page_ext_get()/page_ext_put() under RCU; the walker sees the offline
#                         block's poisoned struct pages, but only as "not PageBuddy".
scenario 000d-two-readers-vs-offline
title    read_page_owner -> lookup_page_ext against offline_pages -> offline_page_ext (64-bit, page_owner)
thread   "[PATCH] mm: check the return value of lookup_page_ext for all call sites" (linux-mm, May 2016)
layout
  arch x86_64
  cpus 3
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +255M           # memory0 and memory1 (pfn 0x8000-0xffff)
  reserve 0x100000 +15M         # kernel image
end
config CONFIG_PAGE_OWNER        # page_owner=on: page_ext tables exist on 64-bit
variant v4.6                 era=v4.6
variant v4.7-null-checks     era=v4.6 page_ext-null-checks
variant page_ext-with-memmap era=v4.6 page_ext-with-memmap
variant mainline             era=mainline
cpu A "cat /sys/kernel/debug/page_owner"
  read /sys/kernel/debug/page_owner at 0xfffe count 4096 -> rec
end
cpu C "cat /sys/kernel/debug/page_owner"
  read /sys/kernel/debug/page_owner at 0xfffe count 4096 -> rec2
end
cpu B "echo offline > memory1/state"
  echo offline > /sys/devices/system/memory/memory1/state -> r
end
expect v4.6 oops EXPECTED "the walker dereferences the NULL page_ext, or a freed table"
expect v4.6 kasan EXPECTED "the walker loaded ms->page_ext before the free and used it after"
expect v4.7-null-checks kasan INTERESTING "does the NULL check close the race? the explorer's answer"
expect v4.7-null-checks oops INTERESTING "does the NULL check close the race? the explorer's answer"
expect * passed r!=ok FORBIDDEN "offlining an idle, movable block must succeed"
expect * passed ACCEPTABLE "no record in the walked range, before or after the offline"
bound 1
