package mmsim.iface.procfs;

import mmsim.kernel.Access;
import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.sparse.SparseMem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.function.LongSupplier;

/**
 * /proc/kpageflags, /proc/kpagecount and /proc/kpagecgroup (fs/proc/page.c): arrays of
 * little-endian u64, entry n at byte offset 8n, mode 0400, read-only.
 *
 * <p>The read rules, per era:
 * <ul>
 * <li>Mainline: a position or count that is not a multiple of 8 is -EINVAL; the file ends at
 *     max_pfn rounded up to a section (get_max_dump_pfn); a read at or past the end returns 0;
 *     the count is clipped to the end. PFN to page: pfn_to_online_page(), so offline,
 *     never-onlined and ZONE_DEVICE memmaps read as "no page" (NOPAGE, count 0, cgroup 0).</li>
 * <li>v4.6: the count is first clipped with an unsigned subtraction against max_pfn*8 (a read
 *     past the end wraps around and is not clipped at all), then the alignment is checked; PFN to
 *     page: pfn_valid() + pfn_to_page(), so offline and hot-added memmaps are read.</li>
 * </ul>
 * Each reader loops over PFNs with cond_resched() between entries and takes no lock: a
 * concurrent offline/remove can change the section and the memmap between the lookup and the
 * reads of struct page (the residual race of aad5f69bc161's changelog, and the 2016 races).
 *
 * <p>kpagecgroup: page_cgroup_ino() (StablePageFlags): the root memcg's inode for a charged user
 * page with CONFIG_MEMCG, else 0.
 */
public final class KPageFiles {

    /** The three files. */
    public enum Kind {
        KPAGEFLAGS("kpageflags_read"), KPAGECOUNT("kpagecount_read"), KPAGECGROUP("kpagecgroup_read");

        public final String function;
        final String condResched;

        Kind(String function) {
            this.function = function;
            this.condResched = function + ":cond_resched";
        }
    }

    private static final long KPMSIZE = 8, KPMMASK = 7;
    /** MAX_RW_COUNT (INT_MAX & PAGE_MASK): what rw_verify_area lets one read(2) ask for. */
    static final long MAX_RW_COUNT = Integer.MAX_VALUE & ~4095L;
    private static final VarHandle LE_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final Kernel k;
    private final KernelConfig config;
    private final SparseMem sparse;
    private final StablePageFlags spf;
    private final LongSupplier maxPfn;
    private final boolean v46;
    /** Variant Memremap.KPAGE_PFN_VALID: v5.3's readers (pfn_valid, before aad5f69bc161). */
    private final boolean pfnValidLookup;

    /** {@code maxPfn} is the kernel's max_pfn (one past the highest RAM pfn, raised by hot-add). */
    public KPageFiles(Kernel k, KernelConfig config, SparseMem sparse, StablePageFlags spf, LongSupplier maxPfn) {
        this.k = k;
        this.config = config;
        this.sparse = sparse;
        this.spf = spf;
        this.maxPfn = maxPfn;
        this.v46 = config.era() == KernelConfig.Era.V4_6;
        this.pfnValidLookup = config.has(mmsim.mm.memremap.Memremap.KPAGE_PFN_VALID);
    }

    public StablePageFlags stablePageFlags() { return spf; }

    /** max_pfn: one past the highest RAM pfn (raised by hot-add on x86). Other PFN walkers (page_owner) end there too. */
    public long maxPfn() { return maxPfn.getAsLong(); }

    /** get_max_dump_pfn(): max_pfn rounded up to a section today (SPARSEMEM), max_pfn in 2016. */
    public long maxDumpPfn() {
        long m = maxPfn.getAsLong();
        if (v46) return m;
        long pps = sparse.pagesPerSection();
        return (m + pps - 1) & -pps;
    }

    /** The outcome of one read(2): the bytes copied out, or the errno. */
    public record ReadResult(byte[] data, Errno errno) {
        public static ReadResult error(Errno e) { return new ReadResult(null, e); }
        public boolean ok() { return errno == null; }
    }

