package mmsim.mm.page_ext;

import java.util.Arrays;
import java.util.Locale;

import mmsim.kernel.Access;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.Restorable;
import mmsim.mm.linux.WrittenBlocks;
import mmsim.mm.memory_hotplug.MemoryHotplug;
import mmsim.mm.memory_hotplug.MemoryNotifier;
import mmsim.mm.memory_hotplug.MemoryNotify;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.linux.Gfp;
import mmsim.mm.linux.PgData;
import mmsim.mm.sparse.SparseMem;

/**
 * struct page extension, SPARSEMEM flavour: mm/page_ext.c, include/linux/page_ext.h, and the
 * page_ext route of include/linux/page_idle.h (32-bit). One table per section, reached through
 * {@code ms->page_ext}, which holds {@code table_base - section_start_pfn * entry_size} so that
 * {@code lookup(pfn) = ms->page_ext + pfn * entry_size}.
 *
 * <p>Lifetime. Boot: {@link #pageExtInit} allocates a table for every present boot section, if
 * a client needs page_ext (page_idle on 32-bit, page_owner). Hotplug: the memory notifier
 * {@link #pageExtCallback} allocates on MEM_GOING_ONLINE and frees on MEM_OFFLINE and
 * MEM_CANCEL_ONLINE — unless {@link #WITH_MEMMAP} (Minchan Kim's 2016 proposal) ties the table
 * to the memmap instead (allocated by sparse_add_section, freed by section removal).
 *
 * <p>How the table is freed decides the race of seed 000, so each era's way is modelled:
 * <ul>
 * <li>v4.6 / v4.7 ({@link KernelConfig.Era#V4_6}): __free_page_ext frees the table, then writes
 *     {@code ms->page_ext = NULL}. No RCU; a reader that loaded the pointer before keeps using
 *     freed memory.</li>
 * <li>mainline (Charan Teja Kalla, v6.1): offline_page_ext sets PAGE_EXT_INVALID (bit 0) in
 *     every section's pointer, synchronize_rcu(), then frees and writes NULL. Readers go through
 *     page_ext_get()/page_ext_put() (rcu_read_lock) and lookup_page_ext treats an invalid pointer
 *     as NULL.</li>
 * </ul>
 * The table is real memory: alloc_pages_exact_nid() from the buddy allocator (the pages show as
 * allocated in the model), vzalloc_node() when that fails. A reader touching a freed table gets
 * what a debugging kernel reports: a KASAN use-after-free for pages that went back to the page
 * allocator (still in the linear map), a page fault for a vfree'd area (unmapped at once).
 * Without KASAN the 2016 kernel would silently read whatever the pages hold next; the model
 * reports it, as the explorer's job is to find the access.
 *
 * <p>Simplification: alloc_pages_exact splits its block and frees the pages past the table's
 * size; the model keeps the whole power-of-two block (exact for the 8-byte entry, 64 pages).
 *
 * <p>Locking (as in the kernel): {@code ms->page_ext} changes only under mem_hotplug_lock (the
 * notifier runs inside online_pages/offline_pages). Readers take no lock: a preemption point
 * before the load of {@code ms->page_ext} and another before each use of the entry, because the
 * thread's race sits exactly between the two.
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info (page_ext_callback runs
 * under memory_chain.rwsem, which nests in mem_hotplug_lock; freeing a table takes zone->lock).
 */
public final class PageExt {

    /**
     * v4.7-rc f86e4271978b (Yang Shi, "mm: check the return value of lookup_page_ext for all call
     * sites"): lookup_page_ext returns NULL whenever the section has no table (not only under
     * CONFIG_DEBUG_VM), and every caller checks for NULL.
     */
    public static final String NULL_CHECKS = "page_ext-null-checks";

