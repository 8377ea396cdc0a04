package mmsim.mm.linux;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;
import mmsim.kernel.sync.RwSem;
import mmsim.kernel.sync.SeqCount;
import mmsim.kernel.sync.SpinLock;

/**
 * struct mm_struct (include/linux/mm_types.h): one process address space.
 *
 * <p>Locking:
 * <ul>
 * <li>{@code mmapLock} (mmap_lock, mmap_sem before v5.8): write for changing the VMA set
 *     (mmap, munmap, fork's dup_mmap on the parent); read for faults, GUP, madvise(DONTNEED)
 *     and khugepaged's scan.</li>
 * <li>{@code pageTableLock} (mm->page_table_lock): populating PGD/PUD entries and
 *     anon_vma_prepare's vma->anon_vma assignment; PTE and PMD tables have split locks.</li>
 * <li>{@code rss}: atomic counters (add_mm_counter), read by /proc without locks.</li>
 * <li>{@code mmLockSeq} (mm->mm_lock_seq, CONFIG_PER_VMA_LOCK): advanced by mmap_write_unlock
 *     ({@link #mmapWriteUnlock}); read locklessly by {@link #vmaStartRead}. See {@link VmArea}.</li>
 * </ul>
 * The VMA tree (the maple tree since v6.1, an rbtree before) is a TreeMap keyed by vm_start;
 * under CONFIG_PER_VMA_LOCK faults walk it under RCU alone, as the maple tree allows (a VMA is
 * freed after a grace period, so the walker reads a detached one safely and then rechecks).
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info. find_vma and vma_lookup
 * assert mmap_lock, as the kernel's do (mmap_assert_locked); checkers and tests outside an
 * execution use the *Raw lookups.
 */
public final class MmStruct {
    /** The lock class of every mm->mmap_lock (lockdep's static key at the init site). */
    private static final LockClass MMAP_LOCK = LockClass.rwsem("mm->mmap_lock");
    /** The lock class of every mm->write_protect_seq (seqcount_init in mm_init). */
    private static final LockClass WRITE_PROTECT_SEQ = LockClass.seqcount("mm->write_protect_seq");
    /** The lock class of every mm->page_table_lock (lockdep's static key at the init site). */
    private static final LockClass PAGE_TABLE_LOCK = LockClass.spinlock("mm->page_table_lock");

    public static final int MM_FILEPAGES = 0;
    public static final int MM_ANONPAGES = 1;
    public static final int MM_SWAPENTS = 2;
    public static final int MM_SHMEMPAGES = 3;

    public final Kernel k;
    public final int pid;
    public final String comm;
    public final RwSem mmapLock;
    public final SpinLock pageTableLock;
    /** The pfn of the PGD table page (mm->pgd). */
    public long pgd = -1;
    final TreeMap<Long, VmArea> vmas = new TreeMap<>();
    public final long[] rss = new long[4];
    /** mm->pgtables_bytes: page-table pages (other than the PGD) in bytes. */
    public long pgtablesBytes;
    /**
     * MMF_HAS_PINNED: this mm has ever had a page pinned with FOLL_PIN (mm_set_has_pinned_flag,
     * mm/gup.c); fork copies a possibly pinned anonymous page instead of sharing it.
     */
    public boolean hasPinned;
    /**
     * mm->write_protect_seq: odd while fork's copy_page_range write-protects this mm's anonymous
     * pages (under mmap_lock for write); a FOLL_PIN GUP-fast reads it around its walk (mm/gup.c).
     */
    public final SeqCount writeProtectSeq;
    /** mm_users / mm_count. */
    public int mmUsers = 1;
    public int mmCount = 1;
    /** mm_cpumask(mm): CPUs that may hold TLB entries of this mm (bit per CPU). */
    public long cpumask;
    public long mmapBase;
    public long totalVm;
    /** Set once exit_mmap has torn the address space down. */
    public boolean dead;
    /**
     * CONFIG_PER_VMA_LOCK (v6.4+, default y on x86_64 and arm64): page faults first try the
     * VMA's own lock; writers under mmap_lock mark the VMAs they change (vma_start_write).
     */
    public final boolean perVmaLock;
    /** mm->mm_lock_seq: see the class comment. */
    int mmLockSeq;

    /** The config option that turns the per-VMA lock on (mm/Kconfig PER_VMA_LOCK). */
    public static final String CONFIG_PER_VMA_LOCK = KernelConfig.CONFIG_PER_VMA_LOCK;

    public MmStruct(Kernel k, int pid, String comm, long mmapBase, boolean perVmaLock) {
        this.perVmaLock = perVmaLock;
        this.k = k;
        this.pid = pid;
        this.comm = comm;
        this.mmapLock = new RwSem(k, MMAP_LOCK);
        this.pageTableLock = new SpinLock(k, PAGE_TABLE_LOCK);
        this.writeProtectSeq = new SeqCount(k, WRITE_PROTECT_SEQ);
        this.mmapBase = mmapBase;
    }

    /**
     * mmap_assert_locked() (include/linux/mmap_lock.h): lockdep_assert_held(&mm->mmap_lock), read
     * or write. (Its VM_BUG_ON_MM(!rwsem_is_locked()) is implied: held by this CPU is locked.)
     */
    public void mmapAssertLocked() { mmapLock.assertHeld(); }

    /** mmap_assert_write_locked(): lockdep_assert_held_write(&mm->mmap_lock). */
    public void mmapAssertWriteLocked() { mmapLock.assertHeldWrite(); }

    // ---- per-VMA locks (include/linux/mm.h, mmap_lock.h; mm/memory.c lock_vma_under_rcu) -------

