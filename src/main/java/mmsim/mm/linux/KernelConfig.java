package mmsim.mm.linux;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The kernel a machine runs: an era (which version's code paths) plus a set of named options.
 * Options are kconfig names ({@code CONFIG_DEBUG_VM}) and variant switches that other packages
 * define as constants next to the code they switch (e.g. page_ext's {@code "page_ext-with-memmap"});
 * each declares its names in an {@code OPTIONS} list that boot collects.
 * Immutable; {@link #with}/{@link #without} return new configs.
 *
 * <p>Models the role of {@code .config} + {@code include/generated/autoconf.h}: code asks
 * {@link #has} where the kernel has {@code IS_ENABLED(CONFIG_X)}.
 */
public final class KernelConfig {

    /** The kernel generation whose code paths run. Table J of the reference lists the differences. */
    public enum Era {
        /** v4.6-v4.8 (2016): no SECTION_IS_ONLINE, no pfn_to_online_page, no subsections. */
        V4_6("4.6.0"),
        /** Today's mainline (v6.12 structure: NR_PAGE_ORDERS, page_type in _mapcount, subsections). */
        MAINLINE("6.12.0");

        public final String release;

        Era(String release) { this.release = release; }
    }

    public static final String CONFIG_64BIT = "CONFIG_64BIT";
    public static final String CONFIG_DEBUG_VM = "CONFIG_DEBUG_VM";
    /** PF_POISONED_CHECK in every page-flag accessor (include/linux/page-flags.h). */
    public static final String CONFIG_DEBUG_VM_PGFLAGS = "CONFIG_DEBUG_VM_PGFLAGS";
    public static final String CONFIG_SPARSEMEM_VMEMMAP = "CONFIG_SPARSEMEM_VMEMMAP";
    public static final String CONFIG_MEMORY_HOTPLUG = "CONFIG_MEMORY_HOTPLUG";
    public static final String CONFIG_MEMORY_HOTREMOVE = "CONFIG_MEMORY_HOTREMOVE";
    public static final String CONFIG_MEMORY_FAILURE = "CONFIG_MEMORY_FAILURE";
    public static final String CONFIG_ZONE_DEVICE = "CONFIG_ZONE_DEVICE";
    public static final String CONFIG_PAGE_OWNER = "CONFIG_PAGE_OWNER";
    public static final String CONFIG_CMA = "CONFIG_CMA";
    /**
     * The memory controller: user pages are committed to their task's memcg (the root one in the
     * model, cgroup v2 inode 1), which /proc/kpagecgroup reports. Off (CONFIG_MEMCG=n, or a kernel
     * booted with cgroup_disable=memory), every page reads 0.
     */
    public static final String CONFIG_MEMCG = "CONFIG_MEMCG";
    /** Page faults under the VMA's own lock (v6.4+, def_bool y on x86_64 and arm64): {@code MmStruct.CONFIG_PER_VMA_LOCK}. */
    public static final String CONFIG_PER_VMA_LOCK = "CONFIG_PER_VMA_LOCK";
    /** Per-cpu page lists in front of the buddy lists (always on in real kernels; a switch here for unit tests). */
    public static final String PCP_LISTS = "pcp-lists";

    /**
     * The kconfig options this class names itself. Variant switches are declared by the subsystem
     * they switch, as a constant next to the code plus an {@code OPTIONS} list; boot
     * ({@code mmsim.mm.Machine#knownOptions}) collects the lists, so that a misspelt option in a
     * scenario is an error that names it instead of a variant that silently runs the default code.
     * This class imports no subsystem.
     */
    public static final List<String> OPTIONS = List.of(
            CONFIG_64BIT, CONFIG_DEBUG_VM, CONFIG_DEBUG_VM_PGFLAGS, CONFIG_SPARSEMEM_VMEMMAP, CONFIG_MEMORY_HOTPLUG,
            CONFIG_MEMORY_HOTREMOVE, CONFIG_MEMORY_FAILURE, CONFIG_ZONE_DEVICE, CONFIG_PAGE_OWNER, CONFIG_CMA,
            CONFIG_MEMCG, PCP_LISTS, CONFIG_PER_VMA_LOCK);

    /**
     * {@code drop-lock=CLASS}: run without a lock class, to see whether it is necessary.
     * Repeatable; the option is not among the known options: its value is a class name, checked
     * against the lock classes the model declares.
     */
    public static final String DROP_LOCK = "drop-lock";

    /** The option that drops {@code lockClass}. */
    public static String dropLock(String lockClass) { return DROP_LOCK + "=" + lockClass; }

    /** The lock class names this config drops, in name order. */
    public java.util.SortedSet<String> droppedLocks() {
        java.util.SortedSet<String> out = new TreeSet<>();
        String prefix = DROP_LOCK + "=";
        for (String o : options) if (o.startsWith(prefix)) out.add(o.substring(prefix.length()));
        return out;
    }

    private final Era era;
    private final Set<String> options;

    private KernelConfig(Era era, Set<String> options) {
        this.era = era;
        this.options = Collections.unmodifiableSet(new TreeSet<>(options));
    }

    public static KernelConfig of(Era era, String... options) {
        return new KernelConfig(era, new TreeSet<>(Arrays.asList(options)));
    }

    /** A distro-like kernel of the era with CONFIG_DEBUG_VM on (mmsim is a debugging tool). */
    public static KernelConfig defaults(Era era) {
        KernelConfig c = of(era, CONFIG_64BIT, CONFIG_SPARSEMEM_VMEMMAP, CONFIG_MEMORY_HOTPLUG, CONFIG_MEMORY_HOTREMOVE,
                CONFIG_MEMORY_FAILURE, CONFIG_ZONE_DEVICE, CONFIG_DEBUG_VM, CONFIG_CMA, CONFIG_MEMCG, PCP_LISTS);
        return era == Era.MAINLINE ? c.with(CONFIG_PER_VMA_LOCK) : c;
    }

    public static KernelConfig mainline() { return defaults(Era.MAINLINE); }

    public static KernelConfig v4_6() { return defaults(Era.V4_6); }

    public Era era() { return era; }

    public boolean has(String option) { return options.contains(option); }

    public Set<String> options() { return options; }

    public KernelConfig with(String... more) {
        TreeSet<String> s = new TreeSet<>(options);
        s.addAll(Arrays.asList(more));
        return new KernelConfig(era, s);
    }

    public KernelConfig without(String... less) {
        TreeSet<String> s = new TreeSet<>(options);
        s.removeAll(Arrays.asList(less));
        return new KernelConfig(era, s);
    }

    public KernelConfig withEra(Era e) { return new KernelConfig(e, options); }

    @Override public String toString() { return era + " " + options; }

    @Override public boolean equals(Object o) {
        return o instanceof KernelConfig c && c.era == era && c.options.equals(options);
    }

    @Override public int hashCode() { return era.hashCode() * 31 + options.hashCode(); }
}
