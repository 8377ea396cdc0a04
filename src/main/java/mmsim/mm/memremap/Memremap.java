package mmsim.mm.memremap;

import mmsim.mm.linux.Memmap;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.sparse.SparseMem;

import mmsim.mm.linux.DevPagemap;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import mmsim.kernel.Access;
import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.linux.ArchProfile;
import mmsim.mm.memory_hotplug.MemoryHotplug;
import mmsim.mm.memory_hotplug.MhpParams;
import mmsim.mm.linux.VmemAltmap;
import mmsim.mm.linux.MigrateType;
import mmsim.mm.linux.MemSection;
import mmsim.mm.page_alloc.MmInit;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.ZoneType;

/**
 * ZONE_DEVICE: mm/memremap.c (memremap_pages, devm_memremap_pages, memunmap_pages,
 * get_dev_pagemap, pfn_zone_device_reserved) and include/linux/memremap.h (struct dev_pagemap,
 * struct vmem_altmap, which lives in mmsim.mm.linux.VmemAltmap because memmap_on_memory
 * uses it too). memmap_init_zone_device, which memremap_pages calls, is in
 * {@link MmInit#memmapInitZoneDevice} (mm/mm_init.c).
 *
 * <p>What memremap_pages does (pagemap_range, v5.x and today): the pgmap must not overlap an
 * existing one ("Conflicting mapping in same section", -ENOMEM) nor System RAM (-ENXIO); it is
 * stored in pgmap_array; then under mem_hotplug_lock: arch_add_memory with the altmap
 * (add_pages for DEVICE_PRIVATE), which marks the range's subsections present and populates the
 * memmap, carving it from the altmap, and poisons it; move_pfn_range_to_zone(ZONE_DEVICE), which
 * initialises only the altmap's memmap-storage pages. After mem_hotplug_done it runs
 * memmap_init_zone_device over the device data pages and takes one pgmap reference per page.
 * The driver's reserve keeps its poisoned struct pages for the lifetime of the mapping.
 *
 * <p>Locking (as in the kernel): pgmap_array is an xarray, written under its own lock by
 * memremap_pages/memunmap_pages and read under rcu_read_lock by get_dev_pagemap, which then
 * takes a reference with percpu_ref_tryget_live; memunmap_pages kills the reference, waits for
 * the references to drain, removes the memory under mem_hotplug_lock and deletes the xarray
 * range followed by synchronize_rcu. PFN walkers take none of these locks: they see the
 * sections and the memmap at any step of this sequence (David Hildenbrand's cases 3-5 of
 * seed 001).
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info. The altmap reservation
 * asserts mem_hotplug_lock for write.
 */
public final class Memremap {

    /**
     * Variant switch (v5.3-rc, Toshiki Fukasawa, "/proc/kpageflags: do not use uninitialized
     * struct pages"): stable_page_flags() returns KPF_RESERVED for pfns that
     * {@link #pfnZoneDeviceReserved} reports, without touching their struct page.
     */
    public static final String PFN_ZONE_DEVICE_RESERVED = "pfn_zone_device_reserved";

    /**
     * Variant switch: fs/proc/page.c as in v5.3, before aad5f69bc161 ("fs/proc/page.c: don't
     * access uninitialized memmaps in fs/proc/page.c", v5.4): the /proc/kpage* readers map a pfn to
     * a page with pfn_valid() (subsection-aware since v5.3) instead of pfn_to_online_page().
     */
    public static final String KPAGE_PFN_VALID = "kpage-pfn_valid";

    /**
     * Variant switch: pfn_to_online_page() before v5.12 (Dan Williams, "mm: teach
     * pfn_to_online_page() about ZONE_DEVICE section collisions"): no SECTION_TAINT_ZONE_DEVICE
     * slow path, so a ZONE_DEVICE pfn in a section shared with online System RAM is returned as
     * an online page.
     */
    public static final String NO_ZONE_DEVICE_TAINT = "pfn_to_online_page-no-zone-device-check";

