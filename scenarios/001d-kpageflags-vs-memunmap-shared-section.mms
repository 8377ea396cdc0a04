# Seed 001, case 3 again, on the way out: a pmem namespace sharing an early section with boot RAM
# is unbound while page-types reads it. Not a case the thread names; the question it leaves open
# ("#3 and #4 can't be detected") asked of memunmap_pages() instead of memremap_pages().
#
# The race: memunmap_pages() first kills the pgmap's reference (percpu_ref_kill), waits for the
# users, then under mem_hotplug_lock remove_pfn_range_from_zone() poisons the namespace's struct
# pages (page_init_poison, v5.5+, with CONFIG_DEBUG_VM) and arch_remove_memory() clears its
# subsection bits; pgmap_array is cleared last. The section stays online (it holds boot RAM) and,
# today, tainted ZONE_DEVICE. pfn_to_online_page()'s slow path asks get_dev_pagemap(), whose
# percpu_ref_tryget_live() fails as soon as the reference is killed - and "no pgmap" reads as
# "an online System RAM page". So between the kill and the clearing of the subsection bit the
# reader gets the device page, and after the poison it follows compound_head to fffffffffffffffe.
#
# Variants:
#   v5.5-v5.11  pfn_to_online_page() without the ZONE_DEVICE check: the page is returned from the
#               start of the unbind. INTERESTING.
#   mainline    the check is there, but a killed pgmap answers like no pgmap. INTERESTING: the
#               model's answer is that mainline keeps this window (with memmap poisoning on).
# (v5.3 is left out: its memunmap_pages did not poison the memmap of an early section.)
scenario 001d-kpageflags-vs-memunmap-shared-section
title    kpageflags reads a ZONE_DEVICE page in a section shared with boot RAM while the namespace is unbound
thread   "[RFC PATCH v2] mm: initialize struct pages reserved by ZONE_DEVICE driver" (linux-mm, 6-9 Sep 2019)
layout
  arch x86_64
  cpus 2
  ram     0x1000      +0x9e000
  ram     0x100000    +191M        # ends 64 MiB into section 1
  reserve 0x100000    +15M
  device  0xc000000   +8M          # the namespace: section 1 at +64 MiB, pfn 0xc000..0xc800
end
variant v5.5-v5.11 era=mainline pfn_to_online_page-no-zone-device-check
variant mainline   era=mainline
setup
  devm_memremap_pages 0xc000000 8M reserve 2 -> mapped
end
cpu A "ndctl disable-namespace (memunmap_pages)"
  memunmap_pages 0xc000000 -> unmapped
end
cpu B "page-types (pread /proc/kpageflags)"
  read /proc/kpageflags at 0x60010 count 8 -> flags      # pfn 0xc002: the first device data page
end
expect *   oops INTERESTING "the reference is dead, the subsection still present, the memmap poisoned"
expect *   passed flags=0x100000 ACCEPTABLE "NOPAGE: the device page is not an online page"
expect *   passed flags=0x100000000 ACCEPTABLE "PG_reserved: the device page, read as if online"
expect *   passed unmapped!=ok FORBIDDEN "the namespace was mapped by setup"
bound 2
