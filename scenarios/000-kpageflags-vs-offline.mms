# Seed 000: /proc/kpageflags reading page_ext while the memory block is offlined.
#
# The race, as Minchan Kim drew it (LKML, "mm: check the return value of lookup_page_ext for
# all call sites", May 2016), asking how Yang Shi's NULL checks would guard against it:
#
#     kpageflags_read
#     stable_page_flags
#     page_is_idle
#     lookup_page_ext
#     section = __pfn_to_section(pfn)
#                                             offline_pages
#                                             memory_notify(MEM_OFFLINE)
#                                             offline_page_ext
#                                             ms->page_ext = NULL
#     section->page_ext + pfn
#
# Joonsoo Kim answered "I think that it is a fundamental problem of memory hotplug." CPU A here
# reads the kpageflags entry of the block's first pfn; CPU B writes "offline" to the block's
# sysfs state, which runs offline_pages and its MEM_OFFLINE notifier, page_ext_callback.
#
# page_is_idle() goes through page_ext only on 32-bit (on 64-bit PG_idle is a page flag; Yang
# Shi, 27 May 2016), so every variant runs with CONFIG_64BIT=n. Simplification: the model keeps
# x86_64's memory layout, struct page and addresses; only page_idle's 32-bit route through
# page_ext (include/linux/page_idle.h, !CONFIG_64BIT) is switched on. The block offlined is
# boot memory (memory1), as a DIMM online since boot would be: the race does not depend on how
# the block came online.
#
# The page_ext table is real memory: alloc_pages_exact() from the page allocator, freed back to
# it by offline_page_ext. A reader touching it afterwards is reported as a KASAN kernel reports
# a use-after-free (a 32-bit kernel without KASAN reads whatever the pages now hold).
#
# Variants:
#   v4.6                  2016 distro kernel (no CONFIG_DEBUG_VM): lookup_page_ext never returns
#                         NULL, so a section without page_ext gives NULL + pfn; page_is_idle
#                         checks nothing; offline frees the table, then writes NULL; no RCU.
#   v4.7-null-checks      f86e4271978b: lookup returns NULL for a section without page_ext and
#                         every caller checks it. The thread's question is whether that closes
#                         the race: the scenario does not say, the explorer answers (INTERESTING).
#   page_ext-with-memmap  Minchan Kim's proposal: page_ext allocated with the memmap at hot-add
#                         and freed at hot-remove, so offlining leaves it in place.
#   mainline              page_ext_get()/page_ext_put() under rcu_read_lock, offline marks the
#                         pointer PAGE_EXT_INVALID, synchronize_rcu(), then frees (v6.1). The
#                         reader also finds offline memory through pfn_to_online_page() now; the
#                         window between that check and the memmap reads is scenario 000c.
scenario 000-kpageflags-vs-offline
title    kpageflags_read -> page_is_idle -> lookup_page_ext against offline_pages -> offline_page_ext
thread   "[PATCH] mm: check the return value of lookup_page_ext for all call sites" (linux-mm, May 2016)
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +255M           # memory0 and memory1 (pfn 0x8000-0xffff)
  reserve 0x100000 +15M         # kernel image
end
config CONFIG_64BIT=n           # page_idle's bits live in page_ext (see above)
variant v4.6                 era=v4.6 CONFIG_DEBUG_VM=n
variant v4.7-null-checks     era=v4.6 page_ext-null-checks
variant page_ext-with-memmap era=v4.6 page_ext-with-memmap
variant mainline             era=mainline
cpu A "cat /proc/kpageflags"
  read /proc/kpageflags at 0x40000 count 8 -> flags     # pfn 0x8000, the first of memory1
end
cpu B "echo offline > memory1/state"
  echo offline > /sys/devices/system/memory/memory1/state -> r
end
expect v4.6 oops EXPECTED "the reader walks into NULL + pfn or a freed table: the 2016 crash"
expect v4.6 kasan EXPECTED "the reader loaded ms->page_ext before the free and used it after"
expect v4.7-null-checks kasan INTERESTING "does the NULL check close the race? the explorer's answer"
expect v4.7-null-checks oops INTERESTING "does the NULL check close the race? the explorer's answer"
expect mainline oops INTERESTING "not page_ext: the memmap re-poisoned under the reader (scenario 000c)"
expect * passed r!=ok FORBIDDEN "offlining an idle, movable block must succeed"
expect * passed ACCEPTABLE "the reader ran before the offline, or saw the block gone"
bound 1
