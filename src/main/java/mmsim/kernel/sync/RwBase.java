package mmsim.kernel.sync;

import java.util.function.BooleanSupplier;
import mmsim.kernel.Access;
import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;

/**
 * The reader/writer lock core shared by rwlock_t, rw_semaphore and percpu_rw_semaphore: any
 * number of readers or one writer. A blocked CPU is not runnable until it can proceed.
 *
 * <pre>
 *   state: writer = CPU holding it for write (-1: none), readers = read holds (all CPUs),
 *          readersOn[cpu] = read holds of that CPU, writersWaiting = writers blocked in down_write
 * </pre>
 * With {@code writerPreference} (rwsem, percpu-rwsem) a new reader also waits while a writer is
 * waiting, so a reader taking the lock twice can deadlock against a writer, as in the kernel.
 * With its {@link LockClass} dropped (drop-lock=CLASS, {@link Kernel#dropLockClasses}) every
 * operation is elided.
 */
abstract sealed class RwBase permits RwLock, RwSem, PercpuRwSem {
    final Kernel k;
    final LockClass cls;
    final String name;
    /** drop-lock=CLASS: acquisitions and releases are elided and the lock never reads as held. */
    private final boolean dropped;
    /** The lock class lockdep keys on ("&" + name), built once: lockdep asks on every acquisition. */
    private final String lockClass;
    private final boolean sleeping;
    private final boolean writerPreference;
    private final String readLabel, readUnlockLabel, writeLabel, writeUnlockLabel;
    private int writer = -1;
    private int readers;
    private final int[] readersOn;
    private int writersWaiting;
    private final BooleanSupplier canRead;
    private final BooleanSupplier canWrite = () -> writer < 0 && readers == 0;

    RwBase(Kernel k, LockClass cls, LockClass.Kind kind, boolean sleeping, boolean writerPreference,
           String readOp, String readUnlockOp, String writeOp, String writeUnlockOp) {
        if (cls.kind() != kind) throw new IllegalArgumentException(cls + " is a " + cls.kind().ctype + ", not a " + kind.ctype);
        this.k = k;
        this.cls = cls;
        this.name = cls.name();
        this.dropped = k.lockInit(cls);
        this.lockClass = "&" + name;
        this.sleeping = sleeping;
        this.writerPreference = writerPreference;
        this.readLabel = readOp + "(&" + name + ")";
        this.readUnlockLabel = readUnlockOp + "(&" + name + ")";
        this.writeLabel = writeOp + "(&" + name + ")";
        this.writeUnlockLabel = writeUnlockOp + "(&" + name + ")";
        this.readersOn = new int[k.nrCpus()];
        this.canRead = writerPreference ? () -> writer < 0 && writersWaiting == 0 : () -> writer < 0;
    }

    void readLock() {
        if (sleeping) k.mightSleep("kernel/locking/rwsem.c", 1527);
        if (dropped) { k.droppedLockNote(readLabel); return; }
        int me = k.smpProcessorId();
        if (writer == me) throw Lockdeps.recursive(k, name);
        k.lockdep().acquire(k, this);
        k.point(readLabel, this, Access.SYNC, canRead, this);   // runnable once no writer holds (or waits)
        readers++;
        readersOn[me]++;
        if (!sleeping) k.preemptDisable();
        k.cpu().lockAcquired(this);
        k.lockTaken(cls);
    }

    boolean readTrylock() {
        if (dropped) { k.droppedLockNote(readLabel.replace("(", "_trylock(")); return true; }
        k.point(readLabel.replace("(", "_trylock("), this, Access.SYNC);
        if (!canRead.getAsBoolean()) return false;
        readers++;
        readersOn[k.smpProcessorId()]++;
        if (!sleeping) k.preemptDisable();
        k.cpu().lockAcquired(this);
        k.lockTaken(cls);
        return true;
    }

    void readUnlock() {
        if (dropped) { k.droppedLockNote(readUnlockLabel); return; }
        k.point(readUnlockLabel, this, Access.SYNC);
        int me = k.smpProcessorId();
        if (readersOn[me] == 0) throw Lockdeps.badUnlock(k, name, writer);
        readers--;
        readersOn[me]--;
        k.cpu().lockReleased(this);
        if (!sleeping) k.preemptEnable();
    }

    void writeLock() {
        if (sleeping) k.mightSleep("kernel/locking/rwsem.c", 1580);
        if (dropped) { k.droppedLockNote(writeLabel); return; }
        int me = k.smpProcessorId();
        if (writer == me || readersOn[me] > 0) throw Lockdeps.recursive(k, name);
        k.lockdep().acquire(k, this);
        if (!writerPreference) {
            k.point(writeLabel, this, Access.SYNC, canWrite, this);   // runnable once it is free
        } else {
            // A blocked writer announces itself (writersWaiting holds off new readers), so
            // finding the lock taken is a step of its own here, unlike the acquires above.
            k.point(writeLabel, this, Access.SYNC);
        }
        if (!canWrite.getAsBoolean()) {
            writersWaiting++;
            try {
                k.sched().waitUntil(canWrite, writeLabel, this, Access.SYNC);
            } finally {
                writersWaiting--;
            }
        }
        writer = me;
        if (!sleeping) k.preemptDisable();
        k.cpu().lockAcquired(this);
        k.lockTaken(cls);
    }

    boolean writeTrylock() {
        if (dropped) { k.droppedLockNote(writeLabel.replace("(", "_trylock(")); return true; }
        k.point(writeLabel.replace("(", "_trylock("), this, Access.SYNC);
        if (!canWrite.getAsBoolean()) return false;
        writer = k.smpProcessorId();
        if (!sleeping) k.preemptDisable();
        k.cpu().lockAcquired(this);
        k.lockTaken(cls);
        return true;
    }

    void writeUnlock() {
        if (dropped) { k.droppedLockNote(writeUnlockLabel); return; }
        k.point(writeUnlockLabel, this, Access.SYNC);
        if (writer != k.smpProcessorId()) throw Lockdeps.badUnlock(k, name, writer);
        writer = -1;
        k.cpu().lockReleased(this);
        if (!sleeping) k.preemptEnable();
    }

    /** Held for read or write by anyone. */
    public boolean isLocked() { return writer >= 0 || readers > 0; }

    public boolean isWriteLocked() { return writer >= 0; }

    /** Held for read or write by the current CPU (a dropped lock counts as held: nothing to wait for). */
    public boolean heldByCurrentCpu() {
        if (dropped) return true;
        int me = k.smpProcessorId();
        return writer == me || readersOn[me] > 0;
    }

    /** lockdep_assert_held(): the current CPU holds it, for read or write. */
    public void assertHeld() {
        if (dropped) return;
        int me = k.smpProcessorId();
        if (writer != me && readersOn[me] == 0) throw k.lockdep().assertFailed(k, "lockdep_assert_held(" + lockClass + ")");
    }

    /** lockdep_assert_held_write(). */
    public void assertHeldWrite() {
        if (dropped) return;
        if (writer != k.smpProcessorId()) throw k.lockdep().assertFailed(k, "lockdep_assert_held_write(" + lockClass + ")");
    }

    /** lockdep_assert_held_read(). */
    public void assertHeldRead() {
        if (dropped) return;
        if (readersOn[k.smpProcessorId()] == 0) throw k.lockdep().assertFailed(k, "lockdep_assert_held_read(" + lockClass + ")");
    }

    public String name() { return name; }

    public LockClass lockClass() { return cls; }

    @Override public String toString() { return lockClass; }
}
