# Seed 004: arm64 memory hot-remove frees kernel page tables under ptdump.
#
# The thread: "[PATCH V2 2/2] arm64/mm: Enable memory hot remove" (linux-arm-kernel, April 2019;
# Anshuman Khandual, Mark Rutland, David Hildenbrand). V2 took init_mm.page_table_lock while
# clearing the kernel page tables of a removed range. Mark Rutland:
#
#     "What precisely is the page_table_lock intended to protect?"
#     "IIUC, before this patch we never clear non-leaf entries in the kernel page tables, so
#      readers don't presently need to take the ptl in order to safely walk down to a leaf entry.
#      For example, the arm64 ptdump code never takes the ptl, and as of this patch it will blow
#      up if it races with a hot-remove, regardless of whether the hot-remove code itself holds
#      the ptl."  ...  "it's not clear to me whether this is necessary or sufficient."
#
# The race: CPU A reads /sys/kernel/debug/kernel_page_tables (ptdump walks init_mm's tables with
# READ_ONCE and no lock); CPU B removes a 128 MiB DIMM at 4 GiB that the firmware added at boot
# and nobody onlined (remove_memory -> arch_remove_memory -> vmemmap_free, __remove_pgd_mapping:
# unmap_hotplug_range clears the 64 PMD blocks of its linear map, free_empty_tables then frees the
# PMD table they lived in, which no other memory shares). If ptdump read the PUD entry before
# the table was freed, its next read is in a freed page: KASAN's use-after-free (without KASAN,
# a walk through whatever the page holds next: Mark's "blow up").
#
# Variants (era mainline plus switches; Arm64Mmu and Ptdump's javadoc describe each):
#   v2-ptl-around-clear   thread V2: page_table_lock around each clear, no floor/ceiling check,
#                         ptdump unlocked. The lock is not sufficient: ptdump never takes it.
#   v2-ptl-whole          Anshuman's answer: the lock around the whole removal. Same result.
#   v5.7                  as merged (bbd6ec605c0f + bf2b59f60ee1): no page_table_lock at all;
#                         ptdump_show takes get_online_mems(), the removal runs under the hotplug
#                         write lock, so they exclude each other. The ptl was not necessary.
#   v5.7-no-floor-ceiling the counterfactual without pgtable_range_aligned(): same for ptdump.
#   mainline              2025 (59305202c67f): get_online_mems() inside ptdump_walk_pgd().
# Bound 1: one preemption puts the whole removal between ptdump's read of the PUD entry and its
# read of the PMD table; the removal's 64 clears make each variant ~130-280 executions.
scenario 004-ptdump-vs-hot-remove
title    arm64 ptdump (debugfs kernel_page_tables) walking the tables of a DIMM being hot-removed
thread   "[PATCH V2 2/2] arm64/mm: Enable memory hot remove" (linux-arm-kernel, Apr 2019); bbd6ec605c0f, bf2b59f60ee1 (v5.7); 59305202c67f (2025)
layout
  arch arm64
  cpus 2
  ram      0x40000000  +256M          # boot memory: memstart_addr = 1 GiB, linear map from PAGE_OFFSET
  reserve  0x40000000  +16M           # kernel image and early page tables (memblock)
  hotplug  0x100000000 +128M          # memory32: added at boot, offline; alone in its 1 GiB of linear map
end
variant v2-ptl-around-clear   era=mainline ptdump-unlocked hot-remove-ptl-around-clear hot-remove-no-floor-ceiling
variant v2-ptl-whole          era=mainline ptdump-unlocked hot-remove-ptl-whole hot-remove-no-floor-ceiling
variant v5.7                  era=mainline ptdump-unlocked ptdump-debugfs-hotplug-lock
variant v5.7-no-floor-ceiling era=mainline ptdump-unlocked ptdump-debugfs-hotplug-lock hot-remove-no-floor-ceiling
variant mainline              era=mainline
cpu A "cat /sys/kernel/debug/kernel_page_tables"
  cat /sys/kernel/debug/kernel_page_tables
end
cpu B "remove_memory 4G +128M (ACPI eject)"
  remove_memory 0x100000000 0x8000000 -> r
end
expect v2-ptl-around-clear kasan INTERESTING "Mark's question: the remover's page_table_lock is not sufficient - ptdump takes no lock"
expect v2-ptl-whole        kasan INTERESTING "the lock around the whole removal is not sufficient either"
expect *                   kasan FORBIDDEN   "get_online_mems() in ptdump excludes the hot-remove (v5.7: the debugfs show; 2025: ptdump_walk_pgd)"
expect *                   passed r!=ok FORBIDDEN "removing an offline DIMM must succeed"
expect *                   passed ACCEPTABLE "the dump shows the DIMM's linear map, or not"
bound 1

# Mark's question, answered by `./mmsim locks 004 --variant V` (and the NECESSARY column of check):
#   v2-ptl-around-clear, v2-ptl-whole: NOT SUFFICIENT - the variant fails with the remover's
#     init_mm.page_table_lock held (KASAN in walk_pmd_range): ptdump never takes it.
#   v5.7, mainline: sufficient, and the lock that is necessary is mem_hotplug_lock (ptdump's
#     get_online_mems() against the removal's write side); init_mm.page_table_lock is not even
#     taken, device_hotplug_lock and the rest are not needed within bound 1.
question locks