    /**
     * Variant switch: memunmap_pages() before 77e080e7680e ("mm/memunmap: don't access
     * uninitialized memmap in memunmap_pages()", Aneesh Kumar K.V, v5.4-rc): the node is read from
     * the struct page of the range's first pfn, which with an altmap is the driver's reserve -
     * never initialised. With CONFIG_DEBUG_VM_PGFLAGS that is a BUG on the poisoned page.
     */
    public static final String MEMUNMAP_NID_FROM_RANGE_START = "memunmap-nid-from-range-start";
    /** The variant switches of this file, collected at boot into the options a scenario may name. */
    public static final java.util.List<String> OPTIONS = java.util.List.of(KPAGE_PFN_VALID, PFN_ZONE_DEVICE_RESERVED, NO_ZONE_DEVICE_TAINT, MEMUNMAP_NID_FROM_RANGE_START);

    private final MachineLayout layout;
    private final Memmap memmap;
    private final SparseMem sparse;
    private final BuddyAllocator ba;
    private final MemoryHotplug hp;
    private final Kernel k;
    private final KernelConfig config;
    /** pgmap_array: the xarray from pfn ranges to pgmaps, keyed here by start pfn (ranges never overlap). */
    private final TreeMap<Long, DevPagemap> pgmapArray = new TreeMap<>();
    /** Where get_dev_pagemap's lockless xa_load and memremap_pages' xa_store_range meet. */
    private final Object pgmapArrayLoc = new Object() {
        @Override public String toString() { return "pgmap_array"; }
    };

    /** The highest end pfn arch_add_memory reached for a pgmap (x86's max_pfn raise), 0 if none. */
    private long maxPfnRaised;

    /** Created by start_kernel ({@code mmsim.mm.Machine}) with what it calls. */
    public Memremap(Kernel k, KernelConfig config, MachineLayout layout, Memmap memmap, SparseMem sparse,
            BuddyAllocator ba, MemoryHotplug hp) {
        this.layout = layout;
        this.memmap = memmap;
        this.sparse = sparse;
        this.ba = ba;
        this.hp = hp;
        this.k = k;
        this.config = config;
        // pfn_to_online_page()'s slow path asks get_dev_pagemap() for every caller
        sparse.setZoneDevicePfn(this::pfnToOnlinePageIsDevice);
    }

    /** The machine's ZONE_DEVICE state, created on first use. */

    // =========================================================================================
    // lookups (lockless readers)
    // =========================================================================================

    /**
     * get_dev_pagemap(pfn, NULL): under rcu_read_lock, xa_load(pgmap_array) then
     * percpu_ref_tryget_live; the pgmap with a reference taken, or null. Release it with
     * {@link #putDevPagemap}.
     */
    public DevPagemap getDevPagemap(long pfn) {
        try (var f = k.enter("get_dev_pagemap")) {
            k.rcuReadLock();
            try {
                k.point("get_dev_pagemap:xa_load", pgmapArrayLoc, Access.READ);
                DevPagemap pgmap = lookup(pfn);
                if (pgmap == null) return null;
                k.point("get_dev_pagemap:percpu_ref_tryget_live", pgmap, Access.SYNC);
                if (!pgmap.live) return null;
                pgmap.refs++;
                return pgmap;
            } finally {
                k.rcuReadUnlock();
            }
        }
    }

    /** put_dev_pagemap(). */
    public void putDevPagemap(DevPagemap pgmap) {
        if (pgmap == null) return;
        k.point("put_dev_pagemap:percpu_ref_put", pgmap, Access.SYNC);
        pgmap.refs--;
    }

    /** The pgmap covering {@code pfn} in pgmap_array, no point, no reference (for dumps and tests). */
    public DevPagemap lookup(long pfn) {
        Map.Entry<Long, DevPagemap> e = pgmapArray.floorEntry(pfn);
        return e != null && e.getValue().covers(pfn) ? e.getValue() : null;
    }

    /** The registered pgmaps in pfn order. */
    public java.util.List<DevPagemap> pgmaps() { return java.util.List.copyOf(pgmapArray.values()); }

