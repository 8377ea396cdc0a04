package mmsim.mm.x86_init_64;

import java.util.function.IntSupplier;

import mmsim.kernel.Kernel;
import mmsim.mm.init_mm.ArchMmu;
import mmsim.mm.init_mm.InitMm;
import mmsim.mm.init_mm.KernelMap;
import mmsim.mm.init_mm.KernelVa;
import mmsim.mm.init_mm.SparseVmemmap;
import mmsim.mm.init_mm.X86Entries;
import mmsim.mm.memory_hotplug.ArchMemory;
import mmsim.mm.memory_hotplug.MemoryHotplug;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.linux.VmemAltmap;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.pgtable.PgtableArch.Level;
import mmsim.mm.sparse.SparseMem;

/**
 * arch/x86/mm/init_64.c: the direct map and vmemmap of x86_64 (4-level). Boot and hot-add map
 * memory with kernel_physical_mapping_init (1 GiB pages where aligned, else 2 MiB, else 4 KiB),
 * taking init_mm.page_table_lock around every leaf and table it installs; the vmemmap is 2 MiB
 * pages (vmemmap_populate_hugepages). Hot-remove (arch_remove_memory: __remove_pages, whose
 * vmemmap_free is remove_pagetable(direct = false), then kernel_physical_mapping_remove =
 * remove_pagetable(direct = true)) clears leaves under init_mm.page_table_lock and frees a PTE or
 * PMD table once all its entries are none, in the order the kernel does it: free_pagetable()
 * first, then pmd_clear()/pud_clear() under the lock. No floor/ceiling check: the direct map and
 * the vmemmap each own whole PGD slots. PUD tables are freed only with 5-level paging (not
 * modelled). flush_tlb_all() after each PTE table and at the end.
 *
 * <p>Locking (the order: the mm lock tree in the {@code mmsim.mm} package-info): the caller holds
 * mem_hotplug_lock (write; asserted on entry); init_mm.page_table_lock as above. The
 * x86 ptdump (debugfs page_tables/kernel) took neither until 2025.
 */
public final class X86Init64 implements ArchMmu, ArchMemory, SparseMem.SectionListener {
    private final Kernel k;
    private final MachineLayout layout;
    private final SparseMem sparse;
    private final MemoryHotplug hotplug;
    private final InitMm mm;
    private final KernelVa va;
    private final KernelMap map;
    private VmemAltmap addingAltmap;
    private final SparseVmemmap vmemmap;

    /** Created by start_kernel above memory_hotplug, whose arch_add/remove_memory it provides. */
    public X86Init64(Kernel k, MachineLayout layout, SparseMem sparse, BuddyAllocator buddy, MemoryHotplug hotplug, InitMm mm) {
        this.k = k;
        this.layout = layout;
        this.sparse = sparse;
        this.hotplug = hotplug;
        this.mm = mm;
        this.va = mm.va;
        this.map = new KernelMap(mm, KernelMap.Style.X86);
        this.vmemmap = new SparseVmemmap(k, sparse, buddy, mm, X86Entries.PAGE_KERNEL);
    }

    /** init_mem_mapping() for boot RAM, the kernel image, the boot vmemmap; then the hotplug hooks. */
    @Override
    public void pagingInit() {
        X86Init64 x = this;
        for (MachineLayout.Range r : layout.ranges(MachineLayout.Kind.RAM))
            x.map.map(r.start(), x.va.physToVirt(r.start()), r.end() - r.start(), X86Entries.PAGE_KERNEL, true);
        var res = layout.ranges(MachineLayout.Kind.RESERVE);
        long img = res.isEmpty() ? 0x1000000L : res.get(0).start() & ~((1L << 21) - 1);
        long seg = InitMm.IMAGE_SIZE / 4;
        x.map.map(img, x.va.imageStart(), 2 * seg, X86Entries.PAGE_KERNEL_RX, true);
        x.map.map(img + 2 * seg, x.va.imageStart() + 2 * seg, seg, X86Entries.PAGE_KERNEL_RO, true);
        x.map.map(img + 3 * seg, x.va.imageStart() + 3 * seg, seg, X86Entries.PAGE_KERNEL, true);
        for (long nr = 0; nr < sparse.nrSections(); nr++)
            if (sparse.section(nr).valid()) x.vmemmap.populate(sparse.sectionNrToPfn(nr), true, null);
        sparse.addSectionListener(x);
        hotplug.setArchMemory(x);
    }

    @Override public void sectionAdded(long nr, int nid) { vmemmap.populate(sparse.sectionNrToPfn(nr), false, addingAltmap); }

