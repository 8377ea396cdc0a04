package mmsim.mm.arm64_mmu;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

import mmsim.mm.init_mm.KernelVa;

/** pgtable_range_aligned(): which tables free_empty_tables may consider, at the arm64 region edges. */
class FreeEmptyTablesTest {
    static final long PMD_MASK = ~((1L << 21) - 1), PUD_MASK = ~((1L << 30) - 1), PGDIR_MASK = ~((1L << 39) - 1);

    @Test
    void aTableInsideTheLinearMapMayBeFreed() {
        long s = KernelVa.ARM64_PAGE_OFFSET + (3L << 30);
        assertTrue(Arm64Unmap.pgtableRangeAligned(s, s + (128L << 20), KernelVa.ARM64_PAGE_OFFSET, KernelVa.ARM64_PAGE_END, PUD_MASK));
        assertTrue(Arm64Unmap.pgtableRangeAligned(s, s + (128L << 20), KernelVa.ARM64_PAGE_OFFSET, KernelVa.ARM64_PAGE_END, PGDIR_MASK));
    }

    @Test
    void theVmemmapPudTableSharedWithVmallocIsNeverACandidate() {
        long s = KernelVa.ARM64_VMEMMAP_START + (48L << 20);
        // the PMD table of the first vmemmap GiB lies inside [VMEMMAP_START, VMEMMAP_END)
        assertTrue(Arm64Unmap.pgtableRangeAligned(s, s + (2L << 20), KernelVa.ARM64_VMEMMAP_START, KernelVa.ARM64_VMEMMAP_END, PUD_MASK));
        // its PUD table starts 511 GiB below VMEMMAP_START, where vmalloc lives: the floor refuses it
        assertFalse(Arm64Unmap.pgtableRangeAligned(s, s + (2L << 20), KernelVa.ARM64_VMEMMAP_START, KernelVa.ARM64_VMEMMAP_END, PGDIR_MASK));
    }

    @Test
    void theLastVmemmapTablesSharedWithThePciWindowAreRefusedByTheCeiling() {
        long end = KernelVa.ARM64_VMEMMAP_END, s = end - (2L << 20);
        assertTrue(Arm64Unmap.pgtableRangeAligned(s, end, KernelVa.ARM64_VMEMMAP_START, end, PUD_MASK));
        assertFalse(Arm64Unmap.pgtableRangeAligned(s, end, KernelVa.ARM64_VMEMMAP_START, end, PGDIR_MASK),
                "PGD slot 511 also holds the PCI I/O window and the fixmap");
        assertTrue(Arm64Unmap.pgtableRangeAligned(s, end, KernelVa.ARM64_VMEMMAP_START, end, PMD_MASK));
    }
}
