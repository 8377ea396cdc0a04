package mmsim.mm.linux;

import mmsim.kernel.Kernel;

/**
 * The architecture constants the memory model depends on (arch/x86/include/asm/sparsemem.h,
 * arch/arm64/include/asm/sparsemem.h, arch/x86/mm/init_64.c, include/linux/mmzone.h).
 * Only 4 KiB pages are modelled.
 *
 * @param pageShift        PAGE_SHIFT (12)
 * @param sectionSizeBits  SECTION_SIZE_BITS (27 = 128 MiB on x86_64 and arm64-4K)
 * @param subsectionShift  SUBSECTION_SHIFT (21 = 2 MiB)
 * @param maxPhysmemBits   MAX_PHYSMEM_BITS (46 x86_64 4-level, 48 arm64): bounds NR_MEM_SECTIONS
 * @param vmemmapBase      virtual address of pfn 0's struct page (x86_64 VMEMMAP_START)
 * @param dmaLimit         end (exclusive, bytes) of ZONE_DMA
 * @param dma32Limit       end (exclusive, bytes) of ZONE_DMA32 (equal to dmaLimit when DMA32 is empty)
 */
public record ArchProfile(String name, Kernel.Arch kernelArch, int pageShift, int sectionSizeBits, int subsectionShift,
                          int maxPhysmemBits, long vmemmapBase, long dmaLimit, long dma32Limit) {

    /** sizeof(struct page) on 64-bit. */
    public static final int STRUCT_PAGE_SIZE = 64;

    public static final ArchProfile X86_64 = new ArchProfile("x86_64", Kernel.Arch.X86_64, 12, 27, 21, 46,
            0xffffea0000000000L, 16L << 20, 4L << 30);
    /** arm64 4K pages, 48-bit VA; zone_dma_bits defaults to 32 so DMA covers the low 4 GiB and DMA32 is empty. */
    public static final ArchProfile ARM64 = new ArchProfile("arm64", Kernel.Arch.ARM64, 12, 27, 21, 48,
            0xfffffc0000000000L, 4L << 30, 4L << 30);

    public static ArchProfile byName(String name) {
        return switch (name) {
            case "x86_64" -> X86_64;
            case "arm64" -> ARM64;
            default -> null;
        };
    }

    public long pageSize() { return 1L << pageShift; }
    /** PFN_SECTION_SHIFT: log2 of PAGES_PER_SECTION. */
    public int pfnSectionShift() { return sectionSizeBits - pageShift; }
    public long pagesPerSection() { return 1L << pfnSectionShift(); }
    public long pagesPerSubsection() { return 1L << (subsectionShift - pageShift); }
    public int subsectionsPerSection() { return 1 << (sectionSizeBits - subsectionShift); }
    /** NR_MEM_SECTIONS = 1 << SECTIONS_SHIFT, SECTIONS_SHIFT = MAX_PHYSMEM_BITS - SECTION_SIZE_BITS. */
    public long nrMemSections() { return 1L << (maxPhysmemBits - sectionSizeBits); }

    /**
     * memory_block_size_bytes(): arm64 uses the section size. x86_64 (probe_memory_block_size):
     * boot memory ending below 64 GiB uses 128 MiB, otherwise the largest power of two up to 2 GiB
     * that the end of boot memory is aligned to.
     */
    public long memoryBlockSize(long bootMemEnd) {
        long section = 1L << sectionSizeBits;
        if (kernelArch != Kernel.Arch.X86_64 || bootMemEnd < (64L << 30)) return section;
        long bz = 2L << 30;
        for (; bz > section; bz >>= 1) if ((bootMemEnd & (bz - 1)) == 0) break;
        return bz;
    }
}
