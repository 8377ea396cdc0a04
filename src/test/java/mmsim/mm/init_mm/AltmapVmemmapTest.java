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
import mmsim.mm.linux.DevPagemap;
import mmsim.mm.memremap.Memremap;
import mmsim.mm.pgtable.PgtableArch.Level;

/**
 * A pmem namespace mapped with an altmap (devm_memremap_pages): its vmemmap blocks are carved
 * from the namespace itself, so mapping and unmapping it takes no page from the buddy allocator
 * beyond page tables, and memunmap_pages gives nothing of the altmap to it.
 */
class AltmapVmemmapTest {
    static final String LAYOUT = """
            arch x86_64
            cpus 2
            ram      0x1000       +0x9e000
            ram      0x100000     +255M
            reserve  0x100000     +15M
            device   0x100000000  +256M
            """;

    @Test
    void theNamespacesVmemmapIsMappedFromTheAltmapAndUnmappedWithoutFreeingIt() {
        Machine m = Machine.boot(MachineLayout.parse("pmem", LAYOUT), KernelConfig.mainline().with(InitMm.MODEL));
        InitMm mm = m.initMm();
        Memremap mr = m.memremap();
        long tables = mm.liveTables();
        String before = VirtualFs.of(m).readAll(PtdumpFiles.X86_PATH);
        DevPagemap p = mr.pmemPagemap(DevPagemap.MemoryType.FS_DAX, 0x100000, 0x10000, 2, -1, 0);
        assertEquals(0, mr.devmMemremapPages(p));
        long va = mm.va.pfnToVmemmap(0x100000);
        long pmd = mm.walkTo(va, Level.PMD, "test");
        long e = mm.peek(pmd, Level.PMD.index(va));
        assertTrue(mm.mmu().isBlock(e, Level.PMD));
        assertEquals(0x100000 + 2, mm.arch.ptePfn(e), "the first vmemmap block is the namespace's own, after the reserve");
        assertEquals(List.of(), ModelCheck.check(m));
        mr.memunmapPages(p);
        assertEquals(before, VirtualFs.of(m).readAll(PtdumpFiles.X86_PATH));
        assertEquals(tables, mm.liveTables());
        assertEquals(List.of(), ModelCheck.check(m));
    }
}
