package mmsim.mm.sparse;

import mmsim.mm.linux.MemSection;

import mmsim.kernel.Access;
import mmsim.kernel.Kernel;
import mmsim.kernel.Errno;
import mmsim.mm.linux.ArchProfile;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.SectionMemmap;

import java.util.Arrays;

/**
 * The mem_section table and the sparse memory model: mm/sparse.c, mm/sparse-vmemmap.c,
 * include/linux/mmzone.h (pfn_valid, pfn_section_valid, valid_section, online_section) and the
 * pfn_to_online_page() of mm/memory_hotplug.c.
 *
 * <p>Locking (as in the kernel): section flags and ms->usage change under mem_hotplug_lock
 * (held by the hotplug code that calls {@link #sparseAddSection}, {@link #sparseRemoveSection},
 * {@link #onlineMemSections}, {@link #offlineMemSections}); readers ({@link #pfnValid},
 * {@link #pfnToOnlinePage}) are lockless and take a preemption point before each section read.
 * Mainline readers of ms->usage run under rcu_read_lock_sched and usage is freed after a grace
 * period (v6.8, CVE-2023-52489); the caller of sparseRemoveSection owns that wait.
 *
 * <p>The table is sized to the sections the layout can reach; NR_MEM_SECTIONS (2^19 on x86_64)
 * bounds pfn_valid, sections past the table read as never-present.
 *
 * <p>ms->usage lifetime (seed 000's "pfn_valid vs remove_memory", CVE-2023-52489), mainline era:
 * <ul>
 * <li>since v6.8 (5ec8e8ea8b77): section_deactivate clears SECTION_HAS_MEM_MAP, then
 *     kfree_rcu(ms->usage) and WRITE_ONCE(ms->usage, NULL); pfn_valid reads the section and
 *     usage under rcu_read_lock and pfn_section_valid treats a NULL usage as "not valid".</li>
 * <li>{@link #USAGE_KFREE} (v5.3 to v6.7): kfree(ms->usage), ms->usage = NULL, and only then
 *     clear SECTION_HAS_MEM_MAP; pfn_valid takes no RCU and dereferences usage unchecked.</li>
 * </ul>
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info. sparse_add_section and
 * sparse_remove_section assert mem_hotplug_lock; the lock belongs to memory_hotplug, above this
 * file, so the check names its lockdep class.
 */
public final class SparseMem {
    /**
     * Before v6.8: ms->usage is kfree()d at once by section_deactivate, before HAS_MEM_MAP is
     * cleared, and pfn_valid() reads it without RCU (the race 5ec8e8ea8b77 fixed).
     */
    public static final String USAGE_KFREE = "sparse-usage-kfree";
    /** The variant switches of this file, collected at boot into the options a scenario may name. */
    public static final java.util.List<String> OPTIONS = java.util.List.of(USAGE_KFREE);

    /**
     * Who else must follow a section's memmap (Minchan Kim's page_ext-with-memmap proposal):
     * called after sparse_add_section gave a section its memmap, and before section removal
     * takes it away, under mem_hotplug_lock (sparse_add_section/sparse_remove_section assert it).
     */
    public interface SectionListener {
        void sectionAdded(long nr, int nid);
        void sectionRemoving(long nr);
    }

    private final java.util.List<SectionListener> listeners = new java.util.ArrayList<>();

    /** Registers a {@link SectionListener}. */
    public void addSectionListener(SectionListener l) { listeners.add(l); }

    private final Kernel k;
    private final ArchProfile arch;
    private final KernelConfig config;
    private final Memmap memmap;
    private final int pfnSectionShift;
    private final long pagesPerSection;
    private final long pagesPerSubsection;
    private final int pageblocksPerSection;
    private MemSection[] sections;

