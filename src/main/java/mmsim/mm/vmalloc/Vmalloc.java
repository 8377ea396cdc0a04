package mmsim.mm.vmalloc;

import java.util.Map;
import java.util.TreeMap;

import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;
import mmsim.kernel.sync.SpinLock;
import mmsim.mm.init_mm.Arm64Entries;
import mmsim.mm.init_mm.InitMm;
import mmsim.mm.init_mm.X86Entries;
import mmsim.mm.linux.Gfp;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.pgtable.PgtableArch.Level;

/**
 * mm/vmalloc.c and the kernel-table walkers of mm/memory.c: vmalloc/vfree, ioremap/iounmap
 * (ioremap_page_range with huge PMD mappings where the arch allows them), vmalloc_to_page and
 * apply_to_page_range, on init_mm's tables.
 *
 * <p>Locking, as in the kernel (the order: the mm lock tree in the {@code mmsim.mm} package-info):
 * vmap_area_lock around the address-space allocator only; a new
 * table is installed under init_mm.page_table_lock (the generic pXd_alloc helpers); leaf entries
 * are set and cleared with no lock (the caller owns its vmap area); walkers take no lock. Nothing
 * here takes mem_hotplug_lock: hot-remove runs next to all of it, and only its own rules (it frees
 * a table only when every entry is none, and not when the table's span leaves the region being
 * removed) keep it off these tables.
 *
 * <p>Huge ioremap: vmap_try_huge_pmd() replaces a PMD entry that points at a PTE table by a block,
 * freeing the table (pmd_free_pte_page) under any walker still in it. arm64 allows it only without
 * ptdump since 7ba36eccb3f8 (v5.2, Mark Rutland: "Inhibit huge-vmap with ptdump"); {@link #HUGE_VMAP}
 * is the kernel before that. x86 always allows it.
 */
public final class Vmalloc {
    /** The lock class of vmap_area_lock (lockdep's static key at the init site). */
    private static final LockClass VMAP_AREA_LOCK = LockClass.spinlock("vmap_area_lock");

    /** arm64 before 7ba36eccb3f8: huge vmap/ioremap allowed although ptdump is built in. */
    public static final String HUGE_VMAP = "huge-vmap-with-ptdump";
    public static final java.util.List<String> OPTIONS = java.util.List.of(HUGE_VMAP);

    private record Area(long addr, long size, long[] pages, boolean ioremap) { }

    private final Kernel k;
    private final BuddyAllocator buddy;
    private final InitMm mm;
    private final SpinLock vmapAreaLock;
    private final TreeMap<Long, Area> areas = new TreeMap<>();
    private final boolean hugePmd;

    public Vmalloc(Kernel k, KernelConfig config, InitMm mm, BuddyAllocator buddy) {
        this.k = k;
        this.buddy = buddy;
        this.mm = mm;
        this.vmapAreaLock = new SpinLock(k, VMAP_AREA_LOCK);
        this.hugePmd = k.arch() == Kernel.Arch.X86_64 || config.has(HUGE_VMAP);
    }

    // ---- the address space (alloc_vmap_area / free_vmap_area) -----------------------------------

    /**
     * alloc_vmap_area(): first fit of {@code size} plus a guard page at {@code align} in
     * [VMALLOC_START, VMALLOC_END); {@code top}: the highest fit instead, as pcpu_get_vm_areas()
     * places the percpu chunks at the top of the vmalloc space. -1 when full.
     */
    private long allocVmapArea(long size, long align, boolean top) {
        vmapAreaLock.lock();
        try {
            long span = size + 4096;
            long lo = mm.va.vmallocStart(), hi = mm.va.vmallocEnd();
            if (!top) {
                long a = (lo + align - 1) & -align;
                for (Area ar : areas.values()) {
                    if (Long.compareUnsigned(a + span, ar.addr) <= 0) break;
                    long after = ar.addr + ar.size + 4096;
                    if (Long.compareUnsigned(after, a) > 0) a = (after + align - 1) & -align;
                }
                return Long.compareUnsigned(a + span, hi) <= 0 ? a : -1;
            }
            long end = hi;
            for (Area ar : areas.descendingMap().values()) {
                long a = (end - span) & -align;
                if (Long.compareUnsigned(a, ar.addr + ar.size + 4096) >= 0) return a;
                end = ar.addr;
            }
            long a = (end - span) & -align;
            return Long.compareUnsigned(a, lo) >= 0 ? a : -1;
        } finally {
            vmapAreaLock.unlock();
        }
    }

