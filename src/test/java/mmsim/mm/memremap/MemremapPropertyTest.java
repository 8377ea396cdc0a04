package mmsim.mm.memremap;

import mmsim.mm.linux.DevPagemap;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.PageFlagsLayout;
import mmsim.mm.memremap.ZoneDeviceCases.Variant;
import mmsim.mm.linux.ZoneType;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Any namespace (2 MiB-aligned start and size inside a 384 MiB device range that begins 64 MiB
 * into a section shared with boot RAM, any reserve, the altmap on or off) maps and unmaps with
 * the struct pages in the states of section D.1 of the reference: the reserve poisoned (or
 * initialised under the RFC), the memmap storage and the data pages initialised ZONE_DEVICE
 * PG_reserved, one vmemmap block carved per section that had no memmap, the whole-model check
 * clean; after memunmap_pages the altmap is empty, no pgmap answers, and the check is clean again.
 */
class MemremapPropertyTest {
    static final String LAYOUT = """
            arch    x86_64
            cpus    2
            ram     0x100000    +191M        # ends 64 MiB into section 1
            device  0xc000000   +384M        # section 1 at +64 MiB up to section 4 at +64 MiB
            ram     0x28000000  +64M
            """;
    static final long DEV = 0xc000000L >>> 12, DEV_PAGES = (384L << 20) >>> 12, SUB = 512;

    @Property(tries = 40)
    void mapAndUnmapLeaveTheDocumentedStates(@ForAll @IntRange(min = 0, max = 191) int startSub,
                                            @ForAll @IntRange(min = 1, max = 192) int sizeSub,
                                            @ForAll @IntRange(min = 0, max = 40) int reserve,
                                            @ForAll boolean altmap, @ForAll boolean rfc) {
        long start = DEV + startSub * SUB;
        long pages = Math.min(sizeSub * SUB, DEV + DEV_PAGES - start);
        Variant v = rfc ? Variant.INIT_RESERVED : Variant.MAINLINE;
        Machine m = Machine.boot(MachineLayout.parse("prop.layout", LAYOUT), v.config);
        Memremap mr = m.memremap();
        long per = m.sparse().pagesPerSection();
        long newSections = 0;
        for (long nr = start / per; nr <= (start + pages - 1) / per; nr++) if (!m.memmap().backed(nr * per)) newSections++;
        DevPagemap p = mr.pmemPagemap(DevPagemap.MemoryType.FS_DAX, start, pages, altmap ? reserve : -1, -1, 0);
        if (p.altmap != null && p.altmap.offset() >= pages) return;     // a namespace too small for its own memmap: nvdimm refuses it
        assertEquals(0, mr.devmMemremapPages(p), p.toString());

        var mm = m.memmap();
        if (p.altmap != null) {
            assertEquals(newSections * 512, p.altmap.alloc, p.toString());
            for (long pfn = start; pfn < start + p.altmap.reserve; pfn++) assertEquals(!rfc, mm.poisoned(pfn), "reserve " + pfn);
            if (rfc && p.altmap.reserve > 0) assertTrue(mm.testBit(start, PageFlag.RESERVED));
        }
        for (long pfn : new long[] {p.pfnFirst() - 1, p.pfnFirst(), (p.pfnFirst() + start + pages) / 2, start + pages - 1}) {
            if (pfn < start + (p.altmap == null ? 0 : p.altmap.reserve)) continue;
            assertFalse(mm.poisoned(pfn), "pfn " + Long.toHexString(pfn) + " of " + p);
            assertTrue(mm.testBit(pfn, PageFlag.RESERVED));
            assertEquals(ZoneType.DEVICE.ordinal(), PageFlagsLayout.zone(mm.flags(pfn)));
        }
        assertEquals(List.of(), ModelCheck.check(m));

        mr.memunmapPages(p);
        if (p.altmap != null) assertEquals(0, p.altmap.alloc);
        assertNull(mr.getDevPagemap(start));
        assertEquals(-1, mr.pfnToOnlinePage(start));
        assertEquals(List.of(), ModelCheck.check(m));
    }
}
