package mmsim.iface.tools;

import mmsim.kernel.Errno;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * mmsim's port of the kernel's page-types (tools/mm/page-types.c, tools/vm/ before v6.2): walks
 * /proc/kpageflags (and kpagecgroup, kpagecount) over a PFN range, filters by flag bits and
 * prints the per-flags summary, the page list (-l ranges, -L one per page) or a flag description
 * (-d), with the tool's option syntax, output formats, error messages and exit status.
 *
 * <p>It reads through a {@link ToolFs}: the booted model's procfs/debugfs, this host's real files,
 * or saved dumps. Nothing here knows which: the same reads, the same rules. Differences from the
 * C tool, all opt-in or refusals: the summary is sorted by flags value unless
 * {@code --order kernel} asks for the C tool's hash-table order; {@code --source},
 * {@code --with-kpagecount} and {@code --with-kpagecgroup} choose the files; -p and -f (process
 * and page-cache walks) are not implemented; -X/-x refuse to poison the host's real memory.
 *
 * <p>Single-threaded; one instance per run (the C tool's globals are this object's fields).
 */
public final class PageTypes {

    /** Where the summary rows come from: sorted by flags value, or the C tool's hash-slot order. */
    public enum Order { FLAGS, KERNEL }

    /** Whose files to read. */
    public enum SourceKind { MODEL, HOST }

    /** The files a run reads: the source and optional dumps of kpagecount and kpagecgroup. */
    public record Source(SourceKind kind, String kpagecountFile, String kpagecgroupFile) { }

    /** Opens the file system of a {@link Source}; throws {@link SourceException} when it cannot. */
    @FunctionalInterface
    public interface FsFactory {
        ToolFs open(Source source);
    }

    /** A source that cannot be opened (a layout that does not boot, ...), reported as a fatal message. */
    public static final class SourceException extends RuntimeException {
        public SourceException(String message) {
            super(message, null, false, false);
        }
    }

    // ---- the tool's flag names (bit -> "letter:name"), the current tool's 44 names -------------

    private static final String[] NAMES = new String[64];
    static {
        String[] low = {"L:locked", "E:error", "R:referenced", "U:uptodate", "D:dirty", "l:lru", "A:active",
            "S:slab", "W:writeback", "I:reclaim", "B:buddy", "M:mmap", "a:anonymous", "s:swapcache",
            "b:swapbacked", "H:compound_head", "T:compound_tail", "G:huge", "u:unevictable", "X:hwpoison",
            "n:nopage", "x:ksm", "t:thp", "o:offline", "z:zero_page", "i:idle_page", "g:pgtable"};
        System.arraycopy(low, 0, NAMES, 0, low.length);
        String[] hack = {"r:reserved", "m:mlocked", "d:owner_2", "P:private", "p:private_2", "O:owner_private",
            "h:arch", "c:uncached", "f:softdirty", "H:arch_2"};
        System.arraycopy(hack, 0, NAMES, 32, hack.length);
        NAMES[47] = "d:anon_exclusive";
        NAMES[48] = "I:readahead";
        NAMES[50] = "A:slub_frozen";
        NAMES[51] = "E:slub_debug";
        NAMES[61] = "F:file";
        NAMES[62] = "w:swap";
        NAMES[63] = "1:mmap_exclusive";
    }

    private static final int KPF_ERROR = 1, KPF_ACTIVE = 6, KPF_SLAB = 7, KPF_WRITEBACK = 8, KPF_RECLAIM = 9,
            KPF_ANON = 12, KPF_COMPOUND_HEAD = 15, KPF_COMPOUND_TAIL = 16, KPF_HUGE = 17, KPF_OWNER_2 = 34,
            KPF_ANON_EXCLUSIVE = 47, KPF_READAHEAD = 48, KPF_SLUB_FROZEN = 50, KPF_SLUB_DEBUG = 51;
    private static final long ALL_BITS = -1L;
    private static final long HACKERS_BITS = 0xffffL << 32;
    private static final long OVERLOADED_BITS = 0xffffL << 48;
    private static final long BITS_COMPOUND = (1L << KPF_COMPOUND_HEAD) | (1L << KPF_COMPOUND_TAIL);

