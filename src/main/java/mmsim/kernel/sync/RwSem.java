package mmsim.kernel.sync;

import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;

/**
 * struct rw_semaphore (kernel/locking/rwsem.c): sleeping reader/writer lock (mmap_lock,
 * anon_vma->rwsem). Taking it in atomic context is a might_sleep() bug. A waiting writer blocks
 * new readers, so a nested down_read() can deadlock against a down_write() in between.
 */
public final class RwSem extends RwBase {

    public RwSem(Kernel k, LockClass cls) {
        super(k, cls, LockClass.Kind.RWSEM, true, true, "down_read", "up_read", "down_write", "up_write");
    }

    public void downRead() { readLock(); }
    public void upRead() { readUnlock(); }
    public void downWrite() { writeLock(); }
    public void upWrite() { writeUnlock(); }
    public boolean downReadTrylock() { return readTrylock(); }
    public boolean downWriteTrylock() { return writeTrylock(); }
}
