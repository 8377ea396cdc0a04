# Lesson 011: a page fault racing munmap() of the same range.
#
# What it shows: two threads of one process. CPU A writes two pages of an anonymous mapping,
# each write a page fault (do_anonymous_page: a new zeroed page, or wp_page_copy when the zero
# page was mapped there by an earlier read). CPU B unmaps the range. The fault holds mmap_lock
# for read and munmap holds it for write, so a fault runs wholly before or wholly after the
# unmap; within the fault, the PTE is changed only under the PTE lock after re-checking it
# (pte_same), and munmap frees the pages only after the TLB-flush IPI and the page tables only
# after that (mm/memory.c: zap_pte_range, tlb_finish_mmu; mm/mmap.c: free_pgtables). Whatever
# the interleaving: no oops, no use-after-free of a page table, no leaked page, and
# _refcount/_mapcount/rss/the LRU lists agree at the end (the whole-model check).
#
# What a user can see: each write either succeeds (it ran before the unmap) or gets SIGSEGV (it
# ran after). A write that succeeds after an earlier one failed would mean the range came back:
# forbidden. The MMU walk is one atomic step in the model (a hardware walk is no kernel read).
#
# Not from a seed thread: a lesson on the fault path that seeds 002 and 003 build on.
# Variants: one. The eras differ in GUP-fast and migration, which this race does not reach, so a
# v4.6 variant would explore the same paths again.
scenario 011-fault-vs-munmap
title    a write fault and munmap() of the same range on two CPUs leave the address space consistent
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
  mmap 8K rw private -> a       # two pages of anonymous memory
  touch $a                      # a read: the zero page at $a, and the page tables down to the PTE
end
cpu A "write $a, $a+4K"
  write $a -> w1                # COW of the zero page
  write $a+4K -> w2             # a new anonymous page
end
cpu B "munmap $a 8K"
  munmap $a 8K -> r
end
expect * passed r!=ok FORBIDDEN "munmap of a mapped, aligned range cannot fail"
expect * passed w1=ok w2=ok ACCEPTABLE "both writes ran before the unmap"
expect * passed w1=ok w2=SIGSEGV ACCEPTABLE "the unmap came between the writes"
expect * passed w1=SIGSEGV w2=SIGSEGV ACCEPTABLE "the unmap came first"
expect * passed w1=SIGSEGV w2=ok FORBIDDEN "an unmapped range came back"
bound 2
