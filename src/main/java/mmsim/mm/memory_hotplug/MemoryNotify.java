package mmsim.mm.memory_hotplug;

/**
 * struct memory_notify (include/linux/memory.h): what the memory notifier chain's callbacks get
 * with each action. {@code statusChangeNid} is the node that gains its first (online) or loses its
 * last (offline) memory, else -1 (the kernel's status_change_nid; v4.6 also had
 * status_change_nid_normal/_high, not modelled).
 */
public record MemoryNotify(long startPfn, long nrPages, int statusChangeNid) {
    public long endPfn() { return startPfn + nrPages; }
}
