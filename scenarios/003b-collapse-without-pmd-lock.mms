# Seed 003: "In addition it looks acquiring pmd lock is not necessary."
#
# Yang Shi (linux-mm, 24 Mar 2020): before pmdp_collapse_flush() collapse_huge_page() already
# holds mmap_sem for write (no fault, no munmap, no other PMD writer) and the anon_vma lock for
# write (no rmap walk), so fast GUP, which takes no lock at all, is the only thing that could
# run concurrently; "It seems the pmd_lock/unlock could be removed." Kirill: "This is likely
# true. And we have a comment there. But taking uncontended lock is cheap, so why not." The
# lock is still there in v6.12 with its "probably unnecessary" comment; nobody tested it.
#
# CPU A runs one khugepaged pass over a 2 MiB range holding two pages. CPU B is everything else
# that touches that PMD: GUP-fast for writing an unpopulated page (no lock; its slow path takes
# mmap_lock for read, faults, or takes the pmd lock in follow_huge_pmd when the THP is there) and
# MADV_DONTNEED of the page (zap, splitting a huge PMD under the pmd lock).
#
# Variants:
#   v5.6 / mainline                    the code as it is (pmd_lock around the flush).
#   v5.6-no-pmd-lock / mainline-no-pmd-lock   Yang's suggestion: the explorer answers
#                                      (INTERESTING), whatever it finds.
# The x86 native flush (an IPI that waits) is used: the question is the lock, not the flush.
#
# Bound 1 keeps `./mmsim check` short. Bound 2 (`mmsim explore 003b --bound 2`) also holds for all
# four variants: about 9,000 executions each, exhaustive (15-70 s on a loaded 2-core machine).
scenario 003b-collapse-without-pmd-lock
title    collapse_huge_page without pmd_lock around pmdp_collapse_flush against GUP, faults and zap
thread   "Re: [PATCH] mm: khugepaged: fix potential page state corruption" (linux-mm, Mar 2020)
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +127M           # the rest of 128 MiB
  reserve 0x100000 +15M         # kernel image
end
variant v5.6                 era=mainline collapse-no-table-sync gup-fast-no-pmd-recheck collapse-no-compound CONFIG_PER_VMA_LOCK=n
variant v5.6-no-pmd-lock     era=mainline collapse-no-table-sync gup-fast-no-pmd-recheck collapse-no-pmd-lock collapse-no-compound CONFIG_PER_VMA_LOCK=n
variant mainline             era=mainline
variant mainline-no-pmd-lock era=mainline collapse-no-pmd-lock
setup
  mmap 2M at 0x40000000 -> a
  madvise $a 2M MADV_NOHUGEPAGE
  write $a 8K                   # two base pages
  madvise $a 2M MADV_HUGEPAGE
end
cpu A "khugepaged"
  khugepaged -> n
end
cpu B "gup write; MADV_DONTNEED"
  gup $a+16K write -> p         # GUP-fast, else the slow path: mmap_lock, a write fault (or the huge PMD)
  put_user_page $p
  madvise $a+16K 4K MADV_DONTNEED -> d    # zap; splits the huge PMD if the collapse came first
end
expect v5.6-no-pmd-lock bug INTERESTING "does dropping the pmd lock break the collapse? the explorer's answer"
expect mainline-no-pmd-lock bug INTERESTING "does dropping the pmd lock break the collapse? the explorer's answer"
expect v5.6-no-pmd-lock inconsistency INTERESTING "does dropping the pmd lock break the collapse? the explorer's answer"
expect mainline-no-pmd-lock inconsistency INTERESTING "does dropping the pmd lock break the collapse? the explorer's answer"
expect * passed p=-EFAULT FORBIDDEN "GUP of a writable anonymous mapping cannot fail"
expect * passed d!=ok FORBIDDEN "MADV_DONTNEED of a mapped range cannot fail"
expect * passed ACCEPTABLE "collapsed or not, every path serialised"
bound 1

# Yang's question, answered by `./mmsim locks 003b --variant V` (and the NECESSARY column of
# check). The PMD table's split lock has its own class here, pmd_lockptr(ptdesc) (lockdep gives
# PTE and PMD split locks one class; see PageTableStore):
#   v5.6, mainline: pmd_lockptr(ptdesc) is not needed within bound 1 - dropping every pmd_lock
#     (collapse's, the huge-PMD fault's, split_huge_pmd's, follow_huge_pmd's) still holds, which
#     agrees with the *-no-pmd-lock variants; the lock that is necessary is mm->mmap_lock
#     (khugepaged's write side against the fault and zap paths).
question locks
