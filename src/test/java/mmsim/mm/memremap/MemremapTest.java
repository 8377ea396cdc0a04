package mmsim.mm.memremap;

import mmsim.mm.linux.DevPagemap;

import static mmsim.mm.memremap.ZoneDeviceCases.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import mmsim.kernel.Errno;
import mmsim.kernel.KernelLog;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.PageFlagsLayout;
import mmsim.mm.linux.VmemAltmap;
import mmsim.mm.linux.MigrateType;
import mmsim.mm.linux.ZoneType;
import mmsim.mm.linux.MemSection;
import mmsim.mm.memremap.ZoneDeviceCases.Variant;
import org.junit.jupiter.api.Test;

/** memremap_pages / memunmap_pages, the altmap's memmap carving, and their failures. */
class MemremapTest {

    private static List<String> warnings(ZoneDeviceCases c) {
        return c.m.kernel().log().taints().stream().map(KernelLog.Taint::report).toList();
    }

    @Test
    void altmapCarvesOneAlignedVmemmapBlockPerNewSection() {
        VmemAltmap a = new VmemAltmap(0x10000, 0x14000, 2, 1022);
        // base + reserve = 0x10002; a 512-pfn block aligns to 512: 510 pfns of alignment are skipped
        assertEquals(0x10200, Memremap.altmapAllocBlockBuf(a, 512));
        assertEquals(510, a.align);
        assertEquals(512, a.alloc);
        assertEquals(-1, Memremap.altmapAllocBlockBuf(a, 512), "1022 free pfns hold one aligned block, not two");
        assertEquals(512, a.alloc);
    }

    @Test
    void mapInitialisesStorageAndDataButNotTheReserve() {
        ZoneDeviceCases c = build(Variant.MAINLINE);
        VmemAltmap a = c.pmem.altmap;
        assertEquals(1022, a.free, "nvdimm-style free: alignment + one block for the one new section");
        assertEquals(512, a.alloc);
        assertEquals(PMEM + 1024, c.pmem.pfnFirst());
        var mm = c.m.memmap();
        for (long p = PMEM; p < PMEM + RESERVE; p++) assertTrue(mm.poisoned(p), "reserve stays poisoned");
        long storage = PMEM + RESERVE;
        assertTrue(mm.testBit(storage, PageFlag.RESERVED));
        assertEquals(ZoneType.DEVICE.ordinal(), PageFlagsLayout.zone(mm.flags(storage)));
        long data = c.pmem.pfnFirst();
        assertTrue(mm.testBit(data, PageFlag.RESERVED));
        assertEquals(ZoneType.DEVICE.ordinal(), PageFlagsLayout.zone(mm.flags(data)));
        assertEquals(0, mm.refcount(data), "FS_DAX pages start at refcount 0");
        assertEquals(MigrateType.MOVABLE, c.m.allocator().pageblockMigratetype(data));
        var zone = c.m.node(0).zone(ZoneType.DEVICE);
        assertTrue(zone.spans(PMEM) && zone.spans(MIXED + MIXED_PAGES - 1));
        assertEquals(0, zone.managedPages(), "ZONE_DEVICE pages never reach the buddy allocator");
        // the pmem section is present, has a memmap, is not online; the shared one is tainted
        MemSection pmemSection = c.m.sparse().section(c.m.sparse().pfnToSectionNr(PMEM));
        assertTrue(pmemSection.present() && pmemSection.valid() && !pmemSection.online() && !pmemSection.early());
        assertTrue(c.m.sparse().section(c.m.sparse().pfnToSectionNr(MIXED)).taintZoneDevice());
        assertEquals(PMEM_PAGES - 1024 + MIXED_PAGES - RESERVE, c.pmem.refs() + c.mixed.refs(), "one pgmap reference per data page");
        assertEquals(List.of(), warnings(c));
        assertEquals(List.of(), ModelCheck.check(c.m));
    }

    @Test
    void devdaxPagesStartAtRefcountOne() {
        ZoneDeviceCases c = new ZoneDeviceCases(Variant.MAINLINE);
        DevPagemap p = c.mr.pmemPagemap(DevPagemap.MemoryType.GENERIC, PMEM, PMEM_PAGES, RESERVE, -1, 0);
        assertEquals(0, c.mr.devmMemremapPages(p));
        assertEquals(1, c.m.memmap().refcount(p.pfnFirst()));
        assertEquals(List.of(), ModelCheck.check(c.m));
    }

