# Seed 001: /proc/kpageflags and /proc/kpagecount read the first pfns of a pmem namespace.
#
# The thread: "[RFC PATCH v2] mm: initialize struct pages reserved by ZONE_DEVICE driver"
# (Toshiki Fukasawa, David Hildenbrand, Dan Williams; linux-mm, 6-9 Sep 2019). page-types on a
# v5.3-rc1 machine with a pmem namespace:
#
#   BUG: unable to handle page fault for address: fffffffffffffffe
#   #PF: supervisor read access in kernel mode
#   RIP: 0010:stable_page_flags+0x27/0x3f0
#   Call Trace:
#    kpageflags_read+0xb1/0x130
#
# What happens: devm_memremap_pages() with a vmem_altmap carves the namespace's memmap from the
# namespace itself. Its first pfns, [base_pfn, base_pfn + reserve), hold the nvdimm info block
# ("pages mapped, but reserved for driver"): their struct pages are mapped (the vmemmap block
# covers the whole section) and pfn_valid() says yes (their subsections are present), but no one
# ever initialises them - memmap_init_range skips the reserve, memmap_init_zone_device starts
# after the memmap storage. sparse_add_section left them poisoned (all ones), so compound_head
# reads as a tail whose head is 0xffffffffffffffff - 1, and the first read of head->flags faults
# at fffffffffffffffe. The model derives that address from the poisoned word: nothing here prints it.
# This is case 5 of David Hildenbrand's list; 001b and 001c are cases 3 and 4.
#
# The program: setup maps an 8 MiB namespace (altmap: reserve 2, memmap storage, data pages);
# CPU A reads kpageflags of its first pfn (base_pfn, in the reserve), CPU B reads kpagecount of it.
#
# Variants (era mainline plus switches; the javadoc of mmsim.mm.memremap.Memremap describes each):
#   v5.3                      readers use pfn_valid() (fs/proc/page.c before aad5f69bc161):
#                             both readers fault. EXPECTED.
#   init-zone-device-reserved Fukasawa's RFC v2: memmap_init_range no longer skips the reserve, so
#                             the reserve has initialised PG_reserved struct pages: both readers
#                             see a reserved page. No oops.
#   pfn_zone_device_reserved  the v5.3-rc fix ("/proc/kpageflags: do not use uninitialized struct
#                             pages"): stable_page_flags() answers KPF_RESERVED for the reserve
#                             without touching it - but only kpageflags has the check; kpagecount
#                             still follows the poisoned compound_head (the RFC's changelog: the
#                             panic is seen reading /proc/kpage{cgroup,count,flags}). EXPECTED oops.
#   mainline                  pfn_to_online_page(): ZONE_DEVICE sections are never online, every
#                             ZONE_DEVICE pfn reads KPF_NOPAGE, count 0. No oops.
scenario 001-kpageflags-vs-altmap-reserve
title    kpageflags/kpagecount read the poisoned struct pages of a pmem namespace's altmap reserve
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
setup
  devm_memremap_pages 0x8000000 8M reserve 2 -> mapped
end
cpu A "page-types (pread /proc/kpageflags)"
  read /proc/kpageflags at 0x40000 count 8 -> flags      # pfn 0x8000 = base_pfn: the driver's reserve
end
cpu B "page-types (pread /proc/kpagecount)"
  read /proc/kpagecount at 0x40000 count 8 -> count
end
expect v5.3                      oops EXPECTED  "the reserve's struct pages are poison: compound_head -> fffffffffffffffe"
expect pfn_zone_device_reserved  oops EXPECTED  "the v5.3-rc fix is in stable_page_flags only: kpagecount_read still faults"
expect init-zone-device-reserved oops FORBIDDEN "the RFC initialises the reserve under mem_hotplug_lock"
expect init-zone-device-reserved passed flags=0x100000000 count=0x0 ACCEPTABLE "PG_reserved pages, unmapped"
expect mainline                  oops FORBIDDEN "pfn_to_online_page: a ZONE_DEVICE section is never online"
expect mainline                  passed flags=0x100000 count=0x0 ACCEPTABLE "KPF_NOPAGE: no page for ZONE_DEVICE pfns"
expect *                         passed mapped!=ok FORBIDDEN "devm_memremap_pages of a free device range cannot fail"
bound 1                            # two readers of a settled machine: one preemption covers both orders
