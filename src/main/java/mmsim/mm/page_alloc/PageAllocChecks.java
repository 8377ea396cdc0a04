package mmsim.mm.page_alloc;

import mmsim.kernel.Kernel;
import mmsim.kernel.KernelLog;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.DumpPage;
import mmsim.mm.linux.Memmap;
import mmsim.mm.linux.PageFlag;
import java.util.Locale;

/**
 * The page checks of mm/page_alloc.c: free_pages_prepare() and free_page_is_bad() when a block is
 * freed, check_new_pages()/check_new_page() when one is handed out, and bad_page(), which both
 * report through. They run always on era V4_6 and with CONFIG_DEBUG_VM on mainline
 * (is_check_pages_enabled()). A hwpoisoned page found at allocation is not reported: the whole
 * block leaks and the allocation retries; mainline refuses to free an order-0 hwpoisoned page.
 *
 * <p>Locking: none of its own. free_pages_prepare runs before the page reaches a free list (no
 * lock); check_new_pages runs under zone-&gt;lock (rmqueue_buddy) or pcp-&gt;lock (rmqueue_pcplist),
 * as its caller in {@link BuddyAllocator} / {@link PerCpuPageLists} arranges.
 */
final class PageAllocChecks {
    private final BuddyAllocator b;
    private int badPageShown;
    private long badPageSuppressed;
    private final Kernel k;
    private final KernelConfig config;
    private final Memmap memmap;

    PageAllocChecks(BuddyAllocator b) {
        this.b = b;
        this.k = b.kernel();
        this.config = b.config();
        this.memmap = b.memmap();
    }

    /**
     * free_pages_prepare(): clears the compound structure and the flags that must not survive a
     * free, and runs the free-time checks (free_page_is_bad) on every page when enabled. A bad
     * page is reported and the whole block is not freed (it leaks), as in the kernel.
     * Mainline (and the put_page_testzero proposal) refuse to free an order-0 hwpoisoned page at all.
     */
    boolean freePagesPrepare(long pfn, int order) {
        if (b.divertHwpoisonAtFree && order == 0 && memmap.testBit(pfn, PageFlag.HWPOISON)) {
            if (b.pageOwner != null) b.pageOwner.resetPageOwner(pfn, order);
            return false;   // "Do not let hwpoison pages hit pcplists/buddy": the page stays off every list
        }
        int bad = 0;
        boolean compound = memmap.isHead(pfn);
        if (order > 0) {
            if (compound) {
                // page[1] carries the folio's order and mapcounts (PAGE_FLAGS_SECOND)
                memmap.setFlags(pfn + 1, memmap.flags(pfn + 1) & ~0xffL);
            }
            for (long p = pfn + 1; p < pfn + (1L << order); p++) {
                if (compound) bad += freeTailPagePrepare(pfn, p);
                if (b.checkPages && freePageIsBad(p)) {
                    bad++;
                    continue;
                }
                memmap.setFlags(p, memmap.flags(p) & ~PageFlag.CHECK_AT_PREP);
            }
        }
        if (b.checkPages) {
            if (freePageIsBad(pfn)) bad++;
            if (bad > 0) return false;
        }
        memmap.setFlags(pfn, memmap.flags(pfn) & ~PageFlag.CHECK_AT_PREP);
        if (b.pageOwner != null) b.pageOwner.resetPageOwner(pfn, order);
        return true;
    }

    /**
     * free_tail_page_prepare(): the first tail's folio words (the mapcounts, _pincount) must be
     * back to zero, and a tail must point at its head; clears compound_head.
     */
    private int freeTailPagePrepare(long head, long p) {
        int ret = 1;
        String folioWord = null;
        if (p == head + 1) {
            if (memmap.entireMapcount(head) + 1 != 0) folioWord = "nonzero entire_mapcount";
            else if (Math.max(0, memmap.nrPagesMapped(head)) != 0) folioWord = "nonzero nr_pages_mapped";
            else if (memmap.pincount(head) != 0) folioWord = "nonzero pincount";
            memmap.setLruNext(p, Memmap.NIL);
            memmap.setLruPrev(p, Memmap.NIL);
            memmap.setPincount(head, 0);
        }
        if (folioWord != null) {
            badPage(p, folioWord);
        } else if (!memmap.isTail(p)) {
            badPage(p, "PageTail not set");
        } else if (memmap.compoundHead(p, k.currentFunction()) != head) {
            badPage(p, "compound_head not consistent");
        } else {
            ret = 0;
        }
        memmap.clearCompoundHead(p);
        return ret;
    }

