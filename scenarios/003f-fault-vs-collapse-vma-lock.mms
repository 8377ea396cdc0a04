# Seed 003 after per-VMA locks: a page fault that holds only its VMA's lock against khugepaged's
# collapse of the same PMD range.
#
# Since v6.4 (CONFIG_PER_VMA_LOCK) a user page fault first looks its VMA up under RCU and takes
# the VMA's own lock for read (lock_vma_under_rcu); mmap_lock is not taken at all. The argument
# of the 2020 thread -- "collapse holds mmap_lock for write, so no fault can run" -- then no
# longer holds by itself: collapse_huge_page must also mark the VMA write-locked
# (vma_start_write, Suren Baghdasaryan, v6.4), which makes every fault under the VMA lock fail
# its vma_start_read and fall back to mmap_lock, where it waits for the collapse.
#
#     collapse_huge_page                       do_user_addr_fault
#     mmap_write_lock                          lock_vma_under_rcu  (no mmap_lock)
#     [vma_start_write]                        handle_mm_fault
#     anon_vma_lock_write                        pmd none: do_huge_pmd_anonymous_page or a new
#     pmdp_collapse_flush: PMD none                PTE table, mapped by set_pmd_at / pmd_populate
#     copy the 512 pages
#     set_pmd_at(huge PMD)  <- overwrites what the fault installed
#
# CPU A runs one khugepaged pass over a range with two pages; CPU B writes a third, not yet
# present page of the range. The whole-model check afterwards (page tables reachable from live
# mms, refcounts, _mapcount, rss) decides.
#
# Variants:
#   mainline                     v6.12: vma_start_write in collapse_huge_page.
#   no-vma-start-write           the counterfactual of the wave-2 facts (2.7): per-VMA-lock
#                                faults, collapse without vma_start_write. Must break.
#   v6.3                         before per-VMA locks (CONFIG_PER_VMA_LOCK=n): the fault takes
#                                mmap_lock for read and the 2020 argument holds as it was made.
#
# Bound 1: the fault needs one preemption of the collapse (after pmdp_collapse_flush, before
# set_pmd_at) to land in its window.
scenario 003f-fault-vs-collapse-vma-lock
title    a page fault under the per-VMA lock against collapse_huge_page with and without vma_start_write
thread   "Re: [PATCH] mm: khugepaged: fix potential page state corruption" (linux-mm, Mar 2020); "mm/khugepaged: write-lock VMA while collapsing a huge page" (v6.4)
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +127M           # the rest of 128 MiB
  reserve 0x100000 +15M         # kernel image
end
variant mainline           era=mainline
variant no-vma-start-write era=mainline collapse-no-vma-start-write
variant v6.3               era=mainline CONFIG_PER_VMA_LOCK=n
setup
  mmap 2M at 0x40000000 -> a
  madvise $a 2M MADV_NOHUGEPAGE
  write $a 8K                   # two base pages (and the VMA's anon_vma)
  madvise $a 2M MADV_HUGEPAGE
end
cpu A "khugepaged"
  khugepaged -> n
end
cpu B "write a new page"
  write $a+16K -> w             # do_user_addr_fault: lock_vma_under_rcu, else mmap_lock
end
expect no-vma-start-write inconsistency EXPECTED "the fault maps a THP into the PMD collapse cleared; set_pmd_at overwrites it (rss, mapcount and refcount leak)"
expect * passed w!=ok FORBIDDEN "a write to a mapped, writable page cannot fail"
expect * passed ACCEPTABLE "the fault ran before or after the collapse"
bound 1
