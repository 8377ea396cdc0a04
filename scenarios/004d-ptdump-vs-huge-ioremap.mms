# Seed 004, before hot-remove existed: the only freer of arm64 kernel page tables was huge vmap.
#
# Since b6bdb7517c3d ("mm/vmalloc: add interfaces to free unmapped page table", v4.18), a huge
# ioremap that finds a PTE table under the PMD it wants (left there by an earlier, unmapped 4K
# ioremap) frees that table: vmap_try_huge_pmd -> pmd_free_pte_page: pmd_clear, TLBI of the walk
# caches, pte_free_kernel. ptdump walks with no lock, so it can be inside that table. In the
# hot-remove thread Mark Rutland pointed at the same hazard, and his "arm64/mm: Inhibit huge-vmap
# with ptdump" (7ba36eccb3f8, v5.2) made arch_vmap_pmd_supported() false whenever ptdump's
# debugfs file is built in. (x86 never did; see 004e.)
#
# Setup: a 4K ioremap of device memory at the bottom of the vmalloc space, then iounmap: its PTE
# table stays. CPU A dumps the kernel page tables; CPU B ioremaps 2 MiB of device memory, which
# the first-fit allocator places at the same 2 MiB-aligned address.
#
# Variants:
#   pre-v5.2   huge vmap allowed with ptdump, ptdump unlocked: use-after-free. EXPECTED.
#   mainline   no huge vmap while ptdump is built in: the 2 MiB are mapped with PTEs in the old
#              table, nothing is freed. FORBIDDEN. (fa93b45fd397, 2025, allowed huge vmap with
#              ptdump again behind a "ptdump running" key; not modelled.)
# Bound 1.
scenario 004d-ptdump-vs-huge-ioremap
title    arm64 ptdump against a huge ioremap that frees the PTE table under its PMD
thread   "[PATCH V2 2/2] arm64/mm: Enable memory hot remove" (Apr 2019); 7ba36eccb3f8 "arm64/mm: Inhibit huge-vmap with ptdump" (v5.2)
layout
  arch arm64
  cpus 2
  ram      0x40000000  +256M
  reserve  0x40000000  +16M
end
variant pre-v5.2 era=mainline ptdump-unlocked huge-vmap-with-ptdump
variant mainline era=mainline
setup
  ioremap 0x10000000 4K -> a          # device registers below RAM
  iounmap $a
end
cpu A "cat /sys/kernel/debug/kernel_page_tables"
  cat /sys/kernel/debug/kernel_page_tables
end
cpu B "ioremap 2M of device memory"
  ioremap 0x10000000 2M -> b
end
expect pre-v5.2 kasan EXPECTED  "pmd_free_pte_page freed the PTE table ptdump was walking"
expect *        kasan FORBIDDEN "no huge vmap while ptdump is built in (7ba36eccb3f8)"
expect *        passed b=-ENOMEM FORBIDDEN "the vmalloc space has room"
expect *        passed ACCEPTABLE "the dump shows the mapping, or not yet"
bound 1
