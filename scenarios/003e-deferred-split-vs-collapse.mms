# Seed 003, the THP life cycle: the THP shrinker splits a partially unmapped THP while
# khugepaged scans and collapses the same PMD range.
#
# A THP mapped by a PMD loses its first page to MADV_DONTNEED: the PMD is split (__split_huge_pmd), the
# page is zapped, and the folio, now mapped by 511 PTEs, goes on the deferred split queue
# (deferred_split_folio). Under memory pressure reclaim runs the THP shrinker
# (deferred_split_scan), which splits it with split_huge_page: the anon_vma lock for write, the
# PTEs turned into migration entries, the refcount frozen, the struct pages split, the PTEs put
# back, and the unmapped page freed. khugepaged meanwhile scans the range and collapses it
# (collapse_huge_page: mmap_lock for write, anon_vma lock for write, pmd lock, isolate, copy):
# the 511 PTEs of the large folio (since v5.8 khugepaged collapses PTE-mapped THPs: the folio is
# locked and isolated once, at its first PTE) or, after the split, 511 base pages. Neither holds
# the other's first lock: the shrinker takes no mmap_lock, khugepaged's scan takes no folio lock,
# and the scan can meet migration entries. The folio lock, the anon_vma lock and the refcount
# freeze must keep them apart: a split that found the folio isolated by collapse fails (-EAGAIN)
# and puts the PTEs back; a collapse that found the folio locked by the split backs off
# (SCAN_PAGE_LOCK); a collapse that found migration entries backs off.
#
# The setup's khugepaged pass only drains the LRU batches (whose reference would fail any split):
# the range is VM_NOHUGEPAGE during it (MADV_NOHUGEPAGE of the whole VMA splits nothing).
#
# CPU A runs one khugepaged pass (n: THPs collapsed); CPU B runs the THP shrinker (s: THPs
# split); afterwards the whole-model check (refcounts, _mapcount, _entire_mapcount, the deferred
# split queue, LRU and counters) must be clean.
#
# Variant mainline (today's collapse and split): holds. No bug and no inconsistency in any
# interleaving within the bound. Three endings: khugepaged collapsed the PTE-mapped THP first and
# the shrinker found nothing left to split (n=1 s=0); the shrinker split first and khugepaged
# collapsed the base pages (n=1 s=1); or khugepaged gave up, meeting the split in progress (the
# folio locked, or migration entries), and the shrinker split the THP (n=0 s=1). Before v5.8 (switch collapse-no-compound) the first was impossible: the scan stopped
# at SCAN_PAGE_COMPOUND (KhugepagedCompoundTest plays that era without the race).
#
# Bound 1: each lock-free overlap (the scan's PTE reads against the unmap into migration
# entries and the remap, the shrinker's folio_try_get against collapse's isolation) needs one
# preemption. About 15,400 executions: the split walks the folio's 511 PTEs twice, the collapse
# of the large folio 512, and every PTE step is a preemption point; a second variant (the v5.7
# one, about 9,300) would add as many again, which is why the era before v5.8 is a unit test.
scenario 003e-deferred-split-vs-collapse
title    the THP shrinker splits a partially unmapped THP while khugepaged collapses its range
thread   "Re: [PATCH] mm: khugepaged: fix potential page state corruption" (linux-mm, Mar 2020)
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +127M           # the rest of 128 MiB
  reserve 0x100000 +15M         # kernel image
end
variant mainline era=mainline
setup
  mmap 2M at 0x40000000 -> a    # one PMD range, 2 MiB aligned
  madvise $a 2M MADV_HUGEPAGE   # THP at fault time; khugepaged_enter_vma
  write $a                      # do_huge_pmd_anonymous_page: a PMD-mapped THP
  madvise $a 4K MADV_DONTNEED   # PMD split, one page zapped: on the deferred split queue
  madvise $a 2M MADV_NOHUGEPAGE # the whole VMA: no VMA split, khugepaged skips the range
  khugepaged -> n0              # drains the LRU batches (their reference would fail any split)
  madvise $a 2M MADV_HUGEPAGE
end
cpu A "khugepaged"
  khugepaged -> n
end
cpu B "THP shrinker"
  deferred_split_scan -> s
end
expect * passed n0!=0 FORBIDDEN "the setup's pass collapsed a VM_NOHUGEPAGE range"
expect mainline passed n=1 s=0 ACCEPTABLE "collapsed the PTE-mapped THP before the shrinker split it (v5.8+)"
expect * passed ACCEPTABLE "split then collapsed, or khugepaged gave up on the THP first"
bound 1
