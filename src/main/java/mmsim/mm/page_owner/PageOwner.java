package mmsim.mm.page_owner;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.DumpPage;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.PageType;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.linux.MigrateType;
import mmsim.mm.linux.PgData;
import mmsim.mm.linux.Zone;
import mmsim.mm.page_ext.PageExt;
import mmsim.mm.sparse.SparseMem;

/**
 * mm/page_owner.c: the page_ext client that records who allocated each page, and its reader,
 * read_page_owner() behind /sys/kernel/debug/page_owner — a PFN walker that goes through page_ext
 * on a 64-bit kernel (the page_ext race of seed 000 without the 32-bit page_idle route).
 *
 * <p>What is modelled: the records made at boot for pages already allocated
 * (init_early_allocated_pages, the "early allocated" dummy stack), {@link #setPageOwner} from the
 * page allocator's post_alloc_hook on every allocation once page_owner is inited,
 * {@link #resetPageOwner} from free_pages_prepare on every free, {@link #splitPageOwner} when a
 * THP is split, and the reader per era:
 * <ul>
 * <li>v4.6: pfn_valid per MAX_ORDER block, PageBuddy skips a free block, lookup_page_ext with no
 *     NULL check, test_bit(PAGE_EXT_OWNER);</li>
 * <li>{@link PageExt#NULL_CHECKS} (v4.7): {@code if (!page_ext) continue};</li>
 * <li>mainline: page_ext_get()/page_ext_put() around the page_ext accesses (RCU), and
 *     PAGE_EXT_OWNER_ALLOCATED.</li>
 * </ul>
 * Not modelled: stack traces (every record prints the dummy early stack), the free record's
 * timestamp and pid, migrate reasons.
 *
 * <p>Locking: none on the read side, as in the kernel ("Some pages could be missed by concurrent
 * allocation or free, because we don't hold the zone lock"); every struct page and page_ext
 * access is a preemption point.
 */
public final class PageOwner implements mmsim.mm.linux.PageOwnerHooks {
    /** MAX_ORDER_NR_PAGES: the walk validates one pfn per such block. */
    private static final long MAX_ORDER_NR_PAGES = 1L << Zone.MAX_PAGE_ORDER;
    /** The pid recorded for early allocations (the boot task). */
    private static final int EARLY_PID = 0;

    private final Kernel k;
    private final KernelConfig config;
    private final SparseMem sparse;
    private final Memmap memmap;
    private final BuddyAllocator allocator;
    private final PageExt pageExt;
    private final boolean v46;
    private boolean inited;
    private long earlyAllocated;

    public PageOwner(Kernel k, KernelConfig config, SparseMem sparse, BuddyAllocator allocator, PageExt pageExt) {
        this.k = k;
        this.config = config;
        this.sparse = sparse;
        this.memmap = allocator.memmap();
        this.allocator = allocator;
        this.pageExt = pageExt;
        this.v46 = config.era() == KernelConfig.Era.V4_6;
    }

    /** page_owner_inited: CONFIG_PAGE_OWNER and page_owner=on (the model assumes the boot option). */
    public boolean inited() { return inited; }

    /** Pages init_early_allocated_pages() found allocated at boot. */
    public long earlyAllocated() { return earlyAllocated; }

