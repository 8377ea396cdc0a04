package mmsim.iface;

import mmsim.kernel.Access;
import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.Machine;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The machine's virtual file tree: /proc, /sys and /sys/kernel/debug as user space sees them
 * (fs/proc, fs/sysfs, fs/debugfs reduced to what mm's files need). Directories, files and
 * symlinks; a file has a mode, is text or binary, and has read(offset, count) / write(bytes)
 * operations that return bytes, a count, or an errno, as the VFS would.
 *
 * <p>File operations run on the calling simulated CPU: they are kernel code paths (seq_file
 * show functions, sysfs store functions) and the explorer interleaves them like any other.
 * A text file's {@link #textFile} content is generated per read call, the way single_open
 * seq_files generate their whole text and copy the requested window.
 *
 * <p>Locking: the tree has none of its own. It is built before the CPUs run; afterwards only
 * device add/remove (memory blocks, /proc/PID) change it, from the kernel path that adds or
 * removes the device, as kernfs does under its own lock, which the model need not show because
 * one simulated CPU runs at a time and no point sits inside a tree update. Each file's readers
 * and writers take the kernel locks their kernel functions take.
 *
 * <p>Get a machine's tree with {@link #of}; the installers that populate it are listed there.
 * Directory entries are kept sorted by name (deterministic listings).
 */
public final class VirtualFs {

    /** A node of the tree. */
    public sealed interface Node permits Dir, File, Symlink { }

    public static final class Dir implements Node {
        final TreeMap<String, Node> entries = new TreeMap<>();
        public List<String> names() { return List.copyOf(entries.keySet()); }
    }

    public record Symlink(String target) implements Node { }

    /** What a read returns: bytes (possibly empty at EOF), or an errno. */
    public record ReadResult(byte[] data, Errno errno) {
        public static ReadResult of(byte[] d) { return new ReadResult(d, null); }
        public static ReadResult error(Errno e) { return new ReadResult(null, e); }
        public boolean ok() { return errno == null; }
    }

    /** read(2) on the file: at most {@code count} bytes from {@code offset}. */
    @FunctionalInterface
    public interface Reader { ReadResult read(long offset, int count); }

    /** write(2) on the file: the bytes consumed (&gt;= 0) or {@code -errno}. */
    @FunctionalInterface
    public interface Writer {
        long write(byte[] data);

        /**
         * pwrite(2) at {@code offset}: text attributes ignore the position (sysfs_kf_write
         * hands the store the buffer alone); binary attributes override this.
         */
        default long pwrite(long offset, byte[] data) { return write(data); }
    }

    public static final class File implements Node {
        public final int mode;
        public final boolean binary;
        final Reader reader;
        final Writer writer;

        public File(int mode, boolean binary, Reader reader, Writer writer) {
            this.mode = mode;
            this.binary = binary;
            this.reader = reader;
            this.writer = writer;
        }

        /**
         * What write(2) by root gets from a file with no store: EACCES from kernfs's open check
         * (sysfs, the default); EIO from procfs's proc_reg_write when the proc_ops have no
         * proc_write (root passes the mode check); EINVAL from vfs_write for /proc/PID files,
         * whose file_operations have no write at all (FMODE_CAN_WRITE unset).
         */
        Errno writeWithoutStore = Errno.EACCES;

        public boolean readable() { return (mode & 0444) != 0 && reader != null; }
        public boolean writable() { return (mode & 0222) != 0 && writer != null; }

        /** Sets what a write to this file gets when it has no store (see {@link #writeWithoutStore}). */
        public File onWriteWithoutStore(Errno e) {
            this.writeWithoutStore = e;
            return this;
        }
    }

    private final Dir root = new Dir();
    // reports lookups and tree changes to the explorer
    private final Kernel kernel;

    private VirtualFs(Kernel kernel) {
        this.kernel = kernel;
    }

    /**
     * The tree of {@code m}, created and populated on first use. Installers of every interface
     * package are called here, in a fixed order: add yours to the marked block.
     */
    public static VirtualFs of(Machine m) {
        return m.ext(VirtualFs.class, VirtualFs::create);
    }

    private static VirtualFs create(Machine m) {
        VirtualFs fs = new VirtualFs(m.kernel());
        fs.mkdirs("/proc");
        fs.mkdirs("/sys/devices/system");
        fs.mkdirs("/sys/kernel/mm");
        fs.mkdirs("/sys/kernel/debug");
        // ---- installers: one line per interface package ----------------------------------
        mmsim.iface.procfs.MmProcFiles.install(fs, m);
        mmsim.iface.procfs.KPageProc.install(fs, m);
        mmsim.iface.sysfs.MemorySysfs.install(fs, m);
        mmsim.iface.sysfs.AcpiSysfs.install(fs, m);
        mmsim.iface.sysfs.ThpSysfs.install(fs, m);
        mmsim.iface.procfs.ProcPidFiles.install(fs, m);
        mmsim.iface.procfs.ProcVmstat.install(fs, m);
        mmsim.iface.debugfs.PageOwnerFile.install(fs, m);
        mmsim.iface.debugfs.PtdumpFiles.install(fs, m);
        mmsim.iface.sysfs.HwpoisonSysfs.install(fs, m);
        mmsim.iface.sysfs.PageIdleSysfs.install(fs, m);
        // ---- end of installers --------------------------------------------------------------
        return fs;
    }

    // ---- building the tree --------------------------------------------------------------------

    private static List<String> split(String path) {
        if (!path.startsWith("/")) throw new IllegalArgumentException("path must be absolute: " + path);
        List<String> out = new ArrayList<>();
        for (String p : path.split("/")) if (!p.isEmpty() && !p.equals(".")) out.add(p);
        return out;
    }

    /** mkdir -p. */
    public Dir mkdirs(String path) {
        Dir d = root;
        for (String name : split(path)) {
            Node n = d.entries.get(name);
            if (n == null) {
                changed();
                Dir nd = new Dir();
                d.entries.put(name, nd);
                d = nd;
            } else if (n instanceof Dir nd) {
                d = nd;
            } else {
                throw new IllegalArgumentException(path + ": " + name + " is not a directory");
            }
        }
        return d;
    }

    private void put(String path, Node node) {
        List<String> parts = split(path);
        if (parts.isEmpty()) throw new IllegalArgumentException("cannot replace /");
        String parent = "/" + String.join("/", parts.subList(0, parts.size() - 1));
        changed();
        mkdirs(parent).entries.put(parts.get(parts.size() - 1), node);
    }

    /** A node is added or removed: the tree is written (kernfs_add_one, kernfs_remove under kernfs_rwsem). */
    private void changed() {
        kernel.access(root, Access.WRITE);
    }

    /** Registers a file (replacing any node at that path). */
    public File addFile(String path, int mode, boolean binary, Reader reader, Writer writer) {
        File f = new File(mode, binary, reader, writer);
        put(path, f);
        return f;
    }

    /** A read-only (or read-write when {@code writer} is given) text file generated on each read. */
    public File textFile(String path, int mode, Supplier<String> show, Writer writer) {
        return addFile(path, mode, false, (off, count) -> window(show.get().getBytes(StandardCharsets.UTF_8), off, count), writer);
    }

    public File textFile(String path, int mode, Supplier<String> show) { return textFile(path, mode, show, null); }

    /** A sysfs-style attribute: show on read, store(String) on write returning the count or -errno. */
    public File attribute(String path, int mode, Supplier<String> show, Function<String, Long> store) {
        Writer w = store == null ? null : data -> store.apply(new String(data, StandardCharsets.UTF_8));
        return textFile(path, mode, show == null ? () -> "" : show, w);
    }

    public void symlink(String path, String target) { put(path, new Symlink(target)); }

    /** Removes a node (and everything under it); false when absent. */
    public boolean remove(String path) {
        List<String> parts = split(path);
        Node parent = resolve("/" + String.join("/", parts.subList(0, Math.max(0, parts.size() - 1))), true);
        changed();
        return parent instanceof Dir d && !parts.isEmpty() && d.entries.remove(parts.get(parts.size() - 1)) != null;
    }

    /** The bytes of {@code data} from {@code offset}, at most {@code count}. */
    public static ReadResult window(byte[] data, long offset, int count) {
        if (offset < 0) return ReadResult.error(Errno.EINVAL);
        if (offset >= data.length) return ReadResult.of(new byte[0]);
        int end = (int) Math.min(data.length, offset + (long) count);
        return ReadResult.of(Arrays.copyOfRange(data, (int) offset, end));
    }

    // ---- lookups --------------------------------------------------------------------------------

    /**
     * The node at {@code path} (symlinks followed when {@code follow}), or null. A relative path
     * is looked up from / (the working directory of every task of the model); the empty path
     * names nothing (ENOENT, as path_init gives for "").
     */
    public Node resolve(String path, boolean follow) {
        kernel.access(root, Access.READ);   // the path walk reads the tree
        if (path.isEmpty()) return null;
        return resolve(path.startsWith("/") ? path : "/" + path, follow, 0);
    }

    private Node resolve(String path, boolean follow, int depth) {
        if (depth > 40) return null; // ELOOP
        List<String> parts = split(path);
        Node n = root;
        String cur = "";
        for (int i = 0; i < parts.size(); i++) {
            if (!(n instanceof Dir d)) return null;
            String name = parts.get(i);
            if (name.equals("..")) {
                int slash = cur.lastIndexOf('/');
                cur = slash <= 0 ? "" : cur.substring(0, slash);
                n = resolve(cur.isEmpty() ? "/" : cur, true, depth + 1);
                continue;
            }
            n = d.entries.get(name);
            if (n == null) return null;
            boolean last = i == parts.size() - 1;
            if (n instanceof Symlink s && (follow || !last)) {
                String target = s.target().startsWith("/") ? s.target() : (cur.isEmpty() ? "" : cur) + "/" + s.target();
                n = resolve(target, true, depth + 1);
                if (n == null) return null;
                cur = normalize(target);
            } else {
                cur = cur + "/" + name;
            }
        }
        return n;
    }

    private static String normalize(String path) {
        List<String> out = new ArrayList<>();
        for (String p : path.split("/")) {
            if (p.isEmpty() || p.equals(".")) continue;
            if (p.equals("..")) { if (!out.isEmpty()) out.remove(out.size() - 1); } else out.add(p);
        }
        return "/" + String.join("/", out);
    }

    public boolean exists(String path) { return resolve(path, true) != null; }

    /**
     * Why a path names no usable node for open(2), or null when it does (symlinks followed):
     * ENOENT, or ENOTDIR when a component before the last is a file (link_path_walk) or the path
     * ends in '/' and names a file (a trailing slash demands a directory).
     */
    public Errno lookupError(String path) { return lookupError(path, resolve(path, true)); }

    private Errno lookupError(String path, Node n) {
        if (n != null) return n instanceof File && path.length() > 1 && path.endsWith("/") ? Errno.ENOTDIR : null;
        List<String> parts = split(path.startsWith("/") ? path : "/" + path);
        for (int i = 1; i < parts.size(); i++) {
            if (resolve("/" + String.join("/", parts.subList(0, i)), true) instanceof File) return Errno.ENOTDIR;
        }
        return Errno.ENOENT;
    }

    /** ls: the entry names of a directory, sorted. */
    public List<String> list(String path) {
        Node n = resolve(path, true);
        Errno bad = lookupError(path, n);
        if (bad != null) throw new Errno.ErrnoException(bad, "ls: cannot access '" + path + "': " + bad.text);
        if (!(n instanceof Dir d)) throw new Errno.ErrnoException(Errno.ENOTDIR, "ls: " + path + ": Not a directory");
        return d.names();
    }

    public File file(String path) {
        Node n = resolve(path, true);
        Errno bad = lookupError(path, n);
        if (bad != null) throw new Errno.ErrnoException(bad, path + ": " + bad.text);
        if (n instanceof Dir) throw new Errno.ErrnoException(Errno.EISDIR, path + ": Is a directory");
        return (File) n;
    }

    /** read(2) at {@code offset}: the file's answer, ENOENT/EISDIR/EACCES from the VFS. */
    public ReadResult read(String path, long offset, int count) {
        Node n = resolve(path, true);
        Errno bad = lookupError(path, n);
        if (bad != null) return ReadResult.error(bad);
        if (n instanceof Dir) return ReadResult.error(Errno.EISDIR);
        File f = (File) n;
        if (!f.readable()) return ReadResult.error(Errno.EACCES);
        return f.reader.read(offset, count);
    }

    /** cat: the whole file (reads of 4096 until EOF), or an ErrnoException naming the path. */
    public byte[] readAllBytes(String path) {
        file(path);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long off = 0;
        while (true) {
            ReadResult r = read(path, off, 4096);
            if (!r.ok()) throw new Errno.ErrnoException(r.errno(), "cat: " + path + ": " + r.errno().text);
            if (r.data().length == 0) break;
            out.writeBytes(r.data());
            off += r.data().length;
        }
        return out.toByteArray();
    }

    /** cat as a String (UTF-8). */
    public String readAll(String path) { return new String(readAllBytes(path), StandardCharsets.UTF_8); }

    /** write(2) of {@code data}: the count or -errno (ENOENT, EISDIR, EACCES from the VFS). */
    public long write(String path, byte[] data) { return pwrite(path, 0, data); }

    /** pwrite(2) of {@code data} at {@code offset}: the count or -errno (a negative offset is EINVAL). */
    public long pwrite(String path, long offset, byte[] data) {
        Node n = resolve(path, true);
        Errno bad = lookupError(path, n);
        if (bad != null) return bad.neg();
        if (n instanceof Dir) return Errno.EISDIR.neg();
        File f = (File) n;
        if (!f.writable()) return f.writeWithoutStore.neg();
        if (offset < 0) return Errno.EINVAL.neg();
        return f.writer.pwrite(offset, data);
    }

    /** echo TEXT &gt; path: the count or -errno. */
    public long write(String path, String text) { return write(path, text.getBytes(StandardCharsets.UTF_8)); }

    /** echo with bash's error text on failure ("bash: echo: write error: Invalid argument"). */
    public void echo(String path, String text) {
        long r = write(path, text);
        if (r < 0) {
            Errno e = Errno.of(r);
            String msg = e == Errno.ENOENT || e == Errno.EACCES
                    ? "bash: " + path + ": " + e.text : "bash: echo: write error: " + (e == null ? "errno " + (-r) : e.text);
            throw new Errno.ErrnoException(e == null ? Errno.EIO : e, msg);
        }
    }

    /** "ls -l"-style mode string of a file, e.g. -r--r--r--. */
    public static String modeString(int mode) {
        String s = "rwxrwxrwx";
        StringBuilder sb = new StringBuilder("-");
        for (int i = 0; i < 9; i++) sb.append((mode & (1 << (8 - i))) != 0 ? s.charAt(i) : '-');
        return sb.toString().toLowerCase(Locale.ROOT);
    }
}
