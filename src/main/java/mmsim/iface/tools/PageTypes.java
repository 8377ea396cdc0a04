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
 * <p>This file is the walk and its output; the command line is {@link PageTypesOptions}, the
 * flag names {@link PageTypeFlags}.
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

    private static final String PAGE_IDLE_BITMAP = "/sys/kernel/mm/page_idle/bitmap";

    private static final int BATCH = 64 << 10;          // KPAGEFLAGS_BATCH: 64k entries per pread
    private static final int HASH_SIZE = 1 << 13;       // summary table: slot = flags & 8191

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
    private final PageTypeFlags flagTable;   // the tool build: today's names, or with c:uncached
    private final PageTypesOptions opt;      // the options given

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

    private PageTypes(OutputStream stdout, PrintStream err, PageTypeFlags flagTable) {
        this.out = new Out(stdout);
        this.err = err;
        this.flagTable = flagTable;
        this.opt = new PageTypesOptions(this::fatal, flagTable);
    }

    /**
     * Runs page-types with the C tool's arguments (plus mmsim's {@code --source},
     * {@code --order}, {@code --with-kpagecount}, {@code --with-kpagecgroup}) and returns its exit
     * status: 0, or 1 (EXIT_FAILURE) for every refusal, as the C tool does.
     */
    public static int run(String[] args, FsFactory factory, OutputStream stdout, PrintStream stderr) {
        return run(args, factory, false, stdout, stderr);
    }

    /**
     * The same with the tool of the trees that had PG_uncached ({@code withUncached}: the model's
     * v4.6 era) instead of today's (6.12: bit 39 unnamed).
     */
    public static int run(String[] args, FsFactory factory, boolean withUncached, OutputStream stdout, PrintStream stderr) {
        PageTypes t = new PageTypes(stdout, stderr, withUncached ? PageTypeFlags.WITH_UNCACHED : PageTypeFlags.TODAY);
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
        source = opt.chooseSource(args);
        this.factory = factory;
        sourceKind = source.kind();

        Getopt g = new Getopt("page-types", args, PageTypesOptions.SHORT_OPTS, PageTypesOptions.LONG_OPTS, err);
        int c;
        while ((c = g.next()) != Getopt.END) {
            String arg = g.optarg();
            switch (c) {
                case 'r' -> opt.raw = true;
                case 'p' -> fatal("page-types: -p/--pid (walking a process address space) is not implemented by mmsim\n");
                case 'f' -> fatal("page-types: -f/--file (walking a file's page cache) is not implemented by mmsim\n");
                case 'a' -> opt.parseAddrRange(arg);
                case 'b' -> opt.parseBitsMask(arg);
                case 'c' -> parseCgroup(arg);
                case 'C' -> opt.listCgroup = true;
                case 'd' -> {
                    describeFlags(arg);
                    throw new Exit(0);
                }
                case 'i' -> opt.markIdle = true;
                case 'l' -> opt.list = 1;
                case 'L' -> opt.list = 2;
                case 'M' -> opt.listMapcnt = true;
                case 'N' -> opt.noSummary = true;
                case 'X' -> {
                    refuseHostPoison("-X/--hwpoison");
                    opt.hwpoison = true;
                    prepareHwpoisonFd();
                }
                case 'x' -> {
                    refuseHostPoison("-x/--unpoison");
                    opt.unpoison = true;
                    prepareHwpoisonFd();
                }
                case 'F' -> opt.kpageflags = arg;      // null for --kpageflags, as in the C tool
                case 'h' -> {
                    out.append(opt.usage());
                    throw new Exit(0);
                }
                case PageTypesOptions.OPT_ORDER -> {
                    if (arg.equals("kernel")) opt.order = Order.KERNEL;
                    else if (arg.equals("flags")) opt.order = Order.FLAGS;
                    else fatal("page-types: --order takes 'flags' or 'kernel', not '" + arg + "'\n");
                }
                case PageTypesOptions.OPT_SOURCE, PageTypesOptions.OPT_WITH_COUNT, PageTypesOptions.OPT_WITH_CGROUP -> { /* taken by chooseSource() */ }
                default -> {
                    out.append(opt.usage());
                    throw new Exit(1);
                }
            }
        }

        if (opt.kpageflags == null) opt.kpageflags = PageTypesOptions.PROC_KPAGEFLAGS;
        if (opt.cgroup != 0 || opt.listCgroup) kpagecgroupFd = checkedOpen(opt.kpagecgroupPath, false);
        if (opt.list != 0 && opt.listMapcnt) kpagecountFd = checkedOpen(opt.kpagecountPath, false);
        if (opt.markIdle) pageIdleFd = checkedOpen(PAGE_IDLE_BITMAP, true);

        if (opt.list != 0 && opt.listCgroup) out.append("cgroup\t");
        if (opt.list != 0 && opt.listMapcnt) out.append("map-cnt\t");
        if (opt.list == 1) out.append("offset\tlen\tflags\n");
        if (opt.list == 2) out.append("offset\tflags\n");

        walkAddrRanges();

        if (opt.list == 1) flushPageRange();
        if (opt.noSummary) return 0;
        if (opt.list != 0) out.append("\n\n");
        showSummary();
        return 0;
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

    /** page_flag_name(): the symbolic flags; a bit the table does not name ends the run. */
    private String pageFlagName(long flags) {
        int unnamed = flagTable.firstUnnamedBit(flags);
        if (unnamed >= 0) fatal("unknown flag bit " + unnamed + "\n");
        return flagTable.symbolicName(flags);
    }

    // ---- list and summary -------------------------------------------------------------------

    private void showPageRange(long voffset, long offset, long size, long flags, long cgroup, long mapcnt) {
        if (flags == rFlags0 && cgroup == rCgroup0 && mapcnt == rMapcnt0
                && offset == rIndex + rCount && size != 0 && voffset == rVoff + rCount) {
            rCount += size;
            return;
        }
        if (rCount != 0) {
            if (opt.listCgroup) out.append('@').append(Long.toUnsignedString(rCgroup0)).append('\t');
            if (opt.listMapcnt) out.append(Long.toUnsignedString(rMapcnt0)).append('\t');
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
        if (opt.listCgroup) out.append('@').append(Long.toUnsignedString(cgroup)).append('\t');
        if (opt.listMapcnt) out.append(Long.toUnsignedString(mapcnt)).append('\t');
        out.append(Long.toHexString(offset)).append('\t').append(pageFlagName(flags)).append('\n');
    }

    private long pages2mb(long pages) {
        return (pages * fs().pageSize()) >>> 20;
    }

    private void showSummary() {
        out.append("             flags\tpage-count       MB  symbolic-flags\t\t\tlong-symbolic-flags\n");
        List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < HASH_SIZE; i++) if (nrPages[i] != 0) slots.add(i);
        if (opt.order == Order.FLAGS) slots.sort((a, b) -> Long.compareUnsigned(pageFlags[a], pageFlags[b]));
        for (int i : slots) {
            out.append(String.format(Locale.ROOT, "0x%016x\t%10s %8s  %s\t%s\n", pageFlags[i],
                    Long.toUnsignedString(nrPages[i]), Long.toUnsignedString(pages2mb(nrPages[i])),
                    pageFlagName(pageFlags[i]), flagTable.longName(pageFlags[i])));
        }
        out.append(String.format(Locale.ROOT, "             total\t%10s %8s\n",
                Long.toUnsignedString(totalPages), Long.toUnsignedString(pages2mb(totalPages))));
    }

    // ---- page actions -------------------------------------------------------------------------

    private void prepareHwpoisonFd() {
        String debugfs = fs().debugfsMount();
        if (debugfs == null) {
            perror("mount debugfs", Errno.ENODEV);
            throw new Exit(1);
        }
        if (opt.hwpoison && hwpoisonInjectFd == null) {
            hwpoisonInjectFd = checkedOpen(debugfs + "/hwpoison/corrupt-pfn", true);
        }
        if (opt.unpoison && hwpoisonForgetFd == null) {
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
        flags = opt.raw ? PageTypeFlags.expandOverloadedFlags(flags) : PageTypeFlags.wellKnownFlags(flags);
        if (!opt.bitMaskOk(flags)) return;
        if (opt.cgroup != 0 && cgroup != opt.cgroup) return;
        if (opt.hwpoison) writePfn(hwpoisonInjectFd, offset, "hwpoison inject");
        if (opt.unpoison) writePfn(hwpoisonForgetFd, offset, "hwpoison forget");
        if (opt.markIdle) markPageIdle(offset);
        if (opt.list == 1) showPageRange(voffset, offset, 1, flags, cgroup, mapcnt);
        else if (opt.list == 2) showPage(offset, flags, cgroup, mapcnt);
        nrPages[hashSlot(flags)]++;
        totalPages++;
    }

    /** add_page() of {@code n} pages with the same kpageflags word, when all it does is count them. */
    private void countPages(long flags, int n) {
        flags = opt.raw ? PageTypeFlags.expandOverloadedFlags(flags) : PageTypeFlags.wellKnownFlags(flags);
        if (!opt.bitMaskOk(flags)) return;
        nrPages[hashSlot(flags)] += n;
        totalPages += n;
    }

    private final long[] flagsBuf = new long[BATCH];
    private final long[] cgroupBuf = new long[BATCH];
    private final long[] countBuf = new long[BATCH];

    private void walkPfn(long voffset, long index, long count) {
        boolean countOnly = opt.list == 0 && opt.cgroup == 0 && !opt.hwpoison && !opt.unpoison && !opt.markIdle;
        while (count != 0) {
            int batch = Long.compareUnsigned(count, BATCH) < 0 ? (int) count : BATCH;
            int pages = u64Read(kpageflagsFd, opt.kpageflags, flagsBuf, index, batch);
            if (pages == 0) break;
            // kpagecgroup errors are reported under the kpageflags name, as the C tool does.
            if (kpagecgroupFd != null && u64Read(kpagecgroupFd, opt.kpageflags, cgroupBuf, index, pages) != pages) {
                fatal("kpagecgroup returned fewer pages than expected");
            }
            if (kpagecountFd != null && u64Read(kpagecountFd, opt.kpagecountPath, countBuf, index, pages) != pages) {
                fatal("kpagecount returned fewer pages than expected");
            }
            if (countOnly) {
                // nothing per page but the count: a run of equal words (a zone's free pages,
                // a hole) is counted at once; the rows come out the same, in the same slots
                for (int i = 0, j; i < pages; i = j) {
                    long flags = flagsBuf[i];
                    for (j = i + 1; j < pages && flagsBuf[j] == flags; j++) { }
                    countPages(flags, j - i);
                }
            } else {
                for (int i = 0; i < pages; i++) {
                    addPage(voffset + i, index + i, flagsBuf[i], cgroupBuf[i], countBuf[i]);
                }
            }
            index += pages;
            count -= pages;
        }
    }

    private void walkAddrRanges() {
        kpageflagsFd = checkedOpen(opt.kpageflags, false);
        if (opt.nrAddrRanges == 0) opt.addAddrRange(0, -1L);
        for (int i = 0; i < opt.nrAddrRanges; i++) walkPfn(opt.rangeOffset[i], opt.rangeOffset[i], opt.rangeSize[i]);
        if (opt.markIdle) markPageIdle(0);
    }

    private void parseCgroup(String path) {
        if (path.startsWith("@")) {
            opt.cgroup = opt.parseNumber(path.substring(1));
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
        opt.cgroup = st.inode();
    }

    private void describeFlags(String arg) {
        long flags = opt.parseFlagNames(arg, 0, false);
        out.append(String.format(Locale.ROOT, "0x%016x\t%s\t%s\n", flags, pageFlagName(flags), flagTable.longName(flags)));
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
