package mmsim.kernel.sync;

import mmsim.kernel.Access;
import mmsim.kernel.Kernel;

/**
 * struct mutex (kernel/locking/mutex.c): a sleeping lock; taking it in atomic context is a
 * might_sleep() bug. A waiter is not runnable until the owner unlocks.
 */
public final class Mutex {
    private final Kernel k;
    private final String name;
    /** The lock class lockdep keys on ("&" + name), built once: lockdep asks on every acquisition. */
    private final String lockClass;
    private final String lockLabel;
    private final String unlockLabel;
    private int owner = -1;

    public Mutex(Kernel k, String name) {
        this.k = k;
        this.name = name;
        this.lockClass = "&" + name;
        this.lockLabel = "mutex_lock(&" + name + ")";
        this.unlockLabel = "mutex_unlock(&" + name + ")";
    }

    public void lock() {
        k.mightSleep("kernel/locking/mutex.c", 283);
        k.point(lockLabel, this, Access.SYNC);
        Kernel.Cpu c = k.cpu();
        int me = c.id;
        if (owner == me) throw Lockdeps.recursive(k, name);
        k.lockdep().acquire(k, c, this);
        if (owner >= 0) k.sched().waitUntil(() -> owner < 0, lockLabel);
        owner = me;
        c.lockAcquired(this);
    }

    public boolean trylock() {
        k.point("mutex_trylock(&" + name + ")", this, Access.SYNC);
        if (owner >= 0) return false;
        Kernel.Cpu c = k.cpu();
        owner = c.id;
        c.lockAcquired(this);
        return true;
    }

    public void unlock() {
        k.point(unlockLabel, this, Access.SYNC);
        Kernel.Cpu c = k.cpu();
        if (owner != c.id) throw Lockdeps.badUnlock(k, name, owner);
        owner = -1;
        c.lockReleased(this);
    }

    public boolean isLocked() { return owner >= 0; }

    public void assertHeld() {
        if (owner != k.smpProcessorId()) throw k.lockdep().assertFailed(k, "lockdep_assert_held(" + lockClass + ")");
    }

    public String name() { return name; }

    @Override public String toString() { return lockClass; }
}