    /**
     * Minchan Kim's proposal in the thread (May 2016): allocate page_ext together with the memmap
     * at hot-add and free it at hot-remove, so that a valid pfn always has page_ext.
     */
    public static final String WITH_MEMMAP = "page_ext-with-memmap";
    /** The variant switches of this file, collected at boot into the options a scenario may name. */
    public static final java.util.List<String> OPTIONS = java.util.List.of(NULL_CHECKS, WITH_MEMMAP);

    // enum page_ext_flags, bits of page_ext->flags. 2016 (v4.6):
    //   bit 0 DEBUG_POISON, 1 DEBUG_GUARD, 2 OWNER, 3 YOUNG, 4 IDLE (YOUNG/IDLE only on !64BIT)
    // mainline:
    //   bit 0 OWNER, 1 OWNER_ALLOCATED, 2 YOUNG, 3 IDLE (YOUNG/IDLE only on !64BIT)
    private static final int V46_OWNER = 2, V46_YOUNG = 3, V46_IDLE = 4;
    private static final int ML_OWNER = 0, ML_OWNER_ALLOCATED = 1, ML_YOUNG = 2, ML_IDLE = 3;

    /**
     * PAGE_EXT_INVALID: bit 0 of {@code ms->page_ext} (the pointer, not the flags word) marks a
     * table being freed (mainline). The model keeps it as a separate boolean next to the pointer;
     * both are read and written at one point, as the kernel's single word is.
     */
    public static final long PAGE_EXT_INVALID = 0x1;

    /** sizeof(unsigned long): page_ext->flags. */
    private static final int FLAGS_SIZE = 8;
    /** 2016 struct page_ext page_owner members: order, gfp_mask, nr_entries, last_migrate_reason, trace_entries[8]. */
    private static final int V46_OWNER_SIZE = 80;
    /** Today's struct page_owner (order, reason, gfp, handles, timestamps, comm, pids). */
    private static final int ML_OWNER_SIZE = 64;

    /** PAGE_OFFSET (x86_64 4-level, no KASLR) and VMALLOC_START, for the addresses reports show. */
    private static final long PAGE_OFFSET_X86 = 0xffff888000000000L, PAGE_OFFSET_ARM64 = 0xffff000000000000L;
    private static final long VMALLOC_START_X86 = 0xffffc90000000000L, VMALLOC_START_ARM64 = 0xffff800008000000L;

    /**
     * One section's table: page_ext->flags per page (primitive array), and where it lives. Writes
     * go through {@link #setFlag} and {@link #writeOwner}, which mark the entry's block written,
     * so the explorer can restore a used copy in place ({@link Restorable}).
     */
    public static final class Table implements Restorable<Table> {
        final long section;
        final long[] flags;
        /** The entries written since the last restore. */
        private final WrittenBlocks written;
        /** Kernel virtual address of entry 0. */
        final long base;
        /** First pfn of the pages holding the table, or -1 when vmalloc'ed. */
        final long memPfn;
        final int order;
        /** page_owner's data per page (null without CONFIG_PAGE_OWNER), see {@link #ownerWord}. */
        final long[] owner;
        boolean freed;

        Table(long section, int nrEntries, long base, long memPfn, int order, boolean pageOwner) {
            this.section = section;
            this.flags = new long[nrEntries];
            this.owner = pageOwner ? new long[nrEntries] : null;
            this.written = new WrittenBlocks(nrEntries);
            this.base = base;
            this.memPfn = memPfn;
            this.order = order;
        }

        public boolean freed() { return freed; }
        public boolean vmalloced() { return memPfn < 0; }
        public long memPfn() { return memPfn; }
        public int order() { return order; }

        @Override public String toString() { return "page_ext table of section " + section; }

        @Override
        public void restoreFrom(Table original) {
            freed = original.freed;
            written.forEachWritten((from, len) -> {
                System.arraycopy(original.flags, from, flags, from, len);
                if (owner != null) System.arraycopy(original.owner, from, owner, from, len);
            });
            written.clear();
        }

