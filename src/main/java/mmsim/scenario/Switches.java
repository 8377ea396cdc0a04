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
        put("CONFIG_MEMCG", "the memory controller (default y): user pages are charged to the root memcg, whose inode /proc/kpagecgroup reports; =n reads 0");
        put("CONFIG_PAGE_OWNER", "page_owner records the allocator of each page in page_ext (/sys/kernel/debug/page_owner)");
        put("CONFIG_CMA", "contiguous memory allocator pageblocks (default y)");
        put("CONFIG_PER_VMA_LOCK", "page faults under the VMA's own lock, found under RCU (v6.4+; default y in mainline, =n for older kernels)");
        put("pcp-lists", "per-cpu page lists in front of the buddy lists (default y; =n for unit tests)");
        put("page_ext-null-checks", "f86e4271978b (v4.7): lookup_page_ext returns NULL for a section without page_ext and callers check");
        put("page_ext-with-memmap", "Minchan Kim's proposal: page_ext allocated with the memmap at hot-add, freed at hot-remove");
        put("sparse-usage-kfree", "before v6.8: ms->usage is kfree()d at once by section_deactivate, read by pfn_valid() without RCU");
        put("kpage-pfn_valid", "fs/proc/page.c as in v5.3: /proc/kpage* find the page with pfn_valid(), not pfn_to_online_page()");
        put("pfn_zone_device_reserved", "v5.3-rc proposal: stable_page_flags() reports KPF_RESERVED for a device's reserved pfns");
        put("pfn_to_online_page-no-zone-device-check", "before SECTION_TAINT_ZONE_DEVICE: a device pfn sharing a section with RAM reads as online");
        put("init-zone-device-reserved", "proposal (2019): memmap_init_range also initialises the altmap's reserved struct pages");
        put("memunmap-nid-from-range-start", "before the v5.4 fix: memunmap_pages reads the node from the range's first, uninitialised page");
        put("hwpoison-set-before-migrate", "4491f712606 (v4.2-rc): soft offline sets PG_hwpoison before migrating, clears it on failure");
        put("hwpoison-set-before-put", "the order Vlastimil Babka asked about (2016): test_set_page_hwpoison before the source's final put_page");
        put("hwpoison-put-testzero", "Vlastimil Babka's 2016 proposal (never merged): set PG_hwpoison only if put_page_testzero freed the source");
        put("hwpoison-set-free-buddy", "d4ae9916ea29 (v4.19): soft offline isolates the pageblock and poisons the page once free, under zone->lock");
        put("hwpoison-no-mf-mutex", "v5.10 rework (79f5f8fab482): page_handle_poison, but soft offline and unpoison not yet under mf_mutex");
        put("CONFIG_MMU_GATHER_RCU_TABLE_FREE", "page tables freed by RCU after the TLB flush (tlb_remove_table), so an IRQ-off GUP-fast walker never sees a freed table");
        put("collapse-no-table-sync", "before 2ba99c5e0881 (v6.1): no tlb_remove_table_sync_one() after pmdp_collapse_flush in collapse_huge_page");
        put("collapse-release-under-ptl", "Kirill Shutemov's suggestion (2020): release_pte_page() inside the pte-lock section, before page_remove_rmap");
        put("collapse-yang-v1", "Yang Shi's v1 patch (2020): no putback; after page_remove_rmap, drop the isolation reference and free");
        put("collapse-no-compound", "before v5.8: khugepaged stops at a PTE-mapped THP (SCAN_PAGE_COMPOUND), has no max_ptes_shared, and wants page_count == 1 + PageSwapCache");
        put("collapse-no-pmd-lock", "Yang Shi's question (2020): no pmd_lock around pmdp_collapse_flush in collapse_huge_page");
        put("collapse-no-vma-start-write", "counterfactual: collapse_huge_page without vma_start_write, so a fault under the per-VMA lock runs during the collapse");
        put("rmap-sees-detached-table", "counterfactual negative control: rmap walks reach the PTE table collapse detached");
        put("tlb-flush-paravirt", "x86 under a hypervisor: the TLB flush is a hypercall, a preempted vCPU gets no IPI");
        put("ppc-radix-serialize", "powerpc book3s64 radix: pmdp_collapse_flush also IPIs mm_cpumask (serialize_against_pte_lookup)");
        put("tlb-flush-no-ipi", "the TLB is flushed without an IPI and page tables freed at once (Power, s390: seed 003)");
        put("unmap-share-before-ptep-clear", "counterfactual: try_to_unmap_one checks for a pin and drops PG_anon_exclusive before ptep_clear_flush, the order folio_try_share_anon_rmap_pte forbids");
        put("gup-fast-no-pmd-recheck", "GUP-fast without the v6.0 PMD re-check, even on mainline (seed 003)");
        put("kernel-page-tables", "model init_mm's kernel page tables on x86_64 (always on for arm64): vmalloc, ioremap, ptdump");
        put("hot-remove-ptl-around-clear", "seed 004 thread V2 (Apr 2019): init_mm.page_table_lock around each entry hot-remove clears");
        put("hot-remove-ptl-whole", "Anshuman's proposal (seed 004): init_mm.page_table_lock held across the whole removal");
        put("hot-remove-no-floor-ceiling", "counterfactual: free_empty_tables frees any all-none table, with no floor/ceiling check");
        put("ptdump-unlocked", "before 59305202c67f (2025): ptdump_walk_pgd() takes no hotplug lock");
        put("ptdump-debugfs-hotplug-lock", "bf2b59f60ee1 (v5.7): arm64's debugfs kernel_page_tables show takes get_online_mems()");
        put("huge-vmap-with-ptdump", "arm64 before 7ba36eccb3f8 (v5.2): huge vmap/ioremap allowed although ptdump is built in");
        put("migrate-putback-lru-source", "pre-v4.7: the migrated source page is released with putback_lru_page() (implied by era v4.6)");
    }

    private static void put(String option, String summary) {
        if (SUMMARY.put(option, summary) != null) throw new IllegalStateException("switch " + option + " described twice");
    }

    /**
     * Every option the model knows with its summary, sorted by name; an option without a line here
     * shows "(not described yet)" (LanguageReferenceTest and SwitchesTest fail on it, users do not).
     */
    public static Map<String, String> all() {
        Map<String, String> out = new TreeMap<>();
        for (String o : Machine.knownOptions()) out.put(o, SUMMARY.getOrDefault(o, "(not described yet)"));
        return out;
    }

    /** Lines of this table naming an option the model does not know, or options it has no line for: both should be empty. */
    public static Set<String> mismatches() {
        Set<String> out = new java.util.TreeSet<>();
        for (String o : Machine.knownOptions()) if (!SUMMARY.containsKey(o)) out.add(o + " (no summary)");
        for (String o : SUMMARY.keySet()) if (!Machine.knownOptions().contains(o)) out.add(o + " (no such option)");
        return out;
    }
}
