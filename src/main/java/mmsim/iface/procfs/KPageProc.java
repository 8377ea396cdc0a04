package mmsim.iface.procfs;

import mmsim.iface.VirtualFs;
import mmsim.mm.Machine;
import mmsim.mm.linux.Memmap;

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
            }, null).onWriteWithoutStore(mmsim.kernel.Errno.EIO);   // proc_reg_write: no proc_write -> EIO
        }
    }

    /** The machine's kpage* files, created on first use. */
    public static KPageFiles of(Machine m) {
        return m.ext(KPageFiles.class, KPageProc::create);
    }

    private static KPageFiles create(Machine m) {
        Memmap memmap = m.memmap();
        StablePageFlags.Hooks hooks = new StablePageFlags.Hooks() {
            // mm/page_alloc.c answers, under zone->lock, in every run (explored or not)
            @Override public boolean isFreeBuddyPage(long pfn) { return m.allocator().isFreeBuddyPage(pfn); }
            @Override public long freeBuddyBlockEnd(long pfn) { return m.allocator().freeBuddyBlockEnd(pfn); }
            // ZONE_DEVICE: mm/memremap.c answers (pgmap_array lookups, with their points)
            @Override public boolean pfnZoneDeviceReserved(long pfn) { return m.memremap().pfnZoneDeviceReserved(pfn); }
            // 32-bit page_idle: the idle bit lives in page_ext (mm/page_ext.c answers, with its points)
            @Override public StablePageFlags.PageExtIdle pageExtIdle() { return m.pageExt().needed() ? m.pageExt()::pageIsIdle : null; }
            // is_huge_zero_folio() / is_zero_pfn(): mm/huge_memory.c and the zero page, when user memory exists
            @Override public boolean isZeroPfn(long pfn) { return pfn == m.userMemory().zeroPfn; }
            @Override public boolean isHugeZeroFolio(long head) {
                return head == m.userMemory().hugeMemory.hugeZeroPfn();
            }
        };
        StablePageFlags spf = new StablePageFlags(m.kernel(), m.config(), memmap, hooks);
        return new KPageFiles(m.kernel(), m.config(), m.sparse(), spf, m::maxPfn);
    }
}
