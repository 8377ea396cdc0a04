package mmsim.kernel.sync;

import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;

/**
 * struct percpu_rw_semaphore (kernel/locking/percpu-rwsem.c): readers are cheap and many, the
 * writer is rare and waits for all readers to drain; once a writer is waiting new readers block.
 * mem_hotplug_lock is one: get_online_mems()/put_online_mems() are the read side,
 * mem_hotplug_begin()/mem_hotplug_done() the write side (mm/memory_hotplug.c).
 */
public final class PercpuRwSem extends RwBase {

    public PercpuRwSem(Kernel k, LockClass cls) {
        super(k, cls, LockClass.Kind.PERCPU_RWSEM, true, true, "percpu_down_read", "percpu_up_read", "percpu_down_write", "percpu_up_write");
    }

    public void percpuDownRead() { readLock(); }
    public void percpuUpRead() { readUnlock(); }
    public boolean percpuDownReadTrylock() { return readTrylock(); }
    public void percpuDownWrite() { writeLock(); }
    public void percpuUpWrite() { writeUnlock(); }
}