    /** free_page_is_bad(): page_expected_state against PAGE_FLAGS_CHECK_AT_FREE, reporting. */
    boolean freePageIsBad(long pfn) {
        if (pageExpectedState(pfn, PageFlag.CHECK_AT_FREE)) return false;
        badPage(pfn, pageBadReason(pfn, PageFlag.CHECK_AT_FREE));
        return true;
    }

    /** page_expected_state(): unmapped, no mapping, refcount 0, none of {@code checkFlags}. */
    private boolean pageExpectedState(long pfn, long checkFlags) {
        return memmap.mapcount(pfn) == -1 && memmap.mapping(pfn) == 0 && memmap.refcount(pfn) == 0
                && (memmap.flags(pfn) & checkFlags) == 0;
    }

    /** page_bad_reason(): the last matching reason wins, as in the kernel. */
    String pageBadReason(long pfn, long flags) {
        String reason = null;
        if (memmap.mapcount(pfn) != -1) reason = "nonzero mapcount";
        if (memmap.mapping(pfn) != 0) reason = "non-NULL mapping";
        if (memmap.refcount(pfn) != 0) reason = config.era() == KernelConfig.Era.V4_6 ? "nonzero _count" : "nonzero _refcount";
        if ((memmap.flags(pfn) & flags) != 0) {
            reason = flags == PageFlag.CHECK_AT_PREP ? "PAGE_FLAGS_CHECK_AT_PREP flag(s) set" : "PAGE_FLAGS_CHECK_AT_FREE flag(s) set";
        }
        return reason;
    }

    /**
     * bad_page(): "BUG: Bad page state in process %s  pfn:%05lx", dump_page with the reason,
     * modules and stack; TAINT_BAD_PAGE. After 60 reports the rest are counted as suppressed
     * (the kernel resumes a minute later; simulated time does not pass). Clears PageBuddy so the
     * page cannot be found on a free list walk.
     */
    public void badPage(long pfn, String reason) {
        if (badPageShown >= 60) {
            badPageSuppressed++;
        } else {
            badPageShown++;
            Kernel.Cpu c = k.cpu();
            String report = String.format(Locale.ROOT, "BUG: Bad page state in process %s  pfn:%05x%n", c.comm(), pfn)
                    + DumpPage.dumpPage(memmap, pfn, reason)
                    + "Modules linked in:\n"
                    + k.cpuLine(c).replace(" Not tainted ", " Tainted: G    B              ")
                    + k.callTrace(c);
            k.log().taint(KernelLog.TaintKind.BAD_PAGE, "BUG: Bad page state in " + k.currentFunction(), report);
        }
        if (memmap.isBuddy(pfn)) memmap.clearType(pfn);
    }

    public long badPageSuppressed() { return badPageSuppressed; }

    /**
     * check_new_pages(): true when the block is bad and must not be handed out. A hwpoisoned page
     * is not reported (its PageBuddy/mapcount is reset); any other bad state goes to bad_page.
     * Either way the caller retries and the block leaks.
     */
    boolean checkNewPages(long pfn, int order) {
        if (!b.checkPages) return false;
        for (long p = pfn; p < pfn + (1L << order); p++) {
            if (checkNewPage(p)) return true;
        }
        return false;
    }

    /** check_new_page() + check_new_page_bad(). */
    boolean checkNewPage(long pfn) {
        if (pageExpectedState(pfn, PageFlag.CHECK_AT_PREP | PageFlag.HWPOISON.mask)) return false;
        if (memmap.testBit(pfn, PageFlag.HWPOISON)) {
            memmap.setMapcount(pfn, -1); // page_mapcount_reset: don't complain about hwpoisoned pages
            return true;
        }
        badPage(pfn, pageBadReason(pfn, PageFlag.CHECK_AT_PREP));
        return true;
    }
}