    @Override
    public void sectionRemoving(long nr) {
        long[] r = vmemmap.sectionRange(nr);
        try (var f = k.enter("vmemmap_free")) {
            removePagetable(r[0], r[1], false);
        }
    }

    @Override
    public int archAddMemory(int nid, long startPfn, long nrPages, VmemAltmap altmap, IntSupplier addPages) {
        hotplug.assertMemHotplugHeldWrite();
        long start = startPfn << 12;
        try (var f = k.enter("init_memory_mapping")) {
            map.map(start, va.physToVirt(start), nrPages << 12, X86Entries.PAGE_KERNEL, false);
        }
        addingAltmap = altmap;
        try {
            return addPages.getAsInt();
        } finally {
            addingAltmap = null;
        }
    }

    @Override
    public void archRemoveMemory(long startPfn, long nrPages, VmemAltmap altmap, Runnable removePages) {
        hotplug.assertMemHotplugHeldWrite();
        removePages.run();
        try (var f = k.enter("kernel_physical_mapping_remove")) {
            long v = va.physToVirt(startPfn << 12);
            removePagetable(v, v + (nrPages << 12), true);
        }
    }

    // ---- remove_pagetable -----------------------------------------------------------------------

    /** remove_pagetable(start, end, direct, altmap). */
    private void removePagetable(long start, long end, boolean direct) {
        try (var f = k.enter("remove_pagetable")) {
            for (long a = start; a != end; a = InitMm.addrEnd(a, end, Level.PGD)) {
                long e = mm.read(mm.pgd, Level.PGD.index(a), "remove_pagetable:READ_ONCE(*pgd)");
                if (e == 0) continue;
                removeTable(mm.tablePfn(e), Level.PUD, a, InitMm.addrEnd(a, end, Level.PGD), direct);
            }
            flushTlbAll();
        }
    }

    /** remove_pud_table / remove_pmd_table / remove_pte_table, each followed by free_pmd_table / free_pte_table. */
    private void removeTable(long table, Level level, long addr, long end, boolean direct) {
        String fn = "remove_" + level.name().toLowerCase() + "_table";
        long[] e = mm.readTable(table, fn + ":READ_ONCE(*" + level.name().toLowerCase() + ")");
        for (; addr != end; addr = InitMm.addrEnd(addr, end, level)) {
            int idx = level.index(addr);
            long v = e[idx];
            if (v == 0) continue;
            long span = 1L << level.shift;
            boolean leaf = level == Level.PTE || mm.mmu().isBlock(v, level);
            if (leaf) {
                if ((addr & (span - 1)) != 0 || Long.compareUnsigned(InitMm.addrEnd(addr, end, level) - addr, span) < 0) continue; // partial large page: kept
                if (!direct) freeVmemmapBlock(mm.arch.ptePfn(v));
                mm.pageTableLock.lock();
                mm.write(table, idx, 0, fn + ":" + level.name().toLowerCase() + "_clear");
                mm.pageTableLock.unlock();
                continue;
            }
            long lower = mm.tablePfn(v);
            removeTable(lower, level.next(), addr, InitMm.addrEnd(addr, end, level), direct);
            if (level == Level.PMD) flushTlbAll();
            freeTableIfEmpty(lower, level.next(), table, idx);
        }
    }

    /**
     * free_pte_table() / free_pmd_table(): when every entry is none, free the table page first
     * (free_pagetable), then clear the entry pointing at it under init_mm.page_table_lock.
     */
    private void freeTableIfEmpty(long table, Level level, long parent, int pidx) {
        if (level == Level.PUD) return;          // free_pud_table: 5-level paging only
        String fn = "free_" + level.name().toLowerCase() + "_table";
        long[] e = mm.readTable(table, fn + ":" + level.name().toLowerCase() + "_none");
        for (long v : e) if (v != 0) return;
        try (var f = k.enter("free_pagetable")) {
            mm.freeTable(table);
        }
        mm.pageTableLock.lock();
        mm.write(parent, pidx, 0, fn + ":" + (level == Level.PTE ? "pmd" : "pud") + "_clear");
        mm.pageTableLock.unlock();
    }

    private void freeVmemmapBlock(long pfn) {
        try (var f = k.enter("free_hugepage_table")) {
            vmemmap.freeBlock(pfn);
        }
    }

    private void flushTlbAll() {
        try (var f = k.enter("flush_tlb_all")) { /* an IPI to every CPU in the kernel; none of the walkers here disable IRQs */ }
    }
}
