# Seed 003: get_user_pages_fast() against khugepaged's collapse_huge_page().
#
# Yang Shi asked (linux-mm, 24 Mar 2020) how pmdp_collapse_flush() serialises GUP-fast on
# architectures whose TLB flush is not an IPI; Kirill answered that the flush is meant to
# block all access including GUP and "Notable exceptions are Power and S390". The later
# history: GUP-fast could read a valid PMD, walk the PTE table, and pin the page after
# collapse's refcount check had passed; its PTE re-check passed (the detached table still held
# the PTE), collapse copied the page and installed the THP, and GUP returned the old page:
# writes through it are lost (70cbc3cc78a9, v6.0: GUP-fast re-checks the PMD). The PTE table
# GUP-fast walks could also be deposited and later freed or reused under it (2ba99c5e0881,
# v6.1: tlb_remove_table_sync_one() after pmdp_collapse_flush); that is 003d.
#
# CPU A pins one page for writing (a driver doing DMA): p is the pfn GUP returned. CPU B runs
# one khugepaged pass over the 2 MiB range, then reads the pfn now mapped at $a (q). With
# p != q, A holds a page the process no longer maps: its writes are lost.
#
# Variants (era=mainline code, switches for what the era lacked):
#   v5.6-x86-native    no PMD re-check, no table sync; the flush is an IPI that waits for A's
#                      IRQs-off walk: holds.
#   v5.6-x86-paravirt  the flush is a hypercall (KVM/Hyper-V/Xen): no IPI to a preempted vCPU.
#   v5.6-arm64         broadcast TLBI, no IPI (also s390, riscv).
#   v5.6-ppc-radix     serialize_against_pte_lookup(): an IPI to mm_cpumask that waits: holds.
#   v6.0-arm64         + 70cbc3cc78a9 (PMD re-check in GUP-fast): holds.
#   mainline-arm64     + tlb_remove_table_sync_one (v6.1): holds.
#   mainline           x86 native today: holds.
# powerpc is modelled by its pmdp_collapse_flush only (the layout stays x86_64).
#
# Bound 2: the stale pin needs A preempted after reading the PTE and again after B's
# refcount check (two preemptions). The populated range is one page (max_ptes_none 511 lets
# khugepaged collapse it), so a collapse is cheap to explore.
scenario 003c-gup-fast-vs-collapse
title    GUP-fast pins a page while khugepaged collapses its PMD range: stale page where no IPI waits
thread   "Re: [PATCH] mm: khugepaged: fix potential page state corruption" (linux-mm, Mar 2020)
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +127M           # the rest of 128 MiB
  reserve 0x100000 +15M         # kernel image
end
variant v5.6-x86-native   era=mainline gup-fast-no-pmd-recheck collapse-no-table-sync collapse-no-compound CONFIG_PER_VMA_LOCK=n
variant v5.6-x86-paravirt era=mainline gup-fast-no-pmd-recheck collapse-no-table-sync tlb-flush-paravirt CONFIG_MMU_GATHER_RCU_TABLE_FREE collapse-no-compound CONFIG_PER_VMA_LOCK=n
variant v5.6-arm64        era=mainline gup-fast-no-pmd-recheck collapse-no-table-sync tlb-flush-no-ipi CONFIG_MMU_GATHER_RCU_TABLE_FREE collapse-no-compound CONFIG_PER_VMA_LOCK=n
variant v5.6-ppc-radix    era=mainline gup-fast-no-pmd-recheck collapse-no-table-sync tlb-flush-no-ipi ppc-radix-serialize CONFIG_MMU_GATHER_RCU_TABLE_FREE collapse-no-compound CONFIG_PER_VMA_LOCK=n
variant v6.0-arm64        era=mainline collapse-no-table-sync tlb-flush-no-ipi CONFIG_MMU_GATHER_RCU_TABLE_FREE CONFIG_PER_VMA_LOCK=n
variant mainline-arm64    era=mainline tlb-flush-no-ipi CONFIG_MMU_GATHER_RCU_TABLE_FREE
variant mainline          era=mainline
setup
  mmap 2M at 0x40000000 -> a    # one PMD range, 2 MiB aligned
  madvise $a 2M MADV_NOHUGEPAGE
  write $a                      # a base page mapped by a PTE (no THP at fault time)
  madvise $a 2M MADV_HUGEPAGE   # khugepaged_enter_vma: the daemon will scan it
end
cpu A "gup $a write"
  gup $a write -> p
end
cpu B "khugepaged; pagemap $a"
  khugepaged -> n
  pagemap $a pfn -> q
end
expect v5.6-x86-paravirt passed n=1 p!=$q EXPECTED "GUP-fast returned the old page: the preempted vCPU got no IPI"
expect v5.6-arm64 passed n=1 p!=$q EXPECTED "GUP-fast returned the old page: writes lost (70cbc3cc78a9)"
expect * passed n=1 p!=$q FORBIDDEN "GUP returned a page the collapse replaced"
expect * passed ACCEPTABLE "GUP pinned first (collapse backs off) or after (the THP)"
bound 2
