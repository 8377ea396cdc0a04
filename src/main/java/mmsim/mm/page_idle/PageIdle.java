package mmsim.mm.page_idle;

import java.util.function.LongSupplier;

import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.Lruvec;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.page_ext.PageExt;
import mmsim.mm.sparse.SparseMem;

/**
 * mm/page_idle.c: idle page tracking behind /sys/kernel/mm/page_idle/bitmap (CONFIG_IDLE_PAGE_TRACKING,
 * assumed on). The bitmap is an array of u64, bit {@code pfn % 64} of word {@code pfn / 64}; a read
 * reports which user pages are still idle (after clearing the accessed bits of their PTEs), a
 * write marks the pages of the set bits idle. On 64-bit the idle and young bits are page flags
 * (PG_idle, PG_young); on 32-bit they live in page_ext (include/linux/page_idle.h), so the
 * bitmap is seed 000's second reader of page_ext (Minchan Kim's "page_idle_get_page ->
 * page_is_idle -> lookup_page_ext").
 *
 * <p>Per era:
 * <ul>
 * <li>v4.6: page_idle_get_page() = pfn_valid + pfn_to_page, PageLRU, get_page_unless_zero,
 *     PageLRU again under the LRU lock (zone->lru_lock then; the model's lruvec->lru_lock);</li>
 * <li>mainline: page_idle_get_folio() = pfn_to_online_page, not a tail, folio_test_lru,
 *     folio_try_get, then page_folio and LRU rechecked without a lock.</li>
 * </ul>
 * A read or write whose position or size is not a multiple of 8 is -EINVAL; a read from at or
 * past max_pfn returns 0 bytes, a write there -ENXIO; both stop at max_pfn and count only whole
 * words (the partial last word of a max_pfn that is no multiple of 64 is filled but not returned).
 *
 * <p>Locking: no lock around the walk (cond_resched per pfn). The reference taken by
 * page_idle_get_* keeps the page; the rmap walk takes the anon_vma root rwsem for read and the
 * PTE lock of each mapping; file pages are walked only if trylock_page succeeds, anonymous ones
 * unlocked (rwc.anon_lock = folio_lock_anon_vma_read). The v4.6 LRU recheck holds the LRU lock,
 * asserted by Lruvec's own operations' discipline (taken and released here, nothing nested).
 */
public final class PageIdle {
    /** BITMAP_CHUNK_SIZE: one u64. */
    public static final int CHUNK_BYTES = 8;
    private static final int CHUNK_BITS = 64;

    private final Kernel k;
    private final SparseMem sparse;
    private final UserMemory um;
    private final PageExt pageExt;
    private final LongSupplier maxPfn;
    private final boolean v46;
    /** !CONFIG_64BIT: the idle/young bits live in page_ext. */
    private final boolean viaPageExt;

    public PageIdle(Kernel k, KernelConfig config, SparseMem sparse, UserMemory um, PageExt pageExt, LongSupplier maxPfn) {
        this.k = k;
        this.sparse = sparse;
        this.um = um;
        this.pageExt = pageExt;
        this.maxPfn = maxPfn;
        this.v46 = config.era() == KernelConfig.Era.V4_6;
        this.viaPageExt = !config.has(KernelConfig.CONFIG_64BIT);
    }

    /** A read's or write's answer: the bytes (read) or the count consumed (write), or an errno. */
    public record Result(byte[] data, long count, Errno errno) {
        static Result error(Errno e) { return new Result(null, e.neg(), e); }
    }

    /** page_idle_bitmap_read(pos, count). */
    public Result read(long pos, int count) {
        try (var f = k.enter("page_idle_bitmap_read")) {
            if (pos % CHUNK_BYTES != 0 || count % CHUNK_BYTES != 0) return Result.error(Errno.EINVAL);
            long pfn = pos * 8, max = maxPfn.getAsLong();
            if (pfn >= max) return new Result(new byte[0], 0, null);
            long end = Math.min(max, pfn + (long) count * 8);
            long[] words = new long[count / CHUNK_BYTES];
            int out = 0;
            for (; pfn < end; pfn++) {
                int bit = (int) (pfn % CHUNK_BITS);
                long page = getPage(pfn);
                if (page >= 0) {
                    if (testIdle(page)) {
                        // the page may have been referenced through a PTE: clear the refs and look again
                        clearPteRefs(page);
                        if (testIdle(page)) words[out] |= 1L << bit;
                    }
                    um.putPage(page);
                }
                if (bit == CHUNK_BITS - 1) out++;
                k.point("page_idle_bitmap_read:cond_resched", null, mmsim.kernel.Access.NONE);
            }
            byte[] data = new byte[out * CHUNK_BYTES];
            for (int i = 0; i < out; i++) {
                for (int b = 0; b < 8; b++) data[i * 8 + b] = (byte) (words[i] >>> (8 * b));
            }
            return new Result(data, data.length, null);
        }
    }

