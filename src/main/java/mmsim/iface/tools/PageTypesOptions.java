package mmsim.iface.tools;

import java.util.List;

/**
 * page-types' command line (tools/mm/page-types.c: main()'s getopt table, parse_addr_range(),
 * parse_bits_mask(), parse_flag_names(), parse_number(), usage()): the options a run was given,
 * parsed with the C tool's syntax, limits and refusal messages, plus mmsim's own
 * {@code --source}, {@code --order}, {@code --with-kpagecount} and {@code --with-kpagecgroup}.
 *
 * <p>Flag names come from {@link PageTypeFlags}. A refusal goes to the run's {@link Refusal},
 * which prints the message and ends the run with exit status 1. Single-threaded; one instance
 * per run.
 */
final class PageTypesOptions {

    /** Ends the run with the C tool's message and EXIT_FAILURE; never returns. */
    @FunctionalInterface
    interface Refusal {
        void fatal(String message);
    }

    static final String PROC_KPAGEFLAGS = "/proc/kpageflags";
    static final String PROC_KPAGECOUNT = "/proc/kpagecount";
    static final String PROC_KPAGECGROUP = "/proc/kpagecgroup";

    private static final int MAX_ADDR_RANGES = 1024;
    private static final int MAX_BIT_FILTERS = 64;

    static final int OPT_SOURCE = 1000, OPT_ORDER = 1001, OPT_WITH_COUNT = 1002, OPT_WITH_CGROUP = 1003;
    static final List<Getopt.LongOpt> LONG_OPTS = List.of(
            new Getopt.LongOpt("raw", false, 'r'),
            new Getopt.LongOpt("pid", true, 'p'),
            new Getopt.LongOpt("file", true, 'f'),
            new Getopt.LongOpt("addr", true, 'a'),
            new Getopt.LongOpt("bits", true, 'b'),
            new Getopt.LongOpt("cgroup", true, 'c'),
            new Getopt.LongOpt("describe", true, 'd'),
            new Getopt.LongOpt("mark-idle", false, 'i'),
            new Getopt.LongOpt("list", false, 'l'),
            new Getopt.LongOpt("list-each", false, 'L'),
            new Getopt.LongOpt("list-cgroup", false, 'C'),
            new Getopt.LongOpt("list-mapcnt", false, 'M'),
            new Getopt.LongOpt("no-summary", false, 'N'),
            new Getopt.LongOpt("hwpoison", false, 'X'),
            new Getopt.LongOpt("unpoison", false, 'x'),
            // The C tool declares --kpageflags without an argument (only -F FILE names a file);
            // kept as it is so command lines behave the same.
            new Getopt.LongOpt("kpageflags", false, 'F'),
            new Getopt.LongOpt("help", false, 'h'),
            new Getopt.LongOpt("source", true, OPT_SOURCE),
            new Getopt.LongOpt("order", true, OPT_ORDER),
            new Getopt.LongOpt("with-kpagecount", true, OPT_WITH_COUNT),
            new Getopt.LongOpt("with-kpagecgroup", true, OPT_WITH_CGROUP));
    static final String SHORT_OPTS = "rp:f:a:b:d:c:CilLMNXxF:h";

    private final Refusal refusal;

    PageTypes.Order order = PageTypes.Order.FLAGS;
    String kpagecountPath = PROC_KPAGECOUNT;
    String kpagecgroupPath = PROC_KPAGECGROUP;

    boolean raw;
    int list;                            // 1: ranges (-l), 2: each page (-L)
    boolean markIdle;
    boolean noSummary;
    long cgroup;                         // 0: no cgroup filter
    boolean listCgroup;
    boolean listMapcnt;
    String kpageflags;
    boolean hwpoison;
    boolean unpoison;

    int nrAddrRanges;
    final long[] rangeOffset = new long[MAX_ADDR_RANGES];
    final long[] rangeSize = new long[MAX_ADDR_RANGES];
    private int nrBitFilters;
    private final long[] filterMask = new long[MAX_BIT_FILTERS];
    private final long[] filterBits = new long[MAX_BIT_FILTERS];

    /** The flag table of the tool build being run (today's, or the one with c:uncached). */
    final PageTypeFlags flags;

    PageTypesOptions(Refusal refusal, PageTypeFlags flags) {
        this.refusal = refusal;
        this.flags = flags;
    }

    private void fatal(String message) {
        refusal.fatal(message);
    }

