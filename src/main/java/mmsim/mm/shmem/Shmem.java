package mmsim.mm.shmem;

import mmsim.mm.linux.MmCore;
import mmsim.mm.swap.Swap;

import mmsim.mm.linux.ShmemFile;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import mmsim.kernel.Kernel;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.VmArea;
import mmsim.mm.linux.VmEvent;

/**
 * Shared anonymous memory (mm/shmem.c) as far as MAP_SHARED|MAP_ANONYMOUS needs it:
 * shmem_zero_setup() gives the VMA an unlinked shmem inode, shmem_get_folio() finds or adds the
 * page of an index in its page cache for a fault, and when the last VMA goes the inode is
 * evicted and its pages leave the page cache (shmem_evict_inode -> shmem_truncate_range).
 *
 * <p>References: a page in the page cache holds one reference for the cache and one per PTE
 * mapping it; it sits on the anonymous LRU (PG_swapbacked) and page->mapping is the inode's
 * address_space (no PAGE_MAPPING_ANON bit), so PageAnon() is false and the page is "file"
 * to pagemap and kpageflags. Rmap walks go over the inode's i_mmap (Rmap.rmapWalk), so
 * migration moves mapped shmem pages ({@link #migrateMapping}). Writing shmem pages out to swap
 * (shmem_writeout) is not modelled: reclaim and MADV_PAGEOUT keep shmem pages.
 *
 * <p>Locking: the page cache under the inode's xa_lock; a page is added and removed locked
 * (PG_locked), as filemap_add_folio and truncate_inode_folio do.
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info.
 */
public final class Shmem {
    private final MmCore um;
    private final Swap swap;
    private final Kernel k;
    private final MmPages pages;
    private final Map<Long, ShmemFile> files = new TreeMap<>();
    private final Map<Long, ShmemFile> byMapping = new TreeMap<>();
    private long nextIno = 1024;
    private long nextMapping = 0xffff888006000000L;

    public Shmem(MmCore um, Swap swap) {
        this.um = um;
        this.swap = swap;
        this.k = um.k;
        this.pages = um.pages;
    }

    /** shmem_zero_setup(): the VMA of a shared anonymous mmap gets a new inode of its size ("dev/zero"). */
    public ShmemFile shmemZeroSetup(VmArea vma) {
        try (var f = k.enter("shmem_zero_setup")) {
            ShmemFile file = new ShmemFile(k, nextIno++, nextMapping, vma.pages());
            nextMapping += 0x400; // sizeof(struct shmem_inode_info) rounded to its slab
            files.put(file.ino, file);
            byMapping.put(file.mappingAddress, file);
            vma.vmFile = file;
            file.vmas.add(vma);
            return file;
        }
    }

    /** vm_area_dup / __split_vma: another VMA maps the file (get_file + vma_interval_tree_insert). */
    public void vmaOpen(VmArea vma, ShmemFile file) {
        vma.vmFile = file;
        file.vmas.add(vma);
    }

    /** remove_vma(): the VMA no longer maps the file (fput); the last one evicts the inode. */
    public void vmaClose(VmArea vma) {
        ShmemFile file = vma.vmFile;
        if (file == null) return;
        file.vmas.remove(vma);
        if (file.vmas.isEmpty()) evictInode(file);
    }

    /** The live inode whose address_space is page->mapping of {@code pfn}, or null. */
    public ShmemFile fileOf(long pfn) {
        return byMapping.get(pages.mapping(pfn));
    }

    /** Inodes with a mapping left (for checks and /proc). */
    public Collection<ShmemFile> files() { return files.values(); }

    /** Result of {@link #getFolio} past i_size: the fault is SIGBUS. */
    public static final long BEYOND_EOF = -2;