    /** page_idle_bitmap_write(pos, words): marks idle the pages of the set bits. */
    public Result write(long pos, byte[] buf) {
        try (var f = k.enter("page_idle_bitmap_write")) {
            if (pos % CHUNK_BYTES != 0 || buf.length % CHUNK_BYTES != 0) return Result.error(Errno.EINVAL);
            long pfn = pos * 8, max = maxPfn.getAsLong();
            if (pfn >= max) return Result.error(Errno.ENXIO);
            long end = Math.min(max, pfn + (long) buf.length * 8);
            int in = 0;
            for (; pfn < end; pfn++) {
                int bit = (int) (pfn % CHUNK_BITS);
                if (((buf[in * 8 + bit / 8] >>> (bit % 8)) & 1) != 0) {
                    long page = getPage(pfn);
                    if (page >= 0) {
                        clearPteRefs(page);
                        setIdle(page, true);
                        um.putPage(page);
                    }
                }
                if (bit == CHUNK_BITS - 1) in++;
                k.point("page_idle_bitmap_write:cond_resched", null, mmsim.kernel.Access.NONE);
            }
            return new Result(null, (long) in * CHUNK_BYTES, null);
        }
    }

    /** page_idle_get_page (v4.6) / page_idle_get_folio (mainline): a referenced LRU page, or -1. */
    private long getPage(long pfn) {
        try (var f = k.enter(v46 ? "page_idle_get_page" : "page_idle_get_folio")) {
            if (v46) {
                if (!sparse.pfnValid(pfn)) return -1;
                if (!um.pages.test(pfn, PageFlag.LRU) || !um.pages.getPageUnlessZero(pfn)) return -1;
                Lruvec lv = um.lruvec(pfn);
                lv.lruLock.lockIrq();
                boolean lru = um.pages.test(pfn, PageFlag.LRU);
                lv.lruLock.unlockIrq();
                if (!lru) {
                    um.putPage(pfn);
                    return -1;
                }
                return pfn;
            }
            long page = sparse.pfnToOnlinePage(pfn);
            if (page < 0 || um.pages.compoundHead(page) != page) return -1;
            if (!um.pages.test(page, PageFlag.LRU) || !um.pages.getPageUnlessZero(page)) return -1;
            if (um.pages.compoundHead(page) != page || !um.pages.test(page, PageFlag.LRU)) {
                um.putPage(page);
                return -1;
            }
            return page;
        }
    }

    /** page_is_idle / folio_test_idle: PG_idle on 64-bit, page_ext's bit on 32-bit. */
    private boolean testIdle(long page) {
        try (var f = k.enter(v46 ? "page_is_idle" : "folio_test_idle")) {
            return viaPageExt ? pageExt.pageIsIdle(page) : um.pages.test(page, PageFlag.IDLE);
        }
    }

    private void setIdle(long page, boolean idle) {
        if (viaPageExt) {
            pageExt.setPageIdle(page, idle);
        } else if (idle) {
            um.pages.set(page, PageFlag.IDLE);
        } else {
            um.pages.clear(page, PageFlag.IDLE);
        }
    }

    private void setYoung(long page) {
        if (viaPageExt) pageExt.setPageYoung(page);
        else um.pages.set(page, PageFlag.YOUNG);
    }

    /**
     * page_idle_clear_pte_refs(): for a mapped page, clears the accessed bit of every PTE that
     * maps it (ptep_clear_young_notify, no TLB flush); a page found referenced loses its idle
     * bit and is marked young so that reclaim still sees the reference.
     */
    private void clearPteRefs(long page) {
        try (var f = k.enter("page_idle_clear_pte_refs")) {
            if (!um.pageMapped(page) || um.pages.mapping(page) == 0) return;
            boolean needLock = !um.pageAnon(page);
            if (needLock && !um.trylockPage(page)) return;
            try {
                um.rmap.rmapWalkAnonUnlocked(page, (vma, addr, pte) -> {
                    try (var g = k.enter("page_idle_clear_pte_refs_one")) {
                        long v = um.tables.read(pte.table(), pte.idx(), "page_idle_clear_pte_refs_one:ptep_clear_young_notify");
                        if (um.arch.pteYoung(v)) {
                            um.tables.write(pte.table(), pte.idx(), um.arch.pteMkold(v), "page_idle_clear_pte_refs_one:ptep_clear_young_notify");
                            setIdle(page, false);
                            setYoung(page);
                        }
                        return true;
                    }
                });
            } finally {
                if (needLock) um.unlockPage(page);
            }
        }
    }
}
