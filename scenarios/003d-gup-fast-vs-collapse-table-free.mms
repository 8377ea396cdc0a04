# Seed 003 (the later bug): GUP-fast walking the PTE table that collapse detached, deposited and
# munmap() then freed.
#
# collapse_huge_page() does not free the old PTE table of an anonymous range: it deposits it
# under the new huge PMD (pgtable_trans_huge_deposit), for a later split. But zap_huge_pmd()
# frees the deposited table at once (zap_deposited_table: pte_free, no RCU, no IPI). A GUP-fast
# walker that read the old PMD before pmdp_collapse_flush() is still inside that table unless
# something waited for it: on x86 native the flush IPI does; with a broadcast TLBI (arm64, s390)
# or a paravirt hypercall flush nothing does. Jann Horn's 2ba99c5e0881 "mm/khugepaged: fix
# GUP-fast interaction by sending IPI" (v6.1) adds tlb_remove_table_sync_one() after the flush
# where tables are RCU-freed (MMU_GATHER_RCU_TABLE_FREE): an IPI every CPU must answer, so the
# collapse waits for the IRQs-off walk. v6.0's PMD re-check (70cbc3cc78a9) does not help: the
# walker reads the freed table before it re-checks anything.
#
# CPU A: GUP-fast of one page. CPU B: one khugepaged pass, then munmap of the range.
#
# Variants (as 003c): v5.6-x86-native (IPI flush), v5.6-x86-paravirt, v5.6-arm64, v6.0-arm64
# (PMD re-check only), mainline-arm64 (+ tlb_remove_table_sync_one), mainline (x86 native).
#
# Bound 1: A preempted between reading the PMD and reading the PTE.
scenario 003d-gup-fast-vs-collapse-table-free
title    GUP-fast reads the PTE table collapse deposited and munmap freed: use-after-free before v6.1
thread   "[PATCH] mm/khugepaged: fix GUP-fast interaction by sending IPI" (linux-mm, Nov 2022)
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
variant v6.0-arm64        era=mainline collapse-no-table-sync tlb-flush-no-ipi CONFIG_MMU_GATHER_RCU_TABLE_FREE CONFIG_PER_VMA_LOCK=n
variant mainline-arm64    era=mainline tlb-flush-no-ipi CONFIG_MMU_GATHER_RCU_TABLE_FREE
variant mainline          era=mainline
setup
  mmap 2M at 0x40000000 -> a
  madvise $a 2M MADV_NOHUGEPAGE
  write $a
  madvise $a 2M MADV_HUGEPAGE
end
cpu A "gup $a; put_user_page"
  gup $a -> p
  put_user_page $p
end
cpu B "khugepaged; munmap $a 2M"
  khugepaged -> n
  munmap $a 2M -> r
end
expect v5.6-arm64 kasan EXPECTED "GUP-fast read the PTE table zap_deposited_table freed (2ba99c5e0881)"
expect v6.0-arm64 kasan EXPECTED "the PMD re-check comes after the read of the freed table"
expect v5.6-x86-paravirt kasan INTERESTING "a hypercall flush waits for no preempted vCPU"
expect * kasan FORBIDDEN "the IPI (flush or tlb_remove_table_sync_one) waits for the walk"
expect * passed r!=ok FORBIDDEN "munmap of a mapped, aligned range cannot fail"
expect * passed ACCEPTABLE "GUP-fast finished first, or found the range gone or collapsed"
bound 1