    /**
     * init_page_owner() (page_ext's init callback): marks every page already allocated at boot
     * (not free in the buddy allocator, not PG_reserved) with the early-allocation record, zone
     * by zone (init_pages_in_zone). Runs at boot with no other CPU: raw accesses.
     */
    public void initPageOwner(PgData[] nodes) {
        if (!config.has(KernelConfig.CONFIG_PAGE_OWNER) || !pageExt.needed()) return;
        try (var f = k.enter("init_page_owner")) {
            for (PgData pg : nodes) {
                for (int z = 0; z < mmsim.mm.linux.ZoneType.values().length; z++) {
                    Zone zone = pg.zone(z);
                    if (zone.empty()) continue;
                    long count = 0;
                    for (long pfn = zone.zoneStartPfn(); pfn < zone.zoneStartPfn() + zone.spannedPages(); pfn++) {
                        if (!memmap.backed(pfn) || !sparse.section(sparse.pfnToSectionNr(pfn)).valid()) {
                            pfn = (pfn | (MAX_ORDER_NR_PAGES - 1));
                            continue;
                        }
                        if (allocator.pageZone(pfn) != zone) continue;
                        long flags = memmap.flags(pfn);
                        if (memmap.isBuddy(pfn)) {
                            int order = memmap.privateData(pfn);
                            if (order > 0 && order < Zone.NR_PAGE_ORDERS) pfn += (1L << order) - 1;
                            continue;
                        }
                        if ((flags & PageFlag.RESERVED.mask) != 0) continue;
                        PageExt.Table t = pageExt.table(sparse.pfnToSectionNr(pfn));
                        if (t == null) continue;
                        PageExt.Entry e = pageExt.lookupForInit(pfn);
                        if (pageExt.testFlag(e, pageExt.ownerBit(), "init_pages_in_zone:test_bit(PAGE_EXT_OWNER)")) continue;
                        setOwnerRecord(e, 0, 0, EARLY_PID);
                        count++;
                    }
                    earlyAllocated += count;
                    k.log().printk(String.format(Locale.ROOT, "Node %d, zone %8s: page owner found early allocated %d pages",
                            pg.nodeId, zone.name(), count));
                }
            }
            inited = true;
        }
    }

    /**
     * __set_page_owner(page, order, gfp_mask), called by post_alloc_hook on every allocation:
     * the record on each of the 2^order pages, then PAGE_EXT_OWNER (and _ALLOCATED on mainline).
     * <ul>
     * <li>v4.6: lookup_page_ext(page + i) per page, no NULL check;</li>
     * <li>{@link PageExt#NULL_CHECKS} (v4.7, f86e4271978b): {@code if (unlikely(!page_ext)) return};</li>
     * <li>mainline: one page_ext_get() for the block, page_ext_next() over its pages, page_ext_put().</li>
     * </ul>
     */
    @Override
    public void setPageOwner(long pfn, int order, int gfpMask) {
        if (!inited) return;
        try (var f = k.enter("__set_page_owner")) {
            int pid = k.cpu().pid();
            if (v46) {
                for (long p = pfn; p < pfn + (1L << order); p++) {
                    PageExt.Entry e = pageExt.lookupPageExt(p);
                    if (e == null && config.has(PageExt.NULL_CHECKS)) return;
                    setOwnerRecord(e, order, gfpMask, pid);
                }
                return;
            }
            PageExt.Entry first = pageExt.pageExtGet(pfn);
            if (first == null) return;
            PageExt.Entry e = first;
            for (long i = 0; i < (1L << order); i++, e = i < (1L << order) ? pageExt.pageExtNext(e) : e) {
                setOwnerRecord(e, order, gfpMask, pid);
            }
            pageExt.pageExtPut(first);
        }
    }

    /**
     * __reset_page_owner(page, order), called by free_pages_prepare on every free:
     * <ul>
     * <li>v4.6: {@code __clear_bit(PAGE_EXT_OWNER)} on lookup_page_ext(page + i) of each page, no
     *     NULL check (one of the call sites f86e4271978b fixed);</li>
     * <li>{@link PageExt#NULL_CHECKS}: a page without page_ext is skipped;</li>
     * <li>mainline: page_ext_get() once; PAGE_EXT_OWNER_ALLOCATED cleared on each page (the
     *     record itself stays, for "freed" dumps).</li>
     * </ul>
     */
    @Override
    public void resetPageOwner(long pfn, int order) {
        if (!inited) return;
        try (var f = k.enter("__reset_page_owner")) {
            forEachPageExt(pfn, order, e -> {
                if (v46) pageExt.setFlag(e, pageExt.ownerBit(), false, "__reset_page_owner:__clear_bit(PAGE_EXT_OWNER)");
                else pageExt.setFlag(e, pageExt.ownerAllocatedBit(), false, "__update_page_owner_free_handle:__clear_bit(PAGE_EXT_OWNER_ALLOCATED)");
            });
        }
    }

