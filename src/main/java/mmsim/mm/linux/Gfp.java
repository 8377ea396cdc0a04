package mmsim.mm.linux;

/**
 * GFP flags (include/linux/gfp_types.h, bit numbers of v6.x) that the model's allocator reads,
 * and the usual combinations. Reclaim flags are carried but reclaim is not modelled here.
 */
public final class Gfp {
    private Gfp() { }

    public static final int __GFP_DMA = 1 << 0;
    public static final int __GFP_HIGHMEM = 1 << 1;
    public static final int __GFP_DMA32 = 1 << 2;
    public static final int __GFP_MOVABLE = 1 << 3;
    public static final int __GFP_RECLAIMABLE = 1 << 4;
    public static final int __GFP_HIGH = 1 << 5;
    public static final int __GFP_IO = 1 << 6;
    public static final int __GFP_FS = 1 << 7;
    public static final int __GFP_ZERO = 1 << 8;
    public static final int __GFP_DIRECT_RECLAIM = 1 << 10;
    public static final int __GFP_KSWAPD_RECLAIM = 1 << 11;
    public static final int __GFP_NOWARN = 1 << 13;
    /** Allocation may use the memory reserves below the min watermark (ALLOC_NO_WATERMARKS). */
    public static final int __GFP_MEMALLOC = 1 << 17;
    public static final int __GFP_COMP = 1 << 18;
    public static final int __GFP_THISNODE = 1 << 21;

    public static final int __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;
    public static final int GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
    public static final int GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
    public static final int GFP_NOWAIT = __GFP_KSWAPD_RECLAIM | __GFP_NOWARN;
    public static final int GFP_DMA = __GFP_DMA;
    public static final int GFP_DMA32 = __GFP_DMA32;
    public static final int GFP_USER = GFP_KERNEL;
    public static final int GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;
    public static final int GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | __GFP_MOVABLE;
    public static final int GFP_TRANSHUGE_LIGHT = GFP_HIGHUSER_MOVABLE | __GFP_COMP & ~__GFP_RECLAIM;

    /**
     * current_gfp_context() (include/linux/sched/mm.h): what the task's scope says of every
     * allocation it makes: under memalloc_pin_save() (PF_MEMALLOC_PIN, a long-term GUP pinning)
     * nothing may come from ZONE_MOVABLE or CMA, so __GFP_MOVABLE goes.
     */
    public static int currentGfpContext(int gfp, int taskFlags) {
        if ((taskFlags & mmsim.kernel.Kernel.PF_MEMALLOC_PIN) != 0) gfp &= ~__GFP_MOVABLE;
        return gfp;
    }

    /** gfp_zone(): the highest zone the allocation may use. */
    public static ZoneType gfpZone(int gfp) {
        if ((gfp & __GFP_DMA) != 0) return ZoneType.DMA;
        if ((gfp & __GFP_DMA32) != 0) return ZoneType.DMA32;
        if ((gfp & (__GFP_MOVABLE | __GFP_HIGHMEM)) == (__GFP_MOVABLE | __GFP_HIGHMEM)) return ZoneType.MOVABLE;
        return ZoneType.NORMAL;
    }

    /** gfp_migratetype(). */
    public static int gfpMigratetype(int gfp) {
        if ((gfp & __GFP_MOVABLE) != 0) return MigrateType.MOVABLE;
        if ((gfp & __GFP_RECLAIMABLE) != 0) return MigrateType.RECLAIMABLE;
        return MigrateType.UNMOVABLE;
    }
}
