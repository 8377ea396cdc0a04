# Seed 003, the THP life cycle: the THP shrinker splits a partially unmapped THP while
# khugepaged scans and collapses the same PMD range.
#
# A THP mapped by a PMD loses its first page to MADV_DONTNEED: the PMD is split (__split_huge_pmd), the
# page is zapped, and the folio, now mapped by 511 PTEs, goes on the deferred split queue
# (deferred_split_folio). Under memory pressure reclaim runs the THP shrinker
# (deferred_split_scan), which splits it with split_huge_page: the anon_vma lock for write, the
# PTEs turned into migration entries, the refcount frozen, the struct pages split, the PTEs put
# back, and the unmapped page freed. khugepaged meanwhile scans the range: while the pages are
# still one large folio it gives up on them (SCAN_PAGE_COMPOUND: PTE-mapped THPs are not
# collapsed by this model's khugepaged); once they are base pages it collapses them into a new
# THP (collapse_huge_page: mmap_lock for write, anon_vma lock for write, pmd lock, isolate,
# copy). Neither holds the other's first lock: the shrinker takes no mmap_lock, khugepaged's scan
# takes no folio lock, and the scan can meet migration entries. The anon_vma lock and the
# refcount freeze must keep them apart: a split that found a page isolated by collapse fails
# (-EAGAIN) and puts the PTEs back; a collapse that found migration entries backs off.
#
# CPU A runs one khugepaged pass (n: THPs collapsed); CPU B runs the THP shrinker (s: THPs
# split); afterwards the whole-model check (refcounts, _mapcount, _entire_mapcount, the deferred
# split queue, LRU and counters) must be clean.
#
# Variant mainline (today's collapse and split): holds. No bug and no inconsistency in any
# interleaving within the bound; the shrinker always splits (s=1: khugepaged never holds a
# reference on a large folio it skips), and khugepaged collapses (n=1) exactly when its scan
# came after the split, else gives up on the compound page (n=0).
#
# Bound 1: each lock-free overlap (the scan's PTE reads against the unmap into migration
# entries and the remap, the shrinker's folio_try_get against collapse's isolation) needs one
# preemption. About 9,300 executions (some 10 s): the split walks the folio's 511 PTEs twice
# and every PTE step is a preemption point; a second variant would double it.
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
  madvise $a 4K MADV_DONTNEED         # PMD split, one page zapped: on the deferred split queue
  khugepaged -> n0              # drains the LRU batches (their reference would fail any split); the THP is skipped
end
cpu A "khugepaged"
  khugepaged -> n
end
cpu B "THP shrinker"
  deferred_split_scan -> s
end
expect * passed n=1 s=0 FORBIDDEN "collapsed a range whose pages were still one THP"
expect * passed ACCEPTABLE "split then collapsed, or khugepaged gave up on the THP first"
bound 1