        @Override
        public String differenceFrom(Table o) {
            if (freed != o.freed) return this + ": freed differs from the machine setup left";
            int i = java.util.Arrays.mismatch(flags, o.flags);
            if (i < 0 && owner != null) i = java.util.Arrays.mismatch(owner, o.owner);
            return i < 0 ? null : this + ": entry " + i + " differs from the machine setup left (written without its mark)";
        }
    }

    /** The preemption-point location of {@code mem_section[nr].page_ext} (value equality). */
    public record PageExtPtr(long section) {
        @Override public String toString() { return "mem_section[" + section + "].page_ext"; }
    }

    /**
     * What lookup_page_ext() returns: a page_ext pointer. {@code table} is the table the reader
     * loaded (null when the base was NULL: {@code NULL + pfn}), {@code address} the pointer value.
     */
    public record Entry(Table table, long address, int index, long pfn) { }

    private final Kernel k;
    private final KernelConfig config;
    private final SparseMem sparse;
    private final BuddyAllocator allocator;
    private final boolean v46;
    private final boolean needed;
    private final boolean pageOwner;
    private final int entrySize;
    private final int tableOrder;
    private final long pageOffset;
    private long vmallocNext;
    private Table[] tables;
    private boolean[] invalid;
    private boolean initDone;
    private long totalUsage;

    public PageExt(Kernel k, KernelConfig config, SparseMem sparse, BuddyAllocator allocator) {
        this.k = k;
        this.config = config;
        this.sparse = sparse;
        this.allocator = allocator;
        this.v46 = config.era() == KernelConfig.Era.V4_6;
        // invoke_need_callbacks(): page_idle's need() on 32-bit (page_idle.h keeps the bits in
        // page_ext there), page_owner's when built in (the model assumes page_owner=on)
        this.pageOwner = config.has(KernelConfig.CONFIG_PAGE_OWNER);
        this.needed = !config.has(KernelConfig.CONFIG_64BIT) || pageOwner;
        int size = FLAGS_SIZE;
        if (config.has(KernelConfig.CONFIG_PAGE_OWNER)) size += v46 ? V46_OWNER_SIZE : ML_OWNER_SIZE;
        this.entrySize = size;
        long pages = (size * sparse.pagesPerSection() + 4095) >>> 12;
        this.tableOrder = 64 - Long.numberOfLeadingZeros(pages - 1);
        boolean arm = sparse.arch().kernelArch() == Kernel.Arch.ARM64;
        this.pageOffset = arm ? PAGE_OFFSET_ARM64 : PAGE_OFFSET_X86;
        this.vmallocNext = arm ? VMALLOC_START_ARM64 : VMALLOC_START_X86;
        this.tables = new Table[(int) sparse.nrSections()];
        this.invalid = new boolean[tables.length];
        if (needed && config.has(WITH_MEMMAP)) {
            sparse.addSectionListener(new SparseMem.SectionListener() {
                @Override public void sectionAdded(long nr, int nid) { initSectionPageExt(sparse.sectionNrToPfn(nr), nid); }
                @Override public void sectionRemoving(long nr) { freePageExtOfSection(nr); }
            });
        }
    }

    /** True when some client needs page_ext (invoke_need_callbacks()), so tables exist. */
    public boolean needed() { return needed; }
    /** page_ext_size: sizeof(struct page_ext) plus the clients' data. */
    public int entrySize() { return entrySize; }
    /** Bytes of tables allocated so far (the "allocated %ld bytes of page_ext" figure). */
    public long totalUsage() { return totalUsage; }
    /** True once page_ext_init allocated the boot tables (the memory notifier follows). */
    public boolean initDone() { return initDone; }

    /** The table {@code ms->page_ext} points at, raw (no point; tests and checks), or null. */
    public Table table(long sectionNr) {
        return sectionNr < tables.length ? tables[(int) sectionNr] : null;
    }

    /** PAGE_EXT_INVALID of {@code ms->page_ext}, raw. */
    public boolean invalid(long sectionNr) {
        return sectionNr < invalid.length && invalid[(int) sectionNr];
    }