    private static final String PROC_KPAGEFLAGS = "/proc/kpageflags";
    private static final String PROC_KPAGECOUNT = "/proc/kpagecount";
    private static final String PROC_KPAGECGROUP = "/proc/kpagecgroup";
    private static final String PAGE_IDLE_BITMAP = "/sys/kernel/mm/page_idle/bitmap";

    private static final int BATCH = 64 << 10;          // KPAGEFLAGS_BATCH: 64k entries per pread
    private static final int HASH_SIZE = 1 << 13;       // summary table: slot = flags & 8191
    private static final int MAX_ADDR_RANGES = 1024;
    private static final int MAX_BIT_FILTERS = 64;

    private static final int OPT_SOURCE = 1000, OPT_ORDER = 1001, OPT_WITH_COUNT = 1002, OPT_WITH_CGROUP = 1003;
    private static final List<Getopt.LongOpt> LONG_OPTS = List.of(
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
    private static final String SHORT_OPTS = "rp:f:a:b:d:c:CilLMNXxF:h";

    /** Ends a run with an exit status (exit(3) in the C tool). */
    private static final class Exit extends RuntimeException {
        final int status;

        Exit(int status) {
            super(null, null, false, false);
            this.status = status;
        }
    }

    // ---- run state (the C tool's globals) --------------------------------------------------------

    private final Out out;
    private final PrintStream err;
    private ToolFs fs;                   // opened on first use: -h and -d need no files
    private FsFactory factory;
    private Source source;
    private SourceKind sourceKind;
    private Order order = Order.FLAGS;
    private String kpagecountPath = PROC_KPAGECOUNT;
    private String kpagecgroupPath = PROC_KPAGECGROUP;

    private boolean optRaw;
    private int optList;                 // 1: ranges (-l), 2: each page (-L)
    private boolean optMarkIdle;
    private boolean optNoSummary;
    private long optCgroup;              // 0: no cgroup filter
    private boolean optListCgroup;
    private boolean optListMapcnt;
    private String optKpageflags;
    private boolean optHwpoison;
    private boolean optUnpoison;

    private int nrAddrRanges;
    private final long[] optOffset = new long[MAX_ADDR_RANGES];
    private final long[] optSize = new long[MAX_ADDR_RANGES];
    private int nrBitFilters;
    private final long[] optMask = new long[MAX_BIT_FILTERS];
    private final long[] optBits = new long[MAX_BIT_FILTERS];

    private ToolFs.Handle kpageflagsFd;
    private ToolFs.Handle kpagecountFd;
    private ToolFs.Handle kpagecgroupFd;
    private ToolFs.Handle pageIdleFd;
    private ToolFs.Handle hwpoisonInjectFd;
    private ToolFs.Handle hwpoisonForgetFd;

    private long totalPages;
    private final long[] nrPages = new long[HASH_SIZE];
    private final long[] pageFlags = new long[HASH_SIZE];
    private long lastFlags = -1;         // one-entry cache in front of hashSlot (same result, fewer probes)
    private int lastSlot = -1;

    // show_page_range()'s static state
    private long rFlags0, rCgroup0, rMapcnt0, rVoff, rIndex, rCount;
    // mark_page_idle()'s static state
    private long idleOff, idleBuf;

    private final ByteBuffer ioBuf = ByteBuffer.allocateDirect(BATCH * 8).order(ByteOrder.LITTLE_ENDIAN);

    private PageTypes(OutputStream stdout, PrintStream err) {
        this.out = new Out(stdout);
        this.err = err;
    }

    /**
     * Runs page-types with the C tool's arguments (plus mmsim's {@code --source},
     * {@code --order}, {@code --with-kpagecount}, {@code --with-kpagecgroup}) and returns its exit
     * status: 0, or 1 (EXIT_FAILURE) for every refusal, as the C tool does.
     */
    public static int run(String[] args, FsFactory factory, OutputStream stdout, PrintStream stderr) {
        PageTypes t = new PageTypes(stdout, stderr);
        try {
            return t.main(args, factory);
        } catch (Exit e) {
            return e.status;
        } finally {
            t.out.flush();
            t.closeAll();
        }
    }

    private int main(String[] args, FsFactory factory) {
        source = chooseSource(args);
        this.factory = factory;
        sourceKind = source.kind();

        Getopt g = new Getopt("page-types", args, SHORT_OPTS, LONG_OPTS, err);
        int c;
        while ((c = g.next()) != Getopt.END) {
            String arg = g.optarg();
            switch (c) {
                case 'r' -> optRaw = true;
                case 'p' -> fatal("page-types: -p/--pid (walking a process address space) is not implemented by mmsim\n");
                case 'f' -> fatal("page-types: -f/--file (walking a file's page cache) is not implemented by mmsim\n");
                case 'a' -> parseAddrRange(arg);
                case 'b' -> parseBitsMask(arg);
                case 'c' -> parseCgroup(arg);
                case 'C' -> optListCgroup = true;
                case 'd' -> {
                    describeFlags(arg);
                    throw new Exit(0);
                }
                case 'i' -> optMarkIdle = true;
                case 'l' -> optList = 1;
                case 'L' -> optList = 2;
                case 'M' -> optListMapcnt = true;
                case 'N' -> optNoSummary = true;
                case 'X' -> {
                    refuseHostPoison("-X/--hwpoison");
                    optHwpoison = true;
                    prepareHwpoisonFd();
                }
                case 'x' -> {
                    refuseHostPoison("-x/--unpoison");
                    optUnpoison = true;
                    prepareHwpoisonFd();
                }
                case 'F' -> optKpageflags = arg;      // null for --kpageflags, as in the C tool
                case 'h' -> {
                    usage();
                    throw new Exit(0);
                }
                case OPT_ORDER -> {
                    if (arg.equals("kernel")) order = Order.KERNEL;
                    else if (arg.equals("flags")) order = Order.FLAGS;
                    else fatal("page-types: --order takes 'flags' or 'kernel', not '" + arg + "'\n");
                }
                case OPT_SOURCE, OPT_WITH_COUNT, OPT_WITH_CGROUP -> { /* taken by chooseSource() */ }
                default -> {
                    usage();
                    throw new Exit(1);
                }
            }
        }

        if (optKpageflags == null) optKpageflags = PROC_KPAGEFLAGS;
        if (optCgroup != 0 || optListCgroup) kpagecgroupFd = checkedOpen(kpagecgroupPath, false);
        if (optList != 0 && optListMapcnt) kpagecountFd = checkedOpen(kpagecountPath, false);
        if (optMarkIdle) pageIdleFd = checkedOpen(PAGE_IDLE_BITMAP, true);

        if (optList != 0 && optListCgroup) out.append("cgroup\t");
        if (optList != 0 && optListMapcnt) out.append("map-cnt\t");
        if (optList == 1) out.append("offset\tlen\tflags\n");
        if (optList == 2) out.append("offset\tflags\n");

        walkAddrRanges();

        if (optList == 1) flushPageRange();
        if (optNoSummary) return 0;
        if (optList != 0) out.append("\n\n");
        showSummary();
        return 0;
    }

    /** First pass over the arguments, silently: which files to read, before any option acts. */
    private Source chooseSource(String[] args) {
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
        SourceKind k;
        if (kind == null) k = dump ? SourceKind.HOST : SourceKind.MODEL;
        else if (kind.equals("model")) k = SourceKind.MODEL;
        else if (kind.equals("host")) k = SourceKind.HOST;
        else {
            fatal("page-types: --source takes 'model' or 'host', not '" + kind + "'\n");
            return null;
        }
        if (count != null) kpagecountPath = count;
        if (cgroup != null) kpagecgroupPath = cgroup;
        return new Source(k, count, cgroup);
    }

    private void refuseHostPoison(String option) {
        if (sourceKind == SourceKind.HOST) {
            fatal("page-types: " + option + " would inject or clear memory errors on this machine's real memory;"
                    + " mmsim does that only on the model (--source model)\n");
        }
    }

    // ---- errors -----------------------------------------------------------------------------

    private void fatal(String message) {
        out.flush();
        err.print(message);
        err.flush();
        throw new Exit(1);
    }

    private void perror(String what, Errno e) {
        out.flush();
        err.println(what + ": " + e.text);
        err.flush();
    }

    private ToolFs fs() {
        if (fs == null) {
            try {
                fs = factory.open(source);
            } catch (SourceException e) {
                fatal("page-types: " + e.getMessage() + "\n");
            }
        }
        return fs;
    }

    private ToolFs.Handle checkedOpen(String path, boolean write) {
        try {
            return fs().open(path, write);
        } catch (Errno.ErrnoException e) {
            perror(path, e.errno());
            throw new Exit(1);
        }
    }

    private void closeAll() {
        for (ToolFs.Handle h : new ToolFs.Handle[] {kpageflagsFd, kpagecountFd, kpagecgroupFd, pageIdleFd,
                hwpoisonInjectFd, hwpoisonForgetFd}) {
            if (h != null) h.close();
        }
    }

    // ---- reading the u64 files -------------------------------------------------------------

    /** do_u64_read(): pread of {@code count} entries at {@code index}; entries read. */
    private int u64Read(ToolFs.Handle fd, String name, long[] buf, long index, int count) {
        if (Long.compareUnsigned(index, Long.divideUnsigned(-1L, 8)) > 0) {
            fatal("index overflow: " + Long.toUnsignedString(index) + "\n");
        }
        ioBuf.clear().limit(count * 8);
        long bytes = fd.pread(ioBuf, index * 8);     // off_t: a huge index turns negative -> EINVAL
        if (bytes < 0) {
            Errno e = Errno.of(bytes);
            perror(name, e == null ? Errno.EIO : e);
            throw new Exit(1);
        }
        if (bytes % 8 != 0) fatal("partial read: " + bytes + " bytes\n");
        int n = (int) (bytes / 8);
        LongBuffer lb = ioBuf.flip().asLongBuffer();
        lb.get(buf, 0, n);
        return n;
    }

    // ---- flag names ---------------------------------------------------------------------------

    private String pageFlagName(long flags) {
        char[] buf = new char[64];
        int j = 0;
        for (int i = 0; i < 64; i++) {
            boolean present = ((flags >>> i) & 1) != 0;
            if (NAMES[i] == null) {
                if (present) fatal("unknown flag bit " + i + "\n");
                continue;
            }
            buf[j++] = present ? NAMES[i].charAt(0) : '_';
        }
        return new String(buf, 0, j);
    }

    private static String pageFlagLongname(long flags) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            if (NAMES[i] == null || ((flags >>> i) & 1) == 0) continue;
            if (!sb.isEmpty()) sb.append(',');
            sb.append(NAMES[i], 2, NAMES[i].length());
        }
        return sb.toString();
    }

    // ---- list and summary -------------------------------------------------------------------

    private void showPageRange(long voffset, long offset, long size, long flags, long cgroup, long mapcnt) {
        if (flags == rFlags0 && cgroup == rCgroup0 && mapcnt == rMapcnt0
                && offset == rIndex + rCount && size != 0 && voffset == rVoff + rCount) {
            rCount += size;
            return;
        }
        if (rCount != 0) {
            if (optListCgroup) out.append('@').append(Long.toUnsignedString(rCgroup0)).append('\t');
            if (optListMapcnt) out.append(Long.toUnsignedString(rMapcnt0)).append('\t');
            out.append(Long.toHexString(rIndex)).append('\t').append(Long.toHexString(rCount)).append('\t')
                    .append(pageFlagName(rFlags0)).append('\n');
        }
        rFlags0 = flags;
        rCgroup0 = cgroup;
        rMapcnt0 = mapcnt;
        rIndex = offset;
        rVoff = voffset;
        rCount = size;
    }

    private void flushPageRange() {
        showPageRange(0, 0, 0, 0, 0, 0);
    }

    private void showPage(long offset, long flags, long cgroup, long mapcnt) {
        if (optListCgroup) out.append('@').append(Long.toUnsignedString(cgroup)).append('\t');
        if (optListMapcnt) out.append(Long.toUnsignedString(mapcnt)).append('\t');
        out.append(Long.toHexString(offset)).append('\t').append(pageFlagName(flags)).append('\n');
    }

    private long pages2mb(long pages) {
        return (pages * fs().pageSize()) >>> 20;
    }

    private void showSummary() {
        out.append("             flags\tpage-count       MB  symbolic-flags\t\t\tlong-symbolic-flags\n");
        List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < HASH_SIZE; i++) if (nrPages[i] != 0) slots.add(i);
        if (order == Order.FLAGS) slots.sort((a, b) -> Long.compareUnsigned(pageFlags[a], pageFlags[b]));
        for (int i : slots) {
            out.append(String.format(Locale.ROOT, "0x%016x\t%10s %8s  %s\t%s\n", pageFlags[i],
                    Long.toUnsignedString(nrPages[i]), Long.toUnsignedString(pages2mb(nrPages[i])),
                    pageFlagName(pageFlags[i]), pageFlagLongname(pageFlags[i])));
        }
        out.append(String.format(Locale.ROOT, "             total\t%10s %8s\n",
                Long.toUnsignedString(totalPages), Long.toUnsignedString(pages2mb(totalPages))));
    }

    // ---- filters ----------------------------------------------------------------------------

    private boolean bitMaskOk(long flags) {
        for (int i = 0; i < nrBitFilters; i++) {
            if (optBits[i] == ALL_BITS) {
                if ((flags & optMask[i]) == 0) return false;
            } else if ((flags & optMask[i]) != optBits[i]) {
                return false;
            }
        }
        return true;
    }

    /** Raw mode: give overloaded kernel bits their page-types names (bits 47-51). */
    private static long expandOverloadedFlags(long flags) {
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
    private static long wellKnownFlags(long flags) {
        flags &= ~HACKERS_BITS;
        if ((flags & BITS_COMPOUND) != 0 && (flags & (1L << KPF_HUGE)) == 0) flags &= ~BITS_COMPOUND;
        return flags;
    }

    // ---- page actions -------------------------------------------------------------------------

    private void prepareHwpoisonFd() {
        String debugfs = fs().debugfsMount();
        if (debugfs == null) {
            perror("mount debugfs", Errno.ENODEV);
            throw new Exit(1);
        }
        if (optHwpoison && hwpoisonInjectFd == null) {
            hwpoisonInjectFd = checkedOpen(debugfs + "/hwpoison/corrupt-pfn", true);
        }
        if (optUnpoison && hwpoisonForgetFd == null) {
            hwpoisonForgetFd = checkedOpen(debugfs + "/hwpoison/unpoison-pfn", true);
        }
    }

    private void writePfn(ToolFs.Handle fd, long pfn, String what) {
        byte[] text = ("0x" + Long.toHexString(pfn) + "\n").getBytes(StandardCharsets.US_ASCII);
        long len = fd.pwrite(ByteBuffer.wrap(text), 0);
        if (len < 0) {
            Errno e = Errno.of(len);
            perror(what, e == null ? Errno.EIO : e);
        }
    }

    /** mark_page_idle(): gathers bits of one 64-PFN word, writes it when the walk leaves the word. */
    private void markPageIdle(long offset) {
        if (Long.divideUnsigned(offset, 64) == Long.divideUnsigned(idleOff, 64) || idleBuf == 0) {
            idleBuf |= 1L << (offset % 64);
            idleOff = offset;
            return;
        }
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, idleBuf);
        long len = pageIdleFd.pwrite(b, 8 * Long.divideUnsigned(idleOff, 64));
        if (len < 0) {
            Errno e = Errno.of(len);
            perror("mark page idle", e == null ? Errno.EIO : e);
            return;
        }
        idleBuf = 1L << (offset % 64);
        idleOff = offset;
    }

    // ---- the PFN walk -----------------------------------------------------------------------

    /** hash_slot(): the summary row of {@code flags}; slot 0 is kept for flags == 0. */
    private int hashSlot(long flags) {
        if (lastSlot >= 0 && flags == lastFlags) return lastSlot;
        if (flags == 0) return 0;
        int k = (int) (flags & (HASH_SIZE - 1));
        for (int i = 1; i < HASH_SIZE; i++, k++) {
            if (k == 0 || k >= HASH_SIZE) k = 1;
            if (pageFlags[k] == 0) pageFlags[k] = flags;
            if (pageFlags[k] == flags) {
                lastFlags = flags;
                lastSlot = k;
                return k;
            }
        }
        fatal("hash table full: bump up HASH_SHIFT?\n");
        return -1;
    }

    private void addPage(long voffset, long offset, long flags, long cgroup, long mapcnt) {
        flags = optRaw ? expandOverloadedFlags(flags) : wellKnownFlags(flags);
        if (!bitMaskOk(flags)) return;
        if (optCgroup != 0 && cgroup != optCgroup) return;
        if (optHwpoison) writePfn(hwpoisonInjectFd, offset, "hwpoison inject");
        if (optUnpoison) writePfn(hwpoisonForgetFd, offset, "hwpoison forget");
        if (optMarkIdle) markPageIdle(offset);
        if (optList == 1) showPageRange(voffset, offset, 1, flags, cgroup, mapcnt);
        else if (optList == 2) showPage(offset, flags, cgroup, mapcnt);
        nrPages[hashSlot(flags)]++;
        totalPages++;
    }

    private final long[] flagsBuf = new long[BATCH];
    private final long[] cgroupBuf = new long[BATCH];
    private final long[] countBuf = new long[BATCH];

    private void walkPfn(long voffset, long index, long count) {
        while (count != 0) {
            int batch = Long.compareUnsigned(count, BATCH) < 0 ? (int) count : BATCH;
            int pages = u64Read(kpageflagsFd, optKpageflags, flagsBuf, index, batch);
            if (pages == 0) break;
            // kpagecgroup errors are reported under the kpageflags name, as the C tool does.
            if (kpagecgroupFd != null && u64Read(kpagecgroupFd, optKpageflags, cgroupBuf, index, pages) != pages) {
                fatal("kpagecgroup returned fewer pages than expected");
            }
            if (kpagecountFd != null && u64Read(kpagecountFd, kpagecountPath, countBuf, index, pages) != pages) {
                fatal("kpagecount returned fewer pages than expected");
            }
            for (int i = 0; i < pages; i++) {
                addPage(voffset + i, index + i, flagsBuf[i], cgroupBuf[i], countBuf[i]);
            }
            index += pages;
            count -= pages;
        }
    }

    private void walkAddrRanges() {
        kpageflagsFd = checkedOpen(optKpageflags, false);
        if (nrAddrRanges == 0) addAddrRange(0, -1L);
        for (int i = 0; i < nrAddrRanges; i++) walkPfn(optOffset[i], optOffset[i], optSize[i]);
        if (optMarkIdle) markPageIdle(0);
    }

    // ---- option parsing -----------------------------------------------------------------------

    /** strtoll(str, NULL, 0) as the C tool uses it, then its "0 must be spelled 0" check. */
    private long parseNumber(String str) {
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

    private void addAddrRange(long offset, long size) {
        if (nrAddrRanges >= MAX_ADDR_RANGES) fatal("too many addr ranges\n");
        optOffset[nrAddrRanges] = offset;
        long room = -1L - offset;   // ULONG_MAX - offset
        optSize[nrAddrRanges] = Long.compareUnsigned(size, room) < 0 ? size : room;
        nrAddrRanges++;
    }

    private void parseAddrRange(String arg) {
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
        optMask[nrBitFilters] = mask;
        optBits[nrBitFilters] = bits;
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
        if (len <= 8 && "compound".startsWith(tok)) return BITS_COMPOUND;
        for (int i = 0; i < 64; i++) {
            if (NAMES[i] != null && NAMES[i].startsWith(tok, 2)) return 1L << i;
        }
        return parseNumber(str);
    }

    /** Comma-separated names up to '=' or the end; {@code all} also takes the '~' (cleared) names. */
    private long parseFlagNames(String s, int from, boolean all) {
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

    private void parseBitsMask(String arg) {
        int p = arg.indexOf('=');
        long mask, bits;
        if (p == 0) {
            mask = ALL_BITS;
            bits = parseFlagNames(arg, 1, false);
        } else if (p > 0) {
            mask = parseFlagNames(arg, 0, false);
            bits = parseFlagNames(arg, p + 1, false);
        } else if (arg.indexOf('~') >= 0) {
            mask = parseFlagNames(arg, 0, true);
            bits = parseFlagNames(arg, 0, false);
        } else {
            mask = parseFlagNames(arg, 0, false);
            bits = ALL_BITS;
        }
        addBitsFilter(mask, bits);
    }

    private void parseCgroup(String path) {
        if (path.startsWith("@")) {
            optCgroup = parseNumber(path.substring(1));
            return;
        }
        ToolFs.Stat st;
        try {
            st = fs().stat(path);
        } catch (Errno.ErrnoException e) {
            fatal("stat failed: " + path + ": " + e.errno().text + "\n");
            return;
        }
        if (!st.directory()) fatal("cgroup supposed to be a directory: " + path + "\n");
        optCgroup = st.inode();
    }

    private void describeFlags(String arg) {
        long flags = parseFlagNames(arg, 0, false);
        out.append(String.format(Locale.ROOT, "0x%016x\t%s\t%s\n", flags, pageFlagName(flags), pageFlagLongname(flags)));
    }

    private static String flagType(long flag) {
        if ((flag & HACKERS_BITS) != 0) return "(r)";
        if ((flag & OVERLOADED_BITS) != 0) return "(o)";
        return "   ";
    }

    private void usage() {
        out.append("""
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
                """);
        int j = 0;
        for (int i = 0; i < 64; i++) {
            if (NAMES[i] == null) continue;
            out.append(String.format(Locale.ROOT, "%16s%s", NAMES[i].substring(2), flagType(1L << i)));
            if (++j > 3) {
                j = 0;
                out.append('\n');
            }
        }
        out.append("\n                                   (r) raw mode bits  (o) overloaded bits\n");
        out.append("""
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
                """);
    }

    /** Buffered stdout: the tool prints millions of short lines with -L. */
    private static final class Out {
        private final OutputStream os;
        private final StringBuilder sb = new StringBuilder(1 << 16);

        Out(OutputStream os) { this.os = os; }

        Out append(String s) {
            sb.append(s);
            if (sb.length() >= 1 << 16) flush();
            return this;
        }

        Out append(String s, int from, int to) {
            sb.append(s, from, to);
            return this;
        }

        Out append(char c) {
            sb.append(c);
            return this;
        }

        void flush() {
            try {
                os.write(sb.toString().getBytes(StandardCharsets.UTF_8));
                os.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            sb.setLength(0);
        }
    }
}
