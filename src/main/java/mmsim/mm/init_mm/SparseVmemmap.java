package mmsim.mm.init_mm;

import java.util.HashSet;
import java.util.Set;

import mmsim.kernel.Kernel;
import mmsim.mm.linux.Gfp;
import mmsim.mm.linux.VmemAltmap;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.pgtable.PgtableArch.Level;
import mmsim.mm.sparse.SparseMem;

/**
 * mm/sparse-vmemmap.c, vmemmap_populate_hugepages() as both modelled arches use it with 4K pages:
 * the memmap of one section (32768 struct pages, 2 MiB) is one PMD block, backed by memblock at
 * boot, by the range's own altmap (altmap_alloc_block_buf: the pages after the reserve, which the
 * altmap's owner accounts), or by an order-9 block from the buddy allocator on the section's node
 * (vmemmap_alloc_block). The tables above it are installed with no lock (vmemmap_pXd_populate:
 * mem_hotplug_lock serialises the writers). Freeing gives buddy blocks back; altmap and memblock
 * blocks are not the allocator's.
 */
public final class SparseVmemmap {
    public static final int BLOCK_ORDER = 9;

    private final Kernel k;
    private final SparseMem sparse;
    private final BuddyAllocator buddy;
    private final InitMm mm;
    private final long prot;
    /** Vmemmap blocks that came from the buddy allocator. */
    private final Set<Long> blocks = new HashSet<>();

    public SparseVmemmap(Kernel k, SparseMem sparse, BuddyAllocator buddy, InitMm mm, long prot) {
        this.k = k;
        this.sparse = sparse;
        this.buddy = buddy;
        this.mm = mm;
        this.prot = prot;
    }

    /** vmemmap_populate() of the section starting at {@code pfn}; {@code early}: sparse_init at boot. */
    public void populate(long pfn, boolean early, VmemAltmap altmap) {
        try (var f = k.enter("vmemmap_populate")) {
            long addr = mm.va.pfnToVmemmap(pfn);
            long t = mm.pgd;
            for (Level l = Level.PGD; l != Level.PMD; l = l.next())
                t = mm.lowerTable(t, l.index(addr), l, true, early, true, "vmemmap_" + l.next().name().toLowerCase() + "_populate");
            long backing = 0;                     // memblock memory the model does not place
            if (!early && altmap != null) {
                backing = altmap.basePfn + altmap.reserve + (pfn - altmap.basePfn) / sparse.pagesPerSection() * (1L << BLOCK_ORDER);
            } else if (!early) {
                backing = buddy.allocPagesNode(sparse.section(sparse.pfnToSectionNr(pfn)).nid, Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, BLOCK_ORDER);
                if (backing < 0) {
                    k.log().printk("vmemmap_populate: no 2 MiB block; the memmap stays unmapped");
                    return;
                }
                blocks.add(backing);
            }
            mm.write(t, Level.PMD.index(addr), mm.mmu().mkLeaf(backing, prot, Level.PMD), "vmemmap_populate:pmd_set_huge");
        }
    }

    /** free_hotplug_page_range / free_hugepage_table of a cleared vmemmap block. */
    public void freeBlock(long pfn) {
        if (blocks.remove(pfn)) buddy.freePages(pfn, BLOCK_ORDER);
    }

    /** The vmemmap of section {@code nr}: [start, end) virtual. */
    public long[] sectionRange(long nr) {
        return new long[] {mm.va.pfnToVmemmap(sparse.sectionNrToPfn(nr)), mm.va.pfnToVmemmap(sparse.sectionNrToPfn(nr + 1))};
    }

    /** Buddy-allocated vmemmap blocks now mapped. */
    public Set<Long> blocks() { return Set.copyOf(blocks); }
}
