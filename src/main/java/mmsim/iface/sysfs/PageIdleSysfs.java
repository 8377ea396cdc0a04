package mmsim.iface.sysfs;

import mmsim.iface.VirtualFs;
import mmsim.mm.Machine;
import mmsim.mm.page_idle.PageIdle;

/**
 * /sys/kernel/mm/page_idle/bitmap (mm/page_idle.c, page_idle_init): a binary sysfs attribute,
 * mode 0600, size 0, read and written in u64 words at any 8-aligned position (pread/pwrite);
 * the rules are PageIdle's. Locking: none here.
 */
public final class PageIdleSysfs {
    public static final String PATH = "/sys/kernel/mm/page_idle/bitmap";

    private PageIdleSysfs() { }

    public static void install(VirtualFs fs, Machine m) {
        PageIdle idle = m.pageIdle();
        fs.addFile(PATH, 0600, true, (off, count) -> {
            PageIdle.Result r = idle.read(off, count);
            return r.errno() != null ? VirtualFs.ReadResult.error(r.errno()) : VirtualFs.ReadResult.of(r.data());
        }, new VirtualFs.Writer() {
            @Override public long write(byte[] data) { return pwrite(0, data); }
            @Override public long pwrite(long offset, byte[] data) { return idle.write(offset, data).count(); }
        });
    }
}