    /**
     * pfn_zone_device_reserved() (v5.3-rc, kernel/memremap.c, later mm/memremap.c): true when a
     * live pgmap covers {@code pfn}, has an altmap and the pfn lies below base_pfn + reserve.
     */
    public boolean pfnZoneDeviceReserved(long pfn) {
        try (var f = k.enter("pfn_zone_device_reserved")) {
            DevPagemap pgmap = getDevPagemap(pfn);
            if (pgmap == null) return false;
            VmemAltmap altmap = pgmap.pgmapAltmap();
            boolean ret = altmap != null && pfn < altmap.basePfn + altmap.reserve;
            putDevPagemap(pgmap);
            return ret;
        }
    }

    /**
     * The ZONE_DEVICE slow path of pfn_to_online_page() (mainline mm/memory_hotplug.c): in a
     * section tainted by ZONE_DEVICE, a pfn some pgmap covers is not an online page. Returns
     * true when get_dev_pagemap finds one (the reference is dropped again). With
     * {@link #NO_ZONE_DEVICE_TAINT} (before v5.12) there is no such check.
     */
    public boolean pfnToOnlinePageIsDevice(long pfn) {
        if (config.has(NO_ZONE_DEVICE_TAINT)) return false;
        DevPagemap pgmap = getDevPagemap(pfn);
        putDevPagemap(pgmap);
        return pgmap != null;
    }

    /**
     * pfn_to_online_page(): the pfn, or -1 for NULL. The same as SparseMem.pfnToOnlinePage(pfn),
     * which carries this machine's ZONE_DEVICE slow path from the moment a Memremap exists (and
     * no pgmap, hence no tainted section, exists before).
     */
    public long pfnToOnlinePage(long pfn) {
        return sparse.pfnToOnlinePage(pfn);
    }

    // =========================================================================================
    // memremap_pages / devm_memremap_pages / memunmap_pages
    // =========================================================================================

    /**
     * memremap_pages(pgmap, nid): maps a device range as ZONE_DEVICE pages. Returns 0 or -errno
     * (the kernel returns the range's linear address or an ERR_PTR). See the class comment for
     * the steps and their locks.
     */
    public int memremapPages(DevPagemap pgmap) {
        try (var f = k.enter("memremap_pages")) {
            int error = pagemapRangeLocked(pgmap);
            if (error != 0) return error;
            // Initialisation of the device pages was deferred until now, to do the work without
            // holding the hotplug lock (the comment in pagemap_range): case 4's window.
            MmInit.memmapInitZoneDevice(ba, ba.node(pgmap.nid).zone(ZoneType.DEVICE), pgmap.startPfn,
                    pgmap.nrPages(), pgmap);
            k.point("memremap_pages:percpu_ref_get_many", pgmap, Access.SYNC);
            pgmap.refs += pgmap.pfnEnd() - pgmap.pfnFirst();
            return 0;
        }
    }

