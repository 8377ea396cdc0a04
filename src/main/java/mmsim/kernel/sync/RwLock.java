package mmsim.kernel.sync;

import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;

/**
 * rwlock_t (include/linux/rwlock.h): spinning reader/writer lock; holding it either way makes
 * the CPU atomic. Readers do not wait for waiting writers (the kernel lets readers in, which is
 * why recursive read_lock is legal there).
 */
public final class RwLock extends RwBase {

    public RwLock(Kernel k, LockClass cls) {
        super(k, cls, LockClass.Kind.RWLOCK, false, false, "read_lock", "read_unlock", "write_lock", "write_unlock");
    }

    public void readLock() { super.readLock(); }
    public void readUnlock() { super.readUnlock(); }
    public void writeLock() { super.writeLock(); }
    public void writeUnlock() { super.writeUnlock(); }
    public boolean readTrylock() { return super.readTrylock(); }
    public boolean writeTrylock() { return super.writeTrylock(); }

    /** read_lock_irqsave(). */
    public long readLockIrqSave() {
        long flags = k.localIrqSave();
        super.readLock();
        return flags;
    }

    /** read_unlock_irqrestore(). */
    public void readUnlockIrqRestore(long flags) {
        super.readUnlock();
        k.localIrqRestore(flags);
    }

    /** write_lock_irqsave(). */
    public long writeLockIrqSave() {
        long flags = k.localIrqSave();
        super.writeLock();
        return flags;
    }

    /** write_unlock_irqrestore(). */
    public void writeUnlockIrqRestore(long flags) {
        super.writeUnlock();
        k.localIrqRestore(flags);
    }
}
