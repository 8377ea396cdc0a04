package mmsim.scenario;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

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

    /** read(2) of a whole file. */
    public byte[] read(String path) {
        throw new Errno.ErrnoException(Errno.ENOENT, path);
    }

    /** pread(2) of {@code count} bytes at {@code offset}. */
    public byte[] read(String path, long offset, int count) {
        throw new Errno.ErrnoException(Errno.ENOENT, path);
    }

    /** write(2) of {@code text} (echo adds the newline). */
    public void write(String path, String text) {
        throw new Errno.ErrnoException(Errno.ENOENT, path);
    }

    /** The entries of a directory, sorted; directories end with '/'. */
    public List<String> list(String dir) {
        throw new Errno.ErrnoException(Errno.ENOENT, dir);
    }

    public boolean exists(String path) {
        return false;
    }

    public boolean isDirectory(String path) {
        return false;
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
