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
    private final String beginLabel, endLabel, readLabel, retryLabel, rawBeginLabel, rawEndLabel, rawReadLabel;
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
        this.rawBeginLabel = "raw_" + beginLabel;
        this.rawEndLabel = "raw_" + endLabel;
        this.rawReadLabel = "raw_read_seqcount(&" + name + ")";
    }

    /** write_seqcount_begin(): the writer runs with preemption off until the end. */
    public void writeBegin() { begin(beginLabel, true); }

    /** write_seqcount_end(). */
    public void writeEnd() { end(endLabel, true); }

    /**
     * raw_write_seqcount_begin(): as writeBegin, without disabling preemption, for a writer whose
     * readers never spin but fall back to a lock the writer holds (fork's write_protect_seq).
     */
    public void rawWriteBegin() { begin(rawBeginLabel, false); }

    /** raw_write_seqcount_end(). */
    public void rawWriteEnd() { end(rawEndLabel, false); }

    private void begin(String label, boolean preemptOff) {
        if (dropped) { k.droppedLockNote(label); return; }
        k.point(label, this, Access.WRITE);
        if ((sequence & 1) != 0) throw k.bug("include/linux/seqlock.h", 0, label + " inside a write section: writers are not serialised\n");
        if (preemptOff) k.preemptDisable();
        sequence++;
        k.lockTaken(cls);
    }

    private void end(String label, boolean preemptOff) {
        if (dropped) { k.droppedLockNote(label); return; }
        k.point(label, this, Access.WRITE);
        sequence++;
        if (preemptOff) k.preemptEnable();
    }

    /** read_seqcount_begin(): waits out a write in progress and returns the even count. */
    public long readBegin() {
        k.point(readLabel, this, Access.READ, even, this);   // runnable once no write is in progress
        return sequence;
    }

    /** read_seqcount_retry(): true when a writer ran since {@code start}; the reader must retry. */
    public boolean readRetry(long start) {
        k.point(retryLabel, this, Access.READ);
        return sequence != start;
    }

    /** raw_read_seqcount(): the count as it is, odd during a write, without waiting. */
    public long rawRead() {
        k.point(rawReadLabel, this, Access.READ);
        return sequence;
    }

    /** The count with no preemption point: for checks. */
    public long raw() { return sequence; }

    public String name() { return name; }

    public LockClass lockClass() { return cls; }

    @Override public String toString() { return lockClass; }
}
