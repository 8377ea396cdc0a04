package mmsim.kernel;

/**
 * The kernel's printf (lib/vsprintf.c) for text the model prints: ASCII digits, '-' and '.',
 * never localized. {@code String.format(Locale.ROOT, ...)} prints the same bytes, but its first
 * numeric conversion loads the JDK's locale data (DecimalFormatSymbols through the CLDR
 * provider: ~10 ms of a 70 ms {@code mmsim cat /proc/meminfo}, in no AOT cache); a null
 * locale is java.util.Formatter's "no localization", which skips it. PrintfTest holds the two
 * equal on the conversions used.
 */
public final class Printf {
    private Printf() { }

    /** {@code String.format} with no localization. */
    public static String format(String format, Object... args) {
        return String.format((java.util.Locale) null, format, args);
    }
}
