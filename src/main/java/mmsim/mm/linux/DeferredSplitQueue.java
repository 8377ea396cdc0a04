package mmsim.mm.linux;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;
import mmsim.kernel.sync.SpinLock;

/**
 * The deferred split queue of partially mapped THPs (struct deferred_split, pgdat's
 * deferred_split_queue in mm/huge_memory.c; one for the machine, as without memcg): a large
 * anonymous folio some of whose pages stopped being mapped while others still are goes on it
 * (deferred_split_folio, called by the rmap when a PTE unmap leaves the folio partially mapped),
 * and the THP shrinker (deferred_split_scan) later splits it so the unmapped pages can be freed.
 *
 * <p>Locking: split_queue_lock protects the list; it is taken under the PTE lock (rmap's
 * deferred_split_folio) and by split_huge_page around the refcount freeze, and nests nothing
 * but the page allocator. A folio leaves the queue when it is split (under the lock, with its
 * refcount frozen) or freed (folio_undo_large_rmappable from __folio_put).
 */
public final class DeferredSplitQueue {
    private static final LockClass SPLIT_QUEUE_LOCK = LockClass.spinlock("ds_queue->split_queue_lock");

    public final SpinLock splitQueueLock;
    /** folio->_deferred_list: heads in queue order (list_add_tail). */
    private final LinkedHashSet<Long> queue = new LinkedHashSet<>();

    public DeferredSplitQueue(Kernel k) {
        this.splitQueueLock = new SpinLock(k, SPLIT_QUEUE_LOCK);
    }

    /** deferred_split_folio()'s list_add_tail: true when newly queued. Caller holds split_queue_lock. */
    public boolean addLocked(long head) {
        splitQueueLock.assertHeld();
        return queue.add(head);
    }

    /** list_del_init(&folio->_deferred_list): true when it was queued. Caller holds split_queue_lock. */
    public boolean removeLocked(long head) {
        splitQueueLock.assertHeld();
        return queue.remove(head);
    }

    /** !list_empty(&folio->_deferred_list). Caller holds split_queue_lock. */
    public boolean queuedLocked(long head) {
        splitQueueLock.assertHeld();
        return queue.contains(head);
    }

    /** split_queue_len. Caller holds split_queue_lock. */
    public int lengthLocked() {
        splitQueueLock.assertHeld();
        return queue.size();
    }

    /** deferred_split_scan()'s list_splice_init onto a private list: takes up to {@code n} heads. Caller holds split_queue_lock. */
    public List<Long> takeLocked(int n) {
        splitQueueLock.assertHeld();
        List<Long> out = new ArrayList<>();
        var it = queue.iterator();
        while (it.hasNext() && out.size() < n) {
            out.add(it.next());
            it.remove();
        }
        return out;
    }

    /** The queued heads with no lock and no preemption point: for the whole-model check only. */
    public List<Long> peek() { return List.copyOf(queue); }
}
