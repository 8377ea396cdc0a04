# Seed 003's GUP-fast, pinning (FOLL_PIN) while reclaim unmaps the same page.
#
# A pinned anonymous page must stay mapped, and exclusive, in the mm that pinned it. Reclaim's
# try_to_unmap_one replaces the page's PTE by a swap entry and drops PG_anon_exclusive
# (folio_try_share_anon_rmap_pte), unless the page may be pinned: then it puts the PTE back. GUP-fast
# takes no lock, so the two meet only through the PTE and the refcount, and the order of each
# side's two accesses is what makes it work (include/linux/rmap.h, the smp_mb in
# __folio_try_share_anon_rmap and the one after the pin in try_grab_folio_fast):
#
#     try_to_unmap_one                          GUP-fast (FOLL_PIN)
#     ptep_clear_flush                           ptep_get_lockless
#     smp_mb                                     try_grab_folio_fast: pin, smp_mb
#     folio_maybe_dma_pinned? -> put PTE back    recheck PTE: changed -> unpin, slow path
#
# Either the unmap sees the pin, or GUP-fast sees the cleared PTE. Checking for the pin first, while
# the PTE still maps the page, opens the window: GUP-fast reads the PTE, the unmap finds no pin and
# drops exclusivity, GUP-fast pins, its recheck finds the PTE unchanged, and
# sanity_check_pinned_pages (CONFIG_DEBUG_VM) finds a pinned page that is not exclusive.
#
# Variants:
#   mainline                        v6.12: clear, then check.
#   share-before-clear              the counterfactual order (check, then clear): must break.
#
# CPU A pins the page for writing and unpins it; CPU B pages it out (MADV_PAGEOUT: reclaim of
# exactly that page, add_to_swap then try_to_unmap).
#
# Which locks matter (`question locks`, the NECESSARY column of check): the PTE lock (without it
# the slow path's pin and the unmap interleave and the pin ends on a page the mm no longer maps)
# and the swap cache's xa_lock; mmap_lock and IRQs off are not needed within bound 2. The race
# GUP-fast takes no lock for is closed by the ordering above, which no lock analysis can drop:
# the variant share-before-clear is that question.
scenario 003h-gup-fast-pin-vs-reclaim
title    pin_user_pages_fast against reclaim's try_to_unmap: the PTE is cleared before the pin check
thread   "[PATCH v4 00/17] mm: COW fixes part 2: reliable GUP pins of anonymous pages" (linux-mm, Apr 2022); seed 003's GUP-fast
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +127M           # the rest of 128 MiB
  reserve 0x100000 +15M         # kernel image
end
variant mainline             era=mainline
variant share-before-clear   era=mainline unmap-share-before-ptep-clear
setup
  mmap 64K at 0x40000000 -> a
  write $a 64K                  # 16 exclusive anonymous pages; the per-CPU LRU batch drains when
                                # it fills, so the first is on the LRU where reclaim can isolate it
end
cpu A "pin $a write; pagemap $a; unpin"
  pin $a write -> d
  pagemap $a pfn -> now
  unpin $d
end
cpu B "madvise MADV_PAGEOUT"
  madvise $a 4K MADV_PAGEOUT -> r
end
expect share-before-clear bug EXPECTED "the unmap found no pin, GUP-fast pinned a page that is no longer exclusive: sanity_check_pinned_pages"
expect * passed d!=$now FORBIDDEN "the pin is on a page the pinning mm no longer maps"
expect * passed ACCEPTABLE "pinned first (reclaim puts the PTE back) or after (swapped out, then faulted in and pinned)"
question locks
bound 2
