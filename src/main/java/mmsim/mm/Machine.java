package mmsim.mm;

import mmsim.mm.memory_failure.MemoryFailure;

import mmsim.mm.linux.MmCore;

import mmsim.mm.linux.ArchProfile;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MachineLayout;

import mmsim.kernel.Kernel;
import mmsim.mm.arm64_mmu.Arm64Mmu;
import mmsim.mm.compaction.Compaction;
import mmsim.mm.init_mm.ArchMmu;
import mmsim.mm.init_mm.InitMm;
import mmsim.mm.ptdump.Ptdump;
import mmsim.mm.vmalloc.Vmalloc;
import mmsim.mm.x86_init_64.X86Init64;
import mmsim.mm.memory_block.MemoryBlocks;
import mmsim.mm.memory_hotplug.MemoryHotplug;
import mmsim.mm.memremap.Memremap;
import mmsim.mm.mmap.MachinePages;
import mmsim.mm.page_isolation.PageIsolation;
import mmsim.mm.khugepaged.Khugepaged;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.linux.Memmap;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.page_alloc.MmInit;
import mmsim.mm.linux.PgData;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.ZoneType;
import mmsim.mm.sparse.SparseMem;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * One simulated machine: the kernel context, the memory model's subsystems and the boot that
 * wires them (the part of start_kernel → mm_core_init that matters here: e820/memblock,
 * sparse_init, free_area_init, memblock_free_all, init_per_zone_wmark_min: {@code MmInit.bootMemory}).
 *
 * <p>A small wiring class, not a god object: each subsystem owns its state. Subsystems are
 * created in {@link #Machine}'s marked block (start_kernel: each handed its collaborators, in
 * dependency order); boot steps that belong to one subsystem live in that subsystem and are
 * called from {@link #bootMemory}. Outer layers (iface, scenario) hang their per-machine objects
 * on {@link #ext}, since mm may not import them; mm itself never uses {@link #ext}.
 *
 * <p>Boot must stay cheap: the explorer boots a fresh machine for every execution.
 */
public final class Machine {
    private final MachineLayout layout;
    private final KernelConfig config;
    private final Kernel kernel;
    private final Memmap memmap;
    private final SparseMem sparse;
    private final BuddyAllocator allocator;
    private final mmsim.mm.page_ext.PageExt pageExt;
    private final mmsim.mm.page_owner.PageOwner pageOwner;
    private final PageIsolation isolation;
    private long maxPfn;
    private final UserMemory userMemory;
    private final Khugepaged khugepaged;
    private final mmsim.mm.page_idle.PageIdle pageIdle;
    private final mmsim.mm.acpi_memhotplug.AcpiMemhotplug acpiMemhotplug;
    private final MemoryHotplug memoryHotplug;
    private final MemoryBlocks memoryBlocks;
    private final Memremap memremap;
    private final Compaction compaction;
    private final MemoryFailure memoryFailure;
    private final InitMm initMm;
    private final ArchMmu archMmu;
    private final Vmalloc vmalloc;
    private final Ptdump ptdump;
    private final mmsim.mm.linux.Vmstat vmstat = new mmsim.mm.linux.Vmstat();
    private final Map<Class<?>, Object> ext = new IdentityHashMap<>();

    private Machine(MachineLayout layout, KernelConfig config) {
        this.layout = layout;
        this.config = config;
        ArchProfile arch = layout.arch();
        this.kernel = new Kernel(layout.cpus(), arch.kernelArch(), config.era().release);
        long ramPages = 0;
        for (MachineLayout.Range r : layout.ranges(MachineLayout.Kind.RAM)) ramPages += r.nrPages();
        if (!Memmap.fitsInHeap(ramPages)) {
            throw new MachineLayout.LayoutException(String.format(java.util.Locale.ROOT,
                    "%s: %d MiB of boot RAM needs a %d MiB memmap in the model, more than the Java heap holds"
                    + " (room for about %d MiB of RAM); use a smaller layout or a larger heap (MMSIM_JAVA_OPTS=-Xmx...)",
                    layout.source(), (ramPages << 12) >> 20, ramPages * Memmap.HEAP_BYTES_PER_PAGE >> 20,
                    (Memmap.heapRoomPages() << 12) >> 20));
        }
        kernel.dropLockClasses(droppedLockClasses(config));
        long nrSections = (layout.physEnd() + (1L << arch.sectionSizeBits()) - 1) >>> arch.sectionSizeBits();
        // ---- start_kernel: every subsystem, in dependency order, handed what it calls ----------
        // Nothing in mm finds another subsystem through the machine: a subsystem's constructor
        // names its collaborators, so this block is the one picture of who calls whom (the
        // layers are drawn in docs/ARCHITECTURE.md; LayeringTest forbids package cycles).
        this.memmap = new Memmap(kernel, arch, nrSections);                                    // struct page
        this.sparse = new SparseMem(kernel, arch, config, memmap, nrSections);                // mm/sparse.c
        this.allocator = new BuddyAllocator(kernel, config, memmap, sparse, layout.nodes());  // mm/page_alloc.c
        this.isolation = new PageIsolation(kernel, memmap, allocator);                       // mm/page_isolation.c
        this.pageExt = new mmsim.mm.page_ext.PageExt(kernel, config, sparse, allocator);      // mm/page_ext.c
        this.pageOwner = new mmsim.mm.page_owner.PageOwner(kernel, config, sparse, allocator, pageExt);
        if (config.has(KernelConfig.CONFIG_PAGE_OWNER)) allocator.setPageOwnerHooks(pageOwner); // post_alloc_hook, free_pages_prepare
        // user memory (mmap, rmap, swap, vmscan, migrate, gup) comes before memory hotplug,
        // whose offline_pages migrates user pages (do_migrate_range -> migrate_pages)
        this.userMemory = new UserMemory(kernel, config,
                arch.kernelArch() == Kernel.Arch.X86_64 ? PgtableArch.x86_64() : PgtableArch.arm64(),
                new MachinePages(memmap, allocator));
        this.memoryHotplug = new MemoryHotplug(kernel, config, layout, memmap, sparse, allocator, isolation,
                userMemory, userMemory.swap, userMemory.vmscan, userMemory.migrate);
        // drivers/base/memory.c: the block devices, above memory_hotplug (their stores online and
        // offline through it; add/remove_memory call back through MemoryBlockDevices)
        this.memoryBlocks = new MemoryBlocks(kernel, config, layout, sparse, allocator, memoryHotplug, vmstat);
        memoryHotplug.setMemoryBlockDevices(memoryBlocks);
        // drivers/acpi: the memory device's eject (QEMU's device_del of a DIMM) offlines its blocks, then removes them
        this.acpiMemhotplug = new mmsim.mm.acpi_memhotplug.AcpiMemhotplug(kernel, memoryHotplug, memoryBlocks, layout.arch().pageShift());
        this.memremap = new Memremap(kernel, config, layout, memmap, sparse, allocator, memoryHotplug);
        this.compaction = new Compaction(kernel, config, sparse, allocator);                   // mm/compaction.c
        this.memoryFailure = config.has(KernelConfig.CONFIG_MEMORY_FAILURE)                  // mm/memory-failure.c
                ? new MemoryFailure(kernel, config, sparse, allocator, userMemory, memoryHotplug, vmstat) : null;
        // kernel page tables (seed 004): init_mm's tables (mm/init-mm.c), the arch's mapping code
        // providing memory_hotplug's arch_add/remove_memory (arch/arm64/mm/mmu.c,
        // arch/x86/mm/init_64.c), and their users vmalloc/ioremap (mm/vmalloc.c) and ptdump
        // (mm/ptdump.c). Modelled on arm64, and on x86_64 with the option kernel-page-tables.
        if (InitMm.enabled(layout, config)) {
            this.initMm = new InitMm(kernel, layout, memmap, allocator);
            this.archMmu = arch.kernelArch() == Kernel.Arch.ARM64
                    ? new Arm64Mmu(kernel, config, layout, sparse, allocator, memoryHotplug, initMm)
                    : new X86Init64(kernel, layout, sparse, allocator, memoryHotplug, initMm);
            this.vmalloc = new Vmalloc(kernel, config, initMm, allocator);
            this.ptdump = new Ptdump(kernel, config, initMm, memoryHotplug);
        } else {
            this.initMm = null;
            this.archMmu = null;
            this.vmalloc = null;
            this.ptdump = null;
        }
        // mm/khugepaged.c (huge_memory itself is part of user memory: mm/memory.c calls it)
        this.khugepaged = new Khugepaged(userMemory, userMemory.arch, userMemory.tables, userMemory.pgalloc, userMemory.swap,
                userMemory.swapState, userMemory.rmap, userMemory.memory, userMemory.vmscan, userMemory.hugeMemory);
        userMemory.mmap.registerRangeAdvice(mmsim.mm.mmap.Mmap.MADV_COLLAPSE, khugepaged::madviseCollapse);
        // mm/page_idle.c: idle page tracking over user pages (rmap), its bits in page_ext on 32-bit
        this.pageIdle = new mmsim.mm.page_idle.PageIdle(kernel, config, sparse, userMemory, pageExt, this::maxPfn);
        // ---- a new subsystem wires in here, above what it calls, handed its collaborators; it
        // declares its variant switches in its OPTIONS, which KNOWN_OPTIONS collects.
    }

    /**
     * Every option a scenario may name: the kconfig names plus each subsystem's variant switches
     * (each subsystem declares its own {@code OPTIONS}; a new subsystem with switches adds its
     * list here, where it is also created).
     */
    private static final Set<String> KNOWN_OPTIONS = collectOptions(
            KernelConfig.OPTIONS, SparseMem.OPTIONS, MmInit.OPTIONS, mmsim.mm.page_ext.PageExt.OPTIONS,
            mmsim.mm.memremap.Memremap.OPTIONS, MmCore.OPTIONS, mmsim.mm.gup.Gup.OPTIONS,
            mmsim.mm.migrate.Migrate.OPTIONS, InitMm.OPTIONS, Arm64Mmu.OPTIONS, Ptdump.OPTIONS, Vmalloc.OPTIONS,
            MemoryFailure.OPTIONS, mmsim.mm.pgtable.PgtableAlloc.OPTIONS, Khugepaged.OPTIONS, mmsim.mm.rmap.Rmap.OPTIONS);

    @SafeVarargs
    private static Set<String> collectOptions(List<String>... lists) {
        TreeSet<String> all = new TreeSet<>();
        for (List<String> l : lists) all.addAll(l);
        return Collections.unmodifiableSet(all);
    }

    /** The options a scenario may name (kconfig names and variant switches), sorted. */
    public static Set<String> knownOptions() { return KNOWN_OPTIONS; }

    /** The classes {@code config} drops (drop-lock=CLASS), each a class the model declares. */
    private static java.util.Set<mmsim.kernel.LockClass> droppedLockClasses(KernelConfig config) {
        java.util.Set<mmsim.kernel.LockClass> out = new java.util.HashSet<>();
        for (String name : config.droppedLocks()) {
            mmsim.kernel.LockClass c = LockClasses.lookup(name);
            if (c == null) throw new IllegalArgumentException("drop-lock: no lock class '" + name + "'");
            out.add(c);
        }
        return out;
    }

    /** Boots {@code layout} with {@code config}: memory is set up, boot RAM is in the buddy allocator. */
    public static Machine boot(MachineLayout layout, KernelConfig config) {
        Machine m = new Machine(layout, config);
        m.bootMemory();
        return m;
    }

    /** The built-in small layout on mainline. */
    public static Machine boot() { return boot(MachineLayout.small(), KernelConfig.mainline()); }

    public MachineLayout layout() { return layout; }
    public KernelConfig config() { return config; }
    public Kernel kernel() { return kernel; }
    public ArchProfile arch() { return layout.arch(); }
    public Memmap memmap() { return memmap; }
    public SparseMem sparse() { return sparse; }
    public BuddyAllocator allocator() { return allocator; }
    /** struct page extension (mm/page_ext.c): tables exist only when a client needs them. */
    public mmsim.mm.page_ext.PageExt pageExt() { return pageExt; }
    /** page_owner (mm/page_owner.c): inited only with CONFIG_PAGE_OWNER. */
    public mmsim.mm.page_owner.PageOwner pageOwner() { return pageOwner; }
    public PgData node(int nid) { return allocator.node(nid); }
    /**
     * max_pfn: one past the highest pfn of boot RAM, raised on x86 by memory hot-add and by
     * devm_memremap_pages (add_pages; ZONE_DEVICE ranges have no memory blocks), never lowered.
     */
    public long maxPfn() { return Math.max(maxPfn, memremap.maxPfnRaised()); }
    /** Range isolation (mm/page_isolation.c). */
    public PageIsolation isolation() { return isolation; }
    /** User memory: address spaces, page tables, faults, rmap, LRU, reclaim, swap, migration, GUP. */
    public UserMemory userMemory() { return userMemory; }

    /** The khugepaged daemon (mm/khugepaged.c); scenarios and tests run its passes. */
    public Khugepaged khugepaged() { return khugepaged; }
    /** The ACPI memory device driver's eject (drivers/acpi/acpi_memhotplug.c, scan.c). */
    public mmsim.mm.acpi_memhotplug.AcpiMemhotplug acpiMemhotplug() { return acpiMemhotplug; }
    /** Idle page tracking (mm/page_idle.c), behind /sys/kernel/mm/page_idle/bitmap. */
    public mmsim.mm.page_idle.PageIdle pageIdle() { return pageIdle; }
    /** Memory hotplug (mm/memory_hotplug.c) and the memory block devices (drivers/base/memory.c). */
    public MemoryHotplug memoryHotplug() { return memoryHotplug; }

    /** The memory block devices (drivers/base/memory.c). */
    public MemoryBlocks memoryBlocks() { return memoryBlocks; }
    /** ZONE_DEVICE pagemaps (mm/memremap.c). */
    public Memremap memremap() { return memremap; }
    /** Compaction (mm/compaction.c). */
    public Compaction compaction() { return compaction; }
    /** Hard and soft offline, unpoison (mm/memory-failure.c); null without CONFIG_MEMORY_FAILURE. */
    public MemoryFailure memoryFailure() { return memoryFailure; }
    /** init_mm and its page tables (mm/init-mm.c); null when the kernel page tables are not modelled. */
    public InitMm initMm() { return initMm; }
    /** vmalloc/ioremap (mm/vmalloc.c); null when the kernel page tables are not modelled. */
    public Vmalloc vmalloc() { return vmalloc; }
    /** The kernel page-table dumper and W+X check (mm/ptdump.c); null when not modelled. */
    public Ptdump ptdump() { return ptdump; }
    /** Global counters (num_poisoned_pages, committed AS, hugetlb pool...). */
    public mmsim.mm.linux.Vmstat vmstat() { return vmstat; }

    /** Every zone of every node, in node then zone order (populated or not). */
    public List<Zone> zones() {
        List<Zone> out = new ArrayList<>();
        for (int n = 0; n < allocator.nrNodes(); n++)
            for (ZoneType t : ZoneType.values()) out.add(allocator.node(n).zone(t));
        return out;
    }

    /**
     * A per-machine object of an outer layer (the VirtualFs, a sysfs tree), created on first use.
     * Keyed by class identity; never iterated.
     */
    public <T> T ext(Class<T> type, Function<Machine, T> factory) {
        Object o = ext.get(type);
        if (o == null) {
            o = factory.apply(this);
            ext.put(type, o);
        }
        return type.cast(o);
    }

    /** The per-machine object of {@code type} if one was created, else null (for checks that must not create it). */
    public <T> T extIfPresent(Class<T> type) {
        return type.cast(ext.get(type));
    }

    // =========================================================================================
    // boot
    // =========================================================================================

    private void bootMemory() {
        ArchProfile arch = layout.arch();
        int shift = arch.pageShift();
        // mm_init.c: sparse_init, free_area_init, memblock_free_all, init_per_zone_wmark_min
        MmInit.bootMemory(kernel, layout, sparse, allocator);
        // empty_zero_page lives in the kernel image's .bss (arch/x86/kernel/head_64.S, arm64's
        // vmlinux.lds): a PG_reserved page of the first reserved range (the image), never a
        // page the allocator hands out, so it can never pin a hot-pluggable block
        List<MachineLayout.Range> image = layout.ranges(MachineLayout.Kind.RESERVE);
        if (!image.isEmpty()) userMemory.zeroPfn = image.get(0).endPfn() - 1;
        // page_ext_init(): after the buddy allocator is up (the tables come from it), before the
        // firmware's hot-pluggable ranges are added
        PgData[] nodes = new PgData[layout.nodes()];
        for (int nid = 0; nid < nodes.length; nid++) nodes[nid] = allocator.node(nid);
        pageExt.pageExtInit(nodes);
        pageOwner.initPageOwner(nodes);       // page_ext's init callbacks (invoke_init_callbacks)
        // memory_dev_init() (driver_init): the boot memory's block devices, now that zones exist
        memoryHotplug.registerBootSystemRam();
        memoryBlocks.memoryDevInit();

        // paging_init / init_mem_mapping: init_mm's page tables for the boot memory, its vmemmap
        // and the kernel image, and the arch's half of memory hotplug (before any hot-add)
        if (archMmu != null) archMmu.pagingInit();

        // hot-pluggable memory the firmware announces at boot (ACPI memory devices): the ACPI
        // driver's add_memory(), which adds the sections and leaves the blocks offline
        // (auto_online_blocks is "offline"), then binds the blocks to the device (firmware_node)
        for (MachineLayout.Range r : layout.ranges(MachineLayout.Kind.HOTPLUG)) {
            if (!r.addedAtBoot()) continue;
            int err = acpiMemhotplug.memoryDeviceAdd(r.nid(), r.start(), r.end() - r.start());
            if (err != 0) throw new IllegalStateException("add_memory of layout line " + r.line() + " failed: " + err);
        }
        // max_pfn: the end of boot RAM, raised on x86 by every hot-add (arch_add_memory ->
        // update_end_of_memory_vars) and never lowered
        this.maxPfn = layout.bootMemEnd() >>> shift;
        if (arch.kernelArch() == Kernel.Arch.X86_64) {
            for (var b : memoryBlocks.blocks()) this.maxPfn = Math.max(this.maxPfn, b.endPfn());
            memoryBlocks.onBlockAdded(b -> this.maxPfn = Math.max(this.maxPfn, b.endPfn()));
        }
        printMemoryLine();
        // page_ext_init() ends with hotplug_memory_notifier(page_ext_callback): registered on the
        // hotplug state once boot memory is complete
        if (pageExt.needed()) pageExt.hotplugMemoryNotifier(memoryHotplug);
    }

    private void printMemoryLine() {
        long physpages = 0;
        for (MachineLayout.Range r : layout.ranges(MachineLayout.Kind.RAM)) physpages += r.nrPages();
        long avail = allocator.globalZoneState(mmsim.mm.linux.ZoneStat.NR_FREE_PAGES);
        long reserved = physpages - allocator.totalramPages();
        kernel.log().printk(mmsim.kernel.Printf.format(
                "Memory: %dK/%dK available (0K kernel code, 0K rwdata, 0K rodata, 0K init, 0K bss, %dK reserved, 0K cma-reserved)",
                avail * 4, physpages * 4, reserved * 4));
        if (layout.arch().kernelArch() == Kernel.Arch.X86_64)
            kernel.log().printk("x86/mm: Memory block size: " + (layout.memoryBlockSize() >> 20) + "MB");
    }
}
