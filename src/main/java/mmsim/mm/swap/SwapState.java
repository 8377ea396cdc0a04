package mmsim.mm.swap;

import mmsim.mm.linux.MmCore;

import java.util.HashMap;
import java.util.Map;

import mmsim.kernel.Kernel;
import mmsim.kernel.KernelLog;
import mmsim.kernel.LockClass;
import mmsim.kernel.sync.SpinLock;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.VmEvent;
import mmsim.mm.linux.SwapEntry;

/**
 * A minimal swap device and the swap cache (mm/swapfile.c, mm/swap_state.c): one swap type
 * (0) of {@link #NR_SLOTS} slots, no disk. Writing a page out only marks it clean; reading one
 * in allocates a page (its contents are not modelled).
 *
 * <pre>
 * swap_map[offset] (one byte per slot, as in swapfile.c):
 *   7   6              5..0
 * +---+---------------+------------------+
 * | - | SWAP_HAS_CACHE|  count of swap   |   0 = free slot
 * |   |   (0x40)      |  PTEs (<= 0x3e)  |
 * +---+---------------+------------------+
 * </pre>
 * A page in the swap cache has PG_swapcache (PG_owner_priv_1), page->private = its swap offset
 * (type 0 implied: the memmap's private word is 32 bits here), and one reference held by the
 * cache. Locking: the swap cache's xa_lock (swap_address_space(entry)->i_pages) for the index;
 * the slot map under si->lock (modelled by the same lock).
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info (the xa_lock nests inside
 * the PTE lock: try_to_unmap_one). replaceCachedPage asserts it.
 */
public final class SwapState {
    /** The lock class of every swap_address_space->i_pages.xa_lock (lockdep's static key at the init site). */
    private static final LockClass XA_LOCK = LockClass.spinlock("swap_address_space->i_pages.xa_lock");

    public static final int NR_SLOTS = 1 << 16;
    public static final int SWAP_HAS_CACHE = 0x40;
    public static final int SWAP_MAP_MAX = 0x3e;

    private final MmCore um;
    private final Swap swap;
    private final Kernel k;
    private final MmPages pages;
    private final byte[] swapMap = new byte[NR_SLOTS];
    private final Map<Long, Long> cache = new HashMap<>();
    public final SpinLock xaLock;
    private int nextSlot = 1;
    private long inuse;

    public SwapState(MmCore um, Swap swap) {
        this.um = um;
        this.swap = swap;
        this.k = um.k;
        this.pages = um.pages;
        this.xaLock = new SpinLock(k, XA_LOCK);
    }

    public long pageSwapEntry(long pfn) { return SwapEntry.swpEntry(0, pages.privateData(pfn)); }

    /** Slots in use (for /proc/meminfo SwapFree and the whole-model check). */
    public long inuse() { return inuse; }

    public int swapCount(long entry) { return swapMap[(int) SwapEntry.swpOffset(entry)] & 0x3f; }

    public boolean hasCache(long entry) { return (swapMap[(int) SwapEntry.swpOffset(entry)] & SWAP_HAS_CACHE) != 0; }

    /**
     * add_to_swap(): allocates a slot (folio_alloc_swap) and adds the locked page to the swap
     * cache, dirty, so reclaim writes it out. Returns false when swap is full.
     */
    public boolean addToSwap(long pfn) {
        try (var f = k.enter("add_to_swap")) {
            xaLock.lock();
            int slot = -1;
            for (int i = 0; i < NR_SLOTS - 1 && slot < 0; i++) {
                int s = 1 + (nextSlot - 1 + i) % (NR_SLOTS - 1); // slot 0 is the swap header
                if (swapMap[s] == 0) slot = s;
            }
            if (slot < 0) {
                xaLock.unlock();
                return false;
            }
            nextSlot = slot + 1;
            swapMap[slot] = (byte) SWAP_HAS_CACHE;
            inuse++;
            addToSwapCacheLocked(pfn, SwapEntry.swpEntry(0, slot));
            xaLock.unlock();
            pages.set(pfn, PageFlag.DIRTY);
            return true;
        }
    }

