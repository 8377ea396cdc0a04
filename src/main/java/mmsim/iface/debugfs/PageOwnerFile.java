package mmsim.iface.debugfs;

import mmsim.iface.VirtualFs;
import mmsim.mm.Machine;
import mmsim.mm.page_owner.PageOwner;

/**
 * /sys/kernel/debug/page_owner (mm/page_owner.c, pageowner_init: mode 0400, only when page_owner
 * is on). Each read(2) is one read_page_owner(): one record, the first page at or after the file
 * position that page_owner tracks as allocated. The kernel keeps a pfn in the file position
 * (*ppos = pfn + 1 after each record), so a pread at offset N starts the walk at pfn N; a
 * sequential reader (cat) continues after the last record, which this file translates from the
 * byte offset the VFS view passes.
 */
public final class PageOwnerFile {
    private PageOwnerFile() { }

    public static final String PATH = "/sys/kernel/debug/page_owner";

    public static void install(VirtualFs fs, Machine m) {
        PageOwner po = m.pageOwner();
        if (!po.inited()) return;
        long[] cursor = {-1, 0};        // {byte offset where the last record ended, pfn position after it}
        fs.addFile(PATH, 0400, false, (off, count) -> {
            long ppos = off == cursor[0] ? cursor[1] : off;
            PageOwner.Read r = po.readPageOwner(ppos, count, m.maxPfn());
            if (r.errno() != null) return VirtualFs.ReadResult.error(r.errno());
            cursor[0] = off + r.data().length;
            cursor[1] = r.newPos();
            return VirtualFs.ReadResult.of(r.data());
        }, null);
    }
}
