package mmsim.scenario;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import mmsim.iface.VirtualFs;
import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.MachineLayout;
import mmsim.mm.memmap.DumpPage;
import mmsim.scenario.ops.OpContext;

/**
 * A machine booted for one execution or for the shell: its kernel and the file view operations
 * use (/proc, /sys, debugfs), with errors as the errno a syscall would return.
 */
public final class Booted {
    private final Machine machine;

    private Booted(Machine machine) {
        this.machine = machine;
    }

    public static Booted boot(MachineLayout layout, KernelConfig config) {
        return new Booted(Machine.boot(layout, config));
    }

    /** The model, for operations that call mm entry points (alloc_pages, add_memory, ...). */
    public Machine machine() { return machine; }

    public Kernel kernel() { return machine.kernel(); }

    public OpContext context(Map<String, String> vars) {
        return new OpContext(this, vars);
    }

    /** /proc, /sys and debugfs of this machine. */
    public VirtualFs fs() { return VirtualFs.of(machine); }

    /** read(2) of a whole file. */
    public byte[] read(String path) {
        return fs().readAllBytes(path);
    }

    /** pread(2) of {@code count} bytes at {@code offset}. */
    public byte[] read(String path, long offset, int count) {
        VirtualFs.ReadResult r = fs().read(path, offset, count);
        if (!r.ok()) throw new Errno.ErrnoException(r.errno(), path + ": " + r.errno().text);
        return r.data();
    }

    /** write(2) of {@code text} (echo adds the newline). */
    public void write(String path, String text) {
        long n = fs().write(path, text.getBytes(StandardCharsets.UTF_8));
        if (n < 0) {
            Errno e = Errno.of(n);
            throw new Errno.ErrnoException(e == null ? Errno.EIO : e, path);
        }
    }

    /** The entries of a directory, sorted; directories end with '/'. */
    public List<String> list(String dir) {
        VirtualFs fs = fs();
        String base = dir.endsWith("/") ? dir : dir + "/";
        return fs.list(dir).stream().map(n -> fs.resolve(base + n, true) instanceof VirtualFs.Dir ? n + "/" : n).toList();
    }

    public boolean exists(String path) {
        return fs().exists(path);
    }

    public boolean isDirectory(String path) {
        return fs().resolve(path, true) instanceof VirtualFs.Dir;
    }

    /** dump_page() of {@code pfn}, or a one-line reason when the pfn has no memmap. */
    public String dumpPage(long pfn) {
        return DumpPage.dumpPage(machine.memmap(), pfn, null);
    }

    /** The whole-model consistency check at the end of an execution (throws KernelFault, or taints). */
    public void checkConsistency() { }

    public static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
