package mmsim.mm.init_mm;

import java.util.List;

import mmsim.kernel.Kernel;

/**
 * The kernel half of the virtual address space: where the linear map, vmemmap, vmalloc/ioremap,
 * the kernel image and the fixmap live, and the region markers ptdump prints.
 *
 * <p>arm64 4 KiB pages, VA_BITS = 48, no KASAN shadow (arch/arm64/include/asm/memory.h and
 * pgtable.h of v6.12, where the PCI I/O window and the fixmap sit above the vmemmap): the linear
 * map is PGD slots 0..255; the kernel image is mapped at the start of the vmalloc area
 * (KIMAGE_VADDR = MODULES_END); the vmemmap's first 1 GiB shares its PUD table with the top of
 * the vmalloc area. The fixmap size is the model's (a few PTEs), not a kconfig-derived one.
 *
 * <p>x86_64 4-level without KASLR (arch/x86/include/asm/pgtable_64_types.h, page_64_types.h):
 * direct map at 0xffff888000000000, vmalloc at 0xffffc90000000000, vmemmap at
 * 0xffffea0000000000, each a whole number of PGD slots (nothing shares a table with them).
 *
 * @param pageOffset  PAGE_OFFSET: the linear (direct) map of physical address {@code physOffset}
 * @param pageEnd     end of the linear map
 * @param vmemmapStart where the struct page of pfn {@code physOffset >> PAGE_SHIFT} lives
 * @param vmemmapEnd  end of the vmemmap region (free_empty_tables' ceiling)
 * @param vmallocStart first vmalloc/ioremap address the allocator hands out (after the kernel image)
 * @param vmallocEnd  VMALLOC_END
 * @param imageStart  the kernel image mapping (arm64 KIMAGE_VADDR, x86 __START_KERNEL_map)
 * @param fixmapStart FIXADDR_START
 * @param markers     ptdump's address_markers, in order (name, start address)
 */
