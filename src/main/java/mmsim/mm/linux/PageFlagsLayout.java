package mmsim.mm.linux;

/**
 * The fields in the upper part of page->flags (include/linux/page-flags-layout.h, mm.h
 * set_page_links / page_zonenum / page_to_nid), sized as a distro x86_64 kernel:
 * CONFIG_NODES_SHIFT=10, 3 zone bits (DMA, DMA32, Normal, Movable, Device), LAST_CPUPID
 * = 8 pid bits + 13 cpu bits (NR_CPUS=8192). No section field (SPARSEMEM_VMEMMAP).
 *
 * <pre>
 *  63        54 53   51 50                 30 29 ...  0
 * +------------+-------+---------------------+----------+
 * | NODE (10)  |ZONE(3)| LAST_CPUPID (21)    | PG flags |
 * +------------+-------+---------------------+----------+
 * e.g. 0x17ffffc0000000 = node 0, zone 2 (Normal), lastcpupid 0x1fffff, no flags
 * </pre>
 */
public final class PageFlagsLayout {
    private PageFlagsLayout() { }

    public static final int NODES_WIDTH = 10;
    public static final int ZONES_WIDTH = 3;
    public static final int LAST_CPUPID_WIDTH = 21;
    public static final int NODES_PGSHIFT = 64 - NODES_WIDTH;
    public static final int ZONES_PGSHIFT = NODES_PGSHIFT - ZONES_WIDTH;
    public static final int LAST_CPUPID_PGSHIFT = ZONES_PGSHIFT - LAST_CPUPID_WIDTH;
    public static final long NODES_MASK = (1L << NODES_WIDTH) - 1;
    public static final long ZONES_MASK = (1L << ZONES_WIDTH) - 1;
    public static final long LAST_CPUPID_MASK = (1L << LAST_CPUPID_WIDTH) - 1;
    /** Bits of the fields: set_page_links replaces only these. */
    public static final long FIELDS_MASK = (NODES_MASK << NODES_PGSHIFT) | (ZONES_MASK << ZONES_PGSHIFT)
            | (LAST_CPUPID_MASK << LAST_CPUPID_PGSHIFT);

    /** The flags word __init_single_page leaves: zone and node links, last_cpupid reset to all ones. */
    public static long initialFlags(int zoneIdx, int nid) {
        return ((long) nid & NODES_MASK) << NODES_PGSHIFT | ((long) zoneIdx & ZONES_MASK) << ZONES_PGSHIFT
                | LAST_CPUPID_MASK << LAST_CPUPID_PGSHIFT;
    }

    public static int zone(long flags) { return (int) ((flags >>> ZONES_PGSHIFT) & ZONES_MASK); }
    public static int node(long flags) { return (int) ((flags >>> NODES_PGSHIFT) & NODES_MASK); }
    public static int lastCpupid(long flags) { return (int) ((flags >>> LAST_CPUPID_PGSHIFT) & LAST_CPUPID_MASK); }

    /** page_zone_id(): node and zone together, what page_is_buddy compares. */
    public static long zoneId(long flags) { return flags >>> ZONES_PGSHIFT; }

    /** set_page_links(): replaces zone and node, keeps the flags and last_cpupid. */
    public static long withLinks(long flags, int zoneIdx, int nid) {
        long clear = (NODES_MASK << NODES_PGSHIFT) | (ZONES_MASK << ZONES_PGSHIFT);
        return (flags & ~clear) | ((long) nid & NODES_MASK) << NODES_PGSHIFT | ((long) zoneIdx & ZONES_MASK) << ZONES_PGSHIFT;
    }
}
