# Lesson 011b: kswapd reclaims anonymous pages while munmap() unmaps them.
#
# What it shows: setup writes two anonymous pages and runs one kswapd pass, which finds their
# PTEs young, clears the accessed bits and gives the pages a second round on the inactive list
# (PG_referenced). Then CPU B's kswapd pass reclaims them: isolate from the LRU, lock, add to
# the swap cache, try_to_unmap (each PTE becomes a swap entry), write out, __remove_mapping
# (refcount frozen from 2 to 0) and free (mm/vmscan.c shrink_folio_list). At the same time
# CPU A unmaps the range: zap_pte_range drops present PTEs (their pages freed after the TLB
# flush) and swap entries (free_swap_and_cache, which only trylocks the cached page).
#
# The places where they meet: the page lock (reclaim holds it from isolation to free; the
# unmap never waits for it), the PTE lock (try_to_unmap and zap serialise on it, and whoever
# comes second finds the PTE changed), and the references (a page the unmap dropped while
# reclaim had it isolated is freed by reclaim, since __remove_mapping then sees exactly the
# isolation and swap-cache references). Whatever the interleaving, nothing oopses and the
# whole-model check at the end finds no leaked page, no leaked swap slot and every counter
# agreeing.
#
# Bound 1 keeps `./mmsim check` quick (207 executions). Bound 2 (`mmsim explore 011b --bound 2`)
# also holds: 9,446 executions, exhaustive, about 45 s on a loaded 2-core machine.
#
# Not from a seed thread: a lesson on the reclaim path that seed 003's khugepaged-vs-reclaim
# argument builds on. Variants: one; the eras run the same reclaim and unmap paths here.
scenario 011b-kswapd-vs-munmap
title    kswapd reclaiming pages while munmap() unmaps them leaves no leaked page or swap slot
thread   (lesson; no thread)
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +127M           # the rest of 128 MiB
  reserve 0x100000 +15M         # kernel image
end
variant mainline era=mainline
setup
  mmap 8K -> a
  write $a 8K                   # two anonymous pages, young, in CPU 0's LRU batch
  kswapd nr 8                   # drains the batch; the young PTEs earn the pages a second round
end
cpu A "munmap $a 8K"
  munmap $a 8K -> r
end
cpu B "kswapd"
  kswapd nr 8 -> n              # n: pages reclaimed (0, 1 or 2, depending on when the unmap came)
end
expect * passed r!=ok FORBIDDEN "munmap of a mapped, aligned range cannot fail"
expect * passed ACCEPTABLE "reclaimed what the unmap had not taken first"
bound 1