    private void ensure(long nr) {
        if (nr >= tables.length) {
            int n = (int) Math.max(nr + 1, tables.length * 2L);
            tables = Arrays.copyOf(tables, n);
            invalid = Arrays.copyOf(invalid, n);
        }
    }

    private Object ptr(long nr) {
        return k.sched().exploring() ? new PageExtPtr(nr) : null;
    }

    // =========================================================================================
    // boot and the memory notifier
    // =========================================================================================

    /**
     * page_ext_init(): when a client needs page_ext, a table for every valid section of every
     * node's span (the boot memory), then the memory notifier. Runs after the buddy allocator is
     * up, as in the kernel (the tables come from alloc_pages_exact). Hot-pluggable ranges the
     * firmware adds later get theirs on MEM_GOING_ONLINE (or at add with {@link #WITH_MEMMAP}).
     */
    public void pageExtInit(PgData[] nodes) {
        if (!needed) return;
        try (var f = k.enter("page_ext_init")) {
            for (PgData pg : nodes) {
                long start = pg.nodeStartPfn(), end = pg.nodeEndPfn();
                long pps = sparse.pagesPerSection();
                for (long pfn = start; pfn < end; pfn = (pfn + pps) & -pps) {
                    if (!sparse.section(sparse.pfnToSectionNr(pfn)).valid()) continue;
                    if (initSectionPageExt(pfn, pg.nodeId) != 0) throw k.bug("mm/page_ext.c", 0, "Out of memory: page_ext");
                }
            }
            initDone = true;
            k.log().printk("allocated " + totalUsage + " bytes of page_ext");
        }
    }

    /**
     * hotplug_memory_notifier(page_ext_callback, DEFAULT_CALLBACK_PRI): what page_ext_init does
     * once the tables of boot memory exist. The machine calls it when its hotplug state exists.
     */
    public void hotplugMemoryNotifier(MemoryHotplug hp) {
        if (!initDone) return;
        hp.registerMemoryNotifier("page_ext_callback", MemoryNotifier.DEFAULT_CALLBACK_PRI,
                (action, arg) -> MemoryNotifier.notifierFromErrno(pageExtCallback(action, arg)));
    }

    /**
     * page_ext_callback(): MEM_GOING_ONLINE allocates the range's tables (-ENOMEM rolls back),
     * MEM_OFFLINE and MEM_CANCEL_ONLINE free them; other actions are ignored. With
     * {@link #WITH_MEMMAP} the tables follow the memmap and the notifier does nothing. Returns 0
     * or -errno (the chain gets notifier_from_errno of it).
     */
    public int pageExtCallback(int action, MemoryNotify mn) {
        if (config.has(WITH_MEMMAP)) return 0;
        try (var f = k.enter("page_ext_callback")) {
            return switch (action) {
                case MemoryNotifier.MEM_GOING_ONLINE -> {
                    int nid = mn.statusChangeNid();
                    // NUMA_NO_NODE: the node already has memory; pfn_to_nid(start_pfn)
                    if (nid < 0) nid = sparse.section(sparse.pfnToSectionNr(mn.startPfn())).nid;
                    yield onlinePageExt(mn.startPfn(), mn.nrPages(), nid);
                }
                case MemoryNotifier.MEM_OFFLINE, MemoryNotifier.MEM_CANCEL_ONLINE -> {
                    offlinePageExt(mn.startPfn(), mn.nrPages());
                    yield 0;
                }
                default -> 0;
            };
        }
    }