    /**
     * The part of memremap_pages/pagemap_range up to mem_hotplug_done(): checks, pgmap_array,
     * and under mem_hotplug_lock arch_add_memory + move_pfn_range_to_zone. Afterwards the device
     * data pages are pfn_valid() but their struct pages are still poisoned (case 4). Returns 0
     * or -errno (the pgmap is then not registered).
     */
    int pagemapRangeLocked(DevPagemap pgmap) {
        long start = pgmap.startPfn, size = pgmap.nrPages();
        int shift = layout.arch().pageShift();
        if (config.era() == KernelConfig.Era.V4_6) {
            // 2016 devm_memremap_pages worked on whole sections (align_start/align_size)
            long per = sparse.pagesPerSection();
            if (((start | size) & (per - 1)) != 0) {
                k.log().printk(String.format(Locale.ROOT, "memremap_pages: [mem %#x-%#x] not section aligned (v4.6)",
                        start << shift, ((start + size) << shift) - 1));
                return Errno.EINVAL.neg();
            }
        }
        if (getDevPagemap(start) instanceof DevPagemap c1) {
            putDevPagemap(c1);
            k.warn("mm/memremap.c", 217, "Conflicting mapping in same section");
            return Errno.ENOMEM.neg();
        }
        if (getDevPagemap(pgmap.endPfn - 1) instanceof DevPagemap c2) {
            putDevPagemap(c2);
            k.warn("mm/memremap.c", 224, "Conflicting mapping in same section");
            return Errno.ENOMEM.neg();
        }
        String isRam = regionIntersectsSystemRam(start << shift, pgmap.endPfn << shift);
        if (isRam != null) {
            k.warn("mm/memremap.c", 231, String.format(Locale.ROOT, "memremap_pages attempted on %s region [mem %#x-%#x]",
                    isRam, start << shift, (pgmap.endPfn << shift) - 1));
            return Errno.ENXIO.neg();
        }
        pgmap.live = true;
        k.point("memremap_pages:xa_store_range", pgmapArrayLoc, Access.WRITE);
        pgmapArray.put(start, pgmap);

        int nid = pgmap.nid;
        
        hp.memHotplugBegin();
        int error = vmemmapAltmapReserve(pgmap);
        // add_pages() for DEVICE_PRIVATE (no linear map), arch_add_memory() otherwise: the same
        // __add_pages in the model, which has no kernel linear map
        if (error == 0) error = hp.archAddMemory(nid, start, size, new MhpParams(pgmap.altmap, pgmap));
        if (error == 0) {
            // x86 add_pages() -> update_end_of_memory_vars(): max_pfn covers device memory too
            if (layout.arch().kernelArch() == Kernel.Arch.X86_64) maxPfnRaised = Math.max(maxPfnRaised, pgmap.endPfn);
            Zone zone = ba.node(nid).zone(ZoneType.DEVICE);
            hp.movePfnRangeToZone(zone, start, size, pgmap.altmap, MigrateType.MOVABLE);
        }
        hp.memHotplugDone();
        if (error != 0) {
            k.point("memremap_pages:pgmap_array_delete", pgmapArrayLoc, Access.WRITE);
            pgmapArray.remove(start);
            k.synchronizeRcu();
            pgmap.live = false;
        }
        return error;
    }

    /**
     * devm_memremap_pages(dev, pgmap): memremap_pages on the device's node, with a devres action
     * that calls memunmap_pages when the driver is unbound. The model has no device core: the
     * caller (a scenario's driver) unbinds with {@link #memunmapPages}.
     */
    public int devmMemremapPages(DevPagemap pgmap) {
        try (var f = k.enter("devm_memremap_pages")) {
            return memremapPages(pgmap);
        }
    }

    /**
     * memunmap_pages(pgmap): kill the reference and wait for it to drain (the model drops the
     * per-page references at once: no device page is in use), then under mem_hotplug_lock
     * remove_pfn_range_from_zone (which re-poisons the memmap) and arch_remove_memory (which
     * gives the memmap storage back to the altmap and drops the sections), then delete the
     * pgmap_array range and synchronize_rcu, so no get_dev_pagemap still sees it.
     */
    public void memunmapPages(DevPagemap pgmap) {
        try (var f = k.enter("memunmap_pages")) {
            k.point("memunmap_pages:dev_pagemap_kill", pgmap, Access.SYNC);
            pgmap.live = false;
            pgmap.refs -= pgmap.pfnEnd() - pgmap.pfnFirst();
            // dev_pagemap_cleanup: wait_for_completion until the last get_dev_pagemap user is gone
            k.sched().waitUntil(() -> pgmap.refs <= 0, "pgmap->done");
            // nid = page_to_nid(first_page): of pfn_first today; of the range's first pfn - the
            // altmap reserve's poisoned struct page - before 77e080e7680e
            pageToNid(config.has(MEMUNMAP_NID_FROM_RANGE_START) ? pgmap.startPfn : pgmap.pfnFirst());
            
            hp.memHotplugBegin();
            // remove_pfn_range_from_zone (v5.5+) poisons the memmap again; 2016's
            // devm_memremap_pages_release went straight to arch_remove_memory
            if (config.era() != KernelConfig.Era.V4_6)
                hp.removePfnRangeFromZone(ba.node(pgmap.nid).zone(ZoneType.DEVICE), pgmap.startPfn, pgmap.nrPages());
            int sectionsBefore = sectionsWithMemmap(pgmap);
            hp.archRemoveMemory(pgmap.startPfn, pgmap.nrPages(), pgmap.altmap);
            // vmemmap_free() of the sections that lost their memmap gives the blocks back (vmem_altmap_free)
            if (pgmap.altmap != null) pgmap.altmap.release((sectionsBefore - sectionsWithMemmap(pgmap)) * vmemmapBlockPfns());
            hp.memHotplugDone();
            k.point("memunmap_pages:pgmap_array_delete", pgmapArrayLoc, Access.WRITE);
            pgmapArray.remove(pgmap.startPfn);
            k.synchronizeRcu();
            if (pgmap.altmap != null && pgmap.altmap.alloc != 0)
                k.warn("mm/memremap.c", 156, "failed to free all reserved pages");
        }
    }