    // ---- vmalloc / vfree ----------------------------------------------------------------------------

    /** vmalloc(size) (or a top-placed area): pages from the buddy allocator mapped PAGE_KERNEL; the address, or -ENOMEM. */
    public long vmalloc(long size, boolean top) {
        try (var f = k.enter("__vmalloc_node_range")) {
            long nr = (size + 4095) >>> 12;
            if (nr <= 0 || nr > (1 << 16)) return Errno.EINVAL.neg();
            long addr = allocVmapArea(nr << 12, 4096, top);
            if (addr == -1) return Errno.ENOMEM.neg();
            long[] pages = new long[(int) nr];
            for (int i = 0; i < nr; i++) {
                pages[i] = buddy.allocPages(Gfp.GFP_KERNEL, 0);
                if (pages[i] < 0) {
                    for (int j = 0; j < i; j++) buddy.freePage(pages[j]);
                    return Errno.ENOMEM.neg();
                }
            }
            Area a = new Area(addr, nr << 12, pages, false);
            registerArea(a);
            long prot = k.arch() == Kernel.Arch.ARM64 ? Arm64Entries.PAGE_KERNEL : X86Entries.PAGE_KERNEL;
            try (var g = k.enter("vmap_pages_range")) {
                if (!mapPtes(addr, (int) nr, i -> pages[i], prot)) return Errno.ENOMEM.neg();
            }
            return addr;
        }
    }

    private void registerArea(Area a) {
        vmapAreaLock.lock();
        areas.put(a.addr, a);
        vmapAreaLock.unlock();
    }

    /** vfree(addr) / iounmap(addr): clears the area's entries (tables stay), frees its pages and its address range. */
    public int vfree(long addr, boolean ioremap) {
        try (var f = k.enter(ioremap ? "iounmap" : "vfree")) {
            vmapAreaLock.lock();
            Area a = areas.get(addr);
            vmapAreaLock.unlock();
            if (a == null || a.ioremap != ioremap) {
                k.warn("mm/vmalloc.c", 2650, String.format("Trying to v%s() nonexist vm area (%016x)", ioremap ? "unmap" : "free", addr));
                return Errno.EINVAL.neg();
            }
            try (var g = k.enter("vunmap_range_noflush")) {
                for (long va = a.addr; va < a.addr + a.size; ) {
                    long next = Math.min(a.addr + a.size, InitMm.addrEnd(va, a.addr + a.size, Level.PMD));
                    long pmdTable = mm.walkTo(va, Level.PMD, "vunmap_pmd_range");
                    if (pmdTable >= 0) {
                        int pi = Level.PMD.index(va);
                        long pmd = mm.read(pmdTable, pi, "vunmap_pmd_range:READ_ONCE(*pmd)");
                        if (mm.mmu().isBlock(pmd, Level.PMD)) {
                            mm.write(pmdTable, pi, 0, "vunmap_pmd_range:pmd_clear_huge");
                        } else if (mm.isTable(pmd, Level.PMD)) {
                            // vunmap_pte_range: the run of PTEs of this table, cleared in one step
                            mm.writeRun(mm.tablePfn(pmd), Level.PTE.index(va), new long[(int) ((next - va) >>> 12)], "vunmap_pte_range:ptep_get_and_clear");
                        }
                    }
                    va = next;
                }
            }
            try (var g = k.enter("flush_tlb_kernel_range")) { /* before the pages and the range are reused */ }
            if (a.pages != null) for (long p : a.pages) buddy.freePage(p);
            vmapAreaLock.lock();
            areas.remove(addr);
            vmapAreaLock.unlock();
            return 0;
        }
    }

