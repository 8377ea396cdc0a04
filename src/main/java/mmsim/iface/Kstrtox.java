package mmsim.iface;

/**
 * kstrtoull(s, 0, &amp;res) (lib/kstrtox.c), as sysfs and debugfs stores parse numbers: an optional
 * '+', then decimal, 0x/0X hex or 0-prefixed octal digits, and at most one trailing newline.
 * Anything else, an empty number or an overflow of 64 bits is an error (-EINVAL / -ERANGE, which
 * every store here reports as -EINVAL).
 */
public final class Kstrtox {
    private Kstrtox() { }

    /** The value as an unsigned 64-bit long, or null when {@code s} is not a number kstrtoull accepts. */
    public static Long kstrtoull(String s) {
        if (s.endsWith("\n")) s = s.substring(0, s.length() - 1);
        if (s.startsWith("+")) s = s.substring(1);
        int radix = 10;
        if (s.length() > 1 && (s.startsWith("0x") || s.startsWith("0X"))) { radix = 16; s = s.substring(2); }
        else if (s.length() > 1 && s.startsWith("0")) { radix = 8; s = s.substring(1); }
        if (s.isEmpty()) return null;
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            int d = Character.digit(s.charAt(i), radix);
            if (d < 0) return null;
            // overflow of u64: v * radix + d must stay below 2^64
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, radix)) > 0) return null;
            v = v * radix + d;
        }
        return v;
    }
}
