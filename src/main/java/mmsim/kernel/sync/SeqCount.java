package mmsim.kernel.sync;

import mmsim.kernel.Access;
import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;

/**
 * seqcount_t (include/linux/seqlock.h): writers make the count odd while they change the data
 * (and must be serialised by a lock of their own); readers retry when the count moved. A reader
 * that finds a write in progress waits (the kernel spins) until it ends.
 * With its {@link LockClass} dropped (drop-lock=CLASS, {@link Kernel#dropLockClasses}) every
 * operation is elided.
 */
public final class SeqCount {
    private final Kernel k;
    private final LockClass cls;
    private final String name;
    /** drop-lock=CLASS: writers leave the count alone, so readers never retry. */
    private final boolean dropped;
    /** The lock class lockdep keys on ("&" + name), built once: lockdep asks on every acquisition. */
    private final String lockClass;
    private final String beginLabel, endLabel, readLabel, retryLabel;
    private long sequence;
    private final java.util.function.BooleanSupplier even = () -> (sequence & 1) == 0;

    public SeqCount(Kernel k, LockClass cls) {
        if (cls.kind() != LockClass.Kind.SEQCOUNT) throw new IllegalArgumentException(cls + " is a " + cls.kind().ctype + ", not a seqcount_t");
        this.k = k;
        this.cls = cls;
        this.name = cls.name();
        this.dropped = k.lockInit(cls);
        this.lockClass = "&" + name;
        this.beginLabel = "write_seqcount_begin(&" + name + ")";
        this.endLabel = "write_seqcount_end(&" + name + ")";
        this.readLabel = "read_seqcount_begin(&" + name + ")";
        this.retryLabel = "read_seqcount_retry(&" + name + ")";
    }

    /** write_seqcount_begin(): the writer runs with preemption off until the end. */
    public void writeBegin() {
        if (dropped) { k.droppedLockNote(beginLabel); return; }
        k.point(beginLabel, this, Access.WRITE);
        if ((sequence & 1) != 0) throw k.bug("include/linux/seqlock.h", 0, "write_seqcount_begin(&" + name + ") inside a write section: writers are not serialised\n");
        k.preemptDisable();
        sequence++;
        k.lockTaken(cls);
    }

    /** write_seqcount_end(). */
    public void writeEnd() {
        if (dropped) { k.droppedLockNote(endLabel); return; }
        k.point(endLabel, this, Access.WRITE);
        sequence++;
        k.preemptEnable();
    }

    /** read_seqcount_begin(): waits out a write in progress and returns the even count. */
    public long readBegin() {
        k.point(readLabel, this, Access.READ);
        if ((sequence & 1) != 0) k.sched().waitUntil(even, readLabel, this, Access.READ);
        return sequence;
    }

    /** read_seqcount_retry(): true when a writer ran since {@code start}; the reader must retry. */
    public boolean readRetry(long start) {
        k.point(retryLabel, this, Access.READ);
        return sequence != start;
    }

    /**
     * raw_write_seqcount_begin(): as writeBegin, without disabling preemption, for a writer whose
     * readers never spin but fall back to a lock the writer holds (fork's write_protect_seq).
     */
    public void rawWriteBegin() {
        if (dropped) { k.droppedLockNote("raw_" + beginLabel); return; }
        k.point("raw_" + beginLabel, this, Access.WRITE);
        if ((sequence & 1) != 0) throw k.bug("include/linux/seqlock.h", 0, "raw_write_seqcount_begin(&" + name + ") inside a write section: writers are not serialised\n");
        sequence++;
        k.lockTaken(cls);
    }

    /** raw_write_seqcount_end(). */
    public void rawWriteEnd() {
        if (dropped) { k.droppedLockNote("raw_" + endLabel); return; }
        k.point("raw_" + endLabel, this, Access.WRITE);
        sequence++;
    }

    /** raw_read_seqcount(): the count as it is, odd during a write, without waiting. */
    public long rawRead() {
        k.point("raw_read_seqcount(&" + name + ")", this, Access.READ);
        return sequence;
    }

    /** The count with no preemption point: for checks. */
    public long raw() { return sequence; }

    public String name() { return name; }

    public LockClass lockClass() { return cls; }

    @Override public String toString() { return lockClass; }
}
