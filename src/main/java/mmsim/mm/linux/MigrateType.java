package mmsim.mm.linux;

/**
 * enum migratetype (include/linux/mmzone.h) with CONFIG_CMA and CONFIG_MEMORY_ISOLATION, as
 * plain ints because they index free lists on hot paths. Names as /proc/pagetypeinfo prints them.
 */
public final class MigrateType {
    private MigrateType() { }

    public static final int UNMOVABLE = 0;
    public static final int MOVABLE = 1;
    public static final int RECLAIMABLE = 2;
    /** MIGRATE_PCPTYPES: the types with per-cpu lists. */
    public static final int PCPTYPES = 3;
    public static final int HIGHATOMIC = 3;
    public static final int CMA = 4;
    public static final int ISOLATE = 5;
    public static final int MIGRATE_TYPES = 6;

    private static final String[] NAMES = {"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"};

    public static String name(int mt) { return mt >= 0 && mt < MIGRATE_TYPES ? NAMES[mt] : "Unknown(" + mt + ")"; }

    /** migratetype_is_mergeable(): blocks of these types may merge with other types across pageblocks. */
    public static boolean isMergeable(int mt) { return mt < PCPTYPES; }

    /** fallbacks[] of mm/page_alloc.c (v6.x): the order in which other types' free lists are raided. */
    public static final int[][] FALLBACKS = {
        {RECLAIMABLE, MOVABLE},    // UNMOVABLE
        {RECLAIMABLE, UNMOVABLE},  // MOVABLE
        {UNMOVABLE, MOVABLE},      // RECLAIMABLE
    };
}
