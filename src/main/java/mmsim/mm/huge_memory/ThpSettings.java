package mmsim.mm.huge_memory;

/**
 * The global THP switches (mm/huge_memory.c transparent_hugepage_flags, shown in
 * /sys/kernel/mm/transparent_hugepage/): {@code enabled}, {@code defrag} and {@code use_zero_page}.
 * Defaults are a distro kernel's (CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS, defrag "madvise",
 * use_zero_page 1). Plain fields: the sysfs store handlers write them, the fault and
 * khugepaged read them (READ_ONCE of a flags word in the kernel).
 */
public final class ThpSettings {
    /** The three values of {@code enabled}, in the order sysfs prints them. */
    public enum Enabled { ALWAYS, MADVISE, NEVER }

    /** The five values of {@code defrag}, in the order sysfs prints them. */
    public static final String[] DEFRAG = {"always", "defer", "defer+madvise", "madvise", "never"};

    public Enabled enabled = Enabled.ALWAYS;
    /** Index into {@link #DEFRAG}. */
    public int defrag = 3;
    public boolean useZeroPage = true;
}
