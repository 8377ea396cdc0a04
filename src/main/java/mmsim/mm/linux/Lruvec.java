package mmsim.mm.linux;

import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;
import mmsim.kernel.sync.SpinLock;

/**
 * struct lruvec (include/linux/mmzone.h, per node without memcg): the five LRU lists and their
 * lock. Lists are threaded through page->lru (the same two memmap words the buddy free lists
 * use, which is safe because a page is on at most one of them).
 *
 * <pre>
 *  lists[LRU_INACTIVE_ANON]  head -> p1 <-> p2 <-> ... <-> pn <- tail     (-1 ends both sides)
 *  new pages enter at the head (list_add); reclaim isolates from the tail (lru_to_folio)
 * </pre>
 * Locking: every list operation holds {@link #lruLock} (lruvec->lru_lock, an irq-safe spinlock).
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info (lru_lock nests inside the
 * PTE lock). add and del assert it.
 */
public final class Lruvec {
    /** The lock class of every lruvec->lru_lock (lockdep's static key at the init site). */
    private static final LockClass LRU_LOCK = LockClass.spinlock("lruvec->lru_lock");

    public static final int LRU_INACTIVE_ANON = 0;
    public static final int LRU_ACTIVE_ANON = 1;
    public static final int LRU_INACTIVE_FILE = 2;
    public static final int LRU_ACTIVE_FILE = 3;
    public static final int LRU_UNEVICTABLE = 4;
    public static final String[] NAMES = {"inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable"};

    public final int nid;
    public final SpinLock lruLock;
    private final long[] head = {-1, -1, -1, -1, -1};
    private final long[] tail = {-1, -1, -1, -1, -1};
    private final long[] size = new long[5];
    private final MmPages pages;

    public Lruvec(Kernel k, MmPages pages, int nid) {
        this.nid = nid;
        this.pages = pages;
        this.lruLock = new SpinLock(k, LRU_LOCK);
    }

    /** lruvec_add_folio(): at the head. */
    public void add(int lru, long pfn) {
        lruLock.assertHeld();
        long h = head[lru];
        pages.setLru(pfn, h, -1);
        if (h >= 0) pages.setLru(h, pages.lruNext(h), pfn);
        else tail[lru] = pfn;
        head[lru] = pfn;
        size[lru]++;
    }

    /** lruvec_del_folio(). */
    public void del(int lru, long pfn) {
        lruLock.assertHeld();
        long n = pages.lruNext(pfn), p = pages.lruPrev(pfn);
        if (p >= 0) pages.setLru(p, n, pages.lruPrev(p));
        else head[lru] = n;
        if (n >= 0) pages.setLru(n, pages.lruNext(n), p);
        else tail[lru] = p;
        pages.setLru(pfn, -1, -1);
        size[lru]--;
    }

    public long tail(int lru) { return tail[lru]; }

    public long size(int lru) { return size[lru]; }

    /** The pfns on a list from head to tail (for checks and dumps; no lock, no points). */
    public long[] list(int lru) {
        long[] out = new long[(int) size[lru]];
        int i = 0;
        for (long p = head[lru]; p >= 0 && i < out.length; p = pages.lruNext(p)) out[i++] = p;
        return out;
    }
}
