package mmsim.iface.procfs;

/**
 * The KPF_* bit numbers of /proc/kpageflags: the stable user ABI of
 * include/uapi/linux/kernel-page-flags.h (bits 0-26) and the "kernel hacking assistances" of
 * include/linux/kernel-page-flags.h (bits 32 and up, "subject to change").
 *
 * <pre>
 *  63      43 42  41  40  39  38  37  36  35  34  33  32  31 27 26 25 24 23 22 21 20 ... 0
 * +----------+---+---+---+---+---+---+---+---+---+---+---+-----+--+--+--+--+--+--+--+-----+
 * |  (never  |A3 |A2 |SD |UC |AR |OP |P2 |PR |O2 |ML |RS |  0  |PT|ID|ZP|OF|TH|KS|NP| ... |
 * |   set)   |   |   |   |   |   |   |   |   |   |   |   |     |  |  |  |  |  |  |  |     |
 * +----------+---+---+---+---+---+---+---+---+---+---+---+-----+--+--+--+--+--+--+--+-----+
 * </pre>
 * Bit 23 is BALLOON in the v4.6 era (PageBalloon, mapcount -256) and OFFLINE since v5.1
 * (PG_offline replaced PG_balloon); bit 26 (PGTABLE) exists only since v5.1. Bit 34 was
 * MAPPEDTODISK in 2016 and is OWNER_2 today. Bits 47-63 are page-types' own overloaded
 * names; the kernel never sets them.
 */
public final class KernelPageFlags {
    private KernelPageFlags() { }

    public static final int KPF_LOCKED = 0;
    public static final int KPF_ERROR = 1;
    public static final int KPF_REFERENCED = 2;
    public static final int KPF_UPTODATE = 3;
    public static final int KPF_DIRTY = 4;
    public static final int KPF_LRU = 5;
    public static final int KPF_ACTIVE = 6;
    public static final int KPF_SLAB = 7;
    public static final int KPF_WRITEBACK = 8;
    public static final int KPF_RECLAIM = 9;
    public static final int KPF_BUDDY = 10;
    // 11-20: new additions in 2.6.31
    public static final int KPF_MMAP = 11;
    public static final int KPF_ANON = 12;
    public static final int KPF_SWAPCACHE = 13;
    public static final int KPF_SWAPBACKED = 14;
    public static final int KPF_COMPOUND_HEAD = 15;
    public static final int KPF_COMPOUND_TAIL = 16;
    public static final int KPF_HUGE = 17;
    public static final int KPF_UNEVICTABLE = 18;
    public static final int KPF_HWPOISON = 19;
    public static final int KPF_NOPAGE = 20;
    public static final int KPF_KSM = 21;
    public static final int KPF_THP = 22;
    /** v3.18-v5.0: KPF_BALLOON; v5.1+: KPF_OFFLINE. */
    public static final int KPF_BALLOON = 23;
    public static final int KPF_OFFLINE = 23;
    public static final int KPF_ZERO_PAGE = 24;
    public static final int KPF_IDLE = 25;
    public static final int KPF_PGTABLE = 26;

    // kernel hacking assistances (include/linux/kernel-page-flags.h)
    public static final int KPF_RESERVED = 32;
    public static final int KPF_MLOCKED = 33;
    /** v4.6: KPF_MAPPEDTODISK (PG_mappedtodisk); today KPF_OWNER_2 (the same page flag bit, renamed). */
    public static final int KPF_MAPPEDTODISK = 34;
    public static final int KPF_OWNER_2 = 34;
    public static final int KPF_PRIVATE = 35;
    public static final int KPF_PRIVATE_2 = 36;
    public static final int KPF_OWNER_PRIVATE = 37;
    public static final int KPF_ARCH = 38;
    public static final int KPF_UNCACHED = 39;
    public static final int KPF_SOFTDIRTY = 40;
    public static final int KPF_ARCH_2 = 41;
    public static final int KPF_ARCH_3 = 42;

    /** The value of a PFN with no struct page behind it: only KPF_NOPAGE. */
    public static final long NOPAGE_VALUE = 1L << KPF_NOPAGE;
}
