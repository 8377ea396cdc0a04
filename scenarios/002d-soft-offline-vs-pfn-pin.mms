# Seed 002 (d): a PFN user holds a transient reference when soft offline drops its last one.
#
# The thread: "[PATCH v3 01/16] mm: use put_page to free page instead of putback_lru_page" (linux-mm,
# 6 April 2016). Vlastimil Babka, proposing put_page_testzero() in place of put_page():
#
#     we are currently not guaranteed that the put_page() is indeed releasing the last pin, but we
#     set HWPoison in any case. Although we have just migrated the page away, there might be a pfn
#     scanner holding its pin and checking the page. ... By not setting the HWpoison when we don't
#     succeed put_page_testzero(), we are safer. It's true the page might stay unpoisoned due to a
#     temporary pin, but the process data was migrated away which is the important part, and
#     userspace can retry anyway?
#
# The PFN user here is one the 2016 kernel has: the hwpoison injector with its filter on
# (mm/hwpoison-inject.c) takes get_page_unless_zero() on the pfn, shakes the page (drains the LRU
# batches and per-cpu lists) and drops the reference again because the page does not pass the
# filter (a device filter an anonymous page cannot match). CPU A soft-offlines the page with
# madvise and then reads its KPF_HWPOISON bit from /proc/kpageflags (h); CPU B is the injector.
#
# Variants (mmsim.mm.memory_failure.HwpoisonFlow):
#   v4.6                put_page, then the flag whatever the count: with B's pin the flag lands on
#                       a page B still holds and B's put frees it, flagged (no crash: Vlastimil's
#                       "hopefully no such scanner has a path that would break on HWPoison flag").
#   vlastimil-testzero  B's pin makes put_page_testzero fail: soft offline returns 0 and the page
#                       is not poisoned - the proposal's "success but not poisoned" outcome. Is it
#                       reachable? The explorer's answer (INTERESTING, r=ok h=0).
#   mainline            the flag is set before the put and the page re-pinned: a transient pin only
#                       delays the free (the 2016 injector's pin does not exist today; the variant
#                       shows the 2020 design is indifferent to it). r=ok h=0 FORBIDDEN.
scenario 002d-soft-offline-vs-pfn-pin
title    a PFN user's transient pin at the last put of soft offline: Vlastimil's put_page_testzero succeeds without poisoning
thread   "[PATCH v3 01/16] mm: use put_page to free page instead of putback_lru_page" (linux-mm, 6 April 2016)
layout
  arch x86_64
  cpus 2
  ram 0x1000    +0x9e000        # low memory
  ram 0x100000  +127M           # the rest of 128 MiB
  reserve 0x100000 +15M         # kernel image
end
variant v4.6               era=v4.6
variant vlastimil-testzero era=v4.6 hwpoison-put-testzero
variant mainline           era=mainline
setup
  modprobe hwpoison-inject
  echo 1 > /sys/kernel/debug/hwpoison/corrupt-filter-enable
  echo 0 > /sys/kernel/debug/hwpoison/corrupt-filter-dev-major    # no anonymous page passes
  mmap 4K private -> a
  write $a
  pagemap $a pfn -> p
end
cpu A "madvise(MADV_SOFT_OFFLINE); page-types"
  madvise $a 4K MADV_SOFT_OFFLINE -> r
  kpageflag $p hwpoison -> h
end
cpu B "echo PFN > corrupt-pfn (filtered)"
  echo $p > /sys/kernel/debug/hwpoison/corrupt-pfn -> i
end
expect vlastimil-testzero passed r=ok h=0 INTERESTING "the pin made put_page_testzero fail: success, but the page is not poisoned"
expect *                  passed r=ok h=0 FORBIDDEN "soft offline reported success without poisoning the page"
expect *                  passed r=-EIO ACCEPTABLE "the pin (or B's LRU drain in flight) made the grab or migration fail; user space retries"
expect *                  passed r=-EBUSY ACCEPTABLE "the pin (or B's LRU drain in flight) made the grab or migration fail; user space retries"
expect *                  passed r!=ok FORBIDDEN "soft offline fails only with EIO or EBUSY"
expect *                  passed i!=ok FORBIDDEN "the filtered injection returns 0"
expect *                  passed ACCEPTABLE "the page was poisoned"
bound 1
