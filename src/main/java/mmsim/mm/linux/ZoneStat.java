package mmsim.mm.linux;

/**
 * enum zone_stat_item (include/linux/mmzone.h, v6.12) with the names mm/vmstat.c prints in
 * /proc/zoneinfo and /proc/vmstat. Storage: {@code long[]} per zone, indexed by ordinal.
 */
public enum ZoneStat {
    NR_FREE_PAGES("nr_free_pages"),
    NR_ZONE_INACTIVE_ANON("nr_zone_inactive_anon"),
    NR_ZONE_ACTIVE_ANON("nr_zone_active_anon"),
    NR_ZONE_INACTIVE_FILE("nr_zone_inactive_file"),
    NR_ZONE_ACTIVE_FILE("nr_zone_active_file"),
    NR_ZONE_UNEVICTABLE("nr_zone_unevictable"),
    NR_ZONE_WRITE_PENDING("nr_zone_write_pending"),
    NR_MLOCK("nr_mlock"),
    NR_BOUNCE("nr_bounce"),
    NR_ZSPAGES("nr_zspages"),
    NR_FREE_CMA_PAGES("nr_free_cma");

    public final String vmstatName;

    ZoneStat(String n) { this.vmstatName = n; }
}
