package mmsim.mm.linux;

/**
 * struct mem_section (include/linux/mmzone.h). The kernel packs the flags, the node id and the
 * encoded memmap pointer into one word, section_mem_map:
 *
 * <pre>
 *  63                                  ...   6  5  4  3  2  1  0
 * +---------------------------------------+---+--+--+--+--+--+--+
 * | memmap - section_start_pfn (encoded)  |nid|VP|TZ|EA|ON|MM|PR|
 * +---------------------------------------+---+--+--+--+--+--+--+
 *  PR SECTION_MARKED_PRESENT   MM SECTION_HAS_MEM_MAP   ON SECTION_IS_ONLINE (v4.13+)
 *  EA SECTION_IS_EARLY (v5.3+) TZ SECTION_TAINT_ZONE_DEVICE (v5.12+)  VP SECTION_IS_VMEMMAP_PREINIT
 * </pre>
 *
 * Here the three parts are separate fields; {@link #usage} is ms->usage (subsection map and
 * the pageblock flags), freed and set to null by section_deactivate.
 */
public final class MemSection {
    public static final int SECTION_MARKED_PRESENT = 1 << 0;
    public static final int SECTION_HAS_MEM_MAP = 1 << 1;
    public static final int SECTION_IS_ONLINE = 1 << 2;
    public static final int SECTION_IS_EARLY = 1 << 3;
    public static final int SECTION_TAINT_ZONE_DEVICE = 1 << 4;

    /**
     * struct mem_section_usage: the subsection bitmap (one bit per 2 MiB, 64 per section) and
     * the pageblock flags (one migratetype per pageblock of the section).
     */
    public static final class Usage {
        /** subsection_map (SUBSECTIONS_PER_SECTION = 64 bits on x86_64/arm64-4K). */
        public long subsectionMap;
        /** pageblock_flags: the migratetype of each pageblock (MIGRATE_* ordinal). */
        public final byte[] pageblockFlags;
        /**
         * kfree()d (its KASAN shadow): set when section_deactivate frees it (at once before v6.8,
         * after a grace period since), so a reader still holding the pointer is caught.
         */
        public boolean freed;

        public Usage(int pageblocksPerSection) {
            this.pageblockFlags = new byte[pageblocksPerSection];
        }
    }

    public final long nr;
    public int flags;
    public int nid;
    public Usage usage;
    /** The section's memmap while HAS_MEM_MAP (null otherwise); also reachable through Memmap. */
    public SectionMemmap memmap;

    public MemSection(long nr) {
        this.nr = nr;
    }

    public boolean present() { return (flags & SECTION_MARKED_PRESENT) != 0; }
    /** valid_section(). */
    public boolean valid() { return (flags & SECTION_HAS_MEM_MAP) != 0; }
    public boolean online() { return (flags & SECTION_IS_ONLINE) != 0; }
    public boolean early() { return (flags & SECTION_IS_EARLY) != 0; }
    public boolean taintZoneDevice() { return (flags & SECTION_TAINT_ZONE_DEVICE) != 0; }

    /** The flag names set, as a debugging aid ("PRESENT|HAS_MEM_MAP|ONLINE|EARLY"). */
    public String flagNames() {
        StringBuilder sb = new StringBuilder();
        String[] n = {"PRESENT", "HAS_MEM_MAP", "ONLINE", "EARLY", "TAINT_ZONE_DEVICE"};
        for (int i = 0; i < n.length; i++) if ((flags & (1 << i)) != 0) sb.append(sb.isEmpty() ? "" : "|").append(n[i]);
        return sb.isEmpty() ? "0" : sb.toString();
    }

    @Override public String toString() { return "mem_section[" + nr + "]"; }
}
