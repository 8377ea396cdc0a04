package mmsim.mm.linux;

/**
 * The PG_* bits of page->flags with their numbers in v6.12 (include/linux/page-flags.h, enum
 * pageflags, x86_64 with CONFIG_MMU, CONFIG_MEMORY_FAILURE, CONFIG_PAGE_IDLE_FLAG) and the
 * compound-page policy each flag's accessors use.
 *
 * <pre>
 * page->flags (64 bits, x86_64 SPARSEMEM_VMEMMAP, see {@link PageFlagsLayout} for the fields):
 *  63      54 53  51 50          30 29          23 22                              0
 * +----------+------+--------------+--------------+---------------------------------+
 * |  NODE    | ZONE | LAST_CPUPID  |   (unused)   |  PG_* flags (__NR_PAGEFLAGS=23)  |
 * +----------+------+--------------+--------------+---------------------------------+
 * </pre>
 *
 * Aliases the kernel gives some bits: PG_swapcache = PG_checked = PG_owner_priv_1,
 * PG_fscache = PG_private_2, PG_isolated/PG_reported = PG_reclaim, PG_has_hwpoisoned and
 * PG_large_rmappable live on the second page of a folio.
 */
public enum PageFlag {
    LOCKED("locked", 0, Policy.NO_TAIL),
    WRITEBACK("writeback", 1, Policy.NO_TAIL),
    REFERENCED("referenced", 2, Policy.HEAD),
    UPTODATE("uptodate", 3, Policy.NO_TAIL),
    DIRTY("dirty", 4, Policy.HEAD),
    LRU("lru", 5, Policy.HEAD),
    /** Must be bit 6 (folio_test_large reads it with the flags byte). */
    HEAD("head", 6, Policy.ANY),
    WAITERS("waiters", 7, Policy.ONLY_HEAD),
    ACTIVE("active", 8, Policy.HEAD),
    WORKINGSET("workingset", 9, Policy.HEAD),
    /** PG_checked for filesystems, PG_swapcache for swap-backed pages. */
    OWNER_PRIV_1("owner_priv_1", 10, Policy.ANY),
    OWNER_2("owner_2", 11, Policy.ANY),
    ARCH_1("arch_1", 12, Policy.ANY),
    RESERVED("reserved", 13, Policy.NO_COMPOUND),
    PRIVATE("private", 14, Policy.ANY),
    PRIVATE_2("private_2", 15, Policy.ANY),
    RECLAIM("reclaim", 16, Policy.NO_TAIL),
    SWAPBACKED("swapbacked", 17, Policy.NO_TAIL),
    UNEVICTABLE("unevictable", 18, Policy.HEAD),
    MLOCKED("mlocked", 19, Policy.NO_TAIL),
    HWPOISON("hwpoison", 20, Policy.ANY),
    YOUNG("young", 21, Policy.ANY),
    IDLE("idle", 22, Policy.ANY);

    /**
     * Which page of a compound page a flag lives on (PF_* in page-flags.h).
     * <ul>
     * <li>ANY: the page itself, head or tail.</li>
     * <li>HEAD: tails redirect to the head.</li>
     * <li>ONLY_HEAD: only head or non-compound pages may use it (VM_BUG on a tail).</li>
     * <li>NO_TAIL: reads redirect to the head, modifications on a tail are a VM_BUG.</li>
     * <li>NO_COMPOUND: never on compound pages (VM_BUG).</li>
     * </ul>
     */
    public enum Policy { ANY, HEAD, ONLY_HEAD, NO_TAIL, NO_COMPOUND }

    /** __NR_PAGEFLAGS in this configuration. */
    public static final int NR_PAGEFLAGS = 23;
    /** PAGEFLAGS_MASK. */
    public static final long PAGEFLAGS_MASK = (1L << NR_PAGEFLAGS) - 1;
    private static final PageFlag[] BY_BIT = values();

    /**
     * PAGE_FLAGS_CHECK_AT_FREE: flags a page must not carry when it is freed
     * (lru, locked, private, private_2, writeback, reserved, active, unevictable, mlocked).
     */
    public static final long CHECK_AT_FREE = LRU.mask | LOCKED.mask | PRIVATE.mask | PRIVATE_2.mask | WRITEBACK.mask
            | RESERVED.mask | ACTIVE.mask | UNEVICTABLE.mask | MLOCKED.mask;
    /** PAGE_FLAGS_CHECK_AT_PREP: every flag but hwpoison must be clear on a page leaving the buddy. */
    public static final long CHECK_AT_PREP = PAGEFLAGS_MASK & ~HWPOISON.mask;

    public final String kernelName;
    public final int bit;
    public final long mask;
    public final Policy policy;

    /** Preemption-point labels of the accessors, made once: a flag test is among the model's hottest paths. */
    public final String testLabel, setLabel, clearLabel, testSetLabel, testClearLabel;

    PageFlag(String kernelName, int bit, Policy policy) {
        this.kernelName = kernelName;
        this.bit = bit;
        this.mask = 1L << bit;
        this.policy = policy;
        String a = accessorOf(kernelName);
        testLabel = "Page" + a;
        setLabel = "SetPage" + a;
        clearLabel = "ClearPage" + a;
        testSetLabel = "TestSetPage" + a;
        testClearLabel = "TestClearPage" + a;
    }

    /**
     * The name in the kernel's accessors (PAGEFLAG(Uname, lname, policy) in page-flags.h):
     * {@code Dirty} of PageDirty/SetPageDirty, {@code OwnerPriv1}, {@code LRU}, {@code HWPoison}.
     */
    public String accessor() {
        return testLabel.substring("Page".length());
    }

    private static String accessorOf(String kernelName) {
        return switch (kernelName) {
            case "lru" -> "LRU";
            case "hwpoison" -> "HWPoison";
            case "swapbacked" -> "SwapBacked";
            default -> {
                StringBuilder sb = new StringBuilder();
                for (String w : kernelName.split("_")) sb.append(Character.toUpperCase(w.charAt(0))).append(w.substring(1));
                yield sb.toString();   // owner_priv_1 -> OwnerPriv1, private_2 -> Private2
            }
        };
    }

    public static PageFlag ofBit(int bit) { return bit >= 0 && bit < BY_BIT.length ? BY_BIT[bit] : null; }

    /** The names of the set PG_ bits joined by '|', as %pGp prints them (lowest bit first). */
    public static String names(long flags) {
        StringBuilder sb = new StringBuilder();
        for (PageFlag f : BY_BIT) {
            if ((flags & f.mask) == 0) continue;
            if (!sb.isEmpty()) sb.append('|');
            sb.append(f.kernelName);
        }
        return sb.toString();
    }
}
