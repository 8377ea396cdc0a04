package mmsim.mm.linux;

import java.util.Locale;


/**
 * struct dev_pagemap (include/linux/memremap.h): one device range handed to memremap_pages, its
 * type, its optional vmem_altmap (PGMAP_ALTMAP_VALID) and its reference count.
 *
 * <p>The percpu_ref is modelled as a live flag and a count: get_dev_pagemap's
 * percpu_ref_tryget_live fails once memunmap_pages has killed it (dev_pagemap_kill). One
 * range per pgmap (nr_range = 1, as pmem and device-dax use), no vmemmap_shift (order-0 device
 * pages). page->pgmap is not stored in the memmap: the model answers it with the pgmap that
 * covers the pfn, which is what the kernel's back pointer holds once memmap_init_zone_device
 * has run.
 *
 * <p>Locking: the fields are fixed once memremap_pages stores the pgmap in pgmap_array;
 * {@code live}/{@code refs} change with the atomic percpu_ref operations (one point each).
 */
public final class DevPagemap {

    /** enum memory_type. */
    public enum MemoryType {
        /** MEMORY_DEVICE_PRIVATE: device memory the CPU cannot address; add_pages, no linear map. */
        DEVICE_PRIVATE("private"),
        /** MEMORY_DEVICE_FS_DAX: pmem under a DAX filesystem. */
        FS_DAX("fsdax"),
        /** MEMORY_DEVICE_GENERIC (MEMORY_DEVICE_DEVDAX before v5.10): device-dax. */
        GENERIC("devdax"),
        /** MEMORY_DEVICE_PCI_P2PDMA. */
        PCI_P2PDMA("p2pdma");

        /** The word scenario programs use. */
        public final String word;

        MemoryType(String word) { this.word = word; }

        public static MemoryType byWord(String w) {
            for (MemoryType t : values()) if (t.word.equals(w)) return t;
            return null;
        }
    }

    public final MemoryType type;
    /** pgmap->range: [startPfn, endPfn). */
    public final long startPfn, endPfn;
    /** pgmap->altmap when PGMAP_ALTMAP_VALID, else null. */
    public final VmemAltmap altmap;
    /** The node memremap_pages was asked for (dev_to_node). */
    public final int nid;

    public boolean live;
    public long refs;

    public DevPagemap(MemoryType type, long startPfn, long endPfn, VmemAltmap altmap, int nid) {
        if (endPfn <= startPfn) throw new IllegalArgumentException("empty dev_pagemap range");
        if (altmap != null && (altmap.basePfn != startPfn || altmap.endPfn > endPfn))
            throw new IllegalArgumentException("the altmap must start at the range and end inside it: " + altmap);
        this.type = type;
        this.startPfn = startPfn;
        this.endPfn = endPfn;
        this.altmap = altmap;
        this.nid = nid;
    }

    /** pgmap_altmap(). */
    public VmemAltmap pgmapAltmap() { return altmap; }

    /** pfn_first(): the first device data pfn (after reserve and memmap storage). */
    public long pfnFirst() { return startPfn + (altmap == null ? 0 : altmap.offset()); }

    /** pfn_end(). */
    public long pfnEnd() { return endPfn; }

    public long nrPages() { return endPfn - startPfn; }

    public boolean covers(long pfn) { return pfn >= startPfn && pfn < endPfn; }

    /** Whether the percpu_ref is still live (not killed by memunmap_pages). */
    public boolean live() { return live; }

    /** The references held: one per device page plus lookups in flight. */
    public long refs() { return refs; }

    @Override public String toString() {
        return String.format(Locale.ROOT, "dev_pagemap{%s [pfn %#x-%#x)%s}", type.word, startPfn, endPfn,
                altmap == null ? "" : " " + altmap);
    }
}
