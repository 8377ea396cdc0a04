package mmsim.mm.linux;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;
import mmsim.kernel.sync.RwSem;
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
 * </ul>
 * The VMA tree (the maple tree since v6.1, an rbtree before) is a TreeMap keyed by vm_start.
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info. find_vma and vma_lookup
 * assert mmap_lock, as the kernel's do (mmap_assert_locked); checkers and tests outside an
 * execution use the *Raw lookups.
 */
public final class MmStruct {
    /** The lock class of every mm->mmap_lock (lockdep's static key at the init site). */
    private static final LockClass MMAP_LOCK = LockClass.rwsem("mm->mmap_lock");
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
    /** mm_users / mm_count. */
    public int mmUsers = 1;
    public int mmCount = 1;
    /** mm_cpumask(mm): CPUs that may hold TLB entries of this mm (bit per CPU). */
    public long cpumask;
    public long mmapBase;
    public long totalVm;
    /** Set once exit_mmap has torn the address space down. */
    public boolean dead;

    public MmStruct(Kernel k, int pid, String comm, long mmapBase) {
        this.k = k;
        this.pid = pid;
        this.comm = comm;
        this.mmapLock = new RwSem(k, MMAP_LOCK);
        this.pageTableLock = new SpinLock(k, PAGE_TABLE_LOCK);
        this.mmapBase = mmapBase;
    }

    /**
     * mmap_assert_locked() (include/linux/mmap_lock.h): lockdep_assert_held(&mm->mmap_lock), read
     * or write. (Its VM_BUG_ON_MM(!rwsem_is_locked()) is implied: held by this CPU is locked.)
     */
    public void mmapAssertLocked() { mmapLock.assertHeld(); }

    /** mmap_assert_write_locked(): lockdep_assert_held_write(&mm->mmap_lock). */
    public void mmapAssertWriteLocked() { mmapLock.assertHeldWrite(); }

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

    public void insert(VmArea v) { vmas.put(v.vmStart, v); }

    public void remove(VmArea v) { vmas.remove(v.vmStart); }

    /** get_mm_counter(). */
    public long counter(int member) { return rss[member]; }

    @Override public String toString() { return "mm[" + pid + " " + comm + "]"; }
}