    public SparseMem(Kernel k, ArchProfile arch, KernelConfig config, Memmap memmap, long nrSectionsHint) {
        this.k = k;
        this.arch = arch;
        this.config = config;
        this.memmap = memmap;
        this.pfnSectionShift = arch.pfnSectionShift();
        this.pagesPerSection = arch.pagesPerSection();
        this.pagesPerSubsection = arch.pagesPerSubsection();
        this.pageblocksPerSection = (int) (pagesPerSection >>> 9);
        this.sections = new MemSection[(int) Math.max(1, nrSectionsHint)];
        for (int i = 0; i < sections.length; i++) sections[i] = new MemSection(i);
    }

    public ArchProfile arch() { return arch; }
    public Memmap memmap() { return memmap; }
    public long pagesPerSection() { return pagesPerSection; }
    public long pagesPerSubsection() { return pagesPerSubsection; }
    /** Sections in the table (highest reachable section number + 1). */
    public long nrSections() { return sections.length; }

    public long pfnToSectionNr(long pfn) { return pfn >>> pfnSectionShift; }
    public long sectionNrToPfn(long nr) { return nr << pfnSectionShift; }

    /** __nr_to_section() without a preemption point; null when beyond the table. */
    public MemSection section(long nr) {
        return nr >= 0 && nr < sections.length ? sections[(int) nr] : null;
    }

    /** __pfn_to_section() as a lockless reader: a point on the section, then the entry. */
    public MemSection readSection(long nr, String label) {
        MemSection ms = section(nr);
        if (ms != null) k.point(label, ms, Access.READ);
        return ms;
    }

    private MemSection ensure(long nr) {
        if (nr >= arch.nrMemSections()) throw new IllegalArgumentException("section " + nr + " beyond NR_MEM_SECTIONS");
        if (nr >= sections.length) {
            int old = sections.length;
            sections = Arrays.copyOf(sections, (int) Math.max(nr + 1, old * 2L));
            for (int i = old; i < sections.length; i++) sections[i] = new MemSection(i);
        }
        return sections[(int) nr];
    }

    // ---- lookups ----------------------------------------------------------------------------

    /**
     * pfn_valid(): is there a struct page for this pfn. Mainline (mmzone.h, SPARSEMEM): the
     * section has a memmap, and it is an early section or the pfn's subsection is present (read
     * from ms->usage, which a concurrent remove may have freed: reading it then is a NULL/freed
     * dereference). v4.6: the section has a memmap.
     */
    public boolean pfnValid(long pfn) {
        try (var f = k.enter("pfn_valid")) {
            long nr = pfnToSectionNr(pfn);
            if (pfn < 0 || nr >= arch.nrMemSections()) return false;
            if (config.era() == KernelConfig.Era.V4_6) {
                MemSection ms = readSection(nr, "pfn_valid:section");
                return ms != null && ms.valid();
            }
            boolean rcu = !config.has(USAGE_KFREE);      // v6.8: the section and usage under rcu_read_lock
            if (rcu) k.rcuReadLock();
            try {
                MemSection ms = readSection(nr, "pfn_valid:valid_section");
                if (ms == null || !ms.valid()) return false;
                if (ms.early()) return true;
                return pfnSectionValid(ms, pfn, "pfn_valid:usage");
            } finally {
                if (rcu) k.rcuReadUnlock();
            }
        }
    }

