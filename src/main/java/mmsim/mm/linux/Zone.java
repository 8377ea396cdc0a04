package mmsim.mm.linux;

import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;
import mmsim.kernel.sync.SpinLock;

/**
 * struct zone (include/linux/mmzone.h): a pfn span of one node with its own buddy free lists,
 * watermarks and counters.
 *
 * <pre>
 * zone_start_pfn                                          zone_end_pfn
 * |&lt;-------------------------- spanned_pages ------------------------&gt;|
 *   [RAM........][hole][RAM..............][offline block][RAM......]
 *   present_pages = RAM pages in the span (online hotplugged memory included)
 *   managed_pages = present pages handed to the buddy allocator (minus memblock reserved)
 * </pre>
 *
 * Locking: free_area, nr_free and NR_FREE_PAGES change under {@link #lock} (zone->lock);
 * spanned/present change under mem_hotplug_lock plus the zone's span seqlock (not modelled);
 * managed_pages is an atomic. Readers of /proc files read without the lock, as the kernel does.
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info (zone->lock is its leaf).
 */
public final class Zone {
    /** NR_PAGE_ORDERS (include/linux/mmzone.h; v6.8 name; MAX_ORDER = 11 before v6.4). */
    public static final int NR_PAGE_ORDERS = 11;
    public static final int MAX_PAGE_ORDER = NR_PAGE_ORDERS - 1;
    /** pageblock_order (include/linux/pageblock-flags.h). */
    public static final int PAGEBLOCK_ORDER = 9;
    public static final int PAGEBLOCK_NR_PAGES = 1 << PAGEBLOCK_ORDER;
    /** The lock class of every zone->lock (lockdep's static key at the init site). */
    private static final LockClass ZONE_LOCK = LockClass.spinlock("zone->lock");

    /** enum zone_watermarks. */
    public static final int WMARK_MIN = 0, WMARK_LOW = 1, WMARK_HIGH = 2, WMARK_PROMO = 3, NR_WMARK = 4;

    public final PgData pgdat;
    public final ZoneType type;
    public final SpinLock lock;
    long zoneStartPfn;
    long spannedPages;
    long presentPages;
    long presentEarlyPages;
    public long managedPages;
    long cmaPages;
    public final FreeArea[] freeArea = new FreeArea[NR_PAGE_ORDERS];
    public final long[] watermark = new long[NR_WMARK];
    public long watermarkBoost;
    public final long[] lowmemReserve = new long[ZoneType.MAX_NR_ZONES];
    public final long[] vmStat = new long[ZoneStat.values().length];
    public final PerCpuPages[] pcp;
    public int nrIsolatePageblock;
    /** zone_pcp_disable() nesting (memory-failure). */
    public int pcpDisabled;

    Zone(Kernel k, PgData pgdat, ZoneType type) {
        this.pgdat = pgdat;
        this.type = type;
        this.lock = new SpinLock(k, ZONE_LOCK, this);   // its sections write the counts zone_watermark_ok reads
        for (int o = 0; o < freeArea.length; o++) freeArea[o] = new FreeArea();
        pcp = new PerCpuPages[k.nrCpus()];
        for (int c = 0; c < pcp.length; c++) pcp[c] = new PerCpuPages(k, c);
    }

    public String name() { return type.kernelName; }
    public int nid() { return pgdat.nodeId; }
    public int idx() { return type.ordinal(); }
    public long zoneStartPfn() { return zoneStartPfn; }
    public long zoneEndPfn() { return zoneStartPfn + spannedPages; }
    public long spannedPages() { return spannedPages; }
    public long presentPages() { return presentPages; }
    public long presentEarlyPages() { return presentEarlyPages; }
    public long managedPages() { return managedPages; }
    public long cmaPages() { return cmaPages; }
    public FreeArea freeArea(int order) { return freeArea[order]; }
    /** wmark_pages(z, i): the watermark plus the boost. */
    public long watermark(int which) { return watermark[which] + watermarkBoost; }
    /** min_wmark_pages() etc. include the boost: zone->_watermark[i] + zone->watermark_boost. */
    public long minWmark() { return watermark[WMARK_MIN] + watermarkBoost; }
    public long lowWmark() { return watermark[WMARK_LOW] + watermarkBoost; }
    public long highWmark() { return watermark[WMARK_HIGH] + watermarkBoost; }
    public long promoWmark() { return watermark[WMARK_PROMO] + watermarkBoost; }
    public long watermarkBoost() { return watermarkBoost; }
    public long lowmemReserve(int zoneIdx) { return lowmemReserve[zoneIdx]; }
    public long stat(ZoneStat s) { return vmStat[s.ordinal()]; }
    public void modStat(ZoneStat s, long delta) { vmStat[s.ordinal()] += delta; }
    public PerCpuPages pcp(int cpu) { return pcp[cpu]; }
    public int nrIsolatePageblock() { return nrIsolatePageblock; }

    /** populated_zone(): has present pages. */
    public boolean populated() { return presentPages != 0; }
    /** managed_zone(). */
    public boolean managed() { return managedPages != 0; }
    /** zone_is_empty(). */
    public boolean empty() { return spannedPages == 0; }

    public boolean spans(long pfn) { return pfn >= zoneStartPfn && pfn < zoneStartPfn + spannedPages; }

    // ---- span and counts: memory hotplug's move_pfn_range_to_zone / adjust_present_page_count ----

    /** resize_zone_range(): grows the span to cover [startPfn, startPfn+nrPages). */
    public void resizeZoneRange(long startPfn, long nrPages) {
        long oldEnd = zoneEndPfn();
        if (empty() || startPfn < zoneStartPfn) zoneStartPfn = startPfn;
        spannedPages = Math.max(startPfn + nrPages, oldEnd) - zoneStartPfn;
    }

    /** Sets the span directly (shrink_zone_span after an offline). */
    public void setSpan(long startPfn, long spanned) {
        this.zoneStartPfn = spanned == 0 ? 0 : startPfn;
        this.spannedPages = spanned;
    }

    public void adjustPresentPages(long delta) { presentPages += delta; }

    /** Boot: the present pages of boot memory (zoneinfo has no line for it; hotplug's offline rules use it). */
    public void setPresentEarlyPages(long n) { presentEarlyPages = n; }

    /** adjust_managed_page_count() without the totalram part (the allocator's totalram is the sum). */
    public void adjustManagedPages(long delta) { managedPages += delta; }

    @Override public String toString() { return "Node " + nid() + ", zone " + name(); }
}
