package mmsim.mm.linux;

/** enum zone_type on x86_64/arm64 with ZONE_DMA, ZONE_DMA32, ZONE_MOVABLE and ZONE_DEVICE (no HIGHMEM). */
public enum ZoneType {
    DMA("DMA"), DMA32("DMA32"), NORMAL("Normal"), MOVABLE("Movable"), DEVICE("Device");

    public static final int MAX_NR_ZONES = 5;
    /** The names /proc prints ("%8s"). */
    public final String kernelName;

    ZoneType(String n) { this.kernelName = n; }

    public static ZoneType ofIndex(int i) { return values()[i]; }

    public static ZoneType byName(String name) {
        for (ZoneType z : values()) if (z.kernelName.equalsIgnoreCase(name)) return z;
        return null;
    }
}
