package mmsim.mm.linux;

/**
 * A model object holding large primitive arrays that records which parts of them were written
 * since its marks were last cleared (as clear_refs' soft-dirty bits record which pages a task
 * wrote), so a used copy of it can be put back to the state of the object it was copied from by
 * copying only those parts. The explorer starts each execution from the machine setup left: a
 * machine used by one execution is restored in place instead of copied whole (issue 13). The
 * model only keeps the marks; it never restores anything itself.
 *
 * <p>Locking: none. Restore runs between executions, when no CPU of the machine runs.
 */
public interface Restorable<T> {
    /**
     * Makes this object equal to {@code original}, which it is a copy of, by copying back what
     * was written since the marks were cleared, and clears the marks. {@code original} was not
     * written since this object was copied from it.
     */
    void restoreFrom(T original);

    /**
     * The first difference from {@code original} in the restorable state, described for a
     * model developer, or null when there is none: a difference right after {@link #restoreFrom}
     * is a write that did not set its mark.
     */
    String differenceFrom(T original);
}
