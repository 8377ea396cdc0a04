# Seed 003's GUP-fast, pinning (FOLL_PIN) while another thread forks.
#
# A pinned anonymous page must stay exclusive to the mm that pinned it: otherwise the next
# write fault copies it (COW), the process moves on to the copy, and the DMA behind the pin
# writes into a page only the child still maps. fork() shares every anonymous page it can
# (folio_try_dup_anon_rmap_pte clears PG_anon_exclusive, copy_present_pte write-protects the
# parent's PTE) and copies only those that may be pinned already. GUP-fast takes no lock, so
# it can pin a page fork has just made shared, before fork write-protects the PTE:
#
#     GUP-fast (FOLL_PIN | FOLL_WRITE)          fork: copy_page_range
#     ptep_get_lockless: writable                raw_write_seqcount_begin(write_protect_seq)
#                                                folio_try_dup_anon_rmap_pte: not pinned yet,
#                                                  ClearPageAnonExclusive
#     try_grab_folio_fast: pin
#     recheck PTE: unchanged (still writable)
#                                                ptep_set_wrprotect
#     pinned a page that is no longer exclusive
#
# 57efa1fe5957 ("mm/gup: prevent gup_fast from racing with COW during fork", v5.11) made a
# FOLL_PIN GUP-fast read mm->write_protect_seq before its walk and again after, and give up
# (unpinning) when fork wrote it meanwhile; the slow path then waits for mmap_lock, which fork
# holds for write, and breaks COW itself. With CONFIG_DEBUG_VM, sanity_check_pinned_pages()
# after GUP-fast catches a pinned page that is not exclusive (VM_BUG_ON_PAGE).
#
# Variants:
#   mainline                       v6.12: the write_protect_seq check.
#   no-write-protect-seq           the code before 57efa1fe5957 on today's anon-exclusive code:
#                                  mainline with the seqcount dropped (drop-lock=, as `mmsim
#                                  locks` drops each class in turn). Must break.
#
# CPU A pins the page for writing and reads back which page its mm maps there; CPU B forks.
#
# Which lock matters (`./mmsim locks 003g --variant mainline`, and the NECESSARY column of
# check): mm->write_protect_seq alone. mmap_lock is not needed within bound 2: without it the
# slow path's PTE lock and fork's pin check (folio_try_dup_anon_rmap_pte) still keep the pin on
# the parent's page.
scenario 003g-gup-fast-pin-vs-fork
title    pin_user_pages_fast against fork: write_protect_seq keeps a pinned page exclusive
thread   "[PATCH v2] mm/gup: prevent gup_fast from racing with COW during fork" (linux-mm, Oct 2020); seed 003's GUP-fast
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +127M           # the rest of 128 MiB
  reserve 0x100000 +15M         # kernel image
end
variant mainline              era=mainline
variant no-write-protect-seq  era=mainline drop-lock=mm->write_protect_seq
setup
  mmap 4K at 0x40000000 -> a
  write $a                      # an exclusive anonymous page, mapped writable
end
cpu A "pin $a write; pagemap $a"
  pin $a write -> d
  pagemap $a pfn -> now
end
cpu B "fork"
  fork -> child
end
expect no-write-protect-seq bug EXPECTED "GUP-fast pinned the page fork had just made shared: sanity_check_pinned_pages"
expect * passed d!=$now FORBIDDEN "the pin is on a page the pinning mm no longer maps"
expect * passed ACCEPTABLE "pinned before fork (the child gets a copy) or after (the slow path breaks COW)"
question locks
bound 2