    /** First pass over the arguments, silently: which files to read, before any option acts. */
    PageTypes.Source chooseSource(String[] args) {
        Getopt g = new Getopt("page-types", args, SHORT_OPTS, LONG_OPTS, null);
        String kind = null;
        boolean dump = false;
        String count = null, cgroup = null;
        int c;
        while ((c = g.next()) != Getopt.END) {
            switch (c) {
                case OPT_SOURCE -> kind = g.optarg();
                case OPT_WITH_COUNT -> count = g.optarg();
                case OPT_WITH_CGROUP -> cgroup = g.optarg();
                case 'F' -> dump |= g.optarg() != null;
                default -> { }
            }
        }
        PageTypes.SourceKind k;
        if (kind == null) k = dump ? PageTypes.SourceKind.HOST : PageTypes.SourceKind.MODEL;
        else if (kind.equals("model")) k = PageTypes.SourceKind.MODEL;
        else if (kind.equals("host")) k = PageTypes.SourceKind.HOST;
        else {
            fatal("page-types: --source takes 'model' or 'host', not '" + kind + "'\n");
            return null;
        }
        if (count != null) kpagecountPath = count;
        if (cgroup != null) kpagecgroupPath = cgroup;
        return new PageTypes.Source(k, count, cgroup);
    }

    /** strtoll(str, NULL, 0) as the C tool uses it, then its "0 must be spelled 0" check. */
    long parseNumber(String str) {
        long n = strtoll(str);
        if (n == 0 && (str.isEmpty() || str.charAt(0) != '0')) fatal("invalid name or number: " + str + "\n");
        return n;
    }

