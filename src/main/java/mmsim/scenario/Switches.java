package mmsim.scenario;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import mmsim.mm.Machine;

/**
 * What each option a {@code config} or {@code variant} line can name switches, in one line, for
 * {@code mmsim list --switches} and docs/scenario-language.md. The options themselves are
 * {@link Machine#knownOptions()}, declared next to the code they switch; {@link #all()}
 * fails when an option has no line here or a line names no option, so the two cannot drift.
 */
public final class Switches {
    private Switches() { }

    private static final Map<String, String> SUMMARY = new LinkedHashMap<>();
    static {
        put("CONFIG_64BIT", "64-bit kernel (default y); =n routes page_idle's bits through page_ext as 32-bit kernels do");
        put("CONFIG_DEBUG_VM", "VM_BUG_ON and page-poisoning checks (default y); v4.6 lookup_page_ext returns NULL only with it");
        put("CONFIG_DEBUG_VM_PGFLAGS", "PF_POISONED_CHECK in every page-flag accessor: a poisoned struct page is a BUG");
        put("CONFIG_SPARSEMEM_VMEMMAP", "the memmap is a virtually contiguous array populated per section (default y)");
        put("CONFIG_MEMORY_HOTPLUG", "memory hot-add (default y)");
        put("CONFIG_MEMORY_HOTREMOVE", "memory offlining and hot-remove (default y)");
        put("CONFIG_MEMORY_FAILURE", "hwpoison: memory_failure(), soft offline, MADV_HWPOISON (default y)");
        put("CONFIG_ZONE_DEVICE", "ZONE_DEVICE pages of devm_memremap_pages (default y)");
        put("CONFIG_PAGE_OWNER", "page_owner records the allocator of each page in page_ext (/sys/kernel/debug/page_owner)");
        put("CONFIG_CMA", "contiguous memory allocator pageblocks (default y)");
        put("pcp-lists", "per-cpu page lists in front of the buddy lists (default y; =n for unit tests)");
        put("page_ext-null-checks", "f86e4271978b (v4.7): lookup_page_ext returns NULL for a section without page_ext and callers check");
        put("page_ext-with-memmap", "Minchan Kim's proposal: page_ext allocated with the memmap at hot-add, freed at hot-remove");
        put("sparse-usage-kfree", "before v6.8: ms->usage is kfree()d at once by section_deactivate, read by pfn_valid() without RCU");
        put("kpage-pfn_valid", "fs/proc/page.c as in v5.3: /proc/kpage* find the page with pfn_valid(), not pfn_to_online_page()");
        put("pfn_zone_device_reserved", "v5.3-rc proposal: stable_page_flags() reports KPF_RESERVED for a device's reserved pfns");
        put("pfn_to_online_page-no-zone-device-check", "before SECTION_TAINT_ZONE_DEVICE: a device pfn sharing a section with RAM reads as online");
        put("init-zone-device-reserved", "proposal (2019): memmap_init_range also initialises the altmap's reserved struct pages");
        put("memunmap-nid-from-range-start", "before the v5.4 fix: memunmap_pages reads the node from the range's first, uninitialised page");
        put("tlb-flush-no-ipi", "the TLB is flushed without an IPI and page tables freed at once (Power, s390: seed 003)");
        put("gup-fast-no-pmd-recheck", "GUP-fast without the v6.0 PMD re-check, even on mainline (seed 003)");
        put("migrate-putback-lru-source", "pre-v4.7: the migrated source page is released with putback_lru_page() (implied by era v4.6)");
    }

    private static void put(String option, String summary) {
        if (SUMMARY.put(option, summary) != null) throw new IllegalStateException("switch " + option + " described twice");
    }

    /** Every option with its summary, sorted by name; throws when this table and Machine.knownOptions() disagree. */
    public static Map<String, String> all() {
        Set<String> known = Machine.knownOptions();
        for (String o : known) if (!SUMMARY.containsKey(o)) throw new IllegalStateException("switch " + o + " has no summary in Switches");
        for (String o : SUMMARY.keySet()) if (!known.contains(o)) throw new IllegalStateException("Switches describes " + o + ", which Machine.knownOptions() does not list");
        return new TreeMap<>(SUMMARY);
    }
}
