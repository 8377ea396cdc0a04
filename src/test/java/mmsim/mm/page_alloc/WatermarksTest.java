package mmsim.mm.page_alloc;

import mmsim.mm.linux.Zone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;

/** __setup_per_zone_wmarks() (mm/page_alloc.c): which zones get the clamped minimum. */
class WatermarksTest {
    @Test
    void onlyMovableGetsTheClampedMinimumAndDeviceKeepsZero() {
        Machine m = Machine.boot(MachineLayout.small(), KernelConfig.mainline());
        boolean sawDevice = false, sawNormal = false;
        for (Zone z : m.zones()) {
            long min = z.watermark(Zone.WMARK_MIN);
            switch (z.type) {
                case DEVICE -> { sawDevice = true; assertEquals(0, min, "ZONE_DEVICE manages no pages and is not clamped"); }
                case MOVABLE -> assertTrue(min >= 32 && min <= 128, "ZONE_MOVABLE min is clamped to 32..128, got " + min);
                case DMA32 -> { sawNormal = true; assertTrue(min > 0, "DMA32 (all of the small layout's RAM above 16 MiB) gets its share of min_free_kbytes"); }
                default -> { }
            }
        }
        assertTrue(sawDevice && sawNormal, "the small layout has DMA32 and Device zones");
    }
}