    private void addToSwapCacheLocked(long pfn, long entry) {
        um.getPage(pfn);
        pages.set(pfn, PageFlag.OWNER_PRIV_1);
        pages.setPrivateData(pfn, SwapEntry.swpOffset(entry));
        cache.put(entry, pfn);
        um.count(pfn, VmEvent.NR_SWAPCACHE, 1);
    }

    /** Migration moved a cached page: the index entry now names {@code dst}. */
    public void replaceCachedPage(long src, long dst) {
        xaLock.assertHeld();
        cache.put(pageSwapEntry(src), dst);
    }

    /** lookup_swap_cache() / swap_cache_get_folio(): the cached page with a reference, or -1. */
    public long lookupSwapCache(long entry) {
        xaLock.lock();
        Long pfn = cache.get(entry);
        boolean got = pfn != null && pages.getPageUnlessZero(pfn);
        xaLock.unlock();
        return got ? pfn : -1;
    }

    /**
     * swapin: a new page for {@code entry}, added to the swap cache (SWAP_HAS_CACHE) and "read";
     * returns it with the caller's reference, or -1 on OOM or when another CPU's page is already
     * cached (the caller retries the lookup).
     */
    public long swapinNewPage(long entry) {
        try (var f = k.enter("__read_swap_cache_async")) {
            long pfn = pages.allocPage(false);
            if (pfn < 0) return -1;
            xaLock.lock();
            int off = (int) SwapEntry.swpOffset(entry);
            if ((swapMap[off] & SWAP_HAS_CACHE) != 0 || (swapMap[off] & 0x3f) == 0) {
                xaLock.unlock();
                um.putPage(pfn);
                return -1;
            }
            swapMap[off] |= SWAP_HAS_CACHE;
            pages.set(pfn, PageFlag.LOCKED);
            pages.set(pfn, PageFlag.SWAPBACKED);
            addToSwapCacheLocked(pfn, entry);
            xaLock.unlock();
            pages.set(pfn, PageFlag.UPTODATE); // swap_read_folio: no disk, the read completes at once
            pages.clear(pfn, PageFlag.LOCKED);
            um.count(VmEvent.PSWPIN);
            swap.lruCacheAdd(pfn);
            return pfn;
        }
    }

    /**
     * __delete_from_swap_cache() + put_swap_folio(): the page leaves the cache; the cache's slot
     * reference (SWAP_HAS_CACHE) goes. The caller drops the cache's page reference.
     */
    public void deleteFromSwapCacheLocked(long pfn) {
        long entry = pageSwapEntry(pfn);
        cache.remove(entry);
        pages.clear(pfn, PageFlag.OWNER_PRIV_1);
        pages.setPrivateData(pfn, 0);
        um.count(pfn, VmEvent.NR_SWAPCACHE, -1);
        int off = (int) SwapEntry.swpOffset(entry);
        swapMap[off] &= ~SWAP_HAS_CACHE;
        if (swapMap[off] == 0) inuse--;
    }

    /** delete_from_swap_cache(): locked variant plus dropping the cache's page reference. */
    public void deleteFromSwapCache(long pfn) {
        xaLock.lock();
        deleteFromSwapCacheLocked(pfn);
        xaLock.unlock();
        um.putPage(pfn);
    }

    /** swap_duplicate(): one more PTE holds the slot. Returns 0, or -1 for a bad entry. */
    public int swapDuplicate(long entry) {
        int off = (int) SwapEntry.swpOffset(entry);
        xaLock.lock();
        try {
            if (swapMap[off] == 0 || (swapMap[off] & 0x3f) >= SWAP_MAP_MAX) return -1;
            swapMap[off]++;
            return 0;
        } finally {
            xaLock.unlock();
        }
    }

    /** swap_free(): a PTE stops holding the slot. */
    public void swapFree(long entry) {
        int off = (int) SwapEntry.swpOffset(entry);
        xaLock.lock();
        if ((swapMap[off] & 0x3f) == 0) {
            xaLock.unlock();
            k.log().taint(KernelLog.TaintKind.WARNING, "swap_free: Unused swap offset entry",
                    String.format("swap_free: Unused swap offset entry %08x", off));
            return;
        }
        swapMap[off]--;
        if (swapMap[off] == 0) inuse--;
        xaLock.unlock();
    }

