package mmsim.kernel.sync;

import mmsim.kernel.Access;
import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;

/**
 * struct mutex (kernel/locking/mutex.c): a sleeping lock; taking it in atomic context is a
 * might_sleep() bug. A waiter is not runnable until the owner unlocks.
 * With its {@link LockClass} dropped (drop-lock=CLASS, {@link Kernel#dropLockClasses}) every
 * operation is elided.
 */
public final class Mutex {
    private final Kernel k;
    private final LockClass cls;
    private final String name;
    /** drop-lock=CLASS: acquisitions and releases are elided and the lock never reads as held. */
    private final boolean dropped;
    /** The lock class lockdep keys on ("&" + name), built once: lockdep asks on every acquisition. */
    private final String lockClass;
    private final String lockLabel;
    private final String unlockLabel;
    private int owner = -1;

    public Mutex(Kernel k, LockClass cls) {
        if (cls.kind() != LockClass.Kind.MUTEX) throw new IllegalArgumentException(cls + " is a " + cls.kind().ctype + ", not a mutex");
        this.k = k;
        this.cls = cls;
        this.name = cls.name();
        this.dropped = k.lockInit(cls);
        this.lockClass = "&" + name;
        this.lockLabel = "mutex_lock(&" + name + ")";
        this.unlockLabel = "mutex_unlock(&" + name + ")";
    }

    public void lock() {
        k.mightSleep("kernel/locking/mutex.c", 283);
        if (dropped) { k.droppedLockNote(lockLabel); return; }
        Kernel.Cpu c = k.cpu();
        int me = c.id;
        if (owner == me) throw Lockdeps.recursive(k, name);
        k.lockdep().acquire(k, c, this);
        k.point(lockLabel, this, Access.SYNC, free, this);   // runnable once the owner has released it
        owner = me;
        c.lockAcquired(this);
        k.lockTaken(cls);
    }

    private final java.util.function.BooleanSupplier free = () -> owner < 0;

    public boolean trylock() {
        if (dropped) { k.droppedLockNote("mutex_trylock(&" + name + ")"); return true; }
        k.point("mutex_trylock(&" + name + ")", this, Access.SYNC);
        if (owner >= 0) return false;
        Kernel.Cpu c = k.cpu();
        owner = c.id;
        c.lockAcquired(this);
        k.lockTaken(cls);
        return true;
    }

    public void unlock() {
        if (dropped) { k.droppedLockNote(unlockLabel); return; }
        k.point(unlockLabel, this, Access.SYNC);
        Kernel.Cpu c = k.cpu();
        if (owner != c.id) throw Lockdeps.badUnlock(k, name, owner);
        owner = -1;
        c.lockReleased(this);
    }

    public boolean isLocked() { return owner >= 0; }

    public void assertHeld() {
        if (dropped) return;
        if (owner != k.smpProcessorId()) throw k.lockdep().assertFailed(k, "lockdep_assert_held(" + lockClass + ")");
    }

    public String name() { return name; }

    public LockClass lockClass() { return cls; }

    @Override public String toString() { return lockClass; }
}
