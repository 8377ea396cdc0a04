package mmsim.scenario.ops;

/**
 * Transparent huge pages (mm/khugepaged.c, mm/huge_memory.c):
 * <pre>
 * khugepaged [-> var]      one pass of the daemon (khugepaged_do_scan): var gets the THPs it collapsed
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
    }
}