    @Test
    void unmapRemovesTheSectionsAndGivesTheMemmapBack() {
        ZoneDeviceCases c = build(Variant.MAINLINE);
        c.mr.memunmapPages(c.pmem);
        long nr = c.m.sparse().pfnToSectionNr(PMEM);
        assertFalse(c.m.sparse().section(nr).present(), "the section's last subsection went away");
        assertFalse(c.m.memmap().backed(PMEM), "vmemmap freed");
        assertEquals(0, c.pmem.altmap.alloc, "vmemmap_free gave the block back to the altmap");
        assertNull(c.mr.getDevPagemap(c.pmem.pfnFirst()));
        assertFalse(c.mr.pfnZoneDeviceReserved(PMEM));
        assertFalse(c.pmem.live());
        // the early, shared section keeps its memmap; the namespace's part is poisoned again
        c.mr.memunmapPages(c.mixed);
        assertTrue(c.m.sparse().section(c.m.sparse().pfnToSectionNr(MIXED)).valid());
        assertTrue(c.m.memmap().poisoned(c.dataPfn(c.mixed)));
        MemSection shared = c.m.sparse().section(c.m.sparse().pfnToSectionNr(MIXED));
        assertEquals(0, shared.usage.subsectionMap & (1L << c.m.sparse().subsectionMapIndex(MIXED)), "subsection cleared");
        assertEquals(-1, c.mr.pfnToOnlinePage(c.dataPfn(c.mixed)));
        assertEquals(List.of(), warnings(c));
        assertEquals(List.of(), ModelCheck.check(c.m));
        // and the namespace can be bound again
        DevPagemap again = c.mr.pmemPagemap(DevPagemap.MemoryType.FS_DAX, PMEM, PMEM_PAGES, RESERVE, -1, 0);
        assertEquals(0, c.mr.devmMemremapPages(again));
        assertEquals(List.of(), ModelCheck.check(c.m));
    }

    @Test
    void conflictingMappingWarnsAndFailsWithEnomem() {
        ZoneDeviceCases c = build(Variant.MAINLINE);
        DevPagemap dup = c.mr.pmemPagemap(DevPagemap.MemoryType.FS_DAX, PMEM, PMEM_PAGES, RESERVE, -1, 0);
        assertEquals(Errno.ENOMEM.neg(), c.mr.devmMemremapPages(dup));
        assertTrue(warnings(c).stream().anyMatch(w -> w.contains("Conflicting mapping in same section")), warnings(c).toString());
        assertSame(c.pmem, c.mr.lookup(PMEM), "the first mapping stays");
    }

    @Test
    void systemRamIsRefusedWithEnxio() {
        ZoneDeviceCases c = new ZoneDeviceCases(Variant.MAINLINE);
        DevPagemap ram = c.mr.pmemPagemap(DevPagemap.MemoryType.FS_DAX, 0x8000, 0x1000, RESERVE, -1, 0);
        assertEquals(Errno.ENXIO.neg(), c.mr.devmMemremapPages(ram));
        assertTrue(warnings(c).stream().anyMatch(w -> w.contains("memremap_pages attempted on ram region")), warnings(c).toString());
        assertNull(c.mr.lookup(0x8000));
    }

    @Test
    void altmapTooSmallForTheMemmapFailsWithEnomemAndLeavesNothing() {
        ZoneDeviceCases c = new ZoneDeviceCases(Variant.MAINLINE);
        DevPagemap p = c.mr.pmemPagemap(DevPagemap.MemoryType.FS_DAX, PMEM, PMEM_PAGES, RESERVE, 100, 0);
        assertEquals(Errno.ENOMEM.neg(), c.mr.devmMemremapPages(p));
        assertNull(c.mr.lookup(PMEM));
        assertFalse(c.m.sparse().section(c.m.sparse().pfnToSectionNr(PMEM)).present());
        assertEquals(List.of(), ModelCheck.check(c.m));
    }

