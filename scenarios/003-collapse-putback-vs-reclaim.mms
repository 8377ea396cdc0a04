# Seed 003: khugepaged puts the old pages back on the LRU before page_remove_rmap; can reclaim
# corrupt _mapcount?
#
# Yang Shi's patch "mm: khugepaged: fix potential page state corruption" (linux-mm, 19 Mar 2020)
# drew this race:
#
#     CPU A                          CPU B
#   khugepaged:
#     unlock page
#     putback_lru_page
#       add to lru
#                                    page reclaim:
#                                      isolate this page
#                                      try_to_unmap
#     page_remove_rmap <-- corrupt _mapcount
#
# Kirill A. Shutemov: "try_to_unmap() doesn't exclude parallel page unmapping. _mapcount is
# protected by ptl. And this particular _mapcount pin is [not] reachable for reclaim as it's not
# part of usual page table tree ... The page table we are dealing with was detached from the
# process' page table tree: see pmdp_collapse_flush(). try_to_unmap() will not see the pte."
# Yang withdrew the patch. Here CPU A runs one khugepaged pass collapsing 15 pages; CPU B runs
# kswapd. The 15th putback fills khugepaged's per-CPU LRU batch (PAGEVEC_SIZE 15), which drains
# onto the LRU: from then on reclaim can isolate the last page before khugepaged removes its rmap.
# Setup's kswapd pass ages the PTEs (young bits cleared, PG_referenced set) so that reclaim goes
# as far as try_to_unmap instead of activating the page.
#
# Variants:
#   v5.6                     the 2020 code: release_pte_page, then under the ptl pte_clear +
#                            page_remove_rmap. Kirill's argument says no corruption: FORBIDDEN.
#   yang-v1                  Yang's patch: no putback; NR_ISOLATED--, clear Active/Unevictable,
#                            unlock and put the isolation reference after page_remove_rmap.
#   kirill-release-under-ptl release_pte_page() moved inside the ptl section.
#   rmap-sees-detached-table counterfactual (negative control): page_vma_mapped_walk reaches the
#                            detached table, so try_to_unmap unmaps the PTE and khugepaged's
#                            page_remove_rmap is a second one: VM_BUG_ON_PAGE, mapcount -1.
#   mainline                 today's collapse (tlb_remove_table_sync_one, copy then release).
#
# Bound 1: the corruption needs one preemption of CPU A between the drain and its ptl.
scenario 003-collapse-putback-vs-reclaim
title    khugepaged's putback_lru_page before page_remove_rmap against reclaim's try_to_unmap
thread   "[PATCH] mm: khugepaged: fix potential page state corruption" (linux-mm, Mar 2020)
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +127M           # the rest of 128 MiB
  reserve 0x100000 +15M         # kernel image
end
variant v5.6                     era=mainline collapse-no-table-sync gup-fast-no-pmd-recheck collapse-no-compound CONFIG_PER_VMA_LOCK=n
variant yang-v1                  era=mainline collapse-no-table-sync gup-fast-no-pmd-recheck collapse-yang-v1 collapse-no-compound CONFIG_PER_VMA_LOCK=n
variant kirill-release-under-ptl era=mainline collapse-no-table-sync gup-fast-no-pmd-recheck collapse-release-under-ptl collapse-no-compound CONFIG_PER_VMA_LOCK=n
variant rmap-sees-detached-table era=mainline collapse-no-table-sync gup-fast-no-pmd-recheck rmap-sees-detached-table collapse-no-compound CONFIG_PER_VMA_LOCK=n
variant mainline                 era=mainline
setup
  mmap 2M at 0x40000000 -> a    # one PMD range, 2 MiB aligned
  madvise $a 2M MADV_NOHUGEPAGE
  write $a 60K                  # 15 base pages mapped by PTEs
  kswapd nr 32                  # ages them: young bits cleared, PG_referenced set
  madvise $a 2M MADV_HUGEPAGE   # khugepaged_enter_vma
end
cpu A "khugepaged"
  khugepaged -> n
end
cpu B "kswapd"
  kswapd nr 32 -> r
end
expect rmap-sees-detached-table bug EXPECTED "reclaim unmapped the PTE in the detached table: khugepaged's page_remove_rmap underflows _mapcount"
expect * bug FORBIDDEN "page_remove_rmap found _mapcount already dropped"
expect * passed ACCEPTABLE "collapsed, or reclaim came first and khugepaged backed off"
bound 1
