package mmsim.mm.linux;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import mmsim.kernel.Kernel;

/**
 * What every user-memory file calls without owning it: the inline helpers and globals of
 * include/linux/mm.h (get_page/put_page, page_mapcount, PageAnon), pagemap.h (lock_page),
 * mm_inline.h (lruvec_add_folio / lruvec_del_folio on the node's lruvec), vmstat.h (the
 * vm_event and node counters), asm/tlbflush.h (flush_tlb_mm_range) and the zero page, over the
 * struct page API {@link MmPages}. The .c-level subsystems (swap, rmap, memory, vmscan, migrate,
 * gup, mmap) sit above it and are handed it by start_kernel; it imports no subsystem.
 *
 * <p>Locking: the LRU helpers run under lruvec->lru_lock (asserted); put_page's final free
 * takes it itself. Page references and flags are atomics on the page.
 */
public class MmCore {
    /** PAGE_SIZE of the modelled arches (4K pages). */
    private static final long PAGE_SIZE = 1L << 12;

    public final Kernel k;
    public final KernelConfig config;
    public final MmPages pages;
    public final long[] events = new long[VmEvent.values().length];
    /**
     * The shared zero page (empty_zero_page / ZERO_PAGE(0)): part of the kernel image, set by the
     * machine at boot to a pfn of the image's reserved range; -1 until then.
     */
    public long zeroPfn = -1;
    private final Map<Long, AnonVma> anonVmas = new HashMap<>();
    private long nextAnonVmaAddress = 0xffff888004000000L;
    private final List<Lruvec> lruvecs = new ArrayList<>();
    /** The deferred split queue of partially mapped THPs (pgdat->deferred_split_queue). */
    public final DeferredSplitQueue deferredSplit;
    /** Installed by the machine once IPIs exist; the default only marks the point. */
    private TlbFlusher tlbFlusher;

    public static final long PAGE_MAPPING_ANON = 1;
    public static final long PAGE_MAPPING_FLAGS = 3;

    /**
     * Switch: the TLB flush does not interrupt the other CPUs (a broadcast TLB invalidation, as
     * arm64's TLBI and s390's IPTE do) and page tables are freed right after it, with no
     * MMU_GATHER_RCU_TABLE_FREE grace period. GUP-fast then has nothing holding the tables it walks
     * with IRQs off: the "Power and S390" exception of seed 003's thread.
     */
    public static final String TLB_FLUSH_NO_IPI = "tlb-flush-no-ipi";
    /** The variant switches of the header layer's user-memory helpers, collected at boot. */
    public static final java.util.List<String> OPTIONS = java.util.List.of(TLB_FLUSH_NO_IPI);

    /** Flushes TLB entries of an mm on the CPUs that may hold them (flush_tlb_mm_range). */
    @FunctionalInterface
    public interface TlbFlusher {
        void flush(MmStruct mm, long start, long end);
    }

    public MmCore(Kernel k, KernelConfig config, MmPages pages) {
        this.k = k;
        this.config = config;
        this.pages = pages;
        this.deferredSplit = new DeferredSplitQueue(k);
        // native_flush_tlb_multi(): an IPI to the other CPUs of mm_cpumask, waiting for all of them;
        // a CPU with IRQs disabled (GUP-fast) acknowledges only when it enables them again
        this.tlbFlusher = (mm, s, e) -> {
            if (!config.has(TLB_FLUSH_NO_IPI)) k.smpCallFunctionMany(mm.cpumask, () -> { }, true);
        };
    }

    // ---- vmstat.h: counters ------------------------------------------------------------------

    public void count(VmEvent e) { events[e.ordinal()]++; }

    public void count(VmEvent e, long n) { events[e.ordinal()] += n; }

    /** A gauge change for page {@code pfn}: the machine-wide value and, for node stats, the page's node's (mod_node_page_state). */
    public void count(long pfn, VmEvent e, long n) {
        events[e.ordinal()] += n;
        if (e.nodeStat != null) pages.modNodeStat(pfn, e.nodeStat, n);
    }

    public long event(VmEvent e) { return events[e.ordinal()]; }

