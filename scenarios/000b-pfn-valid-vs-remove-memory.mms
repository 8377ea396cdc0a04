# Seed 000, the race Joonsoo Kim reported and nobody answered: a pfn_valid() walker against
# remove_memory().
#
# In the thread (30 May 2016) he drew it for /proc/kpageflags:
#
#     kpageflags_read
#     pfn_valid
#                         remove_memory
#     stable_page_flags
#     crash!
#
# "I already reported similar race problem to memory hotplug guys but didn't get any answer."
# pfn_valid() says a struct page exists; nothing stops remove_memory() from freeing the section's
# memmap (and, since v5.3, its ms->usage) before the walker reads it. Mainline moved kpageflags
# to pfn_to_online_page() (v5.4), which an offline block, and so any block being removed, fails;
# but pfn_valid() walkers remain, and the race came back as CVE-2023-52489 in compaction, fixed
# only in v6.8 (5ec8e8ea8b77, "mm/sparsemem: fix race in accessing memory_section->usage").
# The scenario uses that walker, compaction's __pageblock_pfn_to_page(), so that every era's
# code calls pfn_valid(): v4.6 then reads page_zone(start_page), mainline asks
# pfn_to_online_page() first. The walker is a compaction pass that took the pageblock before
# the removal (cc->zone fixed, as it is for the whole pass).
#
# CPU A runs that step on the first pageblock of memory2, a hot-pluggable DIMM the firmware
# added at boot and nobody onlined; CPU B removes the DIMM (remove_memory: every block is
# offline, so it proceeds to arch_remove_memory -> sparse_remove_section -> section_deactivate).
#
# Variants:
#   v4.6      2016: pfn_valid() is "the section has a memmap"; removal frees the memmap, and the
#             walker's read of page->flags faults in the unmapped vmemmap (the thread's crash!).
#   pre-v6.8  v5.3..v6.7: pfn_valid() also reads ms->usage (the subsection map) without RCU,
#             and section_deactivate kfree()s usage and sets it NULL before clearing
#             SECTION_HAS_MEM_MAP: a NULL dereference or a use-after-free inside pfn_valid().
#   mainline  v6.8: HAS_MEM_MAP cleared first, usage freed with kfree_rcu(), pfn_valid() under
#             rcu_read_lock() with a NULL check; pfn_to_online_page() keeps the walker off the
#             offline block's struct pages. Expected to hold; the explorer checks it.
scenario 000b-pfn-valid-vs-remove-memory
title    a pfn_valid() walker (compaction's __pageblock_pfn_to_page) against remove_memory()
thread   "[PATCH] mm: check the return value of lookup_page_ext for all call sites" (linux-mm, May 2016); CVE-2023-52489 (v6.8)
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +255M           # memory0, memory1
  reserve 0x100000 +15M         # kernel image
  hotplug 0x10000000 +128M      # memory2 (pfn 0x10000-0x17fff): added at boot, offline
end
variant v4.6     era=v4.6
variant pre-v6.8 era=mainline sparse-usage-kfree
variant mainline era=mainline
cpu A "kcompactd (isolate_migratepages)"
  pageblock_pfn_to_page 0x10000 -> page
end
cpu B "remove_memory memory2"
  remove_memory 0x10000000 0x8000000 -> r
end
expect v4.6 oops EXPECTED "the memmap was freed between pfn_valid() and page_zone(): the thread's crash"
expect pre-v6.8 oops EXPECTED "ms->usage was NULL by the time pfn_section_valid() read it (CVE-2023-52489)"
expect pre-v6.8 kasan EXPECTED "ms->usage was freed after pfn_section_valid() loaded it"
expect * passed r!=ok FORBIDDEN "removing an offline DIMM must succeed"
expect * passed ACCEPTABLE "the walker saw the pageblock, or saw it gone (NULL)"
bound 2

# Which locks does this need? (`./mmsim locks 000b --variant mainline`.) Answered: no lock -
# device_hotplug_lock and mem_hotplug_lock are not needed against the walker; RCU closes the
# race: dropping either the walker's rcu_read_lock section or the grace period that
# sparse_remove_section waits for (synchronize_rcu) brings back the pre-v6.8 use-after-free.
question locks