    /** strtoll with base 0: leading blanks, a sign, 0x/0 prefixes, stops at the first bad digit, saturates. */
    static long strtoll(String s) {
        int i = 0, n = s.length();
        while (i < n && " \t\n\r\f\u000b".indexOf(s.charAt(i)) >= 0) i++;
        boolean neg = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) neg = s.charAt(i++) == '-';
        int base = 10;
        if (i < n && s.charAt(i) == '0') {
            if (i + 2 < n + 0 && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X') && Character.digit(s.charAt(i + 2), 16) >= 0) {
                base = 16;
                i += 2;
            } else {
                base = 8;
            }
        }
        long acc = 0;
        boolean overflow = false;
        for (; i < n; i++) {
            int d = Character.digit(s.charAt(i), base);
            if (d < 0 || s.charAt(i) > 0x7f) break;
            if (!overflow) {
                long next = acc * base + d;
                if (acc > (Long.MAX_VALUE - d) / base) overflow = true;
                else acc = next;
            }
        }
        if (overflow) return neg ? Long.MIN_VALUE : Long.MAX_VALUE;
        return neg ? -acc : acc;
    }

    void addAddrRange(long offset, long size) {
        if (nrAddrRanges >= MAX_ADDR_RANGES) fatal("too many addr ranges\n");
        rangeOffset[nrAddrRanges] = offset;
        long room = -1L - offset;   // ULONG_MAX - offset
        rangeSize[nrAddrRanges] = Long.compareUnsigned(size, room) < 0 ? size : room;
        nrAddrRanges++;
    }

    void parseAddrRange(String arg) {
        int p = arg.indexOf(',');
        if (p < 0) p = arg.indexOf('+');
        long offset, size;
        if (p == 0) {
            offset = 0;
            size = parseNumber(arg.substring(1));
        } else if (p > 0) {
            offset = parseNumber(arg);
            if (p + 1 == arg.length()) {
                size = -1L;
            } else {
                size = parseNumber(arg.substring(p + 1));
                if (arg.charAt(p) == ',') {
                    if (Long.compareUnsigned(size, offset) < 0) {
                        fatal("invalid range: " + Long.toUnsignedString(offset) + "," + Long.toUnsignedString(size) + "\n");
                    }
                    size -= offset;
                }
            }
        } else {
            offset = parseNumber(arg);
            size = 1;
        }
        addAddrRange(offset, size);
    }

    private void addBitsFilter(long mask, long bits) {
        if (nrBitFilters >= MAX_BIT_FILTERS) fatal("too much bit filters\n");
        filterMask[nrBitFilters] = mask;
        filterBits[nrBitFilters] = bits;
        nrBitFilters++;
    }

    /**
     * One flag name, a prefix of one ("compound" for head|tail; otherwise the first name in bit
     * order that starts with it), or else a number. {@code str} runs to the end of the option
     * argument; {@code len} is the token's length, as in the C tool, which is why an unknown
     * name is reported with the rest of the argument.
     */
    private long parseFlagName(String str, int len) {
        if (str.isEmpty() || len == 0) return 0;
        String tok = str.substring(0, len);
        if (len <= 8 && "compound".startsWith(tok)) return PageTypeFlags.BITS_COMPOUND;
        int bit = flags.bitByNamePrefix(tok);
        if (bit >= 0) return 1L << bit;
        return parseNumber(str);
    }

    /** Comma-separated names up to '=' or the end; {@code all} also takes the '~' (cleared) names. */
    long parseFlagNames(String s, int from, boolean all) {
        long flags = 0;
        int str = from;
        for (int p = from; ; p++) {
            char ch = p < s.length() ? s.charAt(p) : '\0';
            if (ch == ',' || ch == '=' || ch == '\0') {
                char first = str < s.length() ? s.charAt(str) : '\0';
                boolean take = first != '~';
                if (!take && all) {
                    str++;
                    take = str < s.length();    // "~" at the very end names nothing
                }
                if (take) flags |= parseFlagName(s.substring(Math.min(str, s.length())), Math.max(0, p - str));
                if (ch != ',') break;
                str = p + 1;
            }
        }
        return flags;
    }

    void parseBitsMask(String arg) {
        int p = arg.indexOf('=');
        long mask, bits;
        if (p == 0) {
            mask = PageTypeFlags.ALL_BITS;
            bits = parseFlagNames(arg, 1, false);
        } else if (p > 0) {
            mask = parseFlagNames(arg, 0, false);
            bits = parseFlagNames(arg, p + 1, false);
        } else if (arg.indexOf('~') >= 0) {
            mask = parseFlagNames(arg, 0, true);
            bits = parseFlagNames(arg, 0, false);
        } else {
            mask = parseFlagNames(arg, 0, false);
            bits = PageTypeFlags.ALL_BITS;
        }
        addBitsFilter(mask, bits);
    }


    /** The bits filters (-b), all of which a page's flags must pass. */
    boolean bitMaskOk(long flags) {
        for (int i = 0; i < nrBitFilters; i++) {
            if (filterBits[i] == PageTypeFlags.ALL_BITS) {
                if ((flags & filterMask[i]) == 0) return false;
            } else if ((flags & filterMask[i]) != filterBits[i]) {
                return false;
            }
        }
        return true;
    }


    /** usage(): the C tool's text, the bit names, then mmsim's own options. */
    String usage() {
        return """
                page-types [options]
                            -r|--raw                   Raw mode, for kernel developers
                            -d|--describe flags        Describe flags
                            -a|--addr    addr-spec     Walk a range of pages
                            -b|--bits    bits-spec     Walk pages with specified bits
                            -c|--cgroup  path|@inode   Walk pages within memory cgroup
                            -p|--pid     pid           Walk process address space
                            -f|--file    filename      Walk file address space
                            -i|--mark-idle             Mark pages idle
                            -l|--list                  Show page details in ranges
                            -L|--list-each             Show page details one by one
                            -C|--list-cgroup           Show cgroup inode for pages
                            -M|--list-mapcnt           Show page map count
                            -N|--no-summary            Don't show summary info
                            -X|--hwpoison              hwpoison pages
                            -x|--unpoison              unpoison pages
                            -F|--kpageflags filename   kpageflags file to parse
                            -h|--help                  Show this usage message
                flags:
                            0x10                       bitfield format, e.g.
                            anon                       bit-name, e.g.
                            0x10,anon                  comma-separated list, e.g.
                addr-spec:
                            N                          one page at offset N (unit: pages)
                            N+M                        pages range from N to N+M-1
                            N,M                        pages range from N to M-1
                            N,                         pages range from N to end
                            ,M                         pages range from 0 to M-1
                bits-spec:
                            bit1,bit2                  (flags & (bit1|bit2)) != 0
                            bit1,bit2=bit1             (flags & (bit1|bit2)) == bit1
                            bit1,~bit2                 (flags & (bit1|bit2)) == bit1
                            =bit1,bit2                 flags == (bit1|bit2)
                bit-names:
                """
                + flags.bitNamesHelp()
                + """
                mmsim (these options are not in the kernel's tool):
                            --source model|host        read the booted model's /proc files (default),
                                                       or this machine's real ones (needs root);
                                                       -F FILE alone implies host files
                            --layout FILE              the layout the model is booted from (default: the
                                                       built-in 'small' one, see layouts/*.layout)
                            --era mainline|v4.6        the model's kernel era (default mainline)
                            --with-kpagecount file     kpagecount dump to read instead of /proc/kpagecount
                            --with-kpagecgroup file    kpagecgroup dump to read instead of /proc/kpagecgroup
                            --order flags|kernel       summary rows sorted by flags value (default), or in
                                                       the kernel tool's hash-table order: slot = flags & 8191,
                                                       linear probing, slot 0 kept for flags == 0. Over the
                                                       same input, --order kernel prints the rows in exactly
                                                       the real tool's order.
                Not implemented: -p/--pid and -f/--file. -X/-x act only on the model.
                Note: as in the kernel's tool, --kpageflags takes no file name; use -F FILE.
                Exit status: 0, or 1 when the tool refuses its input (as the C tool).
                """;
    }
}
