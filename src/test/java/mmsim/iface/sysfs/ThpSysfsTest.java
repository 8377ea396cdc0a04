package mmsim.iface.sysfs;

import static org.junit.jupiter.api.Assertions.*;

import mmsim.iface.VirtualFs;
import mmsim.kernel.Errno;
import mmsim.mm.Machine;
import mmsim.mm.mmap.UserMemory;
import org.junit.jupiter.api.Test;

/** /sys/kernel/mm/transparent_hugepage as user space (and the selftests' thp_settings.c) sees it. */
class ThpSysfsTest {
    static final String D = ThpSysfs.DIR;
    private final Machine m = Machine.boot();
    private final VirtualFs fs = VirtualFs.of(m);
    private static final int EINVAL = Errno.EINVAL.neg();

    @Test
    void defaultsAreTheKernels() {
        assertEquals("[always] madvise never\n", fs.readAll(D + "/enabled"));
        assertEquals("always defer defer+madvise [madvise] never\n", fs.readAll(D + "/defrag"));
        assertEquals("1\n", fs.readAll(D + "/use_zero_page"));
        assertEquals("2097152\n", fs.readAll(D + "/hpage_pmd_size"));
        assertEquals("4096\n", fs.readAll(D + "/khugepaged/pages_to_scan"));
        assertEquals("10000\n", fs.readAll(D + "/khugepaged/scan_sleep_millisecs"));
        assertEquals("60000\n", fs.readAll(D + "/khugepaged/alloc_sleep_millisecs"));
        assertEquals("511\n", fs.readAll(D + "/khugepaged/max_ptes_none"));
        assertEquals("64\n", fs.readAll(D + "/khugepaged/max_ptes_swap"));
        assertEquals("256\n", fs.readAll(D + "/khugepaged/max_ptes_shared"));
        assertEquals("1\n", fs.readAll(D + "/khugepaged/defrag"));
        assertEquals("0\n", fs.readAll(D + "/khugepaged/pages_collapsed"));
        assertEquals("0\n", fs.readAll(D + "/khugepaged/full_scans"));
    }

    @Test
    void writesChangeTheModelAndBadInputIsEinval() {
        assertEquals(8, fs.write(D + "/enabled", "madvise\n"));
        assertEquals("always [madvise] never\n", fs.readAll(D + "/enabled"));
        assertEquals(mmsim.mm.huge_memory.ThpSettings.Enabled.MADVISE, m.userMemory().hugeMemory.settings.enabled);
        assertEquals(EINVAL, fs.write(D + "/enabled", "sometimes\n"));
        assertEquals(EINVAL, fs.write(D + "/defrag", "madvise+defer\n"));
        assertEquals(6, fs.write(D + "/defrag", "defer\n"));
        assertEquals("always [defer] defer+madvise madvise never\n", fs.readAll(D + "/defrag"));
        assertEquals(EINVAL, fs.write(D + "/use_zero_page", "2\n"));
        assertEquals(2, fs.write(D + "/use_zero_page", "0\n"));
        assertFalse(m.userMemory().hugeMemory.settings.useZeroPage);
        assertEquals(EINVAL, fs.write(D + "/khugepaged/pages_to_scan", "0\n"), "zero pages to scan");
        assertEquals(EINVAL, fs.write(D + "/khugepaged/pages_to_scan", "lots\n"));
        assertEquals(4, fs.write(D + "/khugepaged/pages_to_scan", "512\n"));
        assertEquals(512, m.khugepaged().settings.pagesToScan);
        assertEquals(EINVAL, fs.write(D + "/khugepaged/max_ptes_none", "512\n"), "above HPAGE_PMD_NR - 1");
        assertEquals(4, fs.write(D + "/khugepaged/max_ptes_none", "511\n"));
        assertEquals(EINVAL, fs.write(D + "/khugepaged/max_ptes_swap", "-1\n"));
        assertEquals(2, fs.write(D + "/khugepaged/max_ptes_shared", "0\n"));
        assertEquals(0, m.khugepaged().settings.maxPtesShared);
        assertEquals(EINVAL, fs.write(D + "/khugepaged/scan_sleep_millisecs", "4294967296\n"), "beyond unsigned int");
        assertEquals(4, fs.write(D + "/khugepaged/scan_sleep_millisecs", "100\n"));
        assertEquals("100\n", fs.readAll(D + "/khugepaged/scan_sleep_millisecs"));
        assertTrue(fs.write(D + "/khugepaged/full_scans", "5\n") < 0, "read-only");
        assertTrue(fs.write(D + "/hpage_pmd_size", "4096\n") < 0, "read-only");
    }
}