    /**
     * free_swap_and_cache(): zap drops a swap PTE; when no PTE holds the slot any more and only
     * the cache does, the cached page is removed from the cache if it can be locked.
     */
    public void freeSwapAndCache(long entry) {
        swapFree(entry);
        int off = (int) SwapEntry.swpOffset(entry);
        if (swapMap[off] != (byte) SWAP_HAS_CACHE) return;
        long pfn = lookupSwapCache(entry);
        if (pfn < 0) return;
        if (!pages.testSet(pfn, PageFlag.LOCKED)) {
            if (!um.pageMapped(pfn) && pages.test(pfn, PageFlag.OWNER_PRIV_1)) deleteFromSwapCache(pfn);
            pages.clear(pfn, PageFlag.LOCKED);
        }
        um.putPage(pfn);
    }

    /**
     * folio_free_swap() (try_to_free_swap): a locked, swapped-in page that no PTE references by
     * swap entry any more leaves the cache and frees its slot. Returns true when freed.
     */
    public boolean tryToFreeSwap(long pfn) {
        if (!pages.test(pfn, PageFlag.OWNER_PRIV_1) || pages.test(pfn, PageFlag.WRITEBACK)) return false;
        if (swapCount(pageSwapEntry(pfn)) != 0) return false;
        deleteFromSwapCache(pfn);
        return true;
    }

    /**
     * free_swap_cache() (mm/swap_state.c): an unmapped page whose swap slot no PTE names any more
     * leaves the swap cache (free_pages_and_swap_cache calls it for every page an unmap gathered,
     * before dropping the unmap's reference). Skipped when the page lock is contended.
     */
    public void freeSwapCache(long pfn) {
        if (!pages.test(pfn, PageFlag.OWNER_PRIV_1) || um.pageMapped(pfn)) return;
        if (pages.testSet(pfn, PageFlag.LOCKED)) return; // folio_trylock failed
        tryToFreeSwap(pfn);
        pages.clear(pfn, PageFlag.LOCKED);
    }

    /** Number of pages in the swap cache. */
    public int cacheSize() { return cache.size(); }

    /** Whether {@code pfn} is the swap cache's page for its entry (for the whole-model check). */
    public boolean cached(long pfn) {
        Long p = cache.get(pageSwapEntry(pfn));
        return p != null && p == pfn && pages.test(pfn, PageFlag.OWNER_PRIV_1);
    }

    /** The swap cache's pages by slot offset (a sorted copy, for the whole-model check and procfs). */
    public java.util.SortedMap<Long, Long> cachedPages() {
        java.util.TreeMap<Long, Long> out = new java.util.TreeMap<>();
        for (var e : cache.entrySet()) out.put(SwapEntry.swpOffset(e.getKey()), e.getValue());
        return out;
    }

    /** Slots whose count or cache bit is set (the slot map's view of inuse). */
    public long slotsInUse() {
        // the model check asks after every execution: skip 8 free slots at a time (the map is
        // mostly zeros, and 64 Ki slots one by one were 4 % of an execution of scenario 000)
        long n = 0;
        int i = 0;
        for (; i + Long.BYTES <= swapMap.length; i += Long.BYTES) {
            if ((long) SWAP_MAP_WORDS.get(swapMap, i) == 0) continue;
            for (int j = i; j < i + Long.BYTES; j++) if (swapMap[j] != 0) n++;
        }
        for (; i < swapMap.length; i++) if (swapMap[i] != 0) n++;
        return n;
    }

    private static final java.lang.invoke.VarHandle SWAP_MAP_WORDS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /** The slot's one-line state, for dumps. */
    public String describe(long entry) {
        int off = (int) SwapEntry.swpOffset(entry);
        return String.format("swap slot %#x count %d%s", off, swapMap[off] & 0x3f,
                (swapMap[off] & SWAP_HAS_CACHE) != 0 ? " +cache" : "");
    }
}
