# Seed 001, case 4: a PFN walker races devm_memremap_pages() and reads a device page whose
# struct page memmap_init_zone_device() has not initialised yet.
#
# The thread ("[RFC PATCH v2] mm: initialize struct pages reserved by ZONE_DEVICE driver",
# linux-mm, 9 Sep 2019), David Hildenbrand:
#   "4. It is ZONE_DEVICE memory with an invalid memmap, because the memmap was not initialized
#    yet. memmap_init_zone_device() did not yet succeed after dropping the mem_hotplug lock in
#    mm/memremap.c. Don't access it."
#   "I can see that your patch tries to make #5 vanish by initializing the memmap, fair enough.
#    #3 and #4 can't be detected. The PFN walker could still stumble over uninitialized memmaps."
#
# The race: CPU A is the pmem driver binding an 8 MiB namespace. Under mem_hotplug_lock,
# arch_add_memory -> sparse_add_section marks the namespace's subsections present (pfn_valid()
# says yes from here on) and poisons their struct pages; move_pfn_range_to_zone initialises only
# the altmap's memmap storage. Then mem_hotplug_done(), and only then memmap_init_zone_device()
# initialises the data pages, one pageblock at a time. CPU B is page-types reading
# /proc/kpageflags at the first data page (pfn 0x8400 = base 0x8000 + reserve 2 + memmap
# storage 1022). Taking no lock (not even get_online_mems(), which would only shut the part of the
# window under mem_hotplug_lock), it can read the page anywhere from sparse_add_section() to
# memmap_init_zone_device(): the poisoned compound_head leads to the oops at fffffffffffffffe in
# stable_page_flags, as in the thread's trace. The explorer reports the earliest such schedule.
#
# Variants:
#   v5.3                      pfn_valid() readers: the window exists. EXPECTED oops.
#   init-zone-device-reserved the RFC initialises the reserve only: the window stays. EXPECTED oops.
#   pfn_zone_device_reserved  the check covers the reserve only: the window stays. EXPECTED oops.
#   mainline                  pfn_to_online_page(): a pure ZONE_DEVICE section is never online, so
#                             the reader never reaches the memmap. The oops is FORBIDDEN.
scenario 001c-kpageflags-vs-memmap-init-zone-device
title    kpageflags reads a device page made pfn_valid() by sparse_add_section() before memmap_init_zone_device() initialised it
thread   "[RFC PATCH v2] mm: initialize struct pages reserved by ZONE_DEVICE driver" (linux-mm, 6-9 Sep 2019)
layout
  arch x86_64
  cpus 2
  ram     0x1000      +0x9e000
  ram     0x100000    +127M
  reserve 0x100000    +15M
  device  0x8000000   +8M          # the pmem namespace: section 1 (the rest of it absent), pfn 0x8000..0x8800
  ram     0x10000000  +64M         # RAM above it (section 2), so max_pfn and the kpage* files reach the namespace
end
variant v5.3                      era=mainline kpage-pfn_valid pfn_to_online_page-no-zone-device-check
variant init-zone-device-reserved era=mainline kpage-pfn_valid pfn_to_online_page-no-zone-device-check init-zone-device-reserved
variant pfn_zone_device_reserved  era=mainline kpage-pfn_valid pfn_to_online_page-no-zone-device-check pfn_zone_device_reserved
variant mainline                  era=mainline
cpu A "ndctl enable-namespace (devm_memremap_pages)"
  devm_memremap_pages 0x8000000 8M reserve 2 -> mapped
end
cpu B "page-types (pread /proc/kpageflags)"
  read /proc/kpageflags at 0x42000 count 8 -> flags      # pfn 0x8400: the first device data page
end
expect v5.3                      oops EXPECTED  "B read the data page after sparse_add_section made it valid, before memmap_init_zone_device"
expect init-zone-device-reserved oops EXPECTED  "initialising the reserve does not close case 4"
expect pfn_zone_device_reserved  oops EXPECTED  "the reserve check does not cover the data pages"
expect mainline                  oops FORBIDDEN "pfn_to_online_page: a ZONE_DEVICE section is never online"
expect *                         passed flags=0x100000 ACCEPTABLE "NOPAGE: B came first (or mainline)"
expect *                         passed flags=0x100000000 ACCEPTABLE "PG_reserved: B came after memmap_init_zone_device"
expect *                         passed mapped!=ok FORBIDDEN "devm_memremap_pages of a free device range cannot fail"
bound 2