    /**
     * pfn_section_valid(): the subsection bit of ms->usage. Two steps, as compiled: the load of
     * ms->usage, then test_bit on it. Since v6.8 the load is READ_ONCE and a NULL usage answers
     * false; before, a NULL usage faults at subsection_map (offset 0: no rcu_head yet) and a
     * freed one is a use-after-free.
     */
    private boolean pfnSectionValid(MemSection ms, long pfn, String label) {
        k.point(label + " = ms->usage", ms, Access.READ);
        MemSection.Usage u = ms.usage;
        boolean v68 = !config.has(USAGE_KFREE);
        if (u == null) {
            if (v68) return false;
            throw k.pageFault(0, false, k.currentFunction());   // &NULL->subsection_map[0]
        }
        k.point(label + "->subsection_map", u, Access.READ);
        if (u.freed) {
            // struct mem_section_usage is kmalloc'ed: its address in the linear map, as KASAN shows it
            long addr = 0xffff888100000000L + (ms.nr << 12) + (v68 ? 16 : 0);
            throw k.kasanUseAfterFree(addr, 8, false, k.currentFunction(), String.format(java.util.Locale.ROOT,
                    "The buggy address belongs to the object of struct mem_section_usage of section %d,%n"
                            + "freed by section_deactivate (sparse_remove_section, remove_memory)%n", ms.nr));
        }
        return (u.subsectionMap & (1L << subsectionMapIndex(pfn))) != 0;
    }

    public int subsectionMapIndex(long pfn) {
        return (int) ((pfn & (pagesPerSection - 1)) / pagesPerSubsection);
    }

    /**
     * pfn_to_online_page() (mainline mm/memory_hotplug.c, reference C.4): the pfn if its section
     * is online and its subsection present, else -1 (NULL). ZONE_DEVICE pfns in a section tainted
     * by ZONE_DEVICE are answered by {@code devicePfn} (get_dev_pagemap finds a pgmap), which the
     * ZONE_DEVICE code supplies (see {@link #setZoneDevicePfn}). Era V4_6 has no such function: callers
     * choose {@link #pfnValid} there.
     */
    public long pfnToOnlinePage(long pfn, java.util.function.LongPredicate devicePfn) {
        try (var f = k.enter("pfn_to_online_page")) {
            long nr = pfnToSectionNr(pfn);
            if (pfn < 0 || nr >= arch.nrMemSections()) return -1;
            MemSection ms = readSection(nr, "pfn_to_online_page:section");
            if (ms == null || !ms.online()) return -1;
            if (!pfnSectionValid(ms, pfn, "pfn_to_online_page:usage")) return -1;
            k.access(ms, Access.READ);   // the flags again, in the step announced at ms->usage
            if (!ms.taintZoneDevice()) return pfn;
            if (devicePfn != null && devicePfn.test(pfn)) return -1;
            return pfn;
        }
    }

    /**
     * pfn_to_online_page() with the machine's ZONE_DEVICE answer: the one mm/memremap.c installs
     * with {@link #setZoneDevicePfn} (no pgmap can exist before it does).
     */
    public long pfnToOnlinePage(long pfn) { return pfnToOnlinePage(pfn, zoneDevicePfn); }

    private java.util.function.LongPredicate zoneDevicePfn;

    /** mm/memremap.c's get_dev_pagemap() test for pfn_to_online_page()'s slow path. */
    public void setZoneDevicePfn(java.util.function.LongPredicate p) { zoneDevicePfn = p; }

    /** online_section_nr(). */
    public boolean onlineSectionNr(long nr) {
        MemSection ms = section(nr);
        return ms != null && ms.online();
    }

    /**
     * pfn_to_page(): with SPARSEMEM_VMEMMAP simple arithmetic, no check. The model returns the
     * pfn back (hot paths carry pfns); what matters is that the next access through it faults
     * when the vmemmap is not populated, which {@link Memmap} does.
     */
    public long pfnToPage(long pfn) { return pfn; }

    // ---- boot (mm/sparse.c: memblocks_present, sparse_init) ----------------------------------

    /**
     * memory_present(): marks the sections of a boot range present (with the nid), and online on
     * mainline (v4.13+ sets IS_ONLINE at boot here).
     */
    public void memoryPresent(int nid, long startPfn, long endPfn) {
        for (long nr = pfnToSectionNr(startPfn); nr <= pfnToSectionNr(endPfn - 1); nr++) {
            MemSection ms = ensure(nr);
            if (!ms.present()) {
                ms.nid = nid;
                ms.flags |= MemSection.SECTION_MARKED_PRESENT;
                if (config.era() != KernelConfig.Era.V4_6) ms.flags |= MemSection.SECTION_IS_ONLINE;
            }
        }
    }

