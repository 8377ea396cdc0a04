package mmsim.mm.memremap;

import static mmsim.mm.memremap.ZoneDeviceCases.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import mmsim.iface.procfs.KPageFiles.Kind;
import mmsim.iface.procfs.KernelPageFlags;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.memremap.ZoneDeviceCases.Read;
import mmsim.mm.memremap.ZoneDeviceCases.Variant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each PFN walker (/proc/kpageflags, kpagecount, kpagecgroup, and pfn_to_online_page for its
 * other users) on each of the five cases of seed 001, under each variant. The machine states
 * come from a layout plus devm_memremap_pages (ZoneDeviceCases); nothing is set by hand.
 *
 * <p>Expected, kpageflags (O = oops at fffffffffffffffe in stable_page_flags, N = KPF_NOPAGE,
 * R = KPF_RESERVED only):
 * <pre>
 *                           v5.3  init-reserved  pfn_zone_device_reserved  v5.4..v5.11  mainline
 *  1 offline DIMM            O        O                 O                      N           N
 *  2 device data page        R        R                 R                      N           N
 *  3 absent subsection       N        N                 N                      N           N
 *  3 mixed section, data     R        R                 R                      R           N
 *  3 mixed section, reserve  O        R                 R                      O           N
 *  4 before init             O        O                 O                      N           N
 *  5 driver reserve          O        R                 R                      N           N
 * </pre>
 * kpagecount and kpagecgroup read the page too (page_folio/PageSlab), with no reserve check.
 */
class ZoneDeviceWalkerTest {
    static final long RESERVED = 1L << KernelPageFlags.KPF_RESERVED;
    static final long NOPAGE = KernelPageFlags.NOPAGE_VALUE;
    static final List<Kind> WALKERS = List.of(Kind.KPAGEFLAGS, Kind.KPAGECOUNT, Kind.KPAGECGROUP);

    private static boolean pfnValidWalker(Variant v) { return v != Variant.V5_4_NO_TAINT && v != Variant.MAINLINE; }

    /** Asserts the walker touched a poisoned struct page and followed its compound_head into fffffffffffffffe. */
    private static void assertPoisonOops(Read r, Kind kind, String what) {
        assertTrue(r.oops(), () -> what + " " + kind + ": expected the oops, got " + r);
        assertEquals(0xfffffffffffffffeL, r.faultAddress(), () -> what + " " + kind + ": " + r.fault().report());
        if (kind == Kind.KPAGEFLAGS) {
            String rep = r.fault().report();
            assertTrue(rep.contains("RIP: 0010:stable_page_flags"), rep);
            assertTrue(rep.contains("kpageflags_read"), rep);
            assertTrue(rep.contains("BUG: unable to handle page fault for address: fffffffffffffffe"), rep);
        }
    }