    /**
     * The page_ext of each of the 2^order pages from pfn, as the era reaches them: v4.6
     * lookup_page_ext(page + i) per page (one without page_ext skipped under
     * {@link PageExt#NULL_CHECKS}, used unchecked before); mainline one page_ext_get() for the
     * block, page_ext_next() over its pages, page_ext_put().
     */
    private void forEachPageExt(long pfn, int order, java.util.function.Consumer<PageExt.Entry> each) {
        if (v46) {
            for (long p = pfn; p < pfn + (1L << order); p++) {
                PageExt.Entry e = pageExt.lookupPageExt(p);
                if (e == null && config.has(PageExt.NULL_CHECKS)) continue;
                each.accept(e);
            }
            return;
        }
        PageExt.Entry first = pageExt.pageExtGet(pfn);
        if (first == null) return;
        PageExt.Entry e = first;
        for (long i = 0; i < (1L << order); i++, e = i < (1L << order) ? pageExt.pageExtNext(e) : e) each.accept(e);
        pageExt.pageExtPut(first);
    }

    /**
     * __split_page_owner(page, old_order, new_order) (mm/page_owner.c; 6.1 has the same loop with
     * order 0): each of the 2^old_order records keeps its allocator, gfp mask and pid and gets
     * new_order, so read_page_owner prints every page of a split THP as an allocation of its own.
     * Mainline: one page_ext_get() and page_ext_next() over the pages; v4.6: lookup_page_ext per
     * page as the era's other hooks.
     */
    @Override
    public void splitPageOwner(long pfn, int oldOrder, int newOrder) {
        if (!inited) return;
        try (var f = k.enter("__split_page_owner")) {
            forEachPageExt(pfn, oldOrder, e -> setOwnerOrder(e, newOrder));
        }
    }

    private void setOwnerOrder(PageExt.Entry e, int order) {
        long word = pageExt.readOwner(e, "__split_page_owner:get_page_owner");
        pageExt.writeOwner(e, PageExt.ownerWord(order, PageExt.ownerGfp(word), PageExt.ownerPid(word)), "__split_page_owner:page_owner->order");
    }

    private void setOwnerRecord(PageExt.Entry e, int order, int gfpMask, int pid) {
        pageExt.writeOwner(e, PageExt.ownerWord(order, gfpMask, pid), "__set_page_owner_handle:page_owner");
        pageExt.setFlag(e, pageExt.ownerBit(), true, "__set_page_owner_handle:__set_bit(PAGE_EXT_OWNER)");
        if (pageExt.ownerAllocatedBit() >= 0) {
            pageExt.setFlag(e, pageExt.ownerAllocatedBit(), true, "__set_page_owner_handle:__set_bit(PAGE_EXT_OWNER_ALLOCATED)");
        }
    }

    /** One read(2) of /sys/kernel/debug/page_owner: the record text and the new file position, or an errno. */
    public record Read(byte[] data, long newPos, Errno errno) { }

