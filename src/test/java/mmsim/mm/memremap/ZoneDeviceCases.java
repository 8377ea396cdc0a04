package mmsim.mm.memremap;

import mmsim.mm.linux.DevPagemap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import mmsim.iface.procfs.KPageFiles;
import mmsim.iface.procfs.KPageProc;
import mmsim.kernel.KernelFault;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.page_alloc.MmInit;

/**
 * One machine on which every one of David Hildenbrand's five cases (seed 001) exists at once,
 * built from a layout and the operations a driver performs:
 *
 * <pre>
 *  section 0-1  boot RAM
 *  section 2    pmem namespace in its first 64 MiB (altmap: reserve 2, memmap, data);     cases 2, 4, 5
 *               its second 64 MiB absent (subsections never added)                         case 3 (non-early)
 *  section 3    hot-pluggable DIMM, added at boot, left offline (memmap poisoned)          case 1
 *  section 4    boot RAM in its first 64 MiB, a second namespace at +64 MiB (early,
 *               section shared with System RAM, tainted ZONE_DEVICE)                       case 3 (mixed)
 *  section 5    boot RAM (so max_pfn, and the kpage* files, reach past the devices)
 * </pre>
 *
 * Case 4 (memmap_init_zone_device not yet run) is the state {@link #buildUpToCase4} leaves.
 */
final class ZoneDeviceCases {
    static final String LAYOUT = """
            arch    x86_64
            cpus    2
            ram     0x1000      +0x9e000
            ram     0x100000    +255M
            device  0x10000000  +64M         # section 2, first half
            hotplug 0x18000000  +128M        # section 3, offline
            ram     0x20000000  +64M         # section 4, first half
            device  0x24000000  +32M         # section 4, at +64 MiB
            ram     0x28000000  +128M        # section 5
            """;

    static final long PMEM = 0x10000000L >>> 12, PMEM_PAGES = (64L << 20) >>> 12;
    static final long MIXED = 0x24000000L >>> 12, MIXED_PAGES = (32L << 20) >>> 12;
    static final long RESERVE = 2;

    /** The pfn of each case (case 3 twice: the absent half of section 2, a device page in section 4). */
    static final long CASE1_OFFLINE = 0x18000000L >>> 12;
    static final long CASE3_ABSENT = PMEM + PMEM_PAGES + 5;
    static final long CASE5_RESERVE = PMEM;          // base_pfn: the first pfn of the namespace

    /** The variants of the issue: switches on one era. */
    enum Variant {
        V5_3(KernelConfig.mainline().with(Memremap.KPAGE_PFN_VALID, Memremap.NO_ZONE_DEVICE_TAINT)),
        INIT_RESERVED(KernelConfig.mainline().with(Memremap.KPAGE_PFN_VALID, Memremap.NO_ZONE_DEVICE_TAINT,
                MmInit.INIT_ZONE_DEVICE_RESERVED)),
        PFN_ZONE_DEVICE_RESERVED(KernelConfig.mainline().with(Memremap.KPAGE_PFN_VALID, Memremap.NO_ZONE_DEVICE_TAINT,
                Memremap.PFN_ZONE_DEVICE_RESERVED)),
        V5_4_NO_TAINT(KernelConfig.mainline().with(Memremap.NO_ZONE_DEVICE_TAINT)),
        MAINLINE(KernelConfig.mainline());

        final KernelConfig config;

        Variant(KernelConfig c) { this.config = c; }
    }

    final Machine m;
    final Memremap mr;
    DevPagemap pmem, mixed;

    ZoneDeviceCases(Variant v) {
        m = Machine.boot(MachineLayout.parse("cases.layout", LAYOUT), v.config);
        mr = m.memremap();
    }

    /** Both namespaces fully mapped (cases 1, 2, 3, 5). */
    static ZoneDeviceCases build(Variant v) {
        ZoneDeviceCases c = new ZoneDeviceCases(v);
        c.pmem = c.mr.pmemPagemap(DevPagemap.MemoryType.FS_DAX, PMEM, PMEM_PAGES, RESERVE, -1, 0);
        c.mixed = c.mr.pmemPagemap(DevPagemap.MemoryType.FS_DAX, MIXED, MIXED_PAGES, RESERVE, -1, 0);
        int e1 = c.mr.devmMemremapPages(c.pmem), e2 = c.mr.devmMemremapPages(c.mixed);
        if (e1 != 0 || e2 != 0) throw new IllegalStateException("devm_memremap_pages: " + e1 + ", " + e2);
        return c;
    }

    /** The pmem namespace stopped between mem_hotplug_done() and memmap_init_zone_device() (case 4). */
    static ZoneDeviceCases buildUpToCase4(Variant v) {
        ZoneDeviceCases c = new ZoneDeviceCases(v);
        c.pmem = c.mr.pmemPagemap(DevPagemap.MemoryType.FS_DAX, PMEM, PMEM_PAGES, RESERVE, -1, 0);
        int e = c.mr.pagemapRangeLocked(c.pmem);
        if (e != 0) throw new IllegalStateException("pagemap_range: " + e);
        return c;
    }

    long dataPfn(DevPagemap p) { return p.pfnFirst() + 7; }

    /** What a read of one entry gave: the u64, or the oops. */
    record Read(Long value, KernelFault fault) {
        boolean oops() { return fault instanceof KernelFault.Oops; }
        long faultAddress() { return ((KernelFault.Oops) fault).address(); }
        @Override public String toString() { return fault != null ? "oops " + fault.title() : "0x" + Long.toHexString(value); }
    }

    Read read(KPageFiles.Kind kind, long pfn) {
        KPageFiles files = KPageProc.of(m);
        try {
            KPageFiles.ReadResult r = files.read(kind, pfn * 8, 8);
            if (!r.ok()) throw new IllegalStateException(kind + " pfn " + Long.toHexString(pfn) + ": " + r.errno());
            if (r.data().length != 8) throw new IllegalStateException(kind + " pfn " + Long.toHexString(pfn) + " beyond the file end");
            return new Read(ByteBuffer.wrap(r.data()).order(ByteOrder.LITTLE_ENDIAN).getLong(), null);
        } catch (KernelFault f) {
            return new Read(null, f);
        }
    }
}
