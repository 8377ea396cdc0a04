package mmsim.mm.arm64_mmu;

import java.util.function.IntSupplier;

import java.util.List;

import mmsim.kernel.Kernel;
import mmsim.mm.init_mm.Arm64Entries;
import mmsim.mm.init_mm.ArchMmu;
import mmsim.mm.init_mm.InitMm;
import mmsim.mm.init_mm.KernelMap;
import mmsim.mm.init_mm.KernelVa;
import mmsim.mm.init_mm.SparseVmemmap;
import mmsim.mm.memory_hotplug.ArchMemory;
import mmsim.mm.memory_hotplug.MemoryHotplug;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.linux.VmemAltmap;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.pgtable.PgtableArch.Level;
import mmsim.mm.sparse.SparseMem;

/**
 * arch/arm64/mm/mmu.c: the kernel's linear map and vmemmap on arm64 4K/48-bit, built at boot
 * (paging_init: map_mem, the kernel image, the fixmap tables; vmemmap_populate of the boot
 * sections), extended by hot-add (arch_add_memory: __create_pgd_mapping, then __add_pages whose
 * sparse_add_section populates the vmemmap with PMD blocks) and torn down by hot-remove (v5.7,
 * bbd6ec605c0f): vmemmap_free and __remove_pgd_mapping, each an unmap_hotplug_range pass that
 * clears leaves (freeing the vmemmap's backing blocks) followed by a free_empty_tables pass that
 * frees every table left with no entry, except those whose span sticks out of the region being
 * torn down ([PAGE_OFFSET, PAGE_END) or [VMEMMAP_START, VMEMMAP_END)): the floor/ceiling check
 * borrowed from free_pgd_range, so that tables shared with vmalloc, the PCI I/O window or the
 * fixmap are never freed.
 *
 * <p>The model's kernel runs with rodata=on but not rodata=full, no debug_pagealloc, no KFENCE:
 * can_set_direct_map() is false, so the linear map (boot and hot-added) uses PUD and PMD blocks
 * and contiguous ranges wherever alignment allows.
 *
 * <p>Locking (the order: the mm lock tree in the {@code mmsim.mm} package-info): mem_hotplug_lock
 * (write) is held by every caller of the hotplug paths here (asserted on entry); no page_table_lock in v5.7 and
 * mainline. The variants of the seed-004 thread add it: {@link #PTL_AROUND_CLEAR} (V2: around each
 * clear) and {@link #PTL_WHOLE_REMOVAL} (Anshuman's proposal: around the whole removal).
 */
public final class Arm64Mmu implements ArchMmu, ArchMemory, SparseMem.SectionListener {
    /** Thread V2 (Apr 2019): init_mm.page_table_lock taken around each entry the removal clears. */
    public static final String PTL_AROUND_CLEAR = "hot-remove-ptl-around-clear";
    /** Anshuman's proposal: init_mm.page_table_lock held across the whole removal. */
    public static final String PTL_WHOLE_REMOVAL = "hot-remove-ptl-whole";
    /** Counterfactual: free_empty_tables frees any all-none table, with no floor/ceiling check. */
    public static final String NO_FLOOR_CEILING = "hot-remove-no-floor-ceiling";
    public static final List<String> OPTIONS = List.of(PTL_AROUND_CLEAR, PTL_WHOLE_REMOVAL, NO_FLOOR_CEILING);


    private final Kernel k;
    private final MachineLayout layout;
    private final SparseMem sparse;
    private final MemoryHotplug hotplug;
    private final InitMm mm;
    private final KernelVa va;
    private final boolean ptlClear, ptlWhole, floorCeiling;
    /** The altmap of the arch_add_memory in progress (vmemmap_populate's altmap argument). */
    private VmemAltmap addingAltmap;
    private final SparseVmemmap vmemmap;

    /** Created by start_kernel above memory_hotplug, whose arch_add/remove_memory it provides. */
    public Arm64Mmu(Kernel k, KernelConfig config, MachineLayout layout, SparseMem sparse, BuddyAllocator buddy,
                    MemoryHotplug hotplug, InitMm mm) {
        this.k = k;
        this.layout = layout;
        this.sparse = sparse;
        this.hotplug = hotplug;
        this.mm = mm;
        this.va = mm.va;
        this.ptlClear = config.has(PTL_AROUND_CLEAR);
        this.ptlWhole = config.has(PTL_WHOLE_REMOVAL);
        this.floorCeiling = !config.has(NO_FLOOR_CEILING);
        this.vmemmap = new SparseVmemmap(k, sparse, buddy, mm, Arm64Entries.PAGE_KERNEL);
    }