    /**
     * shmem_get_folio(inode, index, SGP_CACHE) for a fault: the page of {@code index}, locked and
     * with a reference for the caller, allocating and adding a zeroed page on first use. Returns
     * the pfn, -1 when no memory, or {@link #BEYOND_EOF}.
     */
    public long getFolio(ShmemFile file, long index) {
        try (var f = k.enter("shmem_get_folio_gfp")) {
            if (index >= file.sizePages) return BEYOND_EOF;
            while (true) {
                long found = lookup(file, index);
                if (found >= 0) {
                    um.lockPage(found);
                    // truncated or replaced while we slept on the lock: look again
                    if (pages.mapping(found) == file.mappingAddress && pages.index(found) == index) return found;
                    um.unlockPage(found);
                    um.putPage(found);
                    continue;
                }
                long page = pages.allocPage(false); // shmem_alloc_folio: GFP_HIGHUSER_MOVABLE, zeroed
                if (page < 0) return -1;
                pages.set(page, PageFlag.LOCKED); // __folio_set_locked: nobody else sees it yet
                pages.set(page, PageFlag.SWAPBACKED);
                pages.set(page, PageFlag.UPTODATE);
                if (!addToPageCache(file, index, page)) {
                    // another CPU added this index first: drop ours, use theirs
                    pages.clear(page, PageFlag.LOCKED);
                    pages.clear(page, PageFlag.SWAPBACKED);
                    pages.clear(page, PageFlag.UPTODATE);
                    um.putPage(page);
                    continue;
                }
                swap.lruCacheAdd(page);
                return page;
            }
        }
    }

    /** filemap_get_entry() + folio_try_get(): the cached page with a reference, or -1. */
    private long lookup(ShmemFile file, long index) {
        file.xaLock.lock();
        try {
            Long pfn = file.pages.get(index);
            if (pfn == null) return -1;
            return pages.getPageUnlessZero(pfn) ? pfn : -1;
        } finally {
            file.xaLock.unlock();
        }
    }

    /** shmem_add_to_page_cache(): the cache's reference, mapping and index, the counters. False when the index is taken. */
    private boolean addToPageCache(ShmemFile file, long index, long page) {
        file.xaLock.lock();
        try {
            if (file.pages.containsKey(index)) return false;
            um.getPage(page);
            pages.setMapping(page, file.mappingAddress);
            pages.setIndex(page, index);
            file.pages.put(index, page);
            um.count(page, VmEvent.NR_FILE_PAGES, 1);
            um.count(page, VmEvent.NR_SHMEM, 1);
            return true;
        } finally {
            file.xaLock.unlock();
        }
    }

    /**
     * The page-cache half of migrate_folio() / folio_migrate_mapping() for a shmem page: under
     * the xa_lock, when only the expected references are held ({@code expected}: the isolator's
     * and the cache's), the cache slot and the cache's reference move to {@code dst} with the
     * counters of the two pages' nodes. False (-EAGAIN) when someone else holds a reference.
     */
    public boolean migrateMapping(long src, long dst, int expected) {
        ShmemFile file = fileOf(src);
        if (file == null) return false;
        file.xaLock.lock();
        try {
            if (pages.refcount(src) != expected) return false;
            long index = pages.index(src);
            um.getPage(dst);            // the cache's reference of the new page
            pages.setMapping(dst, file.mappingAddress);
            pages.setIndex(dst, index);
            file.pages.put(index, dst);
            pages.refAdd(src, -1);           // ... and of the old one
            um.count(src, VmEvent.NR_FILE_PAGES, -1);
            um.count(src, VmEvent.NR_SHMEM, -1);
            um.count(dst, VmEvent.NR_FILE_PAGES, 1);
            um.count(dst, VmEvent.NR_SHMEM, 1);
            return true;
        } finally {
            file.xaLock.unlock();
        }
    }

    /** shmem_evict_inode(): truncate every page out of the page cache and forget the inode. */
    private void evictInode(ShmemFile file) {
        try (var f = k.enter("shmem_evict_inode")) {
            file.xaLock.lock();
            List<Long> all = new ArrayList<>(file.pages.values());
            file.xaLock.unlock();
            for (long page : all) {
                um.getPage(page);
                um.lockPage(page);
                truncateInodeFolio(file, page);
                um.unlockPage(page);
                um.putPage(page);
            }
            file.evicted = true;
            files.remove(file.ino);
            byMapping.remove(file.mappingAddress);
        }
    }

    /** truncate_inode_folio() -> filemap_remove_folio(): out of the cache, mapping cleared, the cache's reference dropped. */
    private void truncateInodeFolio(ShmemFile file, long page) {
        try (var f = k.enter("truncate_inode_folio")) {
            file.xaLock.lock();
            file.pages.remove(pages.index(page));
            pages.setMapping(page, 0);
            um.count(page, VmEvent.NR_FILE_PAGES, -1);
            um.count(page, VmEvent.NR_SHMEM, -1);
            file.xaLock.unlock();
            um.putPage(page);
        }
    }
}
