# Seed 004, what v5.7 left open: ptdump_check_wx() against hot-remove.
#
# v5.7 (bf2b59f60ee1, "arm64/mm: Hold memory hotplug lock while walking for kernel page table
# dump") put get_online_mems() into the debugfs kernel_page_tables show only. The other caller of
# the same walk, ptdump_check_wx() (the boot W+X check, and at runtime debugfs check_wx_pages),
# still walked init_mm's tables with no lock, so it met the race Mark Rutland described for
# ptdump. Fixed in 2025 by 59305202c67f "mm/ptdump: take the memory hotplug lock inside
# ptdump_walk_pgd()" (Anshuman Khandual, Fixes: bbd6ec605c0f), which moved the lock into the
# generic walk so that every caller on every arch has it.
#
# CPU A reads /sys/kernel/debug/check_wx_pages (ptdump_check_wx: SUCCESS or FAILED); CPU B
# hot-removes the offline DIMM whose linear-map PMD table free_empty_tables frees.
#
# Variants:
#   v5.7       bbd6ec605c0f + bf2b59f60ee1: the check walks unlocked: use-after-free. EXPECTED.
#   mainline   59305202c67f: the lock is in ptdump_walk_pgd(): FORBIDDEN.
# Bound 1 (one preemption puts the removal inside the walk).
scenario 004b-check-wx-vs-hot-remove
title    arm64 ptdump_check_wx (debugfs check_wx_pages) against the hot-remove of a DIMM
thread   "[PATCH V2 2/2] arm64/mm: Enable memory hot remove" (Apr 2019); 59305202c67f "mm/ptdump: take the memory hotplug lock inside ptdump_walk_pgd()" (2025)
layout
  arch arm64
  cpus 2
  ram      0x40000000  +256M
  reserve  0x40000000  +16M
  hotplug  0x100000000 +128M          # added at boot, offline
end
variant v5.7     era=mainline ptdump-unlocked ptdump-debugfs-hotplug-lock
variant mainline era=mainline
cpu A "cat /sys/kernel/debug/check_wx_pages"
  cat /sys/kernel/debug/check_wx_pages -> wx
end
cpu B "remove_memory 4G +128M"
  remove_memory 0x100000000 0x8000000 -> r
end
expect v5.7 kasan EXPECTED  "ptdump_check_wx() walked without get_online_mems() until 2025"
expect *    kasan FORBIDDEN "59305202c67f: the hotplug lock is taken inside ptdump_walk_pgd()"
expect *    passed wx!=SUCCESS FORBIDDEN "the modelled kernel has no W+X mapping"
expect *    passed r!=ok FORBIDDEN "removing an offline DIMM must succeed"
expect *    passed ACCEPTABLE "SUCCESS, before or after the removal"
bound 1