    /**
     * A dev_pagemap for [startPfn, +nrPages) as a pmem driver sets one up (drivers/nvdimm/pfn_devs.c
     * nvdimm_setup_pfn with PFN_MODE_PMEM): an altmap whose reserve holds the info block
     * ({@code reserve} pfns, nvdimm uses 2 = 8 KiB) and whose free part holds the memmap. With
     * {@code free < 0} it is sized like nvdimm does it, enough for the vmemmap blocks of every
     * section of the range that has no memmap yet, after aligning the first block. With
     * {@code reserve < 0} there is no altmap (the memmap comes from RAM).
     */
    public DevPagemap pmemPagemap(DevPagemap.MemoryType type, long startPfn, long nrPages, long reserve, long free, int nid) {
        if (reserve < 0) return new DevPagemap(type, startPfn, startPfn + nrPages, null, nid);
        if (free < 0) {
            long block = vmemmapBlockPfns(), blocks = 0;
            for (long nr = sparse.pfnToSectionNr(startPfn); nr <= sparse.pfnToSectionNr(startPfn + nrPages - 1); nr++) {
                MemSection ms = sparse.section(nr);
                if (ms == null || ms.memmap == null) blocks++;
            }
            long first = startPfn + reserve;
            free = blocks == 0 ? 0 : ((first + block - 1) & -block) - first + blocks * block;
        }
        return new DevPagemap(type, startPfn, startPfn + nrPages, new VmemAltmap(startPfn, startPfn + nrPages, reserve, free), nid);
    }

    /**
     * How far ZONE_DEVICE mappings raised max_pfn (x86: update_end_of_memory_vars in add_pages,
     * never lowered), 0 when none did; /proc/kpage* size themselves with it.
     */
    public long maxPfnRaised() { return maxPfnRaised; }

    /**
     * page_to_nid() as memunmap_pages does it: the node bits of page->flags, behind
     * PF_POISONED_CHECK, which with CONFIG_DEBUG_VM_PGFLAGS is VM_BUG_ON_PGFLAGS(PagePoisoned(page))
     * in include/linux/mm.h (the line number is the one of the v5.4-rc report, unverified).
     * Without it a poisoned page yields node 1023, which the model, like x86's
     * arch_remove_memory, does not use.
     */
    private int pageToNid(long pfn) {
        long flags = memmap.readFlags(pfn, "memunmap_pages:page_to_nid");
        if (flags == -1L && config.has(KernelConfig.CONFIG_DEBUG_VM_PGFLAGS))
            throw k.bug("include/linux/mm.h", 1107,
                    mmsim.mm.linux.DumpPage.dumpPage(memmap, pfn, "VM_BUG_ON_PAGE(PagePoisoned(p))"));
        return mmsim.mm.linux.PageFlagsLayout.node(flags);
    }

    /** The pgmap mapped at {@code startPfn}, for scenario programs that unbind a driver by address. */
    public DevPagemap pgmapAt(long startPfn) { return pgmapArray.get(startPfn); }

