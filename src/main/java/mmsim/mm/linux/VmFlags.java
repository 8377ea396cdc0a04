package mmsim.mm.linux;

/**
 * vm_area_struct->vm_flags bits (include/linux/mm.h). Kept here, next to the page-table
 * encodings that read them ({@link PgtableArch#vmGetPageProt}); the VMA code uses them too.
 *
 * <pre>
 *  bit  0 VM_READ      1 VM_WRITE    2 VM_EXEC      3 VM_SHARED
 *  bit  4 VM_MAYREAD   5 VM_MAYWRITE 6 VM_MAYEXEC   7 VM_MAYSHARE
 *  bit  8 VM_GROWSDOWN                              13 VM_LOCKED
 *  bit 17 VM_DONTCOPY 18 VM_DONTEXPAND              20 VM_ACCOUNT  21 VM_NORESERVE
 *  bit 26 VM_WIPEONFORK  27 VM_SOFTDIRTY             29 VM_HUGEPAGE 30 VM_NOHUGEPAGE  31 VM_MERGEABLE
 * </pre>
 */
public final class VmFlags {
    private VmFlags() { }

    public static final long VM_NONE = 0;
    public static final long VM_READ = 1L << 0;
    public static final long VM_WRITE = 1L << 1;
    public static final long VM_EXEC = 1L << 2;
    public static final long VM_SHARED = 1L << 3;
    public static final long VM_MAYREAD = 1L << 4;
    public static final long VM_MAYWRITE = 1L << 5;
    public static final long VM_MAYEXEC = 1L << 6;
    public static final long VM_MAYSHARE = 1L << 7;
    public static final long VM_GROWSDOWN = 1L << 8;
    public static final long VM_LOCKED = 1L << 13;
    public static final long VM_DONTCOPY = 1L << 17;
    public static final long VM_DONTEXPAND = 1L << 18;
    public static final long VM_ACCOUNT = 1L << 20;
    public static final long VM_NORESERVE = 1L << 21;
    public static final long VM_WIPEONFORK = 1L << 26;
    /** CONFIG_MEM_SOFT_DIRTY (x86): the whole VMA counts as soft-dirty (new VMAs start so). VM_NONE on arm64. */
    public static final long VM_SOFTDIRTY = 1L << 27;
    public static final long VM_HUGEPAGE = 1L << 29;
    public static final long VM_NOHUGEPAGE = 1L << 30;
    public static final long VM_MERGEABLE = 1L << 31;

    /** The two-letter mnemonics /proc/PID/smaps prints in VmFlags: (fs/proc/task_mmu.c, show_smap_vma_flags). */
    public static String mnemonics(long f) {
        StringBuilder sb = new StringBuilder();
        long[] bits = {VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC, VM_MAYSHARE,
                VM_GROWSDOWN, VM_LOCKED, VM_DONTCOPY, VM_DONTEXPAND, VM_ACCOUNT, VM_NORESERVE, VM_WIPEONFORK, VM_SOFTDIRTY,
                VM_HUGEPAGE, VM_NOHUGEPAGE, VM_MERGEABLE};
        String[] names = {"rd", "wr", "ex", "sh", "mr", "mw", "me", "ms", "gd", "lo", "dc", "de", "ac", "nr", "wf",
                "hg", "nh", "mg"};
        for (int i = 0; i < bits.length; i++) if ((f & bits[i]) != 0) sb.append(names[i]).append(' ');
        return sb.toString();
    }
}
