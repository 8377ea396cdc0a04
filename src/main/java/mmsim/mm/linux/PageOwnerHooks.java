package mmsim.mm.linux;

/**
 * include/linux/page_owner.h: the two calls the page allocator makes into page_owner,
 * set_page_owner() from post_alloc_hook() and reset_page_owner() from free_pages_prepare().
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
}
