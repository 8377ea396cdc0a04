package mmsim.iface.procfs;

import mmsim.kernel.Kernel;
import mmsim.kernel.sync.Mutex;
import mmsim.mm.linux.ArchProfile;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.PageFlagsLayout;
import mmsim.mm.linux.PageType;
import mmsim.mm.linux.SectionMemmap;
import mmsim.mm.sparse.SparseMem;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;

/**
 * A small machine for the kpage* tests: boot sections [0, bootSections) present, online
 * (mainline) and initialised like memmap_init leaves them (refcount 1, _mapcount -1, zone
 * Normal), max_pfn at their end. Tests then set the page state a kernel path would leave and
 * read it back through the files.
 */
final class KPageFixture {
    final Kernel k;
    final KernelConfig config;
    final Memmap memmap;
    final SparseMem sparse;
    final KPageFiles files;
    final long pagesPerSection;
    long maxPfn;
    final Set<Long> zeroPfns = new HashSet<>();
    StablePageFlags.PageExtIdle pageExt;

    KPageFixture(KernelConfig config, int bootSections) {
        this.config = config;
        ArchProfile arch = ArchProfile.X86_64;
        k = new Kernel(2, arch.kernelArch(), config.era().release);
        memmap = new Memmap(k, arch, bootSections + 2);
        sparse = new SparseMem(k, arch, config, memmap, bootSections + 2);
        pagesPerSection = arch.pagesPerSection();
        sparse.memoryPresent(0, 0, bootSections * pagesPerSection);
        for (int s = 0; s < bootSections; s++) {
            SectionMemmap m = sparse.sparseInitOneSection(s);
            m.initRange(0, m.nrPages, PageFlagsLayout.initialFlags(2, 0));
        }
        maxPfn = bootSections * pagesPerSection;
        StablePageFlags.Hooks hooks = new StablePageFlags.Hooks() {
            @Override public boolean isFreeBuddyPage(long pfn) { return freeBuddyPage(pfn); }
            @Override public boolean isZeroPfn(long pfn) { return zeroPfns.contains(pfn); }
            @Override public StablePageFlags.PageExtIdle pageExtIdle() { return pageExt; }
        };
        files = new KPageFiles(k, config, sparse, new StablePageFlags(k, config, memmap, hooks), () -> maxPfn);
    }

    /** is_free_buddy_page() over the memmap: some buddy head at or below pfn covers it (order in page->private). */
    private boolean freeBuddyPage(long pfn) {
        for (int order = 0; order <= 10; order++) {
            long head = pfn & ~((1L << order) - 1);
            if (memmap.isBuddy(head) && memmap.privateData(head) >= order) return true;
        }
        return false;
    }

    long kpageflags(long pfn) {
        return one(KPageFiles.Kind.KPAGEFLAGS, pfn);
    }

    long one(KPageFiles.Kind kind, long pfn) {
        KPageFiles.ReadResult r = files.read(kind, pfn * 8, 8);
        if (!r.ok()) throw new AssertionError(kind + " pfn " + pfn + ": " + r.errno());
        if (r.data().length != 8) throw new AssertionError(kind + " pfn " + pfn + ": read " + r.data().length + " bytes");
        return ByteBuffer.wrap(r.data()).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** prep_compound_page(): head PG_head, tails pointing at it, the order on the first tail. */
    void makeCompound(long head, int order) {
        memmap.setBit(head, mmsim.mm.linux.PageFlag.HEAD);
        for (long p = head + 1; p < head + (1L << order); p++) {
            memmap.setCompoundHead(p, head);
            memmap.setRefcount(p, 0);
        }
        memmap.setCompoundOrder(head, order);
        memmap.setEntireMapcount(head, -1);
        memmap.setNrPagesMapped(head, 0);
    }

    /** A free buddy block as __free_one_page leaves it: PageBuddy head with the order, refcount 0 everywhere. */
    void makeFreeBlock(long head, int order) {
        for (long p = head; p < head + (1L << order); p++) memmap.setRefcount(p, 0);
        memmap.setType(head, PageType.BUDDY);
        memmap.setPrivateData(head, order);
    }

    /**
     * sparse_add_section() as memory_hotplug calls it, under mem_hotplug_lock (the fixture has no
     * memory_hotplug: a lock of that lockdep class stands in, which is what sparse asserts).
     */
    int sparseAddSection(long startPfn, long nrPages) {
        if (config.era() == KernelConfig.Era.V4_6) {
            Mutex hotplug = new Mutex(k, mmsim.mm.LockClasses.lookup("mem_hotplug.lock"));
            hotplug.lock();
            try {
                return sparse.sparseAddSection(0, startPfn, nrPages);
            } finally {
                hotplug.unlock();
            }
        }
        var hotplug = new mmsim.kernel.sync.PercpuRwSem(k, mmsim.mm.LockClasses.lookup("mem_hotplug_lock"));
        hotplug.percpuDownWrite();
        try {
            return sparse.sparseAddSection(0, startPfn, nrPages);
        } finally {
            hotplug.percpuUpWrite();
        }
    }
}
