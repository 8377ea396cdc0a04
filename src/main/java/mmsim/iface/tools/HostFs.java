package mmsim.iface.tools;

import mmsim.kernel.Errno;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * This machine's own files, for running mmsim's page-types on a real kernel (/proc/kpageflags
 * when readable, i.e. as root) or on saved dumps. Java's I/O exceptions are turned back into the
 * errno the C tool would have seen.
 */
public final class HostFs implements ToolFs {

    @Override
    public Handle open(String path, boolean write) {
        try {
            Path p = Path.of(path);
            if (!write && Files.isDirectory(p)) {
                // open(O_RDONLY) of a directory succeeds in C; its first read fails.
                return new Handle() {
                    @Override public long pread(ByteBuffer dst, long offset) { return Errno.EISDIR.neg(); }
                    @Override public long pwrite(ByteBuffer src, long offset) { return Errno.EISDIR.neg(); }
                    @Override public void close() { }
                };
            }
            FileChannel ch = write ? FileChannel.open(p, StandardOpenOption.WRITE)
                    : FileChannel.open(p, StandardOpenOption.READ);
            return new ChannelHandle(ch);
        } catch (IOException | RuntimeException e) {
            throw new Errno.ErrnoException(errnoOf(e), path);
        }
    }

    @Override
    public Stat stat(String path) {
        try {
            Path p = Path.of(path);
            Object ino = Files.getAttribute(p, "unix:ino");
            return new Stat(Files.isDirectory(p), ((Number) ino).longValue());
        } catch (IOException | RuntimeException e) {
            throw new Errno.ErrnoException(errnoOf(e), path);
        }
    }

    @Override
    public String debugfsMount() {
        // debugfs__mount(): the usual mount point; the tool mounts it there when it is missing.
        return Files.isDirectory(Path.of("/sys/kernel/debug")) ? "/sys/kernel/debug" : null;
    }

    @Override
    public int pageSize() {
        return 4096;
    }

    static Errno errnoOf(Exception e) {
        if (e instanceof NoSuchFileException) return Errno.ENOENT;
        if (e instanceof AccessDeniedException) return Errno.EACCES;
        if (e instanceof NotDirectoryException) return Errno.ENOTDIR;
        if (e instanceof IllegalArgumentException) return Errno.EINVAL;
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            String r = fse.getReason();
            for (Errno x : Errno.values()) if (r.contains(x.text)) return x;
        }
        String m = String.valueOf(e.getMessage());
        for (Errno x : Errno.values()) if (m.contains(x.text)) return x;
        return Errno.EIO;
    }

    private static final class ChannelHandle implements Handle {
        private final FileChannel ch;

        ChannelHandle(FileChannel ch) { this.ch = ch; }

        @Override
        public long pread(ByteBuffer dst, long offset) {
            if (offset < 0) return Errno.EINVAL.neg();
            try {
                int n = ch.read(dst, offset);
                return Math.max(n, 0);
            } catch (IOException | RuntimeException e) {
                return errnoOf(e).neg();
            }
        }

        @Override
        public long pwrite(ByteBuffer src, long offset) {
            try {
                return ch.write(src, offset);
            } catch (IOException | RuntimeException e) {
                return errnoOf(e).neg();
            }
        }

        @Override
        public void close() {
            try { ch.close(); } catch (IOException ignored) { /* close(2) errors are not reported by the tools */ }
        }
    }
}
