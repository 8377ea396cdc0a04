package mmsim.kernel.sync;

import mmsim.kernel.Access;
import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;

/**
 * spinlock_t (include/linux/spinlock.h, kernel/locking/spinlock.c). Acquiring is a preemption point; a CPU that finds the lock held is not runnable
 * until the owner releases it. Holding it makes the CPU atomic (might_sleep() then BUGs).
 * Lockdep-style checks: recursion, unlock by a non-owner, {@link #assertHeld()}.
 * Its {@link LockClass} (a static key where the model makes the lock) may be dropped for a whole
 * kernel (drop-lock=CLASS, {@link Kernel#dropLockClasses}): then every operation is elided.
 */
public final class SpinLock implements mmsim.kernel.Region {
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
    /**
     * What the lock guards that lockless readers name at their own points (zone->lock: the zone,
     * whose free counts zone_watermark_ok reads without it); null: nothing. The lock's steps write
     * it, so they conflict with those readers ({@link mmsim.kernel.Region}).
     */
    private final Object guarded;
    // what this lock holds besides its word, for the explorer's summaries ({@link #outline})
    private final Object[] outline;
    /**
     * What the step after the unlock point touches: the lock word alone. Releasing writes no data
     * the lock guards (the section's writes belong to the step after the lock point, which names
     * the whole lock), so a lockless reader of the guarded data commutes with a release: a
     * zone_watermark_ok read does not race with another CPU's spin_unlock(&zone->lock). Acquires
     * and waiters name the lock, which holds this word, so they still conflict with the release.
     */
    private final Object word = new mmsim.kernel.Region.Part() {
        @Override public Object whole() { return SpinLock.this; }
        @Override public String toString() { return lockClass; }
    };

    public SpinLock(Kernel k, LockClass cls) {
        this(k, cls, null);
    }

    /** A lock whose critical sections write {@code guarded}, which lockless readers name at their points. */
    public SpinLock(Kernel k, LockClass cls, Object guarded) {
        if (cls.kind() != LockClass.Kind.SPINLOCK) throw new IllegalArgumentException(cls + " is a " + cls.kind().ctype + ", not a spinlock_t");
        this.k = k;
        this.cls = cls;
        this.name = cls.name();
        this.dropped = k.lockInit(cls);
        this.lockClass = "&" + name;
        this.lockLabel = "spin_lock(&" + name + ")";
        this.unlockLabel = "spin_unlock(&" + name + ")";
        this.guarded = guarded;
        this.outline = guarded == null ? new Object[0] : new Object[] {guarded};
    }

    @Override
    public boolean contains(Object location) {
        return location == word || guarded != null && mmsim.kernel.Region.overlap(guarded, location);
    }

    @Override
    public Object[] outline() {
        return outline;
    }

    public void lock() {
        if (dropped) { k.droppedLockNote(lockLabel); return; }
        // The CPU is fetched once: the caller stays on it until it returns. Recursion and
        // lockdep are checked before spinning, as lock_acquire() runs before the arch spin.
        Kernel.Cpu c = k.cpu();
        int me = c.id;
        if (owner == me) throw Lockdeps.recursive(k, name);
        k.lockdep().acquire(k, c, this);
        k.point(lockLabel, this, Access.SYNC, free, word);
        owner = me;
        c.preemptDisable();
        c.lockAcquired(this);
        k.lockTaken(cls);
    }

    private final java.util.function.BooleanSupplier free = () -> owner < 0;

    /**
     * spin_lock_irqsave(): disables IRQs, then takes the lock; returns the flags for
     * {@link #unlockIrqRestore}. A CPU spinning here with IRQs off takes no IPI.
     */
    public long lockIrqSave() {
        long flags = k.localIrqSave();
        lock();
        return flags;
    }

    /** spin_unlock_irqrestore(). */
    public void unlockIrqRestore(long flags) {
        unlock();
        k.localIrqRestore(flags);
    }

    /** spin_lock_irq(). */
    public void lockIrq() {
        k.localIrqDisable();
        lock();
    }

    /** spin_unlock_irq(). */
    public void unlockIrq() {
        unlock();
        k.localIrqEnable();
    }

    public boolean trylock() {
        if (dropped) { k.droppedLockNote("spin_trylock(&" + name + ")"); return true; }
        k.point("spin_trylock(&" + name + ")", this, Access.SYNC);
        if (owner >= 0) return false;
        Kernel.Cpu c = k.cpu();
        owner = c.id;
        c.preemptDisable();
        c.lockAcquired(this);
        k.lockTaken(cls);
        return true;
    }

    public void unlock() {
        if (dropped) { k.droppedLockNote(unlockLabel); return; }
        k.point(unlockLabel, word, Access.SYNC);
        Kernel.Cpu c = k.cpu();
        if (owner != c.id) throw Lockdeps.badUnlock(k, name, owner);
        owner = -1;
        c.lockReleased(this);
        c.preemptEnable();
    }

    public boolean isLocked() { return owner >= 0; }

    /**
     * A preemption point at an access this lock guards. While the lock is taken for real it is
     * no point at all: the lock's own point already orders every access it guards, so another
     * point inside the section would only multiply schedules equivalent to those the lock
     * allows. With the class dropped the lock orders nothing, and the guarded accesses get the
     * points the model's rule asks of any shared access (see {@link mmsim.kernel.Sched}).
     */
    public void guardedPoint(String label, Object location, Access access) {
        if (dropped) k.point(label, location, access);
    }

    /** lockdep_assert_held(): the current CPU must hold this lock. */
    public void assertHeld() {
        if (dropped) return;
        if (owner != k.smpProcessorId()) throw k.lockdep().assertFailed(k, "lockdep_assert_held(" + lockClass + ")");
    }

    public String name() { return name; }

    public LockClass lockClass() { return cls; }

    @Override public String toString() { return lockClass; }
}
