package mmsim.iface.procfs;

import mmsim.iface.VirtualFs;
import mmsim.mm.Machine;
import mmsim.mm.linux.Memmap;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.linux.Zone;

/**
 * Wires /proc/kpageflags, kpagecount and kpagecgroup to a booted {@link Machine}: one
 * {@link KPageFiles} per machine (kept in {@code Machine.ext}), with the stable_page_flags()
 * hooks bound to the machine's subsystems, and the three files registered in the machine's
 * {@link VirtualFs} (proc_page_init(): mode 0400, binary) so cat, the scenario operations, the
 * shell and page-types all reach the same readers.
 */
public final class KPageProc {
    private KPageProc() { }

    /** proc_page_init(): registers the three files; each read(2) is one KPageFiles.read. */
    public static void install(VirtualFs fs, Machine m) {
        for (KPageFiles.Kind kind : KPageFiles.Kind.values()) {
            String path = "/proc/" + kind.name().toLowerCase(java.util.Locale.ROOT);
            fs.addFile(path, 0400, true, (off, count) -> {
                KPageFiles.ReadResult r = of(m).read(kind, off, count);
                return r.ok() ? VirtualFs.ReadResult.of(r.data()) : VirtualFs.ReadResult.error(r.errno());
            }, null);
        }
    }

    /** The machine's kpage* files, created on first use. */
    public static KPageFiles of(Machine m) {
        return m.ext(KPageFiles.class, KPageProc::create);
    }

    private static KPageFiles create(Machine m) {
        Memmap memmap = m.memmap();
        BuddyAllocator allocator = m.allocator();
        long[] lastBlock = {0, -1};      // {head, order} of the free block found last
        StablePageFlags.Hooks hooks = new StablePageFlags.Hooks() {
            @Override public boolean isFreeBuddyPage(long pfn) { return KPageProc.isFreeBuddyPage(m, memmap, allocator, pfn, lastBlock); }
            // ZONE_DEVICE: mm/memremap.c answers (pgmap_array lookups, with their points)
            @Override public boolean pfnZoneDeviceReserved(long pfn) { return m.memremap().pfnZoneDeviceReserved(pfn); }
            // 32-bit page_idle: the idle bit lives in page_ext (mm/page_ext.c answers, with its points)
            @Override public StablePageFlags.PageExtIdle pageExtIdle() { return m.pageExt().needed() ? m.pageExt()::pageIsIdle : null; }
        };
        StablePageFlags spf = new StablePageFlags(m.kernel(), m.config(), memmap, hooks);
        int shift = m.arch().pageShift();
        // max_pfn: the end of boot RAM, raised on x86 by every hot-add (arch_add_memory ->
        // update_end_of_memory_vars) and never lowered; the memory block devices tell what was added
        long[] maxPfn = {m.layout().bootMemEnd() >>> shift};
        if (m.arch().kernelArch() == mmsim.kernel.Kernel.Arch.X86_64) {
            var hp = m.memoryHotplug();
            for (var b : hp.blocks()) maxPfn[0] = Math.max(maxPfn[0], b.endPfn());
            hp.onBlockAdded(b -> maxPfn[0] = Math.max(maxPfn[0], b.endPfn()));
        }
        // devm_memremap_pages raises it too (add_pages): ZONE_DEVICE ranges have no memory blocks
        return new KPageFiles(m.kernel(), m.config(), m.sparse(), spf, () -> Math.max(maxPfn[0], m.memremap().maxPfnRaised()));
    }

    /**
     * is_free_buddy_page() (mm/page_alloc.c): under zone->lock, is some PageBuddy block of order
     * >= o starting at pfn rounded down to 2^o covering {@code pfn}? To move into page_alloc's
     * BuddyAllocator when it provides one.
     */
    static boolean isFreeBuddyPage(Machine m, Memmap memmap, BuddyAllocator allocator, long pfn, long[] lastBlock) {
        if (!m.kernel().sched().exploring() && !m.kernel().sched().tracing()) {
            // the pages of one free block come one after the other in a file read: check the block
            // found last first (re-reading its state, so the answer is the loop's answer)
            long h = lastBlock[0];
            int o = (int) lastBlock[1];
            if (o >= 0 && pfn >= h && pfn < h + (1L << o) && memmap.isBuddy(h) && memmap.privateData(h) >= o) return true;
            for (int order = 0; order < Zone.NR_PAGE_ORDERS; order++) {
                long head = pfn & ~((1L << order) - 1);
                if (memmap.isBuddy(head)) {
                    int have = memmap.privateData(head);
                    if (have >= order) {
                        lastBlock[0] = head;
                        lastBlock[1] = have;
                        return pfn < head + (1L << have);
                    }
                }
            }
            return false;
        }
        try (var f = m.kernel().enter("is_free_buddy_page")) {
            Zone zone = allocator.pageZone(pfn);
            long flags = zone.lock.lockIrqSave();
            try {
                return freeBuddyBlockCovers(memmap, pfn);
            } finally {
                zone.lock.unlockIrqRestore(flags);
            }
        }
    }

    /**
     * The loop of is_free_buddy_page(), zone->lock held (or, outside exploration, nothing that
     * could contend it: one CPU runs, so the lock's bookkeeping is skipped on this hot path,
     * which every page inside a free block takes).
     */
    private static boolean freeBuddyBlockCovers(Memmap memmap, long pfn) {
        for (int order = 0; order < Zone.NR_PAGE_ORDERS; order++) {
            long head = pfn & ~((1L << order) - 1);
            if (memmap.isBuddy(head) && memmap.privateData(head) >= order) return true;
        }
        return false;
    }
}
