package mmsim.mm.linux;

/**
 * The machine-wide counters of {@link GlobalStat} (atomic_long_t in the kernel; here plain
 * longs: exactly one simulated CPU runs at a time). Zone and node counters live in the zone
 * and pg_data_t objects of mm.page_alloc.
 */
public final class Vmstat {
    private final long[] global = new long[GlobalStat.values().length];

    public long get(GlobalStat s) { return global[s.ordinal()]; }
    public void add(GlobalStat s, long delta) { global[s.ordinal()] += delta; }
    public void set(GlobalStat s, long v) { global[s.ordinal()] = v; }
}