    /** GUP_PIN_COUNTING_BIAS (include/linux/mm.h): what one FOLL_PIN adds to a small folio's refcount. */
    public static final int GUP_PIN_COUNTING_BIAS = 1 << 10;

    /**
     * folio_maybe_dma_pinned() (include/linux/mm.h): a large folio counts its pins exactly in
     * _pincount; a small one is taken as pinned once its refcount reaches the bias (false
     * positives accepted). A read of the word, one preemption point.
     */
    public boolean folioMaybeDmaPinned(long folio) {
        long head = pages.compoundHead(folio);
        if (pages.compoundOrder(head) > 0) return pages.pincount(head) > 0;
        return pages.refcount(head) >= GUP_PIN_COUNTING_BIAS;
    }

    /**
     * folio_needs_cow_for_dma() (include/linux/mm.h): whether fork must copy {@code folio} for the
     * child instead of sharing it, because {@code src} (an mm that has ever pinned) may hold it
     * DMA-pinned. Fork calls it inside src's write_protect_seq write section (asserted, as the
     * kernel's VM_BUG_ON; not when a variant drops that seqcount).
     */
    public boolean folioNeedsCowForDma(MmStruct src, long folio) {
        if ((src.writeProtectSeq.raw() & 1) == 0 && !k.droppedLockClasses().contains(src.writeProtectSeq.lockClass())) {
            throw k.bug("include/linux/mm.h", 1961, "VM_BUG_ON(!(raw_read_seqcount(&vma->vm_mm->write_protect_seq) & 1))");
        }
        return src.hasPinned && folioMaybeDmaPinned(folio);
    }

    /**
     * Isolating a folio from the LRU ({@code sign} +1) or giving it back (-1): node_stat_mod_folio(folio,
     * NR_ISOLATED_ANON + folio_is_file_lru(folio), +-folio_nr_pages(folio)) (mm/vmscan.c, mm/migrate.c).
     * The counter is in pages, so a THP counts 512, and a split leaves it alone: its pages stay isolated,
     * each now a folio of its own. Only swap-backed folios are counted; the model keeps no NR_ISOLATED_FILE.
     */
    public void modIsolated(long folio, int sign) {
        if (pages.test(folio, PageFlag.SWAPBACKED)) count(folio, VmEvent.NR_ISOLATED_ANON, (long) sign << pages.compoundOrder(folio));
    }

    /**
     * The zero page. A machine whose layout reserves no kernel image gets one from the allocator
     * on first use (reserved, never freed); otherwise it is the image's page set at boot.
     */
    public long zeroPage() {
        if (zeroPfn < 0) {
            zeroPfn = pages.allocPage(false);
            if (zeroPfn < 0) throw new IllegalStateException("no memory for the zero page");
            pages.set(zeroPfn, mmsim.mm.linux.PageFlag.RESERVED);
        }
        return zeroPfn;
    }

    // ---- mm.h, pagemap.h: references, page lock, mapcount -------------------------------------

    /**
     * PG_anon_exclusive (include/linux/page-flags.h, since v5.19; the model's mainline era only):
     * set when an anonymous page gets its first, exclusive mapping or a write fault reuses it,
     * cleared when fork shares it or reclaim unmaps it to swap. It shares its bit with
     * PG_mappedtodisk (PG_owner_2), which /proc/kpageflags reports as KPF_OWNER_2.
     */
    public void setAnonExclusive(long pfn, boolean on) {
        if (config.era() != KernelConfig.Era.V4_6) pages.setAnonExclusive(pfn, on);
    }

    /**
     * PageAnonExclusive(page): read, like it is written, in the step of the rmap change it
     * belongs to (under the page table lock, or with the folio locked and unmapped), so no point
     * of its own. Always false in the v4.6 era.
     */
    public boolean pageAnonExclusive(long pfn) { return pages.peek(pfn, PageFlag.OWNER_2); }

    /** get_page(): the caller already holds a reference (VM_BUG_ON otherwise). */
    public void getPage(long pfn) {
        int now = pages.refAdd(pfn, 1);
        if (now <= 1) {
            throw k.bug("include/linux/mm.h", 1444, pages.dumpPage(pfn, "VM_BUG_ON_PAGE(page_ref_zero_or_close_to_overflow(page))"));
        }
    }

