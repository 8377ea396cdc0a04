package mmsim.kernel;

/** What a preemption point does to its location, so a strategy can tell dependent steps apart. */
public enum Access {
    /** Reads shared state (READ_ONCE, a plain load the model treats as racy). */
    READ,
    /** Writes shared state. */
    WRITE,
    /** Acquires or releases a lock, or changes an atomic. Always dependent with other LOCK/WRITE on the same location. */
    SYNC,
    /** A point that touches nothing shared (cond_resched, a trace marker). */
    NONE;

    /** True when two accesses to the same location can change each other's result. */
    public boolean conflictsWith(Access other) {
        if (this == NONE || other == NONE) return false;
        return this != READ || other != READ;
    }
}
