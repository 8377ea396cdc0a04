package mmsim.scenario.ops;

import java.util.Locale;

import mmsim.kernel.Errno;
import mmsim.mm.Machine;
import mmsim.mm.linux.DevPagemap;
import mmsim.mm.memremap.Memremap;

/**
 * What a ZONE_DEVICE driver (a pmem namespace in fsdax or devdax mode) does (mm/memremap.c):
 * <pre>
 * devm_memremap_pages START SIZE [type fsdax|devdax|private|p2pdma] [reserve N | noaltmap] [free N] [node N] [-> var]
 * memunmap_pages START [-> var]
 * </pre>
 * START/SIZE are physical bytes inside a {@code device} range of the layout. The altmap is on by
 * default, with nvdimm's 2-page info-block reserve and a free part sized for the range's memmap
 * (nvdimm_setup_pfn); {@code noaltmap} takes the memmap from RAM; the node is the layout range's
 * unless {@code node} names one. var gets {@code ok} or the
 * errno ({@code -ENOMEM} for a conflicting or exhausted mapping, {@code -ENXIO} for System RAM or
 * a range outside the layout's device ranges, {@code -EINVAL} for a node that does not exist, a
 * reserve + free larger than the range, or, for memunmap_pages, nothing mapped at START).
 */
final class MemremapOps implements OpProvider {
    @Override
    public void register(OpRegistry r) {
        String usage = "devm_memremap_pages START SIZE [type fsdax|devdax|private|p2pdma] [reserve N | noaltmap] [free N] [node N] [-> var]";
        r.add("devm_memremap_pages", usage,
                "devm_memremap_pages(): map a device range as ZONE_DEVICE pages, memmap carved from its altmap; var gets ok or -ERRNO",
                true, a -> {
                    long start = a.number("START", 0, Long.MAX_VALUE);
                    long size = a.number("SIZE", 1, Long.MAX_VALUE);
                    DevPagemap.MemoryType type = DevPagemap.MemoryType.FS_DAX;
                    long reserve = 2, free = -1;
                    int nid = -1;
                    while (a.hasMore() && !"->".equals(a.peek())) {
                        String kw = a.word("an option (type, reserve, noaltmap, free, node)");
                        switch (kw) {
                            case "type" -> {
                                String w = a.word("a memory type (fsdax, devdax, private, p2pdma)");
                                type = DevPagemap.MemoryType.byWord(w);
                                if (type == null) throw a.error("unknown memory type '" + w + "' (fsdax, devdax, private, p2pdma)");
                            }
                            case "reserve" -> reserve = a.number("RESERVE (pages)", 0, 1L << 40);
                            case "noaltmap" -> reserve = -1;
                            case "free" -> free = a.number("FREE (pages)", 0, 1L << 40);
                            case "node" -> nid = a.integer("NODE", 0, 63);
                            default -> throw a.error("unknown option '" + kw + "' (type, reserve, noaltmap, free, node)");
                        }
                    }
                    if ((start & 4095) != 0 || (size & 4095) != 0) throw a.error("START and SIZE must be page aligned");
                    final DevPagemap.MemoryType t = type;
                    final long res = reserve, fr = free;
                    final int node = nid;
                    return ctx -> {
                        Machine m = ctx.machine().machine();
                        Memremap mr = m.memremap();
                        var range = mr.deviceRange(start, start + size);
                        if (range == null) {
                            m.kernel().log().printk(String.format(Locale.ROOT,
                                    "devm_memremap_pages: [mem %#x-%#x] is not inside a device range of the layout", start, start + size - 1));
                            return Args.errnoValue(Errno.ENXIO);
                        }
                        // dev_to_node(): the node the layout gives the device, unless the line names one
                        int nodeId = node >= 0 ? node : range.nid();
                        if (nodeId >= m.allocator().nrNodes()) {
                            m.kernel().log().printk("devm_memremap_pages: node " + nodeId + " does not exist");
                            return Args.errnoValue(Errno.EINVAL);
                        }
                        long pages = size >>> 12;
                        if (res >= 0 && res + Math.max(fr, 0) > pages) return Args.errnoValue(Errno.EINVAL);
                        DevPagemap pgmap = mr.pmemPagemap(t, start >>> 12, pages, res, fr, nodeId);
                        int err = mr.devmMemremapPages(pgmap);
                        return err == 0 ? "ok" : Args.errnoValue(Errno.of(-err));
                    };
                });
        r.add("memunmap_pages", "memunmap_pages START [-> var]",
                "memunmap_pages(): the driver unbinds the ZONE_DEVICE range mapped at START; var gets ok or -EINVAL when none is",
                true, a -> {
                    long start = a.number("START", 0, Long.MAX_VALUE);
                    return ctx -> {
                        Memremap mr = ctx.machine().machine().memremap();
                        DevPagemap pgmap = mr.pgmapAt(start >>> 12);
                        if (pgmap == null) return Args.errnoValue(Errno.EINVAL);
                        mr.memunmapPages(pgmap);
                        return "ok";
                    };
                });
    }
}