    /**
     * sparse_init() for one present boot section: allocates the memmap (uninitialised: the
     * caller, free_area_init/memmap_init, initialises every struct page of the section, holes
     * included), usage with every subsection set, HAS_MEM_MAP | IS_EARLY.
     */
    public SectionMemmap sparseInitOneSection(long nr) {
        MemSection ms = ensure(nr);
        ms.usage = new MemSection.Usage(pageblocksPerSection);
        ms.usage.subsectionMap = config.era() == KernelConfig.Era.V4_6 ? 0 : -1L;
        // the real memmap comes from memblock_alloc_raw and is poisoned; memmap_init overwrites every
        // word of it before anyone can look, so the model skips the fill
        ms.memmap = memmap.populate(nr, false);
        ms.flags |= MemSection.SECTION_HAS_MEM_MAP | (config.era() == KernelConfig.Era.V4_6 ? 0 : MemSection.SECTION_IS_EARLY);
        return ms.memmap;
    }

    /**
     * subsection_map_init() (mm/sparse.c, v5.3+, called from free_area_init) for every boot
     * memory range at once ({start, end} pfn pairs): the early sections' maps hold exactly the
     * subsections with RAM. Subsections of an early section that hold no RAM stay clear, so a
     * device range can later be added there (case 3 of seed 001: a ZONE_DEVICE range sharing a
     * section with boot RAM); pfn_valid() still says yes for every pfn of an early section.
     * Callers that skip it (unit fixtures) keep the whole-section maps sparseInitOneSection
     * leaves. No subsections on v4.6.
     */
    public void subsectionMapInit(java.util.List<long[]> ranges) {
        if (config.era() == KernelConfig.Era.V4_6) return;
        for (MemSection ms : sections) if (ms.early() && ms.usage != null) ms.usage.subsectionMap = 0;
        for (long[] r : ranges) {
            long startPfn = r[0], endPfn = r[1];
            if (endPfn <= startPfn) continue;
            for (long nr = pfnToSectionNr(startPfn); nr <= pfnToSectionNr(endPfn - 1); nr++) {
                MemSection ms = section(nr);
                if (ms == null || ms.usage == null) continue;
                long s = Math.max(startPfn, sectionNrToPfn(nr)), e = Math.min(endPfn, sectionNrToPfn(nr + 1));
                ms.usage.subsectionMap |= subsectionMask(s, e - s);
            }
        }
    }

    // ---- hotplug (mm/sparse.c: sparse_add_section, section_activate, section_deactivate) ------

    /**
     * lockdep_assert_held(&mem_hotplug_lock), read or write (v4.6: mem_hotplug.lock, the writer's
     * mutex). The lock belongs to memory_hotplug, above this file, so the check names its class.
     */
    private void assertMemHotplugLocked() {
        k.lockdep().assertHeldClass(k, config.era() == KernelConfig.Era.V4_6 ? "&mem_hotplug.lock" : "&mem_hotplug_lock");
    }

