# Seed 004 on x86_64: "Note that the same applies to the x86 ptdump code; we cannot assume that
# just because x86 does something that it happens to be correct." (Mark Rutland)
#
# x86's remove_pagetable (arch/x86/mm/init_64.c) takes init_mm.page_table_lock around every
# entry it clears, and frees a PTE or PMD table once all its entries are none - freeing the page
# first (free_pagetable) and only then clearing the entry pointing at it, under the lock. x86's
# ptdump (debugfs page_tables/kernel) took no lock of any kind until 59305202c67f (2025) put
# get_online_mems() in the generic ptdump_walk_pgd().
#
# CPU A reads /sys/kernel/debug/page_tables/kernel; CPU B removes a 128 MiB DIMM at 4 GiB, whose
# direct-map PMD table (the 4-5 GiB PUD entry, 2 MiB pages) empties and is freed.
#
# Variants (the machine models init_mm's tables on x86 with the option kernel-page-tables):
#   x86-2019-2025  ptdump unlocked: use-after-free. EXPECTED: the window is there even between
#                  free_pagetable() and pud_clear(), where the remover holds nothing a reader
#                  could wait for.
#   mainline       get_online_mems() in ptdump_walk_pgd(): FORBIDDEN.
# Bound 1.
scenario 004e-x86-ptdump-vs-hot-remove
title    x86 ptdump (debugfs page_tables/kernel) walking the direct map of a DIMM being hot-removed
thread   "[PATCH V2 2/2] arm64/mm: Enable memory hot remove" (Apr 2019); 59305202c67f (2025)
layout
  arch x86_64
  cpus 2
  ram      0x1000      +0x9e000
  ram      0x100000    +255M
  reserve  0x100000    +15M
  hotplug  0x100000000 +128M          # memory32: added at boot, offline; alone in its GiB of direct map
end
variant x86-2019-2025 era=mainline kernel-page-tables ptdump-unlocked
variant mainline      era=mainline kernel-page-tables
cpu A "cat /sys/kernel/debug/page_tables/kernel"
  cat /sys/kernel/debug/page_tables/kernel
end
cpu B "remove_memory 4G +128M"
  remove_memory 0x100000000 0x8000000 -> r
end
expect x86-2019-2025 kasan EXPECTED  "x86 ptdump walked init_mm with no lock until 2025"
expect *             kasan FORBIDDEN "get_online_mems() in ptdump_walk_pgd() excludes the removal"
expect *             passed r!=ok FORBIDDEN "removing an offline DIMM must succeed"
expect *             passed ACCEPTABLE "the dump shows the DIMM's direct map, or not"
bound 1
