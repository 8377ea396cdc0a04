package mmsim.mm.linux;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;
import mmsim.kernel.sync.SpinLock;

/**
 * The shmem inode behind a shared anonymous mapping (mm/shmem.c shmem_zero_setup: an unlinked
 * file "dev/zero" on the internal shm mount): its page cache and the VMAs that map it.
 *
 * <p>Locking: {@code xaLock} (mapping->i_pages xa_lock) guards the page cache; {@code vmas}
 * (mapping->i_mmap, the interval tree) changes under the mapping's i_mmap_rwsem, here under the
 * mmap_lock (write) of the mm whose VMA comes or goes, which is enough for the model's callers.
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info.
 */
public final class ShmemFile {
    /** The lock class of every mapping->i_pages.xa_lock (lockdep's static key at the init site). */
    private static final LockClass XA_LOCK = LockClass.spinlock("mapping->i_pages.xa_lock");
    /** The lock class of every mapping->i_mmap_rwsem. */
    private static final LockClass I_MMAP_RWSEM = LockClass.rwsem("mapping->i_mmap_rwsem");

    /** i_ino of the inode. */
    public final long ino;
    /** The fake kernel address of its struct address_space (page->mapping of its pages; bit 0 clear: not anon). */
    public final long mappingAddress;
    /** i_size in pages. */
    public final long sizePages;
    public final SpinLock xaLock;
    /** mapping->i_mmap_rwsem: rmap walks of the file's pages hold it for read (i_mmap_lock_read). */
    public final mmsim.kernel.sync.RwSem iMmapRwsem;
    public final TreeMap<Long, Long> pages = new TreeMap<>();
    /** i_mmap: the VMAs mapping the file. */
    public final List<VmArea> vmas = new ArrayList<>();
    /** Set once the last mapping went and the inode was evicted. */
    public boolean evicted;

    public ShmemFile(Kernel k, long ino, long mappingAddress, long sizePages) {
        this.ino = ino;
        this.mappingAddress = mappingAddress;
        this.sizePages = sizePages;
        this.xaLock = new SpinLock(k, XA_LOCK);
        this.iMmapRwsem = new mmsim.kernel.sync.RwSem(k, I_MMAP_RWSEM);
    }

    /** The cached pages by index (a copy, for checks and dumps). */
    public SortedMap<Long, Long> cachedPages() { return new TreeMap<>(pages); }

    @Override public String toString() { return "shmem inode " + ino; }
}