    /**
     * read_page_owner(file, buf, count, ppos): from pfn {@code min_low_pfn + *ppos} (min_low_pfn
     * is 0 on x86_64), the first page up to {@code maxPfn} that page_owner tracks as allocated;
     * prints its record and sets the position past it. An empty result is the end of the file.
     */
    public Read readPageOwner(long ppos, int count, long maxPfn) {
        try (var f = k.enter("read_page_owner")) {
            if (!inited) return new Read(null, ppos, Errno.EINVAL);
            long pfn = ppos;
            // find a valid pfn or the start of a MAX_ORDER_NR_PAGES area
            while (pfn < maxPfn && !sparse.pfnValid(pfn) && (pfn & (MAX_ORDER_NR_PAGES - 1)) != 0) pfn++;
            allocator.drainAllPages(null);
            for (; pfn < maxPfn; pfn++) {
                if ((pfn & (MAX_ORDER_NR_PAGES - 1)) == 0 && !sparse.pfnValid(pfn)) {
                    pfn += MAX_ORDER_NR_PAGES - 1;
                    continue;
                }
                long page = sparse.pfnToPage(pfn);
                int type = memmap.readMapcount(page, "read_page_owner:PageBuddy");
                if (PageType.BUDDY.isSet(type)) {
                    int order = memmap.readPrivate(page, "read_page_owner:buddy_order_unsafe");
                    if (order >= 0 && order < Zone.NR_PAGE_ORDERS) pfn += (1L << order) - 1;
                    continue;
                }
                PageExt.Entry e = v46 ? pageExt.lookupPageExt(page) : pageExt.pageExtGet(page);
                if (e == null && (!v46 || config.has(PageExt.NULL_CHECKS))) continue;
                long word;
                try {
                    if (!pageExt.testFlag(e, pageExt.ownerBit(), "read_page_owner:test_bit(PAGE_EXT_OWNER)")) continue;
                    if (pageExt.ownerAllocatedBit() >= 0
                            && !pageExt.testFlag(e, pageExt.ownerAllocatedBit(), "read_page_owner:test_bit(PAGE_EXT_OWNER_ALLOCATED)")) continue;
                    word = pageExt.readOwner(e, "read_page_owner:get_page_owner");
                } finally {
                    if (!v46) pageExt.pageExtPut(e);
                }
                // don't print the tail pages of a high-order allocation
                if ((pfn & ((1L << PageExt.ownerOrder(word)) - 1)) != 0) continue;
                byte[] text = printPageOwner(pfn, word).getBytes(StandardCharsets.UTF_8);
                if (text.length > count) return new Read(null, ppos, Errno.ENOMEM);
                return new Read(text, pfn + 1, null);
            }
            return new Read(new byte[0], ppos, null);
        }
    }

    /** print_page_owner(): the two header lines per era, the (early) stack, a blank line. */
    private String printPageOwner(long pfn, long word) {
        int order = PageExt.ownerOrder(word), gfp = PageExt.ownerGfp(word), pid = PageExt.ownerPid(word);
        long flags = memmap.flags(pfn);
        int mt = allocator.pageblockMigratetype(pfn);
        int pageMt = gfp == 0 ? MigrateType.UNMOVABLE : mmsim.mm.linux.Gfp.gfpMigratetype(gfp);
        StringBuilder sb = new StringBuilder();
        if (v46) {
            sb.append(String.format(Locale.ROOT, "Page allocated via order %d, mask %#x(%s)%n", order, gfp, gfp == 0 ? "" : "GFP"));
            sb.append(String.format(Locale.ROOT, "PFN %d type %s Block %d type %s Flags %s%n", pfn, MigrateType.name(pageMt),
                    pfn >>> Zone.PAGEBLOCK_ORDER, MigrateType.name(mt), DumpPage.formatFlags(flags)));
        } else {
            sb.append(String.format(Locale.ROOT, "Page allocated via order %d, mask %#x(%s), pid %d, tgid %d (%s), ts 0 ns%n",
                    order, gfp, gfp == 0 ? "" : "GFP", pid, pid, pid == EARLY_PID ? "swapper/0" : k.cpu().comm()));
            sb.append(String.format(Locale.ROOT, "PFN 0x%x type %s Block %d type %s Flags %s%n", pfn, MigrateType.name(pageMt),
                    pfn >>> Zone.PAGEBLOCK_ORDER, MigrateType.name(mt), DumpPage.formatFlags(flags)));
        }
        sb.append(" register_early_stack\n init_page_owner\n page_ext_init\n\n");
        return sb.toString();
    }
}
