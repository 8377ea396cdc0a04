package mmsim.mm.memory_hotplug;

import mmsim.kernel.Access;
import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;
import mmsim.kernel.sync.Mutex;

/**
 * The v4.6 mem_hotplug lock (mm/memory_hotplug.c before v4.13 turned it into a percpu rwsem): a
 * hand-rolled reader count beside a mutex.
 * <pre>
 *   struct { task active_writer; mutex lock; int refcount; }
 *   get_online_mems:  the writer itself passes; else lock, refcount++, unlock
 *   put_online_mems:  the writer itself passes; else lock, refcount-- (WARN at 0), unlock
 *   mem_hotplug_begin: active_writer = current; loop { lock; if refcount == 0 keep it and stop;
 *                      unlock; sleep until the last reader leaves }
 *   mem_hotplug_done:  active_writer = NULL; unlock
 * </pre>
 * Unlike a rwsem, readers are not held back by a waiting writer (only by the writer holding the
 * mutex), and the writer may take the read side inside its own section. "current" is the
 * simulated CPU (one task per CPU in the model).
 */
final class MemHotplugLegacyLock {
    /** The lock class of every mem_hotplug.lock (lockdep's static key at the init site). */
    private static final LockClass MEM_HOTPLUG_LEGACY_LOCK = LockClass.mutex("mem_hotplug.lock");

    private final Kernel k;
    private final Mutex lock;
    private int activeWriter = -1;
    private int refcount;

    MemHotplugLegacyLock(Kernel k) {
        this.k = k;
        this.lock = new Mutex(k, MEM_HOTPLUG_LEGACY_LOCK);
    }

    void getOnlineMems() {
        k.mightSleep("mm/memory_hotplug.c", 90);
        k.point("get_online_mems:active_writer", this, Access.READ);
        if (activeWriter == k.smpProcessorId()) return;
        lock.lock();
        refcount++;
        lock.unlock();
    }

    void putOnlineMems() {
        k.point("put_online_mems:active_writer", this, Access.READ);
        if (activeWriter == k.smpProcessorId()) return;
        lock.lock();
        if (refcount == 0) {
            k.warn("mm/memory_hotplug.c", 106, "put_online_mems: refcount 0");
            refcount++;
        }
        refcount--;
        lock.unlock();
    }

    void begin() {
        k.mightSleep("mm/memory_hotplug.c", 120);
        k.point("mem_hotplug_begin:active_writer", this, Access.WRITE);
        activeWriter = k.smpProcessorId();
        while (true) {
            lock.lock();
            if (refcount == 0) break;
            lock.unlock();
            k.sched().waitUntil(() -> refcount == 0, "mem_hotplug_begin (readers)");
        }
    }

    void done() {
        k.point("mem_hotplug_done:active_writer", this, Access.WRITE);
        activeWriter = -1;
        lock.unlock();
    }

    /** lockdep_assert_held for the writer: this CPU is the active writer holding the mutex. */
    void assertHeldWrite() {
        lock.assertHeld();
    }

    @Override public String toString() { return "&mem_hotplug"; }
}
