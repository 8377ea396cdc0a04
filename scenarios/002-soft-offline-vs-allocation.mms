# Seed 002 (a): soft offline of an in-use page against an allocation that gets the page back.
#
# The thread: "[PATCH v3 01/16] mm: use put_page to free page instead of putback_lru_page" (Minchan
# Kim's non-LRU page migration series; Vlastimil Babka and Naoya Horiguchi, linux-mm, 4-6 April
# 2016). After a successful migration for soft offline, unmap_and_move() did
#
#     put_page(page);                    /* the isolation reference: normally the last */
#     if (!test_set_page_hwpoison(page)) num_poisoned_pages_inc();
#
# Vlastimil: what prevents the page from being allocated between the two? Naoya: "nothing
# prevents that race" - a reused page then carries PG_hwpoison, and "it may turn a soft-offline
# attempt into a killed process". Vlastimil's proposal (the seed): only when put_page_testzero()
# drops the last reference set the flag, then free the page through a free_pages_check() hook
# that keeps it out of the buddy allocator.
#
# The program: setup maps and writes page $a (CPU A soft-offlines it with madvise, as LTP
# madvise11 does) and maps $b for CPU B, a second thread of the process. CPU B drains the per-cpu
# free lists (as the allocator's slow path, compaction or memory offline do: the page A frees sits
# on CPU A's list), writes to $b over 32 pages (page faults that allocate), waits for A, then has
# its pages reclaimed (MADV_PAGEOUT stands for reclaim reaching them; in 2016 try_to_unmap turned
# the PTE of a PG_hwpoison page into a hwpoison entry) and reads them back: SIGBUS means B was
# killed for a page soft offline poisoned while B owned it.
#
# Variants (mmsim.mm.memory_failure.HwpoisonFlow):
#   v4.6                put_page then test_set_page_hwpoison (da1b13ccfbebe, v4.3..v4.18). EXPECTED:
#                       B gets SIGBUS (t=SIGBUS).
#   v4.2-rc-set-before-migrate, swap-order
#                       the flag is set while migration still holds its reference: the allocator
#                       cannot get the page before it is flagged, and check_new_page drops it.
#                       SIGBUS FORBIDDEN (their breakage is scenario 002b).
#   vlastimil-testzero  the flag only after the last put, the page never reaches the buddy:
#                       SIGBUS FORBIDDEN.
#   v4.19               d4ae9916ea29: the page is flagged only if it is still free; else soft
#                       offline fails with -EBUSY (r=-EBUSY ACCEPTABLE). SIGBUS FORBIDDEN. The model
#                       first finds what scenario 002b shows for v4.19: the freed source stays on the
#                       MIGRATE_ISOLATE free list of a pageblock whose type soft offline restored
#                       (its reading of d4ae9916ea29, INTERESTING), in every execution.
#   v5.10, mainline     page_handle_poison: flag, final put diverted off the buddy, page pinned.
#                       SIGBUS FORBIDDEN.
# Any variant: the 2016 ones leave a poisoned page in the buddy, where a later allocation of its
# block leaks it (scenario 002c); here B allocates order 0, which drops only the poisoned page.
scenario 002-soft-offline-vs-allocation
title    madvise(MADV_SOFT_OFFLINE) frees the migrated page before poisoning it: another thread allocates it and is killed
thread   "[PATCH v3 01/16] mm: use put_page to free page instead of putback_lru_page" (linux-mm, 4-6 April 2016)
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +127M           # the rest of 128 MiB
  reserve 0x100000 +15M         # kernel image
end
variant v4.2-rc-set-before-migrate era=v4.6 hwpoison-set-before-migrate
variant v4.6                       era=v4.6
variant swap-order                 era=v4.6 hwpoison-set-before-put
variant vlastimil-testzero         era=v4.6 hwpoison-put-testzero
variant v4.19                      era=v4.6 hwpoison-set-free-buddy
variant v5.10                      era=mainline hwpoison-no-mf-mutex CONFIG_PER_VMA_LOCK=n
variant mainline                   era=mainline
setup
  mmap 4K private -> a
  write $a                      # the page A soft-offlines
  mmap 128K private -> b        # B's memory, not yet touched
end
cpu A "madvise(MADV_SOFT_OFFLINE)"
  madvise $a 4K MADV_SOFT_OFFLINE -> r
end
cpu B "drain; write 8 pages; join A; reclaim; read"
  drain_all_pages
  write $b 32K -> w
  wait $r
  madvise $b 32K MADV_PAGEOUT
  touch $b 32K -> t
end
expect v4.6 passed t=SIGBUS EXPECTED "Naoya: nothing prevents the reallocation; the new owner is killed"
expect *    passed t=SIGBUS FORBIDDEN "the page was poisoned while another task owned it"
expect v4.19 inconsistency INTERESTING "the freed source stays on the MIGRATE_ISOLATE free list of a pageblock whose type was restored"
expect v4.19 passed r=-EBUSY ACCEPTABLE "the page was reallocated: soft offline refuses instead of poisoning it"
expect *    passed r!=ok FORBIDDEN "soft offline of an idle anonymous page succeeds"
expect *    passed w!=ok FORBIDDEN "B's writes succeed"
expect *    passed ACCEPTABLE "B never got the page while it was being poisoned"
bound 1
