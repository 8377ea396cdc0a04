package mmsim.iface.tools;

import java.util.Locale;

/**
 * page-types' flag table (tools/mm/page-types.c: page_flag_names[] over the KPF_* bits of
 * include/uapi/linux/kernel-page-flags.h): each bit's "letter:name", the symbolic (letters) and
 * long (comma-separated names) spellings, the bit-names block of -h, and the two ways the tool
 * rewrites raw kpageflags words (raw mode's overloaded names, default mode's hidden bits).
 *
 * <p>Two builds of the tool: {@link #TODAY}, the 6.12 tree's, has 43 names (PG_uncached was
 * removed for 6.12, "x86: Remove PG_uncached", and bit 39 lost its name, so the symbolic column
 * is 43 letters and a set bit 39 is "unknown flag bit 39"); {@link #WITH_UNCACHED}, the tool
 * of the trees that still had the flag (the model's v4.6 era), has 44 with "c:uncached". Which
 * table a run uses is decided by the caller (the model's era, or today's tool for host files).
 * Immutable; no locking.
 */
final class PageTypeFlags {
    /** bit -> "letter:name", null for a bit this build does not name. */
    private final String[] names;

    private PageTypeFlags(boolean uncached) {
        this.names = BASE.clone();
        if (uncached) names[KPF_UNCACHED] = "c:uncached";
    }

    // ---- the tool's flag names (bit -> "letter:name") --------------------------------------

    private static final int KPF_UNCACHED = 39;
    private static final String[] BASE = new String[64];
    static {
        final String[] NAMES = BASE;
        String[] low = {"L:locked", "E:error", "R:referenced", "U:uptodate", "D:dirty", "l:lru", "A:active",
            "S:slab", "W:writeback", "I:reclaim", "B:buddy", "M:mmap", "a:anonymous", "s:swapcache",
            "b:swapbacked", "H:compound_head", "T:compound_tail", "G:huge", "u:unevictable", "X:hwpoison",
            "n:nopage", "x:ksm", "t:thp", "o:offline", "z:zero_page", "i:idle_page", "g:pgtable"};
        System.arraycopy(low, 0, NAMES, 0, low.length);
        String[] hack = {"r:reserved", "m:mlocked", "d:owner_2", "P:private", "p:private_2", "O:owner_private",
            "h:arch", null, "f:softdirty", "H:arch_2"};
        System.arraycopy(hack, 0, NAMES, 32, hack.length);
        NAMES[47] = "d:anon_exclusive";
        NAMES[48] = "I:readahead";
        NAMES[50] = "A:slub_frozen";
        NAMES[51] = "E:slub_debug";
        NAMES[61] = "F:file";
        NAMES[62] = "w:swap";
        NAMES[63] = "1:mmap_exclusive";
    }

    /** tools/mm/page-types.c as of 6.12: no name for bit 39. */
    static final PageTypeFlags TODAY = new PageTypeFlags(false);
    /** The tool before 6.12 (and in the 2016 trees): bit 39 is c:uncached. */
    static final PageTypeFlags WITH_UNCACHED = new PageTypeFlags(true);


    private static final int KPF_ERROR = 1, KPF_ACTIVE = 6, KPF_SLAB = 7, KPF_WRITEBACK = 8, KPF_RECLAIM = 9,
            KPF_ANON = 12, KPF_COMPOUND_HEAD = 15, KPF_COMPOUND_TAIL = 16, KPF_HUGE = 17, KPF_OWNER_2 = 34,
            KPF_ANON_EXCLUSIVE = 47, KPF_READAHEAD = 48, KPF_SLUB_FROZEN = 50, KPF_SLUB_DEBUG = 51;
    static final long ALL_BITS = -1L;
    private static final long HACKERS_BITS = 0xffffL << 32;
    private static final long OVERLOADED_BITS = 0xffffL << 48;
    static final long BITS_COMPOUND = (1L << KPF_COMPOUND_HEAD) | (1L << KPF_COMPOUND_TAIL);

    /** The lowest bit set in {@code flags} that has no name, or -1 (the tool refuses such a word). */
    int firstUnnamedBit(long flags) {
        for (int i = 0; i < 64; i++) {
            if (names[i] == null && ((flags >>> i) & 1) != 0) return i;
        }
        return -1;
    }

    /** The first bit, in bit order, whose name starts with {@code prefix}; -1 when none does. */
    int bitByNamePrefix(String prefix) {
        for (int i = 0; i < 64; i++) {
            if (names[i] != null && names[i].startsWith(prefix, 2)) return i;
        }
        return -1;
    }

    /** page_flag_name(): one letter or '_' per named bit; the caller has refused unnamed bits. */
    String symbolicName(long flags) {
        char[] buf = new char[64];
        int j = 0;
        for (int i = 0; i < 64; i++) {
            if (names[i] == null) continue;
            buf[j++] = ((flags >>> i) & 1) != 0 ? names[i].charAt(0) : '_';
        }
        return new String(buf, 0, j);
    }

    /** page_flag_longname(): the names of the set bits, comma-separated. */
    String longName(long flags) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            if (names[i] == null || ((flags >>> i) & 1) == 0) continue;
            if (!sb.isEmpty()) sb.append(',');
            sb.append(names[i], 2, names[i].length());
        }
        return sb.toString();
    }

    private static String flagType(long flag) {
        if ((flag & HACKERS_BITS) != 0) return "(r)";
        if ((flag & OVERLOADED_BITS) != 0) return "(o)";
        return "   ";
    }

    /** The bit-names block of usage(): four names a line, each marked raw (r) or overloaded (o). */
    String bitNamesHelp() {
        StringBuilder sb = new StringBuilder();
        int j = 0;
        for (int i = 0; i < 64; i++) {
            if (names[i] == null) continue;
            sb.append(String.format(Locale.ROOT, "%16s%s", names[i].substring(2), flagType(1L << i)));
            if (++j > 3) {
                j = 0;
                sb.append('\n');
            }
        }
        sb.append("\n                                   (r) raw mode bits  (o) overloaded bits\n");
        return sb.toString();
    }

    /** Raw mode: give overloaded kernel bits their page-types names (bits 47-51). */
    static long expandOverloadedFlags(long flags) {
        long anon = 1L << KPF_ANON, owner2 = 1L << KPF_OWNER_2;
        if ((flags & anon) != 0 && (flags & owner2) != 0) flags ^= owner2 | (1L << KPF_ANON_EXCLUSIVE);
        if ((flags & (1L << KPF_SLAB)) != 0) {
            if ((flags & (1L << KPF_ACTIVE)) != 0) flags ^= (1L << KPF_ACTIVE) | (1L << KPF_SLUB_FROZEN);
            if ((flags & (1L << KPF_ERROR)) != 0) flags ^= (1L << KPF_ERROR) | (1L << KPF_SLUB_DEBUG);
        }
        long reclaimWb = (1L << KPF_RECLAIM) | (1L << KPF_WRITEBACK);
        if ((flags & reclaimWb) == (1L << KPF_RECLAIM)) flags ^= (1L << KPF_RECLAIM) | (1L << KPF_READAHEAD);
        return flags;
    }

    /** Default mode: hide kernel-hacking bits and the compound bits of non-hugetlb pages. */
    static long wellKnownFlags(long flags) {
        flags &= ~HACKERS_BITS;
        if ((flags & BITS_COMPOUND) != 0 && (flags & (1L << KPF_HUGE)) == 0) flags &= ~BITS_COMPOUND;
        return flags;
    }
}