    @Test
    void withoutAnAltmapTheMemmapComesFromRamAndEveryPageIsData() {
        ZoneDeviceCases c = new ZoneDeviceCases(Variant.MAINLINE);
        DevPagemap p = c.mr.pmemPagemap(DevPagemap.MemoryType.FS_DAX, PMEM, PMEM_PAGES, -1, -1, 0);
        assertNull(p.altmap);
        assertEquals(0, c.mr.devmMemremapPages(p));
        assertEquals(PMEM, p.pfnFirst());
        assertFalse(c.m.memmap().poisoned(PMEM));
        assertFalse(c.mr.pfnZoneDeviceReserved(PMEM));
        assertEquals(List.of(), ModelCheck.check(c.m));
    }
    /**
     * layouts/pmem.layout puts a 512 MiB namespace at 4 GiB, above all RAM: binding it raises
     * max_pfn (x86 add_pages), so page-types reaches it, and the v5.3 reader faults on its first
     * pfn exactly as in the thread.
     */
    @Test
    void pmemLayoutNamespaceAboveRamIsReachableThroughKpageflags() throws java.io.IOException {
        var layout = mmsim.mm.linux.MachineLayout.load(java.nio.file.Path.of("layouts/pmem.layout"));
        for (Variant v : List.of(Variant.V5_3, Variant.MAINLINE)) {
            var m = mmsim.mm.Machine.boot(layout, v.config);
            var range = layout.ranges(mmsim.mm.linux.MachineLayout.Kind.DEVICE).get(0);
            Memremap mr = m.memremap();
            DevPagemap p = mr.pmemPagemap(DevPagemap.MemoryType.FS_DAX, range.startPfn(), range.nrPages(), RESERVE, -1, 0);
            assertEquals(510 + 4 * 512, p.altmap.free, "one vmemmap block per 128 MiB section, after aligning the first");
            assertEquals(0, mr.devmMemremapPages(p));
            var files = mmsim.iface.procfs.KPageProc.of(m);
            assertTrue(files.maxDumpPfn() >= range.endPfn(), "max_pfn raised over the namespace");
            if (v == Variant.MAINLINE) {
                var res = files.read(mmsim.iface.procfs.KPageFiles.Kind.KPAGEFLAGS, range.startPfn() * 8, 8);
                assertEquals(8, res.data().length);
                assertEquals(mmsim.iface.procfs.KernelPageFlags.NOPAGE_VALUE,
                        java.nio.ByteBuffer.wrap(res.data()).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
            } else {
                var e = assertThrows(mmsim.kernel.KernelFault.Oops.class,
                        () -> files.read(mmsim.iface.procfs.KPageFiles.Kind.KPAGEFLAGS, range.startPfn() * 8, 8));
                assertEquals(0xfffffffffffffffeL, e.address());
            }
            assertEquals(List.of(), ModelCheck.check(m));
        }
    }
    /**
     * Before 77e080e7680e memunmap_pages took the node from the range's first struct page, the
     * altmap reserve's: poisoned, so CONFIG_DEBUG_VM_PGFLAGS's PF_POISONED_CHECK is a BUG. Today it
     * reads pfn_first's, which memmap_init_zone_device initialised.
     */
    @Test
    void memunmapReadingTheReserveNidIsABugWithPgflagsChecks() {
        var cfg = Variant.MAINLINE.config.with(mmsim.mm.linux.KernelConfig.CONFIG_DEBUG_VM_PGFLAGS);
        var m = mmsim.mm.Machine.boot(mmsim.mm.linux.MachineLayout.parse("cases.layout", LAYOUT), cfg.with(Memremap.MEMUNMAP_NID_FROM_RANGE_START));
        Memremap mr = m.memremap();
        DevPagemap p = mr.pmemPagemap(DevPagemap.MemoryType.FS_DAX, PMEM, PMEM_PAGES, RESERVE, -1, 0);
        assertEquals(0, mr.devmMemremapPages(p));
        var bug = assertThrows(mmsim.kernel.KernelFault.Bug.class, () -> mr.memunmapPages(p));
        assertTrue(bug.report().contains("page dumped because: VM_BUG_ON_PAGE(PagePoisoned(p))"), bug.report());
        assertTrue(bug.report().contains("memunmap_pages"), bug.report());

        var fixed = mmsim.mm.Machine.boot(mmsim.mm.linux.MachineLayout.parse("cases.layout", LAYOUT), cfg);
        Memremap mr2 = fixed.memremap();
        DevPagemap p2 = mr2.pmemPagemap(DevPagemap.MemoryType.FS_DAX, PMEM, PMEM_PAGES, RESERVE, -1, 0);
        assertEquals(0, mr2.devmMemremapPages(p2));
        assertDoesNotThrow(() -> mr2.memunmapPages(p2));
        assertEquals(List.of(), ModelCheck.check(fixed));
    }
    /** 2016's devm_memremap_pages worked on whole sections: an aligned namespace maps and unmaps, a partial one is refused. */
    @Test
    void v46MapsWholeSectionsOnly() {
        var layout = mmsim.mm.linux.MachineLayout.parse("v46.layout", """
                ram    0x100000   +127M
                device 0x8000000  +128M
                ram    0x10000000 +64M
                """);
        var m = mmsim.mm.Machine.boot(layout, mmsim.mm.linux.KernelConfig.v4_6());
        Memremap mr = m.memremap();
        assertEquals(Errno.EINVAL.neg(), mr.devmMemremapPages(mr.pmemPagemap(DevPagemap.MemoryType.FS_DAX, 0x8000, 0x800, RESERVE, -1, 0)));
        DevPagemap p = mr.pmemPagemap(DevPagemap.MemoryType.FS_DAX, 0x8000, 0x8000, RESERVE, -1, 0);
        assertEquals(0, mr.devmMemremapPages(p));
        var r = mmsim.iface.procfs.KPageProc.of(m).read(mmsim.iface.procfs.KPageFiles.Kind.KPAGEFLAGS, 0x8000L * 8, 0x8000L * 8);
        assertTrue(r.ok());
        assertEquals(List.of(), ModelCheck.check(m));
        mr.memunmapPages(p);
        assertFalse(m.sparse().section(1).present());
        assertEquals(List.of(), ModelCheck.check(m));
    }
}