public record KernelVa(Kernel.Arch arch, long physOffset, long pageOffset, long pageEnd, long vmemmapStart, long vmemmapEnd,
                       long vmallocStart, long vmallocEnd, long imageStart, long fixmapStart, List<Marker> markers) {

    /** One of ptdump's address markers ({@code ---[ name ]---}); {@code maxLines} 0 = unlimited (x86 ESPfix: 16). */
    public record Marker(long start, String name, int maxLines) { }

    // arm64 (VA_BITS 48, 4K): memory.h
    public static final long ARM64_PAGE_OFFSET = 0xffff000000000000L;
    public static final long ARM64_PAGE_END = 0xffff800000000000L;
    public static final long ARM64_MODULES_VADDR = 0xffff800000000000L;
    public static final long ARM64_MODULES_END = 0xffff800080000000L;
    public static final long ARM64_VMEMMAP_END = 0xffffffffc0000000L;      // -SZ_1G
    public static final long ARM64_VMEMMAP_START = 0xfffffdffc0000000L;    // VMEMMAP_END - (2^47 >> 6)
    public static final long ARM64_VMALLOC_END = ARM64_VMEMMAP_START - (256L << 20);
    public static final long ARM64_PCI_IO_START = ARM64_VMEMMAP_END + (8L << 20);
    public static final long ARM64_PCI_IO_END = ARM64_PCI_IO_START + (16L << 20);
    public static final long ARM64_FIXADDR_TOP = -(8L << 20);
    public static final long ARM64_FIXADDR_START = ARM64_FIXADDR_TOP - (4L << 20);

    // x86_64 4-level, no KASLR
    public static final long X86_PAGE_OFFSET = 0xffff888000000000L;
    public static final long X86_VMALLOC_START = 0xffffc90000000000L;
    public static final long X86_VMALLOC_END = 0xffffe8ffffffffffL + 1;
    public static final long X86_VMEMMAP_START = 0xffffea0000000000L;
    public static final long X86_START_KERNEL_MAP = 0xffffffff80000000L;
    public static final long X86_MODULES_VADDR = 0xffffffffa0000000L;
    public static final long X86_MODULES_END = 0xffffffffff000000L;
    public static final long X86_FIXADDR_START = 0xffffffffff578000L;

    /**
     * The layout of an arm64 machine whose DRAM starts at {@code dramStart}: memstart_addr is it
     * rounded down to ARM64_MEMSTART_ALIGN (1 GiB with 4K pages), and both the linear map and the
     * vmemmap start there. The kernel image takes {@code imageSize} at KIMAGE_VADDR.
     */
    public static KernelVa arm64(long dramStart, long imageSize) {
        long memstart = dramStart & ~((1L << 30) - 1);
        return new KernelVa(Kernel.Arch.ARM64, memstart, ARM64_PAGE_OFFSET, ARM64_PAGE_END, ARM64_VMEMMAP_START, ARM64_VMEMMAP_END,
                ARM64_MODULES_END + imageSize, ARM64_VMALLOC_END, ARM64_MODULES_END, ARM64_FIXADDR_START, List.of(
                new Marker(ARM64_PAGE_OFFSET, "Linear Mapping start", 0),
                new Marker(ARM64_PAGE_END, "Linear Mapping end", 0),
                new Marker(ARM64_MODULES_VADDR, "Modules start", 0),
                new Marker(ARM64_MODULES_END, "Modules end", 0),
                new Marker(ARM64_MODULES_END, "vmalloc() area", 0),
                new Marker(ARM64_VMALLOC_END, "vmalloc() end", 0),
                new Marker(ARM64_VMEMMAP_START, "vmemmap start", 0),
                new Marker(ARM64_VMEMMAP_END, "vmemmap end", 0),
                new Marker(ARM64_PCI_IO_START, "PCI I/O start", 0),
                new Marker(ARM64_PCI_IO_END, "PCI I/O end", 0),
                new Marker(ARM64_FIXADDR_START, "Fixmap start", 0),
                new Marker(ARM64_FIXADDR_TOP, "Fixmap end", 0),
                new Marker(-1L, null, 0)));
    }

    /** The x86_64 layout (arch/x86/mm/dump_pagetables.c's markers with LDT, ESPfix and EFI, without KASAN). */
    public static KernelVa x86_64(long imageSize) {
        return new KernelVa(Kernel.Arch.X86_64, 0, X86_PAGE_OFFSET, X86_PAGE_OFFSET + (1L << 46), X86_VMEMMAP_START,
                X86_VMEMMAP_START + (1L << 40), X86_VMALLOC_START, X86_VMALLOC_END, X86_START_KERNEL_MAP, X86_FIXADDR_START, List.of(
                new Marker(0, "User Space", 0),
                new Marker(1L << 63, "Kernel Space", 0),
                new Marker(0xffff880000000000L, "LDT remap", 0),
                new Marker(X86_PAGE_OFFSET, "Low Kernel Mapping", 0),
                new Marker(X86_VMALLOC_START, "vmalloc() Area", 0),
                new Marker(X86_VMEMMAP_START, "Vmemmap", 0),
                new Marker(0xfffffe0000000000L, "CPU entry Area", 0),
                new Marker(0xffffff0000000000L, "ESPfix Area", 16),
                new Marker(0xffffffef00000000L, "EFI Runtime Services", 0),
                new Marker(X86_START_KERNEL_MAP, "High Kernel Mapping", 0),
                new Marker(X86_MODULES_VADDR, "Modules", 0),
                new Marker(X86_MODULES_END, "End Modules", 0),
                new Marker(X86_FIXADDR_START, "Fixmap Area", 0),
                new Marker(-1L, null, 0)));
    }

    /** __phys_to_virt(): the linear-map address of a physical address. */
    public long physToVirt(long phys) { return pageOffset + (phys - physOffset); }

    /** The vmemmap address of pfn's struct page (the kernel's {@code vmemmap + pfn}). */
    public long pfnToVmemmap(long pfn) { return vmemmapStart + (pfn - (physOffset >>> 12)) * 64; }

    /** The pfn whose struct page lives at vmemmap address {@code va}. */
    public long vmemmapToPfn(long va) { return (physOffset >>> 12) + (va - vmemmapStart) / 64; }
}