    /**
     * paging_init() and the boot vmemmap, then hooks the hotplug paths. Called once the boot
     * sections exist and before any memory is hot-added.
     */
    @Override
    public void pagingInit() {
        Arm64Mmu a = this;
        // map_mem(): every memblock memory range, blocks and contiguous ranges allowed
        for (MachineLayout.Range r : layout.ranges(MachineLayout.Kind.RAM))
            a.createPgdMapping(r.start(), a.va.physToVirt(r.start()), r.end() - r.start(), Arm64Entries.PAGE_KERNEL, true);
        // map_kernel(): text ROX, rodata RO, data RW at KIMAGE_VADDR (physically at the first reserved range)
        var res = layout.ranges(MachineLayout.Kind.RESERVE);
        long img = res.isEmpty() ? a.va.physOffset() : res.get(0).start();
        long seg = InitMm.IMAGE_SIZE / 4;
        a.createPgdMapping(img, a.va.imageStart(), 2 * seg, Arm64Entries.PAGE_KERNEL_ROX, true);
        a.createPgdMapping(img + 2 * seg, a.va.imageStart() + 2 * seg, seg, Arm64Entries.PAGE_KERNEL_RO, true);
        a.createPgdMapping(img + 3 * seg, a.va.imageStart() + 3 * seg, seg, Arm64Entries.PAGE_KERNEL, true);
        // early_fixmap_init(): bm_pud/bm_pmd/bm_pte exist from boot, their PTEs filled on demand
        long t = mm.pgd;
        for (Level l = Level.PGD; l != Level.PTE; l = l.next()) t = mm.bootLowerTable(t, l.index(KernelVa.ARM64_FIXADDR_START), l);
        // sparse_init -> vmemmap_populate() for each boot section (memblock memory backs the blocks)
        for (long nr = 0; nr < sparse.nrSections(); nr++)
            if (sparse.section(nr).valid()) a.vmemmap.populate(sparse.sectionNrToPfn(nr), true, null);
        sparse.addSectionListener(a);
        hotplug.setArchMemory(a);
    }

    // =========================================================================================
    // creating mappings (__create_pgd_mapping -> alloc_init_pud -> alloc_init_cont_pmd -> ...)
    // =========================================================================================

    /** __create_pgd_mapping(swapper_pg_dir, phys, virt, size, prot, pgtable_alloc, flags): no lock taken. */
    void createPgdMapping(long phys, long virt, long size, long prot, boolean early) {
        try (var f = k.enter("__create_pgd_mapping")) {
            new KernelMap(mm, KernelMap.Style.ARM64).map(phys, virt, size, prot, early);
        }
    }

    // =========================================================================================
    // vmemmap (vmemmap_populate with PMD blocks; vmemmap_free)
    // =========================================================================================

    @Override
    public void sectionAdded(long nr, int nid) { vmemmap.populate(sparse.sectionNrToPfn(nr), false, addingAltmap); }

    @Override
    public void sectionRemoving(long nr) {
        long[] r = vmemmap.sectionRange(nr);
        try (var f = k.enter("vmemmap_free")) {
            removePagetable(r[0], r[1], true, va.vmemmapStart(), va.vmemmapEnd());
        }
    }

    // =========================================================================================
    // hotplug (arch_add_memory / arch_remove_memory)
    // =========================================================================================

    @Override
    public int archAddMemory(int nid, long startPfn, long nrPages, VmemAltmap altmap, IntSupplier addPages) {
        hotplug.assertMemHotplugHeldWrite();
        long start = startPfn << 12, size = nrPages << 12;
        createPgdMapping(start, va.physToVirt(start), size, Arm64Entries.PAGE_KERNEL, false);
        addingAltmap = altmap;
        int ret;
        try {
            ret = addPages.getAsInt();
        } finally {
            addingAltmap = null;
        }
        if (ret != 0) removePgdMapping(start, size);
        return ret;
    }

    @Override
    public void archRemoveMemory(long startPfn, long nrPages, VmemAltmap altmap, Runnable removePages) {
        hotplug.assertMemHotplugHeldWrite();
        removePages.run();      // vmemmap_free of each emptied section: an altmap's blocks are its owner's to account
        removePgdMapping(startPfn << 12, nrPages << 12);
    }

    /** __remove_pgd_mapping(swapper_pg_dir, __phys_to_virt(start), size). */
    private void removePgdMapping(long start, long size) {
        try (var f = k.enter("__remove_pgd_mapping")) {
            long v = va.physToVirt(start);
            removePagetable(v, v + size, false, va.pageOffset(), va.pageEnd());
        }
    }

    /** unmap_hotplug_range() then free_empty_tables(), with the variant's page_table_lock. */
    private void removePagetable(long start, long end, boolean freeMapped, long floor, long ceiling) {
        if (ptlWhole) mm.pageTableLock.lock();
        try {
            Arm64Unmap u = new Arm64Unmap(k, mm, this, ptlClear, floorCeiling);
            u.unmapHotplugRange(start, end, freeMapped);
            u.freeEmptyTables(start, end, floor, ceiling);
        } finally {
            if (ptlWhole) mm.pageTableLock.unlock();
        }
    }

    /** free_hotplug_page_range() for a vmemmap block: back to the buddy allocator, or to the altmap (its owner accounts it). */
    void freeVmemmapBlock(long pfn) { vmemmap.freeBlock(pfn); }
}
