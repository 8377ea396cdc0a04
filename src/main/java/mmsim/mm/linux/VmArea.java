package mmsim.mm.linux;

import java.util.ArrayList;
import java.util.List;


/**
 * struct vm_area_struct (include/linux/mm_types.h): one mapping [vmStart, vmEnd) of an mm.
 *
 * <p>Locking (as in the kernel): vm_start/vm_end/vm_flags change only with the mm's mmap_lock
 * held for write; readers hold it for read. {@code anonVma} is set once, by anon_vma_prepare(),
 * under mmap_lock (read) plus mm->page_table_lock; rmap walkers read it from page->mapping.
 * {@code anonVmaChain} (vma->anon_vma_chain) is changed under mmap_lock (write) and the
 * anon_vma root rwsem.
 *
 * <p>Per-VMA lock (CONFIG_PER_VMA_LOCK, v6.4+): {@code vmLock} (vma->vm_lock->lock) is taken
 * for read by a page fault that found the VMA under RCU instead of taking mmap_lock
 * ({@link MmStruct#lockVmaUnderRcu}); a writer holding mmap_lock for write marks the VMA
 * write-locked ({@link MmStruct#vmaStartWrite}: vm_lock_seq = mm_lock_seq, after waiting for the
 * readers in flight) before changing it or its page tables, and mmap_write_unlock unlocks every
 * such VMA at once by advancing mm_lock_seq.
 */
public final class VmArea {
    /** The lock class of every vma->vm_lock->lock. */
    private static final mmsim.kernel.LockClass VM_LOCK = mmsim.kernel.LockClass.rwsem("vma->vm_lock->lock");
    /** vma->vm_lock->lock: held for read by a fault under the per-VMA lock. */
    public final mmsim.kernel.sync.RwSem vmLock;
    /** vma->vm_lock_seq: equal to the mm's mm_lock_seq while the VMA is write-locked (UINT_MAX at creation). */
    int vmLockSeq = -1;
    public long vmStart;
    public long vmEnd;
    public long vmFlags;
    /** vm_page_prot: the PTE protection bits of vm_flags (vm_get_page_prot). */
    public long vmPageProt;
    /** vm_pgoff: for anonymous private mappings, vm_start >> PAGE_SHIFT at creation (kept across splits). */
    public long vmPgoff;
    public final MmStruct vmMm;
    /** The anon_vma new anonymous pages of this VMA get (NULL until the first write fault). */
    public AnonVma anonVma;
    /** vma->anon_vma_chain: one link per anon_vma whose pages this VMA may map (own + ancestors'). */
    public final List<AnonVma.Chain> anonVmaChain = new ArrayList<>();
    /** VM_SHARED: a shared anonymous mapping (MAP_SHARED|MAP_ANONYMOUS), backed by {@link #vmFile}. */
    public final boolean shared;
    /** vm_file: the shmem inode of a shared anonymous mapping (shmem_zero_setup), else null. */
    public mmsim.mm.linux.ShmemFile vmFile;
    /** Set by munmap once the VMA is gone (a stale VMA pointer is a use-after-free in the kernel). */
    public boolean detached;

    public VmArea(MmStruct mm, long start, long end, long flags, long pageProt, long pgoff) {
        this.vmMm = mm;
        this.vmLock = new mmsim.kernel.sync.RwSem(mm.k, VM_LOCK);
        this.vmStart = start;
        this.vmEnd = end;
        this.vmFlags = flags;
        this.vmPageProt = pageProt;
        this.vmPgoff = pgoff;
        this.shared = (flags & VmFlags.VM_SHARED) != 0;
    }

    /** vma_is_anonymous(): no vm_ops (a shared anonymous mapping has shmem's). */
    public boolean isAnonymous() { return !shared; }

    /** linear_page_index(vma, address): the page->index an anonymous page at {@code addr} gets. */
    public long linearPageIndex(long addr) {
        return ((addr - vmStart) >>> 12) + vmPgoff;
    }

    /** vma_address(): where page index {@code index} is mapped in this VMA, or -1 when outside it. */
    public long vmaAddress(long index) {
        long addr = vmStart + ((index - vmPgoff) << 12);
        return addr >= vmStart && addr < vmEnd ? addr : -1;
    }

    public boolean contains(long addr) { return addr >= vmStart && addr < vmEnd; }

    public long pages() { return (vmEnd - vmStart) >>> 12; }

    @Override public String toString() {
        return String.format("vma %#x-%#x flags %#x", vmStart, vmEnd, vmFlags);
    }

    /**
     * assert_fault_locked() without the fault flags: a fault path runs with the mm's mmap_lock or
     * (under CONFIG_PER_VMA_LOCK) this VMA's own lock held for read by this CPU.
     */
    public void assertFaultLocked() {
        if (vmLock.heldByCurrentCpu()) return;
        vmMm.mmapAssertLocked();
    }

    /** True while this CPU runs a fault under this VMA's lock rather than the mmap_lock. */
    public boolean faultUnderVmaLock() {
        return vmMm.perVmaLock && vmLock.heldByCurrentCpu() && !vmMm.mmapLock.heldByCurrentCpu();
    }
}