    /**
     * put_page(): drops a reference; the last one frees the page (__folio_put: off the LRU if
     * still on it, mapping cleared, back to the allocator). A count going negative is the
     * VM_BUG_ON_PAGE of put_page_testzero.
     */
    public void putPage(long pfn) {
        try (var f = k.enter("put_page")) {
            dropRefs(pfn, 1);
        }
    }

    /** folio_put_refs(): drops {@code refs} references in one atomic step (an unpin drops the whole bias). */
    public void putPageRefs(long pfn, int refs) {
        try (var f = k.enter("folio_put_refs")) {
            dropRefs(pfn, refs);
        }
    }

    private void dropRefs(long pfn, int refs) {
        int now = pages.refAdd(pfn, -refs);
        if (now < 0) throw k.bug("include/linux/mm.h", 1140, pages.dumpPage(pfn, "VM_BUG_ON_PAGE(page_ref_count(page) == 0)"));
        if (now == 0) freeUnrefPage(pages.compoundHead(pfn)); // a large folio goes as a whole
    }

    /** Frees a page whose refcount was frozen at zero (__remove_mapping, then free_unref_folios). */
    public void freeRefcountZero(long pfn) { freeUnrefPage(pfn); }

    /** trylock_page() (mm/filemap.c): true when the caller got PG_locked. */
    public boolean trylockPage(long pfn) { return !pages.testSet(pfn, PageFlag.LOCKED); }

    /** lock_page() (mm/filemap.c, folio_lock): sleeps until PG_locked is clear, then sets it. */
    public void lockPage(long pfn) {
        k.mightSleep("mm/filemap.c", 0);
        while (pages.testSet(pfn, PageFlag.LOCKED)) {
            k.sched().waitUntil(() -> !pages.peek(pfn, PageFlag.LOCKED), String.format("PG_locked of pfn %#x", pfn));
        }
    }

    /** unlock_page(). */
    public void unlockPage(long pfn) { pages.clear(pfn, PageFlag.LOCKED); }

    /** __page_cache_release() + free_unref_page(): the page's last reference is gone. */
    private void freeUnrefPage(long pfn) {
        try (var f = k.enter("__folio_put")) {
            if (pages.test(pfn, PageFlag.LRU)) {
                Lruvec lv = lruvec(pfn);
                lv.lruLock.lock();
                if (pages.testClear(pfn, PageFlag.LRU)) delFromLru(lv, pfn);
                lv.lruLock.unlock();
            }
            if (pages.compoundOrder(pfn) > 0) {
                // folio_undo_large_rmappable(): a freed THP leaves the deferred split queue
                deferredSplit.splitQueueLock.lock();
                deferredSplit.removeLocked(pfn);
                deferredSplit.splitQueueLock.unlock();
            }
            // free_pages_prepare(): anonymous mapping pointer and swap-backed/active state go away
            if ((pages.mapping(pfn) & PAGE_MAPPING_FLAGS) != 0) pages.setMapping(pfn, 0);
            pages.clear(pfn, PageFlag.SWAPBACKED);
            pages.clear(pfn, PageFlag.ACTIVE);
            pages.clear(pfn, PageFlag.REFERENCED);
            pages.clear(pfn, PageFlag.UPTODATE);
            pages.clear(pfn, PageFlag.DIRTY);
            pages.freePage(pfn);
        }
    }

    /**
     * deferred_split_folio() (mm/huge_memory.c): a large anonymous folio left partially mapped
     * goes on the deferred split queue (once), for deferred_split_scan to split later.
     */
    public void deferredSplitFolio(long head) {
        try (var f = k.enter("deferred_split_folio")) {
            deferredSplit.splitQueueLock.lock();
            if (deferredSplit.addLocked(head)) count(VmEvent.THP_DEFERRED_SPLIT_PAGE);
            deferredSplit.splitQueueLock.unlock();
        }
    }

    /** PageAnon(). */
    public boolean pageAnon(long pfn) { return (pages.mapping(pages.compoundHead(pfn)) & PAGE_MAPPING_ANON) != 0; }

    /** page_mapcount(): _mapcount + 1 (0 for typed pages). */
    public int pageMapcount(long pfn) {
        int raw = pages.rawMapcount(pfn);
        return raw < -1 ? 0 : raw + 1;
    }

