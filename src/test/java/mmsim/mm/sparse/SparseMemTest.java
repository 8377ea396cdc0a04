package mmsim.mm.sparse;

import mmsim.mm.linux.MemSection;

import mmsim.kernel.KernelFault;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.memory_hotplug.MemoryHotplug;
import mmsim.mm.linux.DumpPage;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SparseMemTest {
    static final long HOTPLUG_PFN = 0x20000000L >>> 12;

    @Test
    void bootSectionsArePresentWithMemmapOnlineEarly() {
        Machine m = Machine.boot();
        MemSection ms = m.sparse().section(0);
        assertEquals("PRESENT|HAS_MEM_MAP|ONLINE|EARLY", ms.flagNames());
        assertTrue(m.sparse().pfnValid(0), "holes in an early section have struct pages");
        assertEquals(5, m.sparse().pfnToOnlinePage(5));
    }

    @Test
    void hotAddedSectionIsValidButNotOnlineOnMainline() {
        Machine m = Machine.boot();
        assertEquals("PRESENT|HAS_MEM_MAP", m.sparse().section(4).flagNames());
        assertTrue(m.sparse().pfnValid(HOTPLUG_PFN));
        assertEquals(-1, m.sparse().pfnToOnlinePage(HOTPLUG_PFN));
        assertTrue(DumpPage.dumpPage(m.memmap(), HOTPLUG_PFN, "x").startsWith("page:ffffea0000800000 is uninitialized and poisoned\n"));
    }

    @Test
    void v46HasNoOnlineBit() {
        Machine m = Machine.boot(MachineLayout.small(), KernelConfig.v4_6());
        assertEquals("PRESENT|HAS_MEM_MAP", m.sparse().section(0).flagNames());
        assertTrue(m.sparse().pfnValid(HOTPLUG_PFN));
    }

    @Test
    void subsectionMapDecidesPfnValidInAPartialSection() {
        Machine m = Machine.boot();
        long base = 0x30000000L >>> 12; // section 6, empty
        assertFalse(m.sparse().pfnValid(base));
        MemoryHotplug hp = m.memoryHotplug();
        hp.memHotplugBegin();   // sparse asserts mem_hotplug_lock, as memory_hotplug holds it
        assertEquals(0, m.sparse().sparseAddSection(0, base, 512));
        assertTrue(m.sparse().pfnValid(base + 511));
        assertFalse(m.sparse().pfnValid(base + 512), "next subsection not added");
        assertEquals(-17, m.sparse().sparseAddSection(0, base, 512), "EEXIST on overlap");
        m.sparse().sparseRemoveSection(base, 512);
        hp.memHotplugDone();
        assertFalse(m.sparse().pfnValid(base));
        KernelFault.Oops oops = assertThrows(KernelFault.Oops.class, () -> m.memmap().flags(base));
        assertEquals(m.memmap().pageAddress(base), oops.address(), "vmemmap of a removed section is unmapped");
    }
}