    /** online_page_ext(): a table for each section of the range that has none; -ENOMEM rolls all back. */
    public int onlinePageExt(long startPfn, long nrPages, int nid) {
        try (var f = k.enter("online_page_ext")) {
            long pps = sparse.pagesPerSection();
            long start = startPfn & -pps, end = (startPfn + nrPages + pps - 1) & -pps;
            int fail = 0;
            for (long pfn = start; fail == 0 && pfn < end; pfn += pps) fail = initSectionPageExt(pfn, nid);
            if (fail == 0) return 0;
            for (long pfn = start; pfn < end; pfn += pps) freePageExtOfSection(sparse.pfnToSectionNr(pfn));
            return mmsim.kernel.Errno.ENOMEM.neg();
        }
    }

    /**
     * offline_page_ext(). 2016: __free_page_ext per section (free, then NULL). Mainline: mark
     * every section's pointer invalid, synchronize_rcu(), then free each.
     */
    public void offlinePageExt(long startPfn, long nrPages) {
        try (var f = k.enter("offline_page_ext")) {
            long pps = sparse.pagesPerSection();
            long start = startPfn & -pps, end = (startPfn + nrPages + pps - 1) & -pps;
            if (!v46) {
                for (long pfn = start; pfn < end; pfn += pps) invalidatePageExt(sparse.pfnToSectionNr(pfn));
                k.synchronizeRcu();
            }
            for (long pfn = start; pfn < end; pfn += pps) freePageExtOfSection(sparse.pfnToSectionNr(pfn));
        }
    }

    /** __invalidate_page_ext(): WRITE_ONCE(ms->page_ext, ms->page_ext + PAGE_EXT_INVALID). */
    private void invalidatePageExt(long nr) {
        try (var f = k.enter("__invalidate_page_ext")) {
            if (nr >= tables.length || tables[(int) nr] == null) return;
            k.point("__invalidate_page_ext:ms->page_ext |= PAGE_EXT_INVALID", ptr(nr), Access.WRITE);
            invalid[(int) nr] = true;
            k.note("ms->page_ext marked PAGE_EXT_INVALID");
        }
    }

    /** init_section_page_ext(): allocates the section's table unless it has one. 0 or -ENOMEM. */
    private int initSectionPageExt(long pfn, int nid) {
        try (var f = k.enter("init_section_page_ext")) {
            long nr = sparse.pfnToSectionNr(pfn);
            ensure(nr);
            if (tables[(int) nr] != null) return 0;
            Table t = allocPageExt(nr, nid);
            if (t == null) {
                k.log().printk("page ext allocation failure");
                return mmsim.kernel.Errno.ENOMEM.neg();
            }
            k.point("init_section_page_ext:ms->page_ext = base - pfn", ptr(nr), Access.WRITE);
            tables[(int) nr] = t;
            invalid[(int) nr] = false;
            totalUsage += (long) entrySize * sparse.pagesPerSection();
            return 0;
        }
    }

    /**
     * alloc_page_ext(): alloc_pages_exact_nid(nid, size, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN),
     * else vzalloc_node(). Null when both fail.
     */
    private Table allocPageExt(long nr, int nid) {
        try (var f = k.enter("alloc_page_ext")) {
            int entries = (int) sparse.pagesPerSection();
            long pfn = allocator.allocPagesNode(Math.max(0, Math.min(nid, allocator.nrNodes() - 1)),
                    Gfp.GFP_KERNEL | Gfp.__GFP_ZERO | Gfp.__GFP_NOWARN, tableOrder);
            if (pfn >= 0) return new Table(nr, entries, pageOffset + (pfn << 12), pfn, tableOrder, pageOwner);
            long base = vmallocNext;
            // vmalloc areas are followed by a guard page
            vmallocNext += ((long) entrySize * entries + 4095 & -4096L) + 4096;
            return new Table(nr, entries, base, -1, tableOrder, pageOwner);
        }
    }

