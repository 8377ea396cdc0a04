package mmsim.iface.tools;

import mmsim.iface.VirtualFs;
import mmsim.kernel.Errno;
import mmsim.mm.Machine;

import java.nio.ByteBuffer;

/**
 * A booted machine's files as a ported tool sees them: open(2), pread(2), pwrite(2) and stat(2)
 * on the machine's {@link VirtualFs} (/proc, /sys, debugfs), with the VFS's errno values
 * (ENOENT, EACCES for a mode that forbids the access, EISDIR on reading a directory). Reads go
 * to the files' read functions (kpageflags_read, seq_file shows, ...) on the calling CPU, so a
 * tool run through here takes the same kernel paths as {@code cat} and the scenario operations.
 *
 * <p>Nothing is cached: each pread is one read(2) at that offset.
 */
public final class ModelFs implements ToolFs {
    private final Machine machine;
    private final VirtualFs fs;

    public ModelFs(Machine machine) {
        this.machine = machine;
        this.fs = VirtualFs.of(machine);
    }

    public Machine machine() { return machine; }

    @Override
    public Handle open(String path, boolean write) {
        VirtualFs.Node n = resolveAbsolute(path);
        if (n instanceof VirtualFs.Dir) {
            // open(O_RDONLY) of a directory succeeds; its reads fail. O_WRONLY is EISDIR at open.
            if (write) throw new Errno.ErrnoException(Errno.EISDIR, path);
            return new Handle() {
                @Override public long pread(ByteBuffer dst, long offset) { return Errno.EISDIR.neg(); }
                @Override public long pwrite(ByteBuffer src, long offset) { return Errno.EBADF.neg(); }
                @Override public void close() { }
            };
        }
        VirtualFs.File f = (VirtualFs.File) n;
        if (write ? !f.writable() : !f.readable()) throw new Errno.ErrnoException(Errno.EACCES, path);
        return new Handle() {
            @Override
            public long pread(ByteBuffer dst, long offset) {
                if (write) return Errno.EBADF.neg();
                if (offset < 0) return Errno.EINVAL.neg();
                VirtualFs.ReadResult r = fs.read(path, offset, dst.remaining());
                if (!r.ok()) return r.errno().neg();
                dst.put(r.data());
                return r.data().length;
            }

            @Override
            public long pwrite(ByteBuffer src, long offset) {
                if (!write) return Errno.EBADF.neg();
                byte[] data = new byte[src.remaining()];
                src.get(data);
                return fs.write(path, data);
            }

            @Override
            public void close() { }
        };
    }

    @Override
    public Stat stat(String path) {
        VirtualFs.Node n = resolveAbsolute(path);
        // kernfs/procfs inode numbers are the kernel's business; a stable number per path is
        // what a tool can compare (page-types -c PATH matches it against kpagecgroup)
        long ino = Integer.toUnsignedLong(path.hashCode()) | 1L << 32;
        return new Stat(n instanceof VirtualFs.Dir, ino);
    }

    private VirtualFs.Node resolveAbsolute(String path) {
        if (!path.startsWith("/")) throw new Errno.ErrnoException(Errno.ENOENT, path);
        VirtualFs.Node n = fs.resolve(path, true);
        if (n == null) throw new Errno.ErrnoException(Errno.ENOENT, path);
        return n;
    }

    @Override
    public String debugfsMount() { return "/sys/kernel/debug"; }

    @Override
    public int pageSize() { return (int) machine.arch().pageSize(); }

    @Override
    public String toString() { return "model files"; }
}
