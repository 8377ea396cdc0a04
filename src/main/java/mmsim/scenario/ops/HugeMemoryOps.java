package mmsim.scenario.ops;

/**
 * Transparent huge pages (mm/khugepaged.c, mm/huge_memory.c):
 * <pre>
 * khugepaged [-> var]                 one pass of the daemon (khugepaged_do_scan): var gets the THPs it collapsed
 * split_huge_page ADDR [in PID] [-> var]   debugfs split_huge_pages for one address: ok or -ERRNO
 * deferred_split_scan [nr N] [-> var]   the THP shrinker: var gets the folios it split
 * </pre>
 * The THP switches are the sysfs files under /sys/kernel/mm/transparent_hugepage/ ({@code echo});
 * madvise takes MADV_HUGEPAGE / MADV_NOHUGEPAGE.
 */
final class HugeMemoryOps implements OpProvider {
    @Override
    public void register(OpRegistry r) {
        r.add("khugepaged", "khugepaged [-> var]",
                "one khugepaged pass (khugepaged_do_scan): drain the LRU batches, scan up to pages_to_scan pages of the registered mms, "
                        + "collapse each PMD range that qualifies (collapse_huge_page); var gets the number of THPs collapsed", true, a -> ctx -> {
                    UserMemoryOps.initTask(ctx); // the scenario's process exists before the daemon looks for it
                    return Integer.toString(ctx.machine().machine().khugepaged().scanPass());
                });
        r.add("split_huge_page", "split_huge_page ADDR [in PID] [-> var]",
                "split the THP mapped at ADDR, as writing 'PID,ADDR,ADDR+1' to /sys/kernel/debug/split_huge_pages does "
                        + "(split_huge_pages_pid: folio lock, split_huge_page: anon_vma lock, unmap into migration entries, refcount freeze, "
                        + "remap); var gets ok, -EAGAIN (an extra reference such as a GUP pin, or the folio lock taken) or -EINVAL (no THP there)",
                true, a -> {
                    Args.Address addr = a.address("ADDR");
                    UserMemoryOps.Pid pid = UserMemoryOps.pid(a);
                    return ctx -> {
                        var mm = pid.mm(ctx);
                        if (mm == null) return Args.errnoValue(mmsim.kernel.Errno.ESRCH);
                        return UserMemoryOps.result(UserMemoryOps.um(ctx).splitHugePage.splitHugePagesPid(mm, addr.resolve(ctx)));
                    };
                });
        r.add("deferred_split_scan", "deferred_split_scan [nr N] [-> var]",
                "one run of the THP shrinker (deferred_split_scan, as shrink_slab calls it under memory pressure): split up to N (default 128) "
                        + "partially mapped THPs from the deferred split queue; var gets the number split", true, a -> {
                    int nr = 128;
                    if ("nr".equals(a.peek())) {
                        a.keyword("nr");
                        nr = a.integer("N", 1, 1 << 20);
                    }
                    int n = nr;
                    return ctx -> Integer.toString(UserMemoryOps.um(ctx).splitHugePage.deferredSplitScan(n));
                });
    }
}