    public boolean pageMapped(long pfn) { return pageMapcount(pfn) > 0; }


    // ---- mm_inline.h: the node's lruvec and its lists ----------------------------------------

    /** folio_lruvec(): the node's lruvec of a page. */
    public Lruvec lruvec(long pfn) { return lruvecOfNode(pages.nid(pfn)); }

    public Lruvec lruvecOfNode(int nid) {
        while (lruvecs.size() <= nid) lruvecs.add(new Lruvec(k, pages, lruvecs.size()));
        return lruvecs.get(nid);
    }

    public List<Lruvec> lruvecs() { return lruvecs; }

    /** folio_lru_list(): which list a page belongs on. */
    private int pageLru(long pfn) {
        if (pages.test(pfn, PageFlag.UNEVICTABLE)) return Lruvec.LRU_UNEVICTABLE;
        boolean file = !pages.test(pfn, PageFlag.SWAPBACKED);
        boolean active = pages.test(pfn, PageFlag.ACTIVE);
        return (file ? Lruvec.LRU_INACTIVE_FILE : Lruvec.LRU_INACTIVE_ANON) + (active ? 1 : 0);
    }

    private static VmEvent counter(int lru) {
        return switch (lru) {
            case Lruvec.LRU_INACTIVE_ANON -> VmEvent.NR_INACTIVE_ANON;
            case Lruvec.LRU_ACTIVE_ANON -> VmEvent.NR_ACTIVE_ANON;
            case Lruvec.LRU_INACTIVE_FILE -> VmEvent.NR_INACTIVE_FILE;
            case Lruvec.LRU_ACTIVE_FILE -> VmEvent.NR_ACTIVE_FILE;
            default -> VmEvent.NR_UNEVICTABLE;
        };
    }

    /** lruvec_add_folio(). The caller has set PG_lru. */
    public void addToLru(Lruvec lv, long pfn) {
        lv.lruLock.assertHeld();
        int lru = pageLru(pfn);
        lv.add(lru, pfn);
        count(pfn, counter(lru), 1L << pages.compoundOrder(pfn)); // folio_nr_pages()
    }

    /** lruvec_del_folio(). The caller has cleared PG_lru. */
    public void delFromLru(Lruvec lv, long pfn) {
        lv.lruLock.assertHeld();
        int lru = pageLru(pfn);
        lv.del(lru, pfn);
        count(pfn, counter(lru), -(1L << pages.compoundOrder(pfn)));
    }

    // ---- asm/tlbflush.h ------------------------------------------------------------------------

    public void setTlbFlusher(TlbFlusher f) { this.tlbFlusher = f; }

    /** flush_tlb_range(vma, start, end). */
    public void flushTlbRange(VmArea vma, long start, long end) {
        try (var f = k.enter("flush_tlb_mm_range")) {
            tlbFlusher.flush(vma.vmMm, start, end);
        }
    }

    /** flush_tlb_mm_range() for an mm without a VMA at hand (tlb_finish_mmu after free_pgtables). */
    public void flushTlbMm(MmStruct mm, long start, long end) {
        try (var f = k.enter("flush_tlb_mm_range")) {
            tlbFlusher.flush(mm, start, end);
        }
    }

    public void flushTlbPage(VmArea vma, long addr) { flushTlbRange(vma, addr, addr + PAGE_SIZE); }

    // ---- the anon_vma slab (mm/rmap.c's anon_vma_alloc keeps fake kernel addresses) -----------

    /** Registers a new anon_vma under a fresh fake kernel address (anon_vma_alloc). */
    public long registerAnonVma(AnonVma av) {
        anonVmas.put(av.address, av);
        return av.address;
    }

    public long nextAnonVmaAddress() {
        long a = nextAnonVmaAddress;
        nextAnonVmaAddress += 0xc0; // sizeof(struct anon_vma) rounded to its slab
        return a;
    }

    /** The anon_vma at a fake address, or null (a stale or corrupt page->mapping). */
    public AnonVma anonVmaAt(long address) { return anonVmas.get(address); }

    public void forgetAnonVma(AnonVma av) { anonVmas.remove(av.address); }
}