    /**
     * vmap_range_noflush down to the PTEs: for each PTE table the range touches, walk to it
     * (pXd_alloc installs missing tables under init_mm.page_table_lock), then set its run of PTEs
     * (no lock: the area is the caller's).
     */
    private boolean mapPtes(long addr, int nr, java.util.function.IntToLongFunction pfnOf, long prot) {
        for (int i = 0; i < nr; ) {
            long va = addr + ((long) i << 12);
            long t = mm.pgd;
            for (Level l = Level.PGD; l != Level.PTE; l = l.next()) {
                t = mm.lowerTable(t, l.index(va), l, true, false, "vmap_" + l.next().name().toLowerCase() + "_range");
                if (t < 0) return false;
            }
            int first = Level.PTE.index(va);
            int run = Math.min(nr - i, mmsim.mm.pgtable.PgtableArch.PTRS_PER_TABLE - first);
            long[] vals = new long[run];
            for (int j = 0; j < run; j++) vals[j] = mm.mmu().mkLeaf(pfnOf.applyAsLong(i + j), prot, Level.PTE);
            mm.writeRun(t, first, vals, "vmap_pte_range:set_pte_at");
            i += run;
        }
        return true;
    }

    // ---- ioremap ---------------------------------------------------------------------------------------

    /**
     * ioremap(phys, size): a VM_IOREMAP area (aligned to its size up to 2 MiB) mapped with
     * device memory attributes by ioremap_page_range(); 2 MiB-aligned chunks become PMD blocks
     * when the arch allows huge vmap (vmap_try_huge_pmd, which first frees a PTE table left under
     * the PMD by an earlier mapping: pmd_free_pte_page). The address, or -errno.
     */
    public long ioremap(long phys, long size) {
        try (var f = k.enter("ioremap_prot")) {
            if (size <= 0 || (phys & 4095) != 0 || (size & 4095) != 0) return Errno.EINVAL.neg();
            long align = Math.min(Long.highestOneBit(size) << (Long.bitCount(size) > 1 ? 1 : 0), 1L << 21);
            long addr = allocVmapArea(size, align, false);
            if (addr == -1) return Errno.ENOMEM.neg();
            registerArea(new Area(addr, size, null, true));
            long prot = k.arch() == Kernel.Arch.ARM64 ? Arm64Entries.PROT_DEVICE_nGnRE : X86Entries.PAGE_KERNEL_IO_UC_MINUS;
            try (var g = k.enter("ioremap_page_range")) {
                for (long va = addr, p = phys; va < addr + size; ) {
                    long pmdEnd = Math.min(addr + size, (va + (1L << 21)) & -(1L << 21));
                    if (hugePmd && (va & ((1L << 21) - 1)) == 0 && (p & ((1L << 21) - 1)) == 0 && pmdEnd - va == 1L << 21) {
                        if (!tryHugePmd(va, p, prot)) return Errno.ENOMEM.neg();
                    } else {
                        final long base = p >>> 12;
                        if (!mapPtes(va, (int) ((pmdEnd - va) >>> 12), i -> base + i, prot)) return Errno.ENOMEM.neg();
                    }
                    p += pmdEnd - va;
                    va = pmdEnd;
                }
            }
            return addr;
        }
    }

    /** vmap_try_huge_pmd(): pmd_free_pte_page() of a leftover PTE table, then pmd_set_huge(). */
    private boolean tryHugePmd(long va, long phys, long prot) {
        try (var f = k.enter("vmap_try_huge_pmd")) {
            long t = mm.pgd;
            for (Level l = Level.PGD; l != Level.PMD; l = l.next()) {
                t = mm.lowerTable(t, l.index(va), l, true, false, "vmap_" + l.next().name().toLowerCase() + "_range_alloc");
                if (t < 0) return false;
            }
            int idx = Level.PMD.index(va);
            long pmd = mm.read(t, idx, "pmd_free_pte_page:READ_ONCE(*pmdp)");
            if (mm.isTable(pmd, Level.PMD)) {
                try (var g = k.enter("pmd_free_pte_page")) {
                    mm.write(t, idx, 0, "pmd_free_pte_page:pmd_clear");
                    try (var h = k.enter("__flush_tlb_kernel_pgtable")) { /* walk caches */ }
                    try (var h = k.enter("pte_free_kernel")) { mm.freeTable(mm.tablePfn(pmd)); }
                }
            }
            mm.write(t, idx, mm.mmu().mkLeaf(phys >>> 12, prot, Level.PMD), "pmd_set_huge");
            return true;
        }
    }

