# Lesson 010: the buddy allocator under concurrency.
#
# What it shows: two CPUs allocate and free pages at the same time. Every free-list change
# happens under zone->lock (mm/page_alloc.c: rmqueue_buddy, free_one_page), so whatever the
# interleaving, no page is handed out twice, the free lists stay consistent, and nothing leaks.
# The explorer tries every schedule with at most `bound` preemptions and finds none that breaks.
#
# Not from a seed thread: it is the first lesson, a race that *holds*, so that the catalogue
# runs end to end and a newcomer sees what "exhaustive (bound 2)" and "holds" mean before the
# seed scenarios (000-...) show races that do not.
#
# Variants: the two kernel eras run the same allocator paths here.
scenario 010-buddy-alloc-free
title    concurrent alloc_pages/__free_pages on two CPUs keep the buddy lists consistent
thread   (lesson; no thread)
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +127M           # the rest of 128 MiB
  reserve 0x100000 +15M         # kernel image
end
variant mainline era=mainline
variant v4.6     era=v4.6
cpu A "alloc+free order 0"
  alloc_pages 0 -> a
  free_pages $a 0
end
cpu B "alloc+free order 1"
  alloc_pages 1 -> b
  free_pages $b 1
end
expect * passed ACCEPTABLE "each CPU got its own block and gave it back"
bound 2

# Which locks does this need? (`./mmsim locks 010 --variant mainline`, and the NECESSARY column
# of check.) Answered: zone->lock is necessary - without it both CPUs take the same block off a
# free list (the end-of-execution check finds a page on two lists); pcp->lock is not needed here,
# each CPU uses only its own per-cpu list.
question locks
