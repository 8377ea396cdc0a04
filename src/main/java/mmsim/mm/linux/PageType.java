package mmsim.mm.linux;

/**
 * Page types kept in the top byte of page->page_type, which overlays _mapcount
 * (include/linux/page-flags.h, enum pagetype, v6.12):
 *
 * <pre>
 *  31      24 23                0
 * +----------+-------------------+
 * |  PGTY_*  |  type-specific (0) |     a typed page: (int) value < -128
 * +----------+-------------------+
 * 0xffffffff  = _mapcount -1 = untyped and unmapped (also the poison pattern's value)
 * 0x00000000+ = mapped N+1 times
 * </pre>
 */
public enum PageType {
    BUDDY("buddy", 0xf0),
    OFFLINE("offline", 0xf1),
    TABLE("table", 0xf2),
    GUARD("guard", 0xf3),
    HUGETLB("hugetlb", 0xf4),
    SLAB("slab", 0xf5),
    ZSMALLOC("zsmalloc", 0xf6),
    UNACCEPTED("unaccepted", 0xf7);

    /** _mapcount of a page with no mappings and no type. */
    public static final int NO_TYPE = -1;
    /** PAGE_MAPCOUNT_RESERVE: page_type values below this (as int) carry a type. */
    public static final int PAGE_MAPCOUNT_RESERVE = -128;

    public final String kernelName;
    public final int code;
    /** The whole page_type word __SetPageX stores. */
    public final int word;

    PageType(String kernelName, int code) {
        this.kernelName = kernelName;
        this.code = code;
        this.word = code << 24;
    }

    /** page_has_type(). */
    public static boolean hasType(int pageType) { return pageType < PAGE_MAPCOUNT_RESERVE; }

    public boolean isSet(int pageType) { return (pageType >>> 24) == code; }

    /** The type in a page_type word, or null when untyped (or the 0xff underflow/poison byte). */
    public static PageType of(int pageType) {
        if (!hasType(pageType)) return null;
        int c = pageType >>> 24;
        for (PageType t : values()) if (t.code == c) return t;
        return null;
    }
}
