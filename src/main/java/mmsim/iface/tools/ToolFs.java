package mmsim.iface.tools;

import mmsim.kernel.Errno;

import java.nio.ByteBuffer;

/**
 * The file system a ported kernel tool sees: open(2), pread(2)/pwrite(2), stat(2) and where
 * debugfs is mounted. {@link HostFs} is this machine's file system; the model's implementation
 * serves /proc, /sys and debugfs from a booted machine's VirtualFs. Errors are errno values so
 * the tools can print them the way perror(3) does.
 */
public interface ToolFs {

    /** An open file. */
    interface Handle extends AutoCloseable {
        /**
         * pread(2) of up to {@code dst.remaining()} bytes at {@code offset} into {@code dst}
         * (advancing its position): the number of bytes read (0 at end of file), or {@code -errno}.
         */
        long pread(ByteBuffer dst, long offset);

        /** pwrite(2) of {@code src}'s remaining bytes at {@code offset}: bytes written or {@code -errno}. */
        long pwrite(ByteBuffer src, long offset);

        @Override
        void close();
    }

    /** What stat(2) tells a tool: whether the path is a directory and its inode number. */
    record Stat(boolean directory, long inode) { }

    /** open(2) for reading or writing; throws the errno open would set. */
    Handle open(String path, boolean write) throws Errno.ErrnoException;

    /** stat(2); throws the errno stat would set. */
    Stat stat(String path) throws Errno.ErrnoException;

    /** Where debugfs is (or gets) mounted, or null when it cannot be (debugfs__mount() failing). */
    String debugfsMount();

    /** getpagesize(2) of the system whose files these are. */
    int pageSize();
}
