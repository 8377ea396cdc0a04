# Seed 004 on x86_64, after the 2025 fix: what get_online_mems() in ptdump does not cover.
#
# 59305202c67f (2025) made every ptdump walk take the memory hotplug lock, which excludes
# hot-remove. But hot-remove is not the only freer of kernel page tables: x86 allows huge
# ioremap (arch_vmap_pmd_supported: boot_cpu_has(X86_FEATURE_PSE)), and vmap_try_huge_pmd ->
# pmd_free_pte_page() frees a PTE table left under the PMD by an earlier 4K mapping, under no
# lock a ptdump reader takes. arm64 avoided it by refusing huge vmap while ptdump is built in
# (7ba36eccb3f8, see 004d). Lorenzo Stoakes' 2026 series ("mm/ptdump: always stabilise against
# page table freeing using init_mm", "x86/mm/pat: acquire mmap lock on page table free...",
# "mm/vmalloc: acquire init_mm lock on huge vmap") closes it by making the freers take init_mm's
# mmap lock, which ptdump_walk_pgd holds for write; that series is not modelled (facts 3.3:
# "to-be-updated", mainline hash unverified).
#
# Setup: a 4K ioremap and iounmap leave a PTE table at the bottom of the vmalloc space. CPU A
# reads /sys/kernel/debug/page_tables/kernel; CPU B ioremaps 2 MiB at the same place.
#
# Variants:
#   x86-2019-2025  no lock in ptdump: use-after-free. EXPECTED.
#   x86-2025       the hotplug lock in ptdump_walk_pgd: the same use-after-free (the lock does
#                  not order ioremap). INTERESTING: the question the 2026 series answers.
# Bound 1.
scenario 004f-x86-ptdump-vs-huge-ioremap
title    x86 ptdump against a huge ioremap that frees the PTE table under its PMD (not covered by the 2025 hotplug lock)
thread   "[PATCH V2 2/2] arm64/mm: Enable memory hot remove" (Apr 2019); 59305202c67f (2025); Lorenzo Stoakes' init_mm series (2026)
layout
  arch x86_64
  cpus 2
  ram      0x1000      +0x9e000
  ram      0x100000    +255M
  reserve  0x100000    +15M
end
variant x86-2019-2025 era=mainline kernel-page-tables ptdump-unlocked
variant x86-2025      era=mainline kernel-page-tables
setup
  ioremap 0xfe000000 4K -> a          # device registers in the PCI hole
  iounmap $a
end
cpu A "cat /sys/kernel/debug/page_tables/kernel"
  cat /sys/kernel/debug/page_tables/kernel
end
cpu B "ioremap 2M of device memory"
  ioremap 0xfe000000 2M -> b
end
expect x86-2019-2025 kasan EXPECTED    "ptdump walked with no lock; pmd_free_pte_page freed its PTE table"
expect x86-2025      kasan INTERESTING "get_online_mems() does not hold off ioremap: the gap Lorenzo Stoakes' 2026 series closes"
expect *             passed b=-ENOMEM FORBIDDEN "the vmalloc space has room"
expect *             passed ACCEPTABLE "the dump shows the mapping, or not yet"
bound 1