    // ---- walkers ---------------------------------------------------------------------------------------

    /** vmalloc_to_page(addr): the pfn mapped at addr (a block's page included), or -1 (NULL). No lock. */
    public long vmallocToPage(long addr) {
        try (var f = k.enter("vmalloc_to_page")) {
            long t = mm.pgd;
            for (Level l = Level.PGD; ; l = l.next()) {
                String n = l.name().toLowerCase();
                long e = mm.read(t, l.index(addr), "vmalloc_to_page:READ_ONCE(*" + n + ")");
                if (e == 0) return -1;
                if (l == Level.PTE || mm.mmu().isBlock(e, l)) {
                    long base = mm.arch.ptePfn(e);
                    return l == Level.PTE ? base : base + ((addr & ((1L << l.shift) - 1)) >>> 12);
                }
                t = mm.tablePfn(e);
            }
        }
    }

    /**
     * apply_to_page_range(&init_mm, addr, size, fn): walks (allocating missing tables under
     * init_mm.page_table_lock) to every PTE of the range and applies {@code readOnly ? set_memory_ro
     * : set_memory_rw}'s change to present ones. -EINVAL when the range crosses a block mapping
     * (apply_to_pmd_range's WARN_ON_ONCE(pmd_leaf)).
     */
    public int applyToPageRange(long addr, long size, boolean readOnly) {
        try (var f = k.enter("apply_to_page_range")) {
            for (long va = addr; va < addr + size; va += 4096) {
                long t = mm.pgd;
                for (Level l = Level.PGD; l != Level.PTE; l = l.next()) {
                    long e = mm.read(t, l.index(va), "apply_to_" + l.next().name().toLowerCase() + "_range:READ_ONCE(*" + l.name().toLowerCase() + ")");
                    if (mm.mmu().isBlock(e, l)) {
                        k.warn("mm/memory.c", 2750, "apply_to_" + l.next().name().toLowerCase() + "_range: leaf entry");
                        return Errno.EINVAL.neg();
                    }
                    t = mm.lowerTable(t, l.index(va), l, true, false, "apply_to_" + l.next().name().toLowerCase() + "_range");
                    if (t < 0) return Errno.ENOMEM.neg();
                }
                int idx = Level.PTE.index(va);
                long pte = mm.read(t, idx, "change_page_range:ptep_get");
                if (pte == 0) continue;
                mm.write(t, idx, changeProt(pte, readOnly), "change_page_range:set_pte");
            }
            try (var g = k.enter("flush_tlb_kernel_range")) { }
            return 0;
        }
    }

    private long changeProt(long pte, boolean ro) {
        if (k.arch() == Kernel.Arch.ARM64) {
            long w = mmsim.mm.pgtable.Arm64Pgtable.PTE_WRITE, r = mmsim.mm.pgtable.Arm64Pgtable.PTE_RDONLY;
            return ro ? (pte & ~w) | r : (pte & ~r) | w;
        }
        return ro ? pte & ~mmsim.mm.pgtable.X86Pgtable._PAGE_RW : pte | mmsim.mm.pgtable.X86Pgtable._PAGE_RW;
    }

    /** Live areas (address -> size), for tests and checks. */
    public Map<Long, Long> areas() {
        TreeMap<Long, Long> out = new TreeMap<>(Long::compareUnsigned);
        for (Area a : areas.values()) out.put(a.addr, a.size);
        return out;
    }
}
