package mmsim.iface.debugfs;

import mmsim.iface.VirtualFs;
import mmsim.kernel.Errno;
import mmsim.mm.Machine;
import mmsim.mm.memory_hotplug.MemoryHotplug;
import mmsim.mm.memory_hotplug.MemoryNotifier;

import java.util.Locale;

/**
 * The memory-notifier-error-inject module (lib/memory-notifier-error-inject.c on
 * lib/notifier-error-inject.c): loading it registers a memory notifier at the module parameter
 * {@code priority} and creates
 * <pre>
 *   /sys/kernel/debug/notifier-error-inject/memory/actions/MEM_GOING_ONLINE/error    (0600, "%d\n")
 *   /sys/kernel/debug/notifier-error-inject/memory/actions/MEM_GOING_OFFLINE/error
 * </pre>
 * A non-zero value (written with kstrtoint base 0, clamped to [-MAX_ERRNO, 0]) makes the chain
 * veto that action with notifier_from_errno(error), logging "Injecting error (%d) to %s".
 * The debugfs files are read and written without locks (an int each), as in the kernel.
 */
public final class MemoryNotifierErrorInject {
    public static final String DIR = "/sys/kernel/debug/notifier-error-inject";
    static final int MAX_ERRNO = 4095;
    private static final String[] ACTION_NAMES = {"MEM_GOING_ONLINE", "MEM_GOING_OFFLINE"};
    private static final int[] ACTIONS = {MemoryNotifier.MEM_GOING_ONLINE, MemoryNotifier.MEM_GOING_OFFLINE};

    private final Machine m;
    private final int[] error = new int[ACTIONS.length];
    private MemoryNotifier.NotifierBlock nb;

    private MemoryNotifierErrorInject(Machine m) { this.m = m; }

    /** The machine's module instance (not loaded until {@link #modprobe}). */
    public static MemoryNotifierErrorInject of(Machine m) {
        return m.ext(MemoryNotifierErrorInject.class, MemoryNotifierErrorInject::new);
    }

    public boolean loaded() { return nb != null; }

    /** modprobe memory-notifier-error-inject priority=N: -EEXIST when already loaded. */
    public int modprobe(VirtualFs fs, int priority) {
        if (nb != null) return Errno.EEXIST.neg();
        MemoryHotplug hp = m.memoryHotplug();
        java.util.Arrays.fill(error, 0);
        String actions = DIR + "/memory/actions";
        for (int i = 0; i < ACTIONS.length; i++) {
            final int idx = i;
            fs.attribute(actions + "/" + ACTION_NAMES[i] + "/error", 0600,
                    () -> String.format(Locale.ROOT, "%d\n", error[idx]),
                    buf -> {
                        Long v = kstrtoint(buf);
                        if (v == null) return (long) Errno.EINVAL.neg();
                        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) return (long) Errno.ERANGE.neg();
                        error[idx] = (int) Math.max(-MAX_ERRNO, Math.min(0, v));
                        return (long) buf.length();
                    });
        }
        nb = hp.registerMemoryNotifier("memory_notifier_err_inject", priority, (action, arg) -> {
            for (int i = 0; i < ACTIONS.length; i++) {
                if (ACTIONS[i] != action) continue;
                int err = error[i];
                if (err != 0) m.kernel().log().printk(String.format(Locale.ROOT, "Injecting error (%d) to %s", err, ACTION_NAMES[i]));
                return MemoryNotifier.notifierFromErrno(err);
            }
            return MemoryNotifier.notifierFromErrno(0);
        });
        return 0;
    }

    /** rmmod: unregisters the notifier and removes the debugfs directory; -ENOENT when not loaded. */
    public int rmmod(VirtualFs fs) {
        if (nb == null) return Errno.ENOENT.neg();
        m.memoryHotplug().unregisterMemoryNotifier(nb);
        nb = null;
        fs.remove(DIR + "/memory");
        return 0;
    }

    /**
     * kstrtoint(s, 0): optional sign, then decimal, 0x hex or 0 octal digits, one trailing newline
     * allowed; null when malformed (-EINVAL). The value is returned unclamped as a long.
     */
    static Long kstrtoint(String s) {
        if (s.endsWith("\n")) s = s.substring(0, s.length() - 1);
        boolean neg = false;
        if (s.startsWith("-")) { neg = true; s = s.substring(1); }
        else if (s.startsWith("+")) s = s.substring(1);
        int radix = 10;
        if (s.startsWith("0x") || s.startsWith("0X")) { radix = 16; s = s.substring(2); }
        else if (s.length() > 1 && s.startsWith("0")) { radix = 8; s = s.substring(1); }
        if (s.isEmpty()) return null;
        try {
            long v = Long.parseLong(s, radix);
            return neg ? -v : v;
        } catch (NumberFormatException e) {
            return s.chars().allMatch(c -> Character.digit(c, 16) >= 0) ? Long.MAX_VALUE : null;
        }
    }
}
