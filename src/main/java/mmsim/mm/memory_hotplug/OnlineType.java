package mmsim.mm.memory_hotplug;

/**
 * enum mmop (include/linux/memory_hotplug.h): how a memory block is onlined. The sysfs words are
 * those of mhp_online_type_from_str() (mm/memory_hotplug.c): "offline", "online",
 * "online_kernel", "online_movable".
 */
public enum OnlineType {
    /** MMOP_OFFLINE: offline (and, as a block's online_type, "use the default"). */
    MMOP_OFFLINE("offline"),
    /** MMOP_ONLINE: the zone by policy (default_zone_for_pfn). */
    MMOP_ONLINE("online"),
    /** MMOP_ONLINE_KERNEL: the kernel zone the range intersects, else ZONE_NORMAL. */
    MMOP_ONLINE_KERNEL("online_kernel"),
    /** MMOP_ONLINE_MOVABLE: ZONE_MOVABLE. */
    MMOP_ONLINE_MOVABLE("online_movable");

    /** The word sysfs reads and writes. */
    public final String word;

    OnlineType(String word) { this.word = word; }

    /**
     * mhp_online_type_from_str(): the type whose word equals {@code buf} as sysfs_streq compares
     * (one trailing newline ignored on either side), or null (-EINVAL).
     */
    public static OnlineType fromString(String buf) {
        String s = buf.endsWith("\n") ? buf.substring(0, buf.length() - 1) : buf;
        for (OnlineType t : values()) if (t.word.equals(s)) return t;
        return null;
    }
}
