package mmsim.mm.linux;

/**
 * include/linux/page_owner.h: the calls the page allocator makes into page_owner,
 * set_page_owner() from post_alloc_hook(), reset_page_owner() from free_pages_prepare(), and
 * split_page_owner() when a high-order page is split (mm/huge_memory.c's __split_huge_page).
 * In the kernel they are inline wrappers behind the page_owner_inited static key; here the
 * allocator holds one of these (wired at boot by the machine) so mm/page_alloc does not import
 * mm/page_owner, which sits above it.
 *
 * <p>Locking: both are called with no allocator lock held (post_alloc_hook runs after rmqueue
 * dropped zone->lock; free_pages_prepare before the page reaches a pcp list or zone->lock).
 */
public interface PageOwnerHooks {
    /** set_page_owner(page, order, gfp): record the allocation on each of the 2^order pages. */
    void setPageOwner(long pfn, int order, int gfpMask);

    /** reset_page_owner(page, order): the pages are being freed. */
    void resetPageOwner(long pfn, int order);

    /**
     * split_page_owner(page, old_order, new_order): a high-order page became pages of new_order
     * (split_huge_page, split_page); each page's record now says new_order.
     */
    void splitPageOwner(long pfn, int oldOrder, int newOrder);
}
