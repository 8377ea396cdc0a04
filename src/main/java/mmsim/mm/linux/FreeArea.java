package mmsim.mm.linux;

/**
 * struct free_area (include/linux/mmzone.h): one list of free blocks per migratetype and
 * nr_free, the number of blocks of this order over all types. A list is pfn-linked through the
 * first page's lru slots (page->buddy_list); {@code head/tail} hold the first and last pfn or
 * {@link Memmap#NIL}. Touched only under zone->lock.
 */
public final class FreeArea {
    public final int[] head = new int[MigrateType.MIGRATE_TYPES];
    public final int[] tail = new int[MigrateType.MIGRATE_TYPES];
    public long nrFree;

    FreeArea() {
        java.util.Arrays.fill(head, Memmap.NIL);
        java.util.Arrays.fill(tail, Memmap.NIL);
    }

    public long nrFree() { return nrFree; }

    /** First block on the list of {@code mt}, or -1. */
    public long first(int mt) { return head[mt] == Memmap.NIL ? -1 : head[mt]; }

    /** free_area_empty(). */
    public boolean empty(int mt) { return head[mt] == Memmap.NIL; }
}