    /**
     * __free_page_ext() of one section. 2016: free the table, then {@code ms->page_ext = NULL}.
     * Mainline: read the (invalid) pointer, WRITE_ONCE(NULL), then free.
     */
    private void freePageExtOfSection(long nr) {
        try (var f = k.enter("__free_page_ext")) {
            if (nr >= tables.length) return;
            k.point("__free_page_ext:base = ms->page_ext", ptr(nr), Access.READ);
            Table t = tables[(int) nr];
            if (t == null) return;
            if (v46) {
                freePageExtTable(t);
                k.point("__free_page_ext:ms->page_ext = NULL", ptr(nr), Access.WRITE);
                tables[(int) nr] = null;
                invalid[(int) nr] = false;
            } else {
                k.point("__free_page_ext:WRITE_ONCE(ms->page_ext, NULL)", ptr(nr), Access.WRITE);
                tables[(int) nr] = null;
                invalid[(int) nr] = false;
                freePageExtTable(t);
            }
            k.note("ms->page_ext = NULL");
            totalUsage -= (long) entrySize * sparse.pagesPerSection();
        }
    }

    /** free_page_ext(): vfree, or BUG_ON(PageReserved) then free_pages_exact. */
    private void freePageExtTable(Table t) {
        try (var f = k.enter("free_page_ext")) {
            k.point("free_page_ext:free the table", t, Access.WRITE);
            t.freed = true;
            if (t.vmalloced()) {
                k.note("vfree(page_ext table)");
                return;
            }
            if (allocator.memmap().testBit(t.memPfn, PageFlag.RESERVED)) {
                throw k.bug("mm/page_ext.c", 331, "BUG_ON(PageReserved(page)) freeing a page_ext table");
            }
            k.note(String.format(Locale.ROOT, "free_pages_exact(page_ext table at pfn %#x)", t.memPfn));
            allocator.freePages(t.memPfn, t.order);
        }
    }

    // =========================================================================================
    // readers
    // =========================================================================================

    /**
     * lookup_page_ext(page). The load of {@code ms->page_ext} is one step (a point before it);
     * the caller's use of the returned entry is another.
     * <ul>
     * <li>v4.6: NULL only with CONFIG_DEBUG_VM when the section has no table; otherwise the
     *     pointer arithmetic on a NULL base gives {@code pfn * entry_size}.</li>
     * <li>{@link #NULL_CHECKS} (v4.7): NULL whenever the section has no table.</li>
     * <li>mainline: must run under rcu_read_lock (WARN otherwise); NULL for a NULL or invalid
     *     pointer.</li>
     * </ul>
     */
    public Entry lookupPageExt(long pfn) {
        try (var f = k.enter("lookup_page_ext")) {
            long nr = sparse.pfnToSectionNr(pfn);
            if (!v46 && !k.rcuReadLockHeld()) k.warn("mm/page_ext.c", 0, "WARN_ON_ONCE(!rcu_read_lock_held())");
            k.point("lookup_page_ext:base = section->page_ext", ptr(nr), Access.READ);
            Table t = nr < tables.length ? tables[(int) nr] : null;
            boolean inv = nr < invalid.length && invalid[(int) nr];
            int index = (int) (pfn & (sparse.pagesPerSection() - 1));
            if (t == null || inv) {
                if (!v46 || config.has(NULL_CHECKS) || config.has(KernelConfig.CONFIG_DEBUG_VM)) {
                    k.note(inv ? "section->page_ext invalid: NULL" : "section->page_ext == NULL: return NULL");
                    return null;
                }
                k.note("section->page_ext == NULL: NULL + pfn");
                return new Entry(null, pfn * entrySize, index, pfn);
            }
            k.note(String.format(Locale.ROOT, "section %d page_ext %#x", nr, t.base));
            return new Entry(t, t.base + (long) index * entrySize, index, pfn);
        }
    }

    /**
     * The entry of {@code pfn} for boot-time initialisation (page_ext's init callbacks run before
     * any other CPU): no point, no RCU. Null when the section has no table.
     */
    public Entry lookupForInit(long pfn) {
        long nr = sparse.pfnToSectionNr(pfn);
        Table t = nr < tables.length ? tables[(int) nr] : null;
        if (t == null) return null;
        int index = (int) (pfn & (sparse.pagesPerSection() - 1));
        return new Entry(t, t.base + (long) index * entrySize, index, pfn);
    }