    /** For kpagecount/kpagecgroup a page that exists reads 0 here (unmapped, no memcg); NULL reads 0 too. */
    private static void assertValue(Read r, Kind kind, long flagsValue, String what) {
        assertNull(r.fault(), () -> what + " " + kind + ": " + (r.fault() == null ? "" : r.fault().report()));
        long want = kind == Kind.KPAGEFLAGS ? flagsValue : 0;
        assertEquals(want, r.value(), () -> what + " " + kind + ": got " + r);
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void case1OfflineBuddyMemory(Variant v) {
        ZoneDeviceCases c = build(v);
        for (Kind kind : WALKERS) {
            Read r = c.read(kind, CASE1_OFFLINE);
            if (pfnValidWalker(v)) assertPoisonOops(r, kind, "case 1");
            else assertValue(r, kind, NOPAGE, "case 1");
        }
        assertEquals(-1, c.mr.pfnToOnlinePage(CASE1_OFFLINE));
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void case2DeviceMemoryWithValidMemmap(Variant v) {
        ZoneDeviceCases c = build(v);
        long pfn = c.dataPfn(c.pmem);
        for (Kind kind : WALKERS) assertValue(c.read(kind, pfn), kind, pfnValidWalker(v) ? RESERVED : NOPAGE, "case 2");
        assertEquals(-1, c.mr.pfnToOnlinePage(pfn), "ZONE_DEVICE sections are never online");
        assertEquals(List.of(), ModelCheck.check(c.m));
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void case3PartiallyPresentSection(Variant v) {
        ZoneDeviceCases c = build(v);
        // the absent second half of the pmem section: pfn_valid checks the subsection (v5.3+)
        assertFalse(c.m.sparse().pfnValid(CASE3_ABSENT));
        assertTrue(c.m.memmap().poisoned(CASE3_ABSENT), "the section's vmemmap block maps the absent half too, uninitialised");
        for (Kind kind : WALKERS) assertValue(c.read(kind, CASE3_ABSENT), kind, NOPAGE, "case 3 absent");

        // the namespace sharing section 4 with boot RAM: an early, online section, tainted ZONE_DEVICE
        assertTrue(c.m.sparse().section(c.m.sparse().pfnToSectionNr(MIXED)).early());
        boolean touches = v != Variant.MAINLINE;     // pfn_valid, or pfn_to_online_page without the taint check
        long data = c.dataPfn(c.mixed);
        for (Kind kind : WALKERS) assertValue(c.read(kind, data), kind, touches ? RESERVED : NOPAGE, "case 3 mixed data");
        assertEquals(v == Variant.MAINLINE ? -1 : data, c.mr.pfnToOnlinePage(data));
        for (Kind kind : WALKERS) {
            Read r = c.read(kind, MIXED);
            boolean initialised = v == Variant.INIT_RESERVED;
            boolean checked = v == Variant.PFN_ZONE_DEVICE_RESERVED && kind == Kind.KPAGEFLAGS;
            if (!touches) assertValue(r, kind, NOPAGE, "case 3 mixed reserve");
            else if (initialised || checked) assertValue(r, kind, RESERVED, "case 3 mixed reserve");
            else assertPoisonOops(r, kind, "case 3 mixed reserve");
        }
        assertEquals(List.of(), ModelCheck.check(c.m));
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void case4MemmapNotInitialisedYet(Variant v) {
        ZoneDeviceCases c = buildUpToCase4(v);
        long pfn = c.dataPfn(c.pmem);
        assertTrue(c.m.sparse().pfnValid(pfn), "the subsections are present before memmap_init_zone_device");
        assertTrue(c.m.memmap().poisoned(pfn));
        for (Kind kind : WALKERS) {
            Read r = c.read(kind, pfn);
            if (pfnValidWalker(v)) assertPoisonOops(r, kind, "case 4");
            else assertValue(r, kind, NOPAGE, "case 4");
        }
        // the memmap storage pages were initialised under the hotplug lock
        assertFalse(c.m.memmap().poisoned(PMEM + RESERVE + c.pmem.altmap.align));
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void case5DriverReserve(Variant v) {
        ZoneDeviceCases c = build(v);
        for (long pfn = CASE5_RESERVE; pfn < CASE5_RESERVE + RESERVE; pfn++) {
            assertEquals(v != Variant.INIT_RESERVED, c.m.memmap().poisoned(pfn), "reserve struct page poisoned");
            for (Kind kind : WALKERS) {
                Read r = c.read(kind, pfn);
                boolean checked = v == Variant.PFN_ZONE_DEVICE_RESERVED && kind == Kind.KPAGEFLAGS;
                if (!pfnValidWalker(v)) assertValue(r, kind, NOPAGE, "case 5");
                else if (v == Variant.INIT_RESERVED || checked) assertValue(r, kind, RESERVED, "case 5");
                else assertPoisonOops(r, kind, "case 5");
            }
        }
        assertEquals(c.mr.pfnZoneDeviceReserved(CASE5_RESERVE + RESERVE - 1), true);
        assertEquals(c.mr.pfnZoneDeviceReserved(CASE5_RESERVE + RESERVE), false);
        assertEquals(List.of(), ModelCheck.check(c.m));
    }

    /** The whole file reads under mainline: every ZONE_DEVICE pfn is NOPAGE, nothing faults. */
    @Test
    void mainlineWholeFileReadsNopageForZoneDevice() {
        ZoneDeviceCases c = build(Variant.MAINLINE);
        var files = mmsim.iface.procfs.KPageProc.of(c.m);
        var r = files.read(Kind.KPAGEFLAGS, 0, files.maxDumpPfn() * 8);
        assertTrue(r.ok());
        var bb = java.nio.ByteBuffer.wrap(r.data()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (long pfn = PMEM; pfn < PMEM + PMEM_PAGES; pfn += 97) assertEquals(NOPAGE, bb.getLong((int) (pfn * 8)));
        for (long pfn = MIXED; pfn < MIXED + MIXED_PAGES; pfn += 97) assertEquals(NOPAGE, bb.getLong((int) (pfn * 8)));
    }
}