    /**
     * sparse_add_section(): adds [startPfn, startPfn+nrPages) (subsection granular on mainline,
     * whole sections on v4.6) to one section: section_activate sets the subsection bits (-EEXIST
     * if any is already set), populates a poisoned memmap when the section has none (an early
     * section reuses its own), then marks the section PRESENT | HAS_MEM_MAP. Not ONLINE.
     * Returns 0 or -errno. Asserts mem_hotplug_lock.
     */
    public int sparseAddSection(int nid, long startPfn, long nrPages) {
        try (var f = k.enter("sparse_add_section")) {
            assertMemHotplugLocked();
            long nr = pfnToSectionNr(startPfn);
            if (nr != pfnToSectionNr(startPfn + nrPages - 1)) return Errno.EINVAL.neg();
            if (((startPfn | nrPages) & (pagesPerSubsection - 1)) != 0) return Errno.EINVAL.neg();
            if (config.era() == KernelConfig.Era.V4_6 && nrPages != pagesPerSection) return Errno.EINVAL.neg();
            MemSection ms = ensure(nr);
            long bits = subsectionMask(startPfn, nrPages);
            k.point("section_activate:usage", ms, Access.WRITE);
            if (ms.usage == null) ms.usage = new MemSection.Usage(pageblocksPerSection);
            if (config.era() == KernelConfig.Era.V4_6) {
                if (ms.valid()) return Errno.EEXIST.neg();
            } else {
                if ((ms.usage.subsectionMap & bits) != 0) return Errno.EEXIST.neg();
                k.access(ms.usage, Access.WRITE);   // the point named ms; pfn_valid's names ms->usage
                ms.usage.subsectionMap |= bits;
            }
            boolean newMemmap = ms.memmap == null;
            if (!newMemmap) k.access(ms.memmap, Access.WRITE);   // page_init_poison of the added part
            if (newMemmap) {
                // mainline: page_init_poison (uninitialised until online_pages); v4.6's
                // sparse_add_one_section memset the new memmap to 0 and __add_zone initialised it
                ms.memmap = memmap.populate(nr, config.era() != KernelConfig.Era.V4_6);
            } else {
                // partial add into a section whose memmap exists: page_init_poison on the new part
                int from = (int) (startPfn & (pagesPerSection - 1));
                ms.memmap.poison(from, from + (int) nrPages);
            }
            k.point("sparse_add_section:section_mem_map", ms, Access.WRITE);
            ms.nid = nid;
            ms.flags |= MemSection.SECTION_MARKED_PRESENT | MemSection.SECTION_HAS_MEM_MAP;
            if (newMemmap) for (SectionListener l : listeners) l.sectionAdded(nr, nid);
            return 0;
        }
    }

    /**
     * sparse_remove_section() / section_deactivate(): clears the subsection bits; when none
     * remain (and the section is not early) the memmap is unmapped, usage dropped (the kernel
     * frees it with kfree_rcu) and section_mem_map zeroed. Early sections keep usage and memmap.
     */
    public void sparseRemoveSection(long startPfn, long nrPages) {
        try (var f = k.enter("sparse_remove_section")) {
            assertMemHotplugLocked();
            long nr = pfnToSectionNr(startPfn);
            MemSection ms = section(nr);
            if (ms == null || ms.usage == null) return;
            long bits = subsectionMask(startPfn, nrPages);
            k.point("section_deactivate:usage", ms, Access.WRITE);
            boolean empty;
            if (config.era() == KernelConfig.Era.V4_6) {
                empty = true;
            } else {
                k.access(ms.usage, Access.WRITE);
                ms.usage.subsectionMap &= ~bits;
                empty = ms.usage.subsectionMap == 0;
            }
            if (empty) {
                if (!ms.early()) for (SectionListener l : listeners) l.sectionRemoving(nr);
                if (config.era() != KernelConfig.Era.V4_6 && config.has(USAGE_KFREE) && !ms.early()) {
                    // v5.3..v6.7: kfree(ms->usage); ms->usage = NULL; then clear HAS_MEM_MAP
                    k.point("section_deactivate:kfree(ms->usage)", ms.usage, Access.WRITE);
                    ms.usage.freed = true;
                    k.point("section_deactivate:ms->usage = NULL", ms, Access.WRITE);
                    ms.usage = null;
                }
                k.point("section_deactivate:section_mem_map &= ~SECTION_HAS_MEM_MAP", ms, Access.WRITE);
                ms.flags &= ~MemSection.SECTION_HAS_MEM_MAP;
                if (!ms.early()) {
                    MemSection.Usage u = ms.usage;
                    if (u != null) {
                        // v6.8+: kfree_rcu(ms->usage, rcu) then WRITE_ONCE(ms->usage, NULL); 2016
                        // freed the usemap with the section (no lockless reader of it then)
                        boolean v46 = config.era() == KernelConfig.Era.V4_6;
                        if (v46) u.freed = true;
                        else k.callRcu(() -> u.freed = true);
                        k.point(v46 ? "sparse_remove_one_section:ms->pageblock_flags = NULL"
                                : "section_deactivate:WRITE_ONCE(ms->usage, NULL)", ms, Access.WRITE);
                    }
                    ms.usage = null;
                    ms.flags = 0;
                    if (ms.memmap != null) k.access(ms.memmap, Access.WRITE);   // its vmemmap is unmapped
                    ms.memmap = null;
                    memmap.depopulate(nr);
                }
            } else if (!ms.early()) {
                // depopulate_section_memmap of the removed subsections: poison what is no longer backed
                int from = (int) (startPfn & (pagesPerSection - 1));
                k.access(ms.memmap, Access.WRITE);
                ms.memmap.poison(from, from + (int) nrPages);
            }
        }
    }

