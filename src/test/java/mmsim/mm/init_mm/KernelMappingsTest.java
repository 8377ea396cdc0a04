package mmsim.mm.init_mm;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;

import mmsim.iface.VirtualFs;
import mmsim.iface.debugfs.PtdumpFiles;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.pgtable.PgtableArch.Level;
import mmsim.mm.vmalloc.Vmalloc;

/** vmalloc, ioremap (huge or not), vmalloc_to_page and apply_to_page_range on init_mm's tables, as the dumps show them. */
class KernelMappingsTest {
    static Machine arm64(KernelConfig c) { return Machine.boot(MachineLayout.parse("arm64", Arm64KernelPgtablesTest.LAYOUT), c); }

    static String dump(Machine m) {
        String path = m.kernel().arch() == mmsim.kernel.Kernel.Arch.ARM64 ? PtdumpFiles.ARM64_PATH : PtdumpFiles.X86_PATH;
        return VirtualFs.of(m).readAll(path);
    }

    @Test
    void vmallocMapsFreshPagesThatVmallocToPageFindsAndVfreeUnmaps() {
        Machine m = arm64(KernelConfig.mainline());
        Vmalloc v = m.vmalloc();
        long tables = m.initMm().liveTables();
        long a = v.vmalloc(3 * 4096, false);
        assertEquals(KernelVa.ARM64_MODULES_END + InitMm.IMAGE_SIZE, a, "first fit after the kernel image");
        long p0 = v.vmallocToPage(a), p2 = v.vmallocToPage(a + 2 * 4096);
        assertTrue(p0 > 0 && p2 > 0 && p0 != p2);
        assertEquals(-1, v.vmallocToPage(a + 3 * 4096), "the guard page is not mapped");
        assertTrue(dump(m).contains(String.format("0x%016x-0x%016x          12K PTE       RW NX SHD AF            UXN    MEM/NORMAL%n", a, a + 3 * 4096)), dump(m));
        assertEquals(tables + 1, m.initMm().liveTables(), "one PTE table under the image's PMD table");
        assertEquals(List.of(), ModelCheck.check(m));
        assertEquals(0, v.vfree(a, false));
        assertEquals(-1, v.vmallocToPage(a));
        assertEquals(tables + 1, m.initMm().liveTables(), "vfree leaves the tables");
        assertEquals(-22, v.vfree(a, false), "a second vfree finds no area");
        assertEquals(List.of(), ModelCheck.check(m));
    }

    @Test
    void topPlacedVmallocSharesThePudTableWithTheVmemmap() {
        Machine m = arm64(KernelConfig.mainline());
        InitMm mm = m.initMm();
        long a = m.vmalloc().vmalloc(4096, true);
        assertTrue(Long.compareUnsigned(a, KernelVa.ARM64_VMALLOC_END) < 0 && Long.compareUnsigned(a, KernelVa.ARM64_VMALLOC_END - (1L << 21)) >= 0);
        assertEquals(Level.PGD.index(KernelVa.ARM64_VMEMMAP_START), Level.PGD.index(a));
        assertEquals(mm.walkTo(KernelVa.ARM64_VMEMMAP_START, Level.PUD, "t"), mm.walkTo(a, Level.PUD, "t"), "one PUD table for both");
    }

    @Test
    void ioremapUsesDeviceAttributesAndNoBlocksWhilePtdumpIsBuiltIn() {
        Machine m = arm64(KernelConfig.mainline());
        Vmalloc v = m.vmalloc();
        long a = v.ioremap(0x10000000L, 2L << 20);
        assertEquals(0, a & ((1L << 21) - 1), "a 2 MiB area is 2 MiB aligned");
        assertTrue(dump(m).contains(String.format("0x%016x-0x%016x           2M PTE       RW NX SHD AF            UXN    DEVICE/nGnRE%n", a, a + (2L << 20))), dump(m));
        assertEquals(0x10000L + 5, v.vmallocToPage(a + 5 * 4096));
        assertEquals(0, v.vfree(a, true));
        assertEquals(-22, v.vfree(a, false), "vfree of an ioremap area is refused");
    }

    @Test
    void hugeIoremapFreesTheLeftoverPteTable() {
        Machine m = arm64(KernelConfig.mainline().with(Vmalloc.HUGE_VMAP));
        Vmalloc v = m.vmalloc();
        InitMm mm = m.initMm();
        long small = v.ioremap(0x10000000L, 4096);
        assertEquals(0, v.vfree(small, true));
        long tables = mm.liveTables();
        long huge = v.ioremap(0x10000000L, 2L << 20);
        assertEquals(small, huge, "first fit puts the 2 MiB area where the 4K one was");
        assertEquals(tables - 1, mm.liveTables(), "pmd_free_pte_page freed the PTE table");
        assertTrue(dump(m).contains(String.format("0x%016x-0x%016x           2M PMD       RW NX SHD AF        BLK UXN    DEVICE/nGnRE%n", huge, huge + (2L << 20))), dump(m));
        assertEquals(0x10000L + 7, v.vmallocToPage(huge + 7 * 4096), "a block's page");
        assertEquals(List.of(), ModelCheck.check(m));
    }

    @Test
    void applyToPageRangeChangesPtesAndRefusesBlocks() {
        Machine m = arm64(KernelConfig.mainline());
        Vmalloc v = m.vmalloc();
        long a = v.vmalloc(2 * 4096, false);
        assertEquals(0, v.applyToPageRange(a, 4096, true));
        String d = dump(m);
        assertTrue(d.contains(String.format("0x%016x-0x%016x           4K PTE       ro NX SHD AF            UXN    MEM/NORMAL%n", a, a + 4096)), d);
        assertTrue(d.contains(String.format("0x%016x-0x%016x           4K PTE       RW NX SHD AF            UXN    MEM/NORMAL%n", a + 4096, a + 8192)), d);
        assertEquals(-22, v.applyToPageRange(KernelVa.ARM64_PAGE_OFFSET, 4096, true), "the linear map is a block here");
        assertTrue(m.kernel().log().text().contains("apply_to_pmd_range: leaf entry") || m.kernel().log().text().contains("apply_to_pud_range: leaf entry"));
    }

    @Test
    void x86DumpHasItsMarkersEffectiveProtectionAndLevelNames() {
        Machine m = Machine.boot(MachineLayout.parse("x86", X86KernelPgtablesTest.LAYOUT), KernelConfig.mainline().with(InitMm.MODEL));
        String d = dump(m);
        assertTrue(d.startsWith("---[ User Space ]---\n"), d);
        assertTrue(d.contains("---[ Low Kernel Mapping ]---\n"), d);
        assertTrue(d.contains("0xffff888000200000-0xffff888010000000         254M     RW         PSE     GLB NX pmd\n"), d);
        assertTrue(d.contains("---[ High Kernel Mapping ]---\n"), d);
        assertTrue(d.contains("0xffffffff80000000-0xffffffff81000000          16M     ro         PSE     GLB x  pmd\n"), d);
        assertTrue(d.contains("---[ Vmemmap ]---\n"), d);
        assertEquals("SUCCESS\n", VirtualFs.of(m).readAll(PtdumpFiles.CHECK_WX_PATH));
        assertTrue(m.kernel().log().text().contains("x86/mm: Checked W+X mappings: passed, no W+X pages found."));
    }
}
