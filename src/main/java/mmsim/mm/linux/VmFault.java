package mmsim.mm.linux;

/**
 * vm_fault_t bits and fault flags (include/linux/mm_types.h), shared by the fault paths of
 * mm/memory.c, mm/huge_memory.c, the rmap's vmf_anon_prepare and GUP, as the kernel's header is.
 */
public final class VmFault {
    private VmFault() { }

    // vm_fault_t
    public static final int VM_FAULT_OOM = 0x1;
    public static final int VM_FAULT_SIGBUS = 0x2;
    public static final int VM_FAULT_MAJOR = 0x4;
    public static final int VM_FAULT_HWPOISON = 0x10;
    public static final int VM_FAULT_SIGSEGV = 0x40;
    public static final int VM_FAULT_RETRY = 0x400;
    /** The huge path declined: handle the fault with PTEs. */
    public static final int VM_FAULT_FALLBACK = 0x800;

    // enum fault_flag
    public static final int FAULT_FLAG_WRITE = 0x1;
    /**
     * Unshare a shared anonymous page without making the PTE writable (1 << 10): GUP's R/O
     * FOLL_PIN of a page that is not PageAnonExclusive (gup_must_unshare), so the pin sees what
     * the process later writes.
     */
    public static final int FAULT_FLAG_UNSHARE = 0x400;
    /** The fault holds the VMA's lock, not mmap_lock (1 << 12). */
    public static final int FAULT_FLAG_VMA_LOCK = 0x1000;
}
