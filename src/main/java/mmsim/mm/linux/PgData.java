package mmsim.mm.linux;

import mmsim.kernel.Kernel;

/**
 * pg_data_t / struct pglist_data (include/linux/mmzone.h): one NUMA node, its zones and its
 * node-level counters. node_start_pfn/node_spanned_pages cover the node's zones.
 */
public final class PgData {
    public final int nodeId;
    public final Zone[] zones = new Zone[ZoneType.MAX_NR_ZONES];
    long nodeStartPfn;
    long nodeSpannedPages;
    final long[] vmStat = new long[NodeStat.values().length];

    public PgData(Kernel k, int nodeId) {
        this.nodeId = nodeId;
        for (ZoneType t : ZoneType.values()) zones[t.ordinal()] = new Zone(k, this, t);
    }

    public Zone zone(ZoneType t) { return zones[t.ordinal()]; }
    public Zone zone(int idx) { return zones[idx]; }
    public long nodeStartPfn() { return nodeStartPfn; }
    public long nodeSpannedPages() { return nodeSpannedPages; }
    public long nodeEndPfn() { return nodeStartPfn + nodeSpannedPages; }
    public long stat(NodeStat s) { return vmStat[s.ordinal()]; }
    public void modStat(NodeStat s, long delta) { vmStat[s.ordinal()] += delta; }

    /** node_present_pages: sum of the zones' present pages. */
    public long nodePresentPages() {
        long n = 0;
        for (Zone z : zones) n += z.presentPages;
        return n;
    }

    /** resize_pgdat_range(). */
    public void resizePgdatRange(long startPfn, long nrPages) {
        long oldEnd = nodeEndPfn();
        if (nodeSpannedPages == 0 || startPfn < nodeStartPfn) nodeStartPfn = startPfn;
        nodeSpannedPages = Math.max(startPfn + nrPages, oldEnd) - nodeStartPfn;
    }

    public void setSpan(long startPfn, long spanned) {
        nodeStartPfn = startPfn;
        nodeSpannedPages = spanned;
    }
}