    /**
     * read(fd, buf, count) at file position {@code pos}: {@code kpageflags_read},
     * {@code kpagecount_read} or {@code kpagecgroup_read}. The new position is pos + data.length.
     */
    public ReadResult read(Kind kind, long pos, long count) {
        try (var f = k.enter(kind.function)) {
            if (count < 0 || Long.compareUnsigned(count, MAX_RW_COUNT) > 0) count = MAX_RW_COUNT;
            long end = maxDumpPfn() * KPMSIZE;
            if (v46) {
                // 2016: clip first (unsigned: past the end this wraps and clips nothing), then check alignment
                long room = end - pos;
                if (Long.compareUnsigned(room, count) < 0) count = room;
                if ((pos & KPMMASK) != 0 || (count & KPMMASK) != 0) return ReadResult.error(Errno.EINVAL);
            } else {
                if ((pos & KPMMASK) != 0 || (count & KPMMASK) != 0) return ReadResult.error(Errno.EINVAL);
                if (Long.compareUnsigned(pos, end) >= 0) return new ReadResult(new byte[0], null);
                count = Math.min(count, end - pos);
            }
            if (pos < 0) return ReadResult.error(Errno.EINVAL);   // loff_t past 2^63: rw_verify_area refuses it
            byte[] out = new byte[(int) count];
            // Outside exploration no other CPU runs: the PFN -> page answer (section online and
            // subsection present, or pfn_valid) is the same for every PFN of a subsection, so it is
            // asked once per subsection. Under the explorer it is asked per PFN, as the kernel does.
            boolean perPfn = k.sched().exploring() || k.sched().tracing();
            if (!perPfn) spf.beginWalk();
            try {
                readEntries(kind, pos / KPMSIZE, out, perPfn);
            } finally {
                if (!perPfn) spf.endWalk();
            }
            return new ReadResult(out, null);
        }
    }

    private void readEntries(Kind kind, long pfn, byte[] out, boolean perPfn) {
        long pps = sparse.pagesPerSubsection();
        long knownFrom = 1, knownTo = 0;
        boolean knownPresent = false;
        for (int off = 0; off < out.length; off += (int) KPMSIZE, pfn++) {
            long page;
            if (perPfn) {
                page = lookup(pfn);
            } else {
                if (pfn < knownFrom || pfn >= knownTo) {
                    knownFrom = pfn & -pps;
                    knownTo = knownFrom + pps;
                    knownPresent = lookup(pfn) >= 0;
                }
                page = knownPresent ? pfn : -1;
            }
            long value = switch (kind) {
                case KPAGEFLAGS -> spf.stablePageFlags(page);
                case KPAGECOUNT -> page < 0 ? 0 : spf.pageMapcount(page);
                case KPAGECGROUP -> page < 0 ? 0 : spf.pageCgroupIno(page);
            };
            LE_LONG.set(out, off, value);
            // cond_resched(): v4.6's kpagecount_read had none
            if (!(v46 && kind == Kind.KPAGECOUNT)) k.point(kind.condResched, null, Access.NONE);
            if (kind == Kind.KPAGEFLAGS && page >= 0 && !perPfn) {
                // the pages after it that certainly read the same value (a free block, a run of reserved pages)
                int same = spf.sameValueAfter(pfn, Math.min(knownTo, pfn + (out.length - off) / KPMSIZE));
                for (; same > 0; same--) {
                    off += (int) KPMSIZE;
                    pfn++;
                    LE_LONG.set(out, off, value);
                    k.point(kind.condResched, null, Access.NONE);
                }
            }
        }
    }

    /** PFN to page as the era's readers do it: the pfn, or -1 for NULL. */
    private long lookup(long pfn) {
        if (v46 || pfnValidLookup) return sparse.pfnValid(pfn) ? sparse.pfnToPage(pfn) : -1;
        return sparse.pfnToOnlinePage(pfn);
    }
}
