# Seed 001, case 3: a pmem namespace that starts 64 MiB into a memory section whose first half is
# boot RAM, and a PFN walker reading its pages while the driver binds it.
#
# The thread ("[RFC PATCH v2] mm: initialize struct pages reserved by ZONE_DEVICE driver",
# linux-mm, 9 Sep 2019), David Hildenbrand:
#   "3. It is ZONE_DEVICE memory with an invalid memmap, because the section is only partially
#    present: E.g., device starts at offset 64MB within a section or the device ends at offset
#    64MB within a section. Don't access it."
#   "SECTION_IS_ONLINE does currently not apply to ZONE_DEVICE and due to sub-section support for
#    ZONE_DEVICE, it cannot easily be reused."
#
# The race: section 1 (128-256 MiB) is an early section, online, with boot RAM in its first 64
# MiB; the namespace takes [192, 200) MiB. Section-level answers cannot see the difference: an
# early section is pfn_valid() for all its pfns, and it is online. CPU A binds the namespace:
# sparse_add_section() sets its subsection bits and poisons the struct pages (page_init_poison),
# move_pfn_range_to_zone() marks the section SECTION_TAINT_ZONE_DEVICE (v5.12+), and after
# mem_hotplug_done() memmap_init_zone_device() initialises the data pages. CPU B reads
# /proc/kpageflags at the first data page (pfn 0xc002: no memmap storage is carved, the section's
# memmap is the boot one).
#
# Variants:
#   v5.3                       pfn_valid() readers: an early section is valid throughout. EXPECTED oops.
#   init-zone-device-reserved  the RFC initialises the reserve only. EXPECTED oops.
#   pfn_zone_device_reserved   the reserve check does not cover data pages. EXPECTED oops.
#   v5.4-v5.11                 pfn_to_online_page() (aad5f69bc161) without the ZONE_DEVICE check of
#                              v5.12 (Dan Williams, "mm: teach pfn_to_online_page() about ZONE_DEVICE
#                              section collisions"): the section is online. EXPECTED oops.
#   mainline                   pfn_to_online_page() asks get_dev_pagemap() in a tainted section and
#                              gets NULL. The question the scenario asks (INTERESTING, not asserted):
#                              is there a window before the taint? sparse_add_section() poisons the
#                              pages (when page_init_poison is on, CONFIG_DEBUG_VM) before
#                              move_pfn_range_to_zone() taints the section.
scenario 001b-kpageflags-vs-partial-section-device
title    kpageflags reads a ZONE_DEVICE page in a section shared with boot RAM while the namespace is bound
thread   "[RFC PATCH v2] mm: initialize struct pages reserved by ZONE_DEVICE driver" (linux-mm, 6-9 Sep 2019)
layout
  arch x86_64
  cpus 2
  ram     0x1000      +0x9e000
  ram     0x100000    +191M        # ends 64 MiB into section 1
  reserve 0x100000    +15M
  device  0xc000000   +8M          # the namespace: section 1 at +64 MiB, pfn 0xc000..0xc800
end
variant v5.3                      era=mainline kpage-pfn_valid pfn_to_online_page-no-zone-device-check
variant init-zone-device-reserved era=mainline kpage-pfn_valid pfn_to_online_page-no-zone-device-check init-zone-device-reserved
variant pfn_zone_device_reserved  era=mainline kpage-pfn_valid pfn_to_online_page-no-zone-device-check pfn_zone_device_reserved
variant v5.4-v5.11                era=mainline pfn_to_online_page-no-zone-device-check
variant mainline                  era=mainline
cpu A "ndctl enable-namespace (devm_memremap_pages)"
  devm_memremap_pages 0xc000000 8M reserve 2 -> mapped
end
cpu B "page-types (pread /proc/kpageflags)"
  read /proc/kpageflags at 0x60010 count 8 -> flags      # pfn 0xc002: the first device data page
end
expect v5.3                      oops EXPECTED    "pfn_valid() is true in an early section: B reads the poisoned page"
expect init-zone-device-reserved oops EXPECTED    "initialising the reserve does not close case 3"
expect pfn_zone_device_reserved  oops EXPECTED    "the reserve check does not cover the data pages"
expect v5.4-v5.11                oops EXPECTED    "the section is online: pfn_to_online_page() returns the device page"
expect mainline                  oops INTERESTING "sparse_add_section poisoned the page before move_pfn_range_to_zone tainted the section"
expect *                         passed flags=0x100000 ACCEPTABLE "NOPAGE"
expect *                         passed flags=0x100000000 ACCEPTABLE "PG_reserved: the boot hole's page, or the initialised device page"
expect *                         passed mapped!=ok FORBIDDEN "devm_memremap_pages of a free device range cannot fail"
bound 2
