package mmsim.kernel;

/**
 * The errno values mm code paths and their files return, with the kernel's numbers
 * (include/uapi/asm-generic/errno-base.h, errno.h). Model entry points return {@code -errno}
 * as the kernel does, or throw {@link ErrnoException} where a Java signature has no room.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    ESRCH(3, "No such process"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    ENXIO(6, "No such device or address"),
    E2BIG(7, "Argument list too long"),
    EBADF(9, "Bad file descriptor"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EISDIR(21, "Is a directory"),
    EINVAL(22, "Invalid argument"),
    ENOSPC(28, "No space left on device"),
    ERANGE(34, "Numerical result out of range"),
    EOPNOTSUPP(95, "Operation not supported"),
    EHWPOISON(133, "Memory page has hardware error");

    public final int number;
    /** The strerror() text, as bash prints after "write error:". */
    public final String text;

    Errno(int number, String text) {
        this.number = number;
        this.text = text;
    }

    /** The kernel's return value, {@code -errno}. */
    public int neg() {
        return -number;
    }

    /** Looks up {@code -errno} or {@code errno}; null when the value is no known errno. */
    public static Errno of(long value) {
        long n = Math.abs(value);
        for (Errno e : values()) if (e.number == n) return e;
        return null;
    }

    /** An errno carried through a Java call that cannot return it. */
    public static final class ErrnoException extends RuntimeException {
        private final Errno errno;

        public ErrnoException(Errno errno, String message) {
            super(message, null, false, false);
            this.errno = errno;
        }

        public Errno errno() { return errno; }
    }
}
