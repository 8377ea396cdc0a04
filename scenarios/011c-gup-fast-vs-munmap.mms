# Lesson 011c: get_user_pages_fast() walking page tables while munmap() frees them.
#
# What it shows: GUP-fast (mm/gup.c) takes no lock at all. It walks PGD, PUD, PMD and PTE with
# interrupts disabled and grabs the page with get_page_unless_zero, then re-reads the PTE. What
# keeps the tables it reads from being freed under it? On x86 the unmap clears the PTEs, then
# flushes the TLB of every CPU in mm_cpumask with an IPI and waits for each to answer
# (native_flush_tlb_multi), and only then frees the page tables (free_pgtables). A CPU inside
# GUP-fast has IRQs off, so it answers only after its walk: the free waits for the walk.
#
# Variants:
#   mainline       the IPI flush: holds, whatever the interleaving.
#   no-ipi         tlb-flush-no-ipi: the flush interrupts nobody (a broadcast TLB invalidation,
#                  as arm64 and s390 do) and the tables are freed at once, with no RCU grace
#                  period (MMU_GATHER_RCU_TABLE_FREE). The explorer finds GUP-fast reading a freed
#                  PTE table: KASAN use-after-free. This is the "Power and S390" exception Kirill
#                  names in seed 003's thread (mm: khugepaged: fix potential page state
#                  corruption, March 2020): an architecture whose TLB flush is not an IPI must
#                  give GUP-fast another guarantee.
#
# Not from a seed thread itself: the mechanism seed 003's khugepaged collapse depends on
# (pmdp_collapse_flush), shown on the simplest path that frees page tables.
scenario 011c-gup-fast-vs-munmap
title    GUP-fast walks page tables with IRQs off while munmap() frees them after the TLB-flush IPI
thread   (lesson; mechanism of "mm: khugepaged: fix potential page state corruption", linux-mm, Mar 2020)
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +127M           # the rest of 128 MiB
  reserve 0x100000 +15M         # kernel image
end
variant mainline era=mainline
variant no-ipi   era=mainline tlb-flush-no-ipi
setup
  mmap 4K -> a
  write $a                      # a page and its page tables (PUD, PMD, PTE) of their own
end
cpu A "gup $a; put_user_page"
  gup $a -> p                   # the page's pfn, or -EFAULT when the unmap came first
  put_user_page $p
end
cpu B "munmap $a 4K"
  munmap $a 4K -> r             # frees the page tables: no other VMA needs them
end
expect mainline kasan FORBIDDEN "the IPI keeps the tables until GUP-fast re-enables IRQs"
expect no-ipi kasan EXPECTED "without the IPI wait nothing holds the tables GUP-fast walks"
expect * passed r!=ok FORBIDDEN "munmap of a mapped, aligned range cannot fail"
expect * passed ACCEPTABLE "GUP-fast got the page, or found it unmapped"
bound 2

# Which locks does this need? (`./mmsim locks 011c --variant mainline`.) Answered: none of the
# locks is necessary on its own - what closes the race is GUP-fast's IRQ-off region, which holds
# off munmap's TLB-flush IPI until the walk ends: dropping local_irq_disable (the class for the
# IRQ-off region) brings back the use-after-free of the no-ipi variant.
question locks