    /**
     * region_intersects(start, size, IORESOURCE_SYSTEM_RAM): null when disjoint from System
     * RAM (boot RAM and hot-added RAM ranges of the layout), else "ram" or "mixed".
     */
    private String regionIntersectsSystemRam(long start, long end) {
        long covered = 0;
        for (MachineLayout.Range r : layout.ranges()) {
            if (r.kind() != MachineLayout.Kind.RAM && r.kind() != MachineLayout.Kind.HOTPLUG) continue;
            covered += Math.max(0, Math.min(end, r.end()) - Math.max(start, r.start()));
        }
        if (covered == 0) return null;
        return covered == end - start ? "ram" : "mixed";
    }

    /**
     * A device range of the layout that contains [start, end) in bytes, or null: what a pmem
     * driver would find as its namespace resource.
     */
    public MachineLayout.Range deviceRange(long start, long end) {
        for (MachineLayout.Range r : layout.ranges(MachineLayout.Kind.DEVICE))
            if (r.start() <= start && end <= r.end()) return r;
        return null;
    }

    // =========================================================================================
    // the vmemmap carved from the altmap (mm/sparse-vmemmap.c)
    // =========================================================================================

    /**
     * Pfns of one vmemmap block: on x86_64 vmemmap_populate_hugepages maps the memmap with PMDs,
     * 2 MiB = the 32768 struct pages of one 128 MiB section, so the first subsection added to a
     * section populates the whole section's memmap in one block.
     */
    private long vmemmapBlockPfns() {
        return (sparse.pagesPerSection() * ArchProfile.STRUCT_PAGE_SIZE) >>> layout.arch().pageShift();
    }

    /**
     * The altmap side of vmemmap_populate for [start, end) of {@code pgmap}: every section that
     * has no memmap yet takes one block from the altmap with altmap_alloc_block_buf(); with an
     * altmap there is no fallback to RAM, so an exhausted altmap fails the add with -ENOMEM.
     * Sections that already have a memmap (an early section shared with boot RAM) take nothing.
     * Done here, just before arch_add_memory, because the model's sparse_add_section takes no
     * altmap; the accounting is the kernel's.
     */
    private int vmemmapAltmapReserve(DevPagemap pgmap) {
        hp.assertMemHotplugHeldWrite();
        VmemAltmap a = pgmap.altmap;
        if (a == null) return 0;
        long per = sparse.pagesPerSection();
        for (long nr = sparse.pfnToSectionNr(pgmap.startPfn); nr <= sparse.pfnToSectionNr(pgmap.endPfn - 1); nr++) {
            MemSection ms = sparse.section(nr);
            if (ms != null && ms.memmap != null) continue;
            if (altmapAllocBlockBuf(a, vmemmapBlockPfns()) < 0) {
                k.log().printk(String.format(Locale.ROOT, "vmemmap_populate: altmap exhausted at section %d (%s)", nr, a));
                return Errno.ENOMEM.neg();
            }
        }
        return 0;
    }

    private int sectionsWithMemmap(DevPagemap pgmap) {
        int n = 0;
        for (long nr = sparse.pfnToSectionNr(pgmap.startPfn); nr <= sparse.pfnToSectionNr(pgmap.endPfn - 1); nr++) {
            MemSection ms = sparse.section(nr);
            if (ms != null && ms.memmap != null && !ms.early()) n++;
        }
        return n;
    }

    /**
     * altmap_alloc_block_buf() (mm/sparse-vmemmap.c): {@code nrPfns} pages at
     * base + reserve + alloc + align, aligned to the lowest set bit of nrPfns; the first pfn, or
     * -1 when alloc + align + nrPfns would exceed free.
     */
    public static long altmapAllocBlockBuf(VmemAltmap a, long nrPfns) {
        long pfn = a.basePfn + a.reserve + a.alloc + a.align;
        long nrAlign = Long.lowestOneBit(nrPfns);
        nrAlign = ((pfn + nrAlign - 1) & -nrAlign) - pfn;
        long allocated = a.alloc + a.align;
        long nrFree = a.free > allocated ? a.free - allocated : 0;
        if (nrPfns + nrAlign > nrFree) return -1;
        a.alloc += nrPfns;
        a.align += nrAlign;
        return pfn + nrAlign;
    }
}