    /**
     * page_ext_next(curr): the entry of the next pfn, by pointer arithmetic on the same table (the
     * caller stays inside one MAX_ORDER block, so inside one section).
     */
    public Entry pageExtNext(Entry e) {
        return new Entry(e.table(), e.address() + entrySize, e.index() + 1, e.pfn() + 1);
    }

    /** page_ext_get(page): rcu_read_lock() + lookup; unlocks again when there is none. */
    public Entry pageExtGet(long pfn) {
        try (var f = k.enter("page_ext_get")) {
            k.rcuReadLock();
            Entry e = lookupPageExt(pfn);
            if (e == null) k.rcuReadUnlock();
            return e;
        }
    }

    /** page_ext_put(page_ext): rcu_read_unlock() for a non-NULL page_ext. */
    public void pageExtPut(Entry e) {
        if (e == null) return;
        try (var f = k.enter("page_ext_put")) {
            k.rcuReadUnlock();
        }
    }

    /**
     * test_bit(bit, &page_ext->flags): the use of a looked-up entry. A NULL entry (an unchecked
     * NULL return) faults at offset 0; an entry computed from a NULL base faults at its address;
     * a freed table is a use-after-free.
     */
    public boolean testFlag(Entry e, int bit, String label) {
        Table t = e == null ? null : e.table();
        k.point(label, t, Access.READ);
        return (deref(e, false, label)[e.index()] & (1L << bit)) != 0;
    }

    /** set_bit/clear_bit on page_ext->flags (atomic). */
    public void setFlag(Entry e, int bit, boolean on, String label) {
        Table t = e == null ? null : e.table();
        k.point(label, t, Access.SYNC);
        long[] fl = deref(e, true, label);
        t.written.mark(e.index());
        if (on) fl[e.index()] |= 1L << bit;
        else fl[e.index()] &= ~(1L << bit);
    }

    private long[] deref(Entry e, boolean write, String label) {
        String fn = label.contains(":") ? label.substring(0, label.indexOf(':')) : k.currentFunction();
        if (e == null) throw k.pageFault(0, write, fn);               // &NULL->flags
        Table t = e.table();
        if (t == null) throw k.pageFault(e.address(), write, fn);      // NULL base + pfn
        if (!t.freed) return t.flags;
        if (t.vmalloced()) throw k.pageFault(e.address(), write, fn);  // vfree unmapped it
        // KASAN poisons the pages in free_pages_prepare, after put_page_testzero dropped the last
        // reference: between free_page_ext's start and that, the table is still addressable
        if (allocator.memmap().refcount(t.memPfn) != 0) return t.flags;
        throw k.kasanUseAfterFree(e.address(), FLAGS_SIZE, write, fn, String.format(Locale.ROOT,
                "The buggy address belongs to the physical page:%n"
                        + "page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:%#x%n"
                        + "page dumped because: kasan: bad access detected%n"
                        + "(page_ext table of section %d, freed by __free_page_ext; entry of pfn %#x)%n",
                t.memPfn + ((e.address() - t.base) >>> 12), t.section, e.pfn()));
    }

    private int idleBit() { return v46 ? V46_IDLE : ML_IDLE; }
    private int youngBit() { return v46 ? V46_YOUNG : ML_YOUNG; }

    /** PAGE_EXT_OWNER_ALLOCATED's bit (mainline; 2016 had no such bit: -1). */
    public int ownerAllocatedBit() { return v46 ? -1 : ML_OWNER_ALLOCATED; }

    /**
     * page_owner's record of one page, packed in one word of the table (the kernel's struct
     * page_owner, reduced to what read_page_owner prints):
     * <pre>
     *  63            40 39                      8 7        0
     * +----------------+-------------------------+----------+
     * |  pid (24 bits) |  gfp_mask (32 bits)     |  order   |
     * +----------------+-------------------------+----------+
     * </pre>
     */
    public static long ownerWord(int order, int gfpMask, int pid) {
        return (order & 0xffL) | ((gfpMask & 0xffffffffL) << 8) | ((long) (pid & 0xffffff) << 40);
    }

