package mmsim.mm.memremap;

import mmsim.explore.Verdict;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Map;

import mmsim.scenario.Catalogue;
import mmsim.scenario.OutcomeClass;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioRunner;
import mmsim.scenario.ops.OpRegistry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The seed-001 catalogue entries as `mmsim check 001` runs them: each variant's verdict comes
 * from exploring the race, and matches the variant's declared outcome. Which variants a walker
 * still breaks, per case:
 * <pre>
 *                     v5.3   init-zone-device-reserved   pfn_zone_device_reserved   v5.4-v5.11   mainline
 *  001  (case 5)      oops   holds                       oops (kpagecount)          -            holds
 *  001b (case 3)      oops   oops                        oops                       oops         oops before the taint (INTERESTING)
 *  001c (case 4)      oops   oops                        oops                       -            holds
 *  001d (unbind)       -      -                           -                          oops         oops after the kill (INTERESTING)
 * </pre>
 */
class ZoneDeviceCatalogueTest {

    /** Runs every variant; {@code expect} maps variant name to "oops", or "holds" (explored to exhaustion, no failure). */
    private static void check(String file, Map<String, String> expect) {
        Scenario s = Catalogue.load(Path.of("scenarios", file), OpRegistry.standard());
        assertEquals(expect.keySet(), s.variants().stream().map(Scenario.Variant::name).collect(java.util.stream.Collectors.toSet()));
        for (Scenario.Variant v : s.variants()) {
            ScenarioRunner.VariantResult r = ScenarioRunner.run(s, v, ScenarioRunner.Settings.of(s), p -> { });
            assertEquals(ScenarioRunner.Status.OK, r.status(), file + " " + v.name() + ": " + r.verdict() + " " + r.note());
            if (expect.get(v.name()).equals("holds")) {
                assertTrue(r.findings().isEmpty(), file + " " + v.name() + ": " + r.verdict());
                assertTrue(r.exhausted(), file + " " + v.name() + ": " + r.coverage());
            } else {
                assertFalse(r.findings().isEmpty(), file + " " + v.name() + ": no oops found");
                ScenarioRunner.Finding f = r.findings().get(0);
                assertEquals(Verdict.Kind.OOPS, f.failure().verdict().kind(), r.verdict());
                assertTrue(f.failure().verdict().report().contains("fffffffffffffffe"), f.failure().verdict().report());
                assertNotEquals(OutcomeClass.FORBIDDEN, f.cls(), r.verdict());
            }
        }
    }

    @Test
    void case5AltmapReserve() {
        check("001-kpageflags-vs-altmap-reserve.mms", Map.of("v5.3", "oops", "init-zone-device-reserved", "holds",
                "pfn_zone_device_reserved", "oops", "mainline", "holds"));
    }

    @Test
    @Tag("slow")   // explores some variants to exhaustion: seconds
    void case3PartiallyPresentSection() {
        check("001b-kpageflags-vs-partial-section-device.mms", Map.of("v5.3", "oops", "init-zone-device-reserved", "oops",
                "pfn_zone_device_reserved", "oops", "v5.4-v5.11", "oops", "mainline", "oops"));
    }

    @Test
    void case4MemmapInitZoneDeviceRace() {
        check("001c-kpageflags-vs-memmap-init-zone-device.mms", Map.of("v5.3", "oops", "init-zone-device-reserved", "oops",
                "pfn_zone_device_reserved", "oops", "mainline", "holds"));
    }

    @Test
    @Tag("slow")   // explores some variants to exhaustion: seconds
    void unbindInASharedSection() {
        check("001d-kpageflags-vs-memunmap-shared-section.mms", Map.of("v5.5-v5.11", "oops", "mainline", "oops"));
    }
}
