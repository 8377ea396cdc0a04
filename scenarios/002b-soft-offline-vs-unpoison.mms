# Seed 002 (b): soft offline of an in-use page against unpoison_memory() of the same pfn.
#
# The thread: "[PATCH v3 01/16] mm: use put_page to free page instead of putback_lru_page" (linux-mm,
# 4-6 April 2016). Vlastimil Babka asked whether swapping the two calls after a successful
# migration - test_set_page_hwpoison() before put_page() - would close the race with allocation
# (scenario 002). Naoya Horiguchi:
#
#     Unfortunately that restores the other race with unpoison (described below.) ...
#     these races seems exclusive and a compatible solution is not found
#
# The race of da1b13ccfbebe ("mm/hwpoison: fix race between soft_offline_page and
# unpoison_memory", Wanpeng Li's report, v4.3): when PG_hwpoison is set on the source page while
# migration still holds its isolation reference, unpoison_memory() sees a poisoned page with one
# reference, takes its own, clears the flag and drops two references - the second one being
# migration's. The page is freed under migration, whose own put then underflows the refcount
# (VM_BUG_ON_PAGE), or is freed while it sits in an LRU batch.
#
# The program: setup maps and writes one anonymous page ($a, pfn $p) and loads hwpoison-inject;
# CPU A soft-offlines it with madvise(MADV_SOFT_OFFLINE) (as LTP madvise11 does); CPU B writes the
# pfn to /sys/kernel/debug/hwpoison/unpoison-pfn (as madvise11's cleanup and mce-test do).
#
# Variants (mmsim.mm.memory_failure.HwpoisonFlow):
#   v4.2-rc-set-before-migrate  4491f712606: flag set before migrate_pages; the source goes back
#                       through putback_lru_page. Unpoison's second put frees the page while it sits
#                       in the CPU's LRU batch, whose drain will link a free page and put it again
#                       (count -1): the whole-model check reports the refcount the batch no longer
#                       has. EXPECTED (the race da1b13ccfbebe fixed).
#   v4.6                put_page, then test_set_page_hwpoison on the freed page: unpoison finds
#                       either an unpoisoned page or a free one. A crash is FORBIDDEN.
#   swap-order          set, then put: Naoya's answer - the unpoison race is back. EXPECTED crash.
#   vlastimil-testzero  flag only once put_page_testzero hit zero, page kept out of the buddy: no
#                       crash (FORBIDDEN). But 2016's unpoison only clears the flag of a
#                       refcount-0 page; the diverted page is on no list - does the proposal need
#                       an unpoison that gives the page back? The explorer's answer (INTERESTING).
#   v4.19               as v4.6 for this race: no crash (FORBIDDEN). But the source is freed into a
#                       pageblock soft offline marked MIGRATE_ISOLATE with set_pageblock_migratetype
#                       (no free pages moved), so it lands on the isolate free list and stays there
#                       when the old type is restored - the model's reading of d4ae9916ea29, not
#                       checked against a v4.19 tree. The explorer's answer (INTERESTING).
#   v5.10               page_handle_poison sets the flag, puts and re-pins, with no mf_mutex
#                       around soft offline and unpoison yet: is the window between them open?
#                       The explorer's answer (INTERESTING).
#   mainline            mf_mutex serialises both; unpoison refuses nothing it can give back.
#                       Any failure is FORBIDDEN.
scenario 002b-soft-offline-vs-unpoison
title    madvise(MADV_SOFT_OFFLINE) of an in-use page against unpoison-pfn of the same page (da1b13ccfbebe)
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
  modprobe hwpoison-inject
  mmap 4K private -> a
  write $a                      # one anonymous page
  pagemap $a pfn -> p
end
cpu A "madvise(MADV_SOFT_OFFLINE)"
  madvise $a 4K MADV_SOFT_OFFLINE -> r
end
cpu B "echo PFN > unpoison-pfn"
  echo $p > /sys/kernel/debug/hwpoison/unpoison-pfn -> u
end
expect v4.2-rc-set-before-migrate bug EXPECTED "unpoison dropped migration's isolation reference: put_page underflows"
expect v4.2-rc-set-before-migrate bad_page EXPECTED "unpoison freed the page migration still used"
expect v4.2-rc-set-before-migrate inconsistency EXPECTED "unpoison freed the page while it sits in the LRU batch"
expect swap-order                 bug EXPECTED "Naoya: swapping the calls restores the da1b13ccfbebe race"
expect swap-order                 bad_page EXPECTED "Naoya: swapping the calls restores the da1b13ccfbebe race"
expect vlastimil-testzero         leak INTERESTING "2016's unpoison clears the flag of the diverted page and leaves it on no list"
expect v4.19                      inconsistency INTERESTING "the freed source stays on the MIGRATE_ISOLATE free list of a pageblock whose type was restored"
expect v5.10                      bug INTERESTING "no mf_mutex yet: unpoison between SetPageHWPoison and the final put"
expect v5.10                      leak INTERESTING "no mf_mutex yet: unpoison between the final put and page_ref_inc"
expect v5.10                      inconsistency INTERESTING "no mf_mutex yet"
expect *                          passed r!=ok FORBIDDEN "soft offline of an idle anonymous page succeeds"
expect *                          passed ACCEPTABLE "unpoison ran before the flag, refused, or gave the page back"
bound 1