    public static int ownerOrder(long word) { return (int) (word & 0xff); }
    public static int ownerGfp(long word) { return (int) (word >>> 8); }
    public static int ownerPid(long word) { return (int) (word >>> 40) & 0xffffff; }

    /** get_page_owner(page_ext) read: the record word (a point, then the access or its fault). */
    public long readOwner(Entry e, String label) {
        Table t = e == null ? null : e.table();
        k.point(label, t, Access.READ);
        deref(e, false, label);
        return t.owner[e.index()];
    }

    /** The record written by __set_page_owner_handle (the caller then sets PAGE_EXT_OWNER). */
    public void writeOwner(Entry e, long word, String label) {
        Table t = e == null ? null : e.table();
        k.point(label, t, Access.WRITE);
        deref(e, true, label);
        t.written.mark(e.index());
        t.owner[e.index()] = word;
    }
    /** PAGE_EXT_OWNER's bit in page_ext->flags for this era. */
    public int ownerBit() { return v46 ? V46_OWNER : ML_OWNER; }

    /**
     * page_is_idle(page) (2016) / folio_test_idle(folio) (mainline) on 32-bit, where the bit
     * lives in page_ext (include/linux/page_idle.h, !CONFIG_64BIT):
     * <ul>
     * <li>v4.6: {@code test_bit(PAGE_EXT_IDLE, &lookup_page_ext(page)->flags)}, no NULL check;</li>
     * <li>{@link #NULL_CHECKS}: lookup, {@code if (!page_ext) return false}, then test_bit;</li>
     * <li>mainline: page_ext_get, NULL → false, test_bit, page_ext_put.</li>
     * </ul>
     * The caller has entered page_is_idle / folio_test_idle.
     */
    public boolean pageIsIdle(long pfn) {
        String label = (v46 ? "page_is_idle" : "folio_test_idle") + ":test_bit(PAGE_EXT_IDLE, &page_ext->flags)";
        if (v46) {
            Entry e = lookupPageExt(pfn);
            if (e == null && config.has(NULL_CHECKS)) return false;
            return testFlag(e, idleBit(), label);
        }
        Entry e = pageExtGet(pfn);
        if (e == null) return false;
        boolean idle = testFlag(e, idleBit(), label);
        pageExtPut(e);
        return idle;
    }

    /** set_page_idle(page) / folio_set_idle() through page_ext (32-bit): what page_idle's bitmap write does. */
    public void setPageIdle(long pfn, boolean idle) {
        setIdleBit(pfn, idleBit(), idle, (v46 ? (idle ? "set_page_idle" : "clear_page_idle") : (idle ? "folio_set_idle" : "folio_clear_idle"))
                + (idle ? ":set_bit" : ":clear_bit") + "(PAGE_EXT_IDLE, &page_ext->flags)");
    }

    /** set_page_young(page) / folio_set_young() through page_ext (32-bit): page_idle's mark for reclaim. */
    public void setPageYoung(long pfn) {
        setIdleBit(pfn, youngBit(), true, (v46 ? "set_page_young" : "folio_set_young") + ":set_bit(PAGE_EXT_YOUNG, &page_ext->flags)");
    }

    /** The one lookup-then-set of include/linux/page_idle.h's page_ext accessors, per era. */
    private void setIdleBit(long pfn, int bit, boolean value, String label) {
        if (v46) {
            Entry e = lookupPageExt(pfn);
            if (e == null && config.has(NULL_CHECKS)) return;
            setFlag(e, bit, value, label);
            return;
        }
        Entry e = pageExtGet(pfn);
        if (e == null) return;
        setFlag(e, bit, value, label);
        pageExtPut(e);
    }
}