    /** Where a vma's vm_lock_seq is read and written (value equality: one location per VMA). */
    public record VmLockSeq(VmArea vma) {
        @Override public String toString() { return "vma->vm_lock_seq"; }
    }

    /** Where mm->mm_lock_seq is read and written. */
    public record MmLockSeq(MmStruct mm) {
        @Override public String toString() { return "mm->mm_lock_seq"; }
    }

    /**
     * mmap_write_unlock(): vma_end_write_all (mm_lock_seq advances, which unlocks every VMA
     * write-locked since mmap_write_lock), then up_write.
     */
    public void mmapWriteUnlock() {
        if (perVmaLock) {
            mmapAssertWriteLocked();
            k.point("vma_end_write_all:mm_lock_seq", new MmLockSeq(this), mmsim.kernel.Access.WRITE);
            mmLockSeq++;
        }
        mmapLock.upWrite();
    }

    /**
     * vma_start_write(): marks {@code vma} write-locked until mmap_write_unlock. Waits, by taking
     * vm_lock for write once, for the faults that hold it for read. Caller holds mmap_lock for write.
     */
    public void vmaStartWrite(VmArea vma) {
        if (!perVmaLock) return;
        mmapAssertWriteLocked();
        if (vma.vmLockSeq == mmLockSeq) return; // __is_vma_write_locked: already, in this mmap_lock section
        vma.vmLock.downWrite();
        k.point("vma_start_write:vm_lock_seq", new VmLockSeq(vma), mmsim.kernel.Access.WRITE);
        vma.vmLockSeq = mmLockSeq;
        vma.vmLock.upWrite();
    }

    /**
     * vma_start_read(): takes {@code vma}'s lock for read unless the VMA is write-locked. The
     * first comparison is the lockless early exit, the second the authoritative one under the lock.
     */
    public boolean vmaStartRead(VmArea vma) {
        k.point("vma_start_read:vm_lock_seq", new VmLockSeq(vma), mmsim.kernel.Access.READ);
        if (vma.vmLockSeq == mmLockSeq) return false;
        if (!vma.vmLock.downReadTrylock()) return false;
        k.point("vma_start_read:mm_lock_seq", new MmLockSeq(this), mmsim.kernel.Access.READ);
        if (vma.vmLockSeq == mmLockSeq) {
            vma.vmLock.upRead();
            return false;
        }
        return true;
    }

    /** vma_end_read(). */
    public void vmaEndRead(VmArea vma) {
        vma.vmLock.upRead();
    }

    /**
     * lock_vma_under_rcu() (mm/memory.c): the VMA containing {@code addr}, found without mmap_lock
     * and returned read-locked, or null (none there, write-locked, or changed after the walk): the
     * caller then takes mmap_lock. A VMA detached between the walk and its lock was replaced by
     * another, so the walk is done again (VMA_LOCK_MISS), not given up.
     */
    public VmArea lockVmaUnderRcu(long addr) {
        try (var f = k.enter("lock_vma_under_rcu")) {
            k.rcuReadLock();
            try {
                while (true) {
                    k.point("lock_vma_under_rcu:mas_walk", this, mmsim.kernel.Access.READ);
                    VmArea vma = vmaLookupRaw(addr);
                    if (vma == null || !vmaStartRead(vma)) return null;
                    if (vma.detached) {
                        vmaEndRead(vma);
                        continue;
                    }
                    if (addr < vma.vmStart || addr >= vma.vmEnd) {
                        vmaEndRead(vma);
                        return null;
                    }
                    return vma;
                }
            } finally {
                k.rcuReadUnlock();
            }
        }
    }

    /** find_vma(mm, addr): the first VMA with vm_end > addr. */
    public VmArea findVma(long addr) {
        mmapAssertLocked();
        return findVmaRaw(addr);
    }

    /** vma_lookup(): the VMA containing addr, or null. */
    public VmArea vmaLookup(long addr) {
        mmapAssertLocked();
        return vmaLookupRaw(addr);
    }

    /** find_vma() without mmap_lock, for checkers and tests that read the model outside an execution. */
    public VmArea findVmaRaw(long addr) {
        Map.Entry<Long, VmArea> e = vmas.floorEntry(addr);
        if (e != null && e.getValue().vmEnd > addr) return e.getValue();
        Map.Entry<Long, VmArea> n = vmas.higherEntry(addr);
        return n == null ? null : n.getValue();
    }

    /** vma_lookup() without mmap_lock, for checkers and tests that read the model outside an execution. */
    public VmArea vmaLookupRaw(long addr) {
        VmArea v = findVmaRaw(addr);
        return v != null && v.vmStart <= addr ? v : null;
    }

    /** The VMAs in address order (a copy: callers may change the tree while iterating). */
    public List<VmArea> vmaList() { return new ArrayList<>(vmas.values()); }

    /** map_count. */
    public int mapCount() { return vmas.size(); }

    /** vma_iter_store(). Caller holds mmap_lock for write (or owns the mm: fork's child, boot). */
    public void insert(VmArea v) {
        if (perVmaLock) k.point("vma_iter_store", this, mmsim.kernel.Access.WRITE); // RCU walkers read the tree
        vmas.put(v.vmStart, v);
    }

    /** vma_iter_clear(). Caller holds mmap_lock for write. */
    public void remove(VmArea v) {
        if (perVmaLock) k.point("vma_iter_clear", this, mmsim.kernel.Access.WRITE);
        vmas.remove(v.vmStart);
    }

    /** get_mm_counter(). */
    public long counter(int member) { return rss[member]; }

    @Override public String toString() { return "mm[" + pid + " " + comm + "]"; }
}
