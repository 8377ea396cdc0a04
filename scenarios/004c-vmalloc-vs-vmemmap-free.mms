# Seed 004: a vmalloc user next to the vmemmap edge while hot-remove frees vmemmap tables.
#
# bbd6ec605c0f's changelog: "The vmemmap region may share levels of table with the vmalloc
# region. There can be conflicts between hot remove freeing page table pages with a concurrent
# vmalloc() walking the kernel page table. This conflict can not just be solved by taking the
# init_mm ptl because of existing locking scheme in vmalloc(). So free_empty_tables() implements
# a floor and ceiling method which is borrowed from user page table tear with free_pgd_range()".
# vmalloc takes init_mm.page_table_lock only to install a new table, and nothing against
# hot-remove; its safety is structural.
#
# On arm64 4K/48-bit (the v6.12 layout: VMALLOC_END = VMEMMAP_START - 256M) the PUD table of
# PGD slot 507 holds both the top of the vmalloc space (PUD 510) and the first GiB of vmemmap
# (PUD 511). CPU A maps a page at the top of the vmalloc space, as the percpu allocator places its
# chunks there (pcpu_get_vm_areas), and looks it up again with vmalloc_to_page(); CPU B removes a
# DIMM, whose vmemmap_free() clears its 2 MiB vmemmap block in that first GiB and then runs
# free_empty_tables(VMEMMAP_START, VMEMMAP_END).
#
# Variants:
#   v5.7                  floor/ceiling: the shared PUD table sticks out below VMEMMAP_START and
#                         is never a candidate. Holds.
#   v5.7-no-floor-ceiling the counterfactual: a table is freed as soon as all its entries are
#                         none. The question (INTERESTING): does that free the shared PUD table
#                         under vmalloc? Exploring answers no on this layout: the first vmemmap
#                         PMD table also maps the boot memory's memmap (memstart_addr is the boot
#                         memory rounded down to 1 GiB, so boot memory's struct pages always live
#                         in the first vmemmap GiB), so it is never empty and the PUD entry
#                         pointing at it is never cleared. The check is defence in depth here; it
#                         matters where the shared table can empty (other granules or VA sizes).
#   mainline              as v5.7 plus the 2025 ptdump lock (irrelevant to vmalloc). Holds.
# Bound 1.
scenario 004c-vmalloc-vs-vmemmap-free
title    vmalloc at the top of the vmalloc space (sharing a PUD table with vmemmap) against vmemmap_free of a removed DIMM
thread   "[PATCH V2 2/2] arm64/mm: Enable memory hot remove" (Apr 2019); bbd6ec605c0f (v5.7) free_empty_tables floor/ceiling
layout
  arch arm64
  cpus 2
  ram      0x40000000  +256M
  reserve  0x40000000  +16M
  hotplug  0x100000000 +128M          # its memmap: 2 MiB at VMEMMAP_START + 48M, in the shared first GiB
end
variant v5.7                  era=mainline ptdump-unlocked ptdump-debugfs-hotplug-lock
variant v5.7-no-floor-ceiling era=mainline ptdump-unlocked ptdump-debugfs-hotplug-lock hot-remove-no-floor-ceiling
variant mainline              era=mainline
cpu A "pcpu_get_vm_areas-like: vmalloc at the top, then vmalloc_to_page"
  vmalloc 4K top -> v
  vmalloc_to_page $v -> p
end
cpu B "remove_memory 4G +128M"
  remove_memory 0x100000000 0x8000000 -> r
end
expect v5.7-no-floor-ceiling kasan INTERESTING "without floor/ceiling, could the shared PUD table be freed under vmalloc?"
expect *                     kasan FORBIDDEN   "floor/ceiling keeps the table shared with vmalloc"
expect *                     passed p=NULL FORBIDDEN "vmalloc_to_page must find the page vmalloc just mapped"
expect *                     passed r!=ok FORBIDDEN "removing an offline DIMM must succeed"
expect *                     passed ACCEPTABLE "the page is mapped and found"
bound 1