    private long subsectionMask(long startPfn, long nrPages) {
        int first = subsectionMapIndex(startPfn);
        int last = subsectionMapIndex(startPfn + nrPages - 1);
        long bits = 0;
        for (int i = first; i <= last; i++) bits |= 1L << i;
        return bits;
    }

    /** online_mem_sections(): sets IS_ONLINE on every section of the range (mainline; no-op on v4.6). */
    public void onlineMemSections(long startPfn, long endPfn) {
        if (config.era() == KernelConfig.Era.V4_6) return;
        for (long nr = pfnToSectionNr(startPfn); nr <= pfnToSectionNr(endPfn - 1); nr++) {
            MemSection ms = section(nr);
            if (ms == null || !ms.valid()) continue;
            k.point("online_mem_sections", ms, Access.WRITE);
            ms.flags |= MemSection.SECTION_IS_ONLINE;
        }
    }

    /** offline_mem_sections(): clears IS_ONLINE (mainline; no-op on v4.6). */
    public void offlineMemSections(long startPfn, long endPfn) {
        if (config.era() == KernelConfig.Era.V4_6) return;
        for (long nr = pfnToSectionNr(startPfn); nr <= pfnToSectionNr(endPfn - 1); nr++) {
            MemSection ms = section(nr);
            if (ms == null || !ms.valid()) continue;
            k.point("offline_mem_sections", ms, Access.WRITE);
            ms.flags &= ~MemSection.SECTION_IS_ONLINE;
        }
    }

    // ---- pageblock flags (mm/page_alloc.c get/set_pfnblock_flags_mask keep them in ms->usage) --

    /** get_pageblock_migratetype() raw (caller decides on points): the MIGRATE_* ordinal. */
    public int pageblockMigratetype(long pfn) {
        MemSection ms = sections[(int) (pfn >>> pfnSectionShift)];
        if (k.checkingFootprints()) k.access(new PageblockFlags(pfn >>> 9), Access.READ);
        return ms.usage.pageblockFlags[(int) ((pfn & (pagesPerSection - 1)) >>> 9)];
    }

    public void setPageblockMigratetype(long pfn, int migratetype) {
        MemSection ms = sections[(int) (pfn >>> pfnSectionShift)];
        if (k.checkingFootprints()) k.access(new PageblockFlags(pfn >>> 9), Access.WRITE);
        ms.usage.pageblockFlags[(int) ((pfn & (pagesPerSection - 1)) >>> 9)] = (byte) migratetype;
    }

    /** One pageblock's entry of ms->usage->pageblock_flags, as a raw access reports it ({@code Kernel.access}). */
    record PageblockFlags(long pageblock) {
        @Override public String toString() { return "pageblock_flags[" + pageblock + "]"; }
    }
}
