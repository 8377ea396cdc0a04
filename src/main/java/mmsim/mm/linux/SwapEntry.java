package mmsim.mm.linux;

/**
 * swp_entry_t, the architecture-independent swap entry (include/linux/swapops.h,
 * include/linux/swap.h). The architecture converts it to a non-present PTE with
 * {@link PgtableArch#swpEntryToPte}. Besides real swap slots the same encoding carries
 * migration entries (a pfn instead of a swap offset) and hwpoison entries.
 *
 * <pre>
 *   63 62    58 57                                               0
 *  +--+--------+-------------------------------------------------+
 *  |0 |  type  |               offset (or pfn)                   |
 *  +--+--------+-------------------------------------------------+
 * </pre>
 * The type sits in the five bits below the top (SWP_TYPE_SHIFT = BITS_PER_XA_VALUE(63) -
 * MAX_SWAPFILES_SHIFT(5)), so that swap-cache indexes stay dense.
 *
 * <p>Type numbers, with CONFIG_DEVICE_PRIVATE off (SWP_DEVICE_NUM = 0) and
 * CONFIG_MIGRATION, CONFIG_MEMORY_FAILURE and CONFIG_PTE_MARKER on, as today's
 * include/linux/swap.h computes them downward from 32:
 * <pre>
 *   0 .. 26  real swap devices (MAX_SWAPFILES = 27)
 *   27       SWP_HWPOISON
 *   28       SWP_MIGRATION_READ
 *   29       SWP_MIGRATION_READ_EXCLUSIVE   (v5.19+; 2016 had only READ and WRITE)
 *   30       SWP_MIGRATION_WRITE
 *   31       SWP_PTE_MARKER
 * </pre>
 */
public final class SwapEntry {
    private SwapEntry() { }

    public static final int MAX_SWAPFILES_SHIFT = 5;
    public static final int SWP_TYPE_SHIFT = 63 - MAX_SWAPFILES_SHIFT;
    public static final long SWP_OFFSET_MASK = (1L << SWP_TYPE_SHIFT) - 1;

    public static final int MAX_SWAPFILES = 27;
    public static final int SWP_HWPOISON = 27;
    public static final int SWP_MIGRATION_READ = 28;
    public static final int SWP_MIGRATION_READ_EXCLUSIVE = 29;
    public static final int SWP_MIGRATION_WRITE = 30;
    public static final int SWP_PTE_MARKER = 31;

    /** swp_entry(type, offset). */
    public static long swpEntry(int type, long offset) {
        return ((long) type << SWP_TYPE_SHIFT) | (offset & SWP_OFFSET_MASK);
    }

    public static int swpType(long entry) { return (int) (entry >>> SWP_TYPE_SHIFT); }

    public static long swpOffset(long entry) { return entry & SWP_OFFSET_MASK; }

    /** non_swap_entry(): a migration, hwpoison or marker entry rather than a swap slot. */
    public static boolean nonSwapEntry(long entry) { return swpType(entry) >= MAX_SWAPFILES; }

    public static boolean isMigrationEntry(long entry) {
        int t = swpType(entry);
        return t == SWP_MIGRATION_READ || t == SWP_MIGRATION_READ_EXCLUSIVE || t == SWP_MIGRATION_WRITE;
    }

    public static boolean isWritableMigrationEntry(long entry) { return swpType(entry) == SWP_MIGRATION_WRITE; }

    public static boolean isHwpoisonEntry(long entry) { return swpType(entry) == SWP_HWPOISON; }

    /** make_writable_migration_entry / make_readable_(exclusive_)migration_entry: the offset is the old pfn. */
    public static long makeMigrationEntry(long pfn, boolean writable, boolean exclusive) {
        int type = writable ? SWP_MIGRATION_WRITE : exclusive ? SWP_MIGRATION_READ_EXCLUSIVE : SWP_MIGRATION_READ;
        return swpEntry(type, pfn);
    }

    public static long makeHwpoisonEntry(long pfn) { return swpEntry(SWP_HWPOISON, pfn); }

    /** pfn_swap_entry_to_pfn(): the pfn a migration or hwpoison entry names. */
    public static long pfnSwapEntryToPfn(long entry) { return swpOffset(entry); }

    public static String describe(long entry) {
        int t = swpType(entry);
        long off = swpOffset(entry);
        return switch (t) {
            case SWP_HWPOISON -> String.format("hwpoison entry pfn %#x", off);
            case SWP_MIGRATION_READ -> String.format("migration entry (read) pfn %#x", off);
            case SWP_MIGRATION_READ_EXCLUSIVE -> String.format("migration entry (read, exclusive) pfn %#x", off);
            case SWP_MIGRATION_WRITE -> String.format("migration entry (write) pfn %#x", off);
            case SWP_PTE_MARKER -> String.format("pte marker %#x", off);
            default -> String.format("swap entry type %d offset %#x", t, off);
        };
    }
}
