# @NAME@: one paragraph on the race - what runs on each CPU and what could go wrong.
#
# Draw the race as the thread did, in two columns, and say which kernel files the paths come
# from. Then one line per variant: the alternative it stands for and what its verdict means.
#
#     CPU A                                   CPU B
#     alloc_pages(GFP_KERNEL, 0)              kpageflags_read
#     __free_pages(page, 0)                     stable_page_flags(pfn_to_online_page(pfn))
#
# Reference: docs/scenario-language.md (every block, operation, switch and outcome class);
# ./mmsim list --ops and ./mmsim list --switches print the operations and variant switches.
# Run it: ./mmsim explore @FILE@        Replay a finding: the replay line it prints.
scenario @NAME@
title    CPU A allocates and frees a page while CPU B reads /proc/kpageflags
thread   (no thread yet)
layout                          # the machine; one CPU per cpu block below
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +127M           # the rest of 128 MiB
  reserve 0x100000 +15M         # kernel image
end
variant mainline era=mainline   # each variant is explored on its own; add switches after the era
variant v4.6     era=v4.6
setup                           # runs once per execution before the CPUs start, never interleaved
  alloc_pages 0 -> held         # a page that stays allocated: B reads its flags
end
cpu A "alloc+free"              # the label names the task in traces
  alloc_pages 0 -> p            # -> p keeps the result (the pfn) for later lines and for expect
  free_pages $p 0
end
cpu B "cat /proc/kpageflags"
  read /proc/kpageflags at 0x40000 count 8 -> flags   # 8 bytes per pfn: pfn 0x8000
end
# The first matching expect line grades an outcome: write specific lines before catch-alls.
# An undeclared failure (oops, BUG, KASAN, leak...) is FORBIDDEN; an undeclared passing run ACCEPTABLE.
expect * passed p=NULL FORBIDDEN "an order-0 allocation on an idle machine cannot fail"
expect * passed ACCEPTABLE "B read the flags of pfn 0x8000 before, during or after A's allocation"
bound 2                         # at most two preemptions per execution
