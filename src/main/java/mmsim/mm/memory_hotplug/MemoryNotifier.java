package mmsim.mm.memory_hotplug;

import mmsim.kernel.Kernel;
import mmsim.kernel.LockClass;
import mmsim.kernel.sync.RwSem;

import java.util.ArrayList;
import java.util.List;

/**
 * The memory notifier chain: include/linux/memory.h (the MEM_* actions), drivers/base/memory.c
 * (register_memory_notifier, memory_notify) and kernel/notifier.c (blocking notifier chains,
 * notifier_from_errno / notifier_to_errno).
 *
 * <p>Locking: a blocking notifier chain; callbacks run under the chain's rwsem held for read
 * (blocking_notifier_call_chain), registration takes it for write. The hotplug code calls
 * {@link #memoryNotify} with mem_hotplug_lock held for write.
 *
 * <p>Return values, as kernel/notifier.h encodes them:
 * <pre>
 *   NOTIFY_DONE 0x0000   NOTIFY_OK 0x0001   NOTIFY_STOP_MASK 0x8000   NOTIFY_BAD 0x8002
 *   notifier_from_errno(-e) = NOTIFY_STOP_MASK | (NOTIFY_OK + e)      (-e &lt; 0; 0 gives NOTIFY_OK)
 *   notifier_to_errno(r)    = r' = r &amp; ~NOTIFY_STOP_MASK; r' &gt; NOTIFY_OK ? NOTIFY_OK - r' : 0
 * </pre>
 * A callback result with NOTIFY_STOP_MASK set ends the walk; callers turn the result into an
 * errno with {@link #notifierToErrno} (NOTIFY_BAD becomes -EPERM, as in the kernel).
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info.
 */
public final class MemoryNotifier {
    /** The lock class of every memory_chain.rwsem (lockdep's static key at the init site). */
    private static final LockClass MEMORY_CHAIN_RWSEM = LockClass.rwsem("memory_chain.rwsem");

    /** enum of memory actions (include/linux/memory.h): bit values as the kernel defines them. */
    public static final int MEM_ONLINE = 1 << 0, MEM_GOING_OFFLINE = 1 << 1, MEM_OFFLINE = 1 << 2,
            MEM_GOING_ONLINE = 1 << 3, MEM_CANCEL_ONLINE = 1 << 4, MEM_CANCEL_OFFLINE = 1 << 5;

    public static final int NOTIFY_DONE = 0x0000, NOTIFY_OK = 0x0001, NOTIFY_STOP_MASK = 0x8000,
            NOTIFY_BAD = NOTIFY_STOP_MASK | 0x0002, NOTIFY_STOP = NOTIFY_OK | NOTIFY_STOP_MASK;

    /** Hotplug memory callback priorities (include/linux/memory.h). */
    public static final int DEFAULT_CALLBACK_PRI = 0, SLAB_CALLBACK_PRI = 1, HMAT_CALLBACK_PRI = 2,
            MM_COMPUTE_BATCH_PRI = 10, CXL_CALLBACK_PRI = 5, MEMTIER_HOTPLUG_PRI = 100, KASAN_CALLBACK_PRI = 200;

    /** A notifier_block's callback: gets the action and the range, returns a NOTIFY_* value. */
    @FunctionalInterface
    public interface Callback {
        int call(int action, MemoryNotify arg);
    }

    /** struct notifier_block: the callback, its priority and a name for traces. */
    public record NotifierBlock(String name, int priority, Callback callback) { }

    private final Kernel k;
    /** (struct blocking_notifier_head).rwsem. */
    private final RwSem rwsem;
    /** The chain, highest priority first; equal priorities in registration order. */
    private final List<NotifierBlock> chain = new ArrayList<>();

    MemoryNotifier(Kernel k) {
        this.k = k;
        this.rwsem = new RwSem(k, MEMORY_CHAIN_RWSEM);
    }

    /** notifier_from_errno(): 0 gives NOTIFY_OK, -errno gives NOTIFY_STOP_MASK | (NOTIFY_OK - err). */
    public static int notifierFromErrno(int err) {
        return err != 0 ? NOTIFY_STOP_MASK | (NOTIFY_OK - err) : NOTIFY_OK;
    }

    /** notifier_to_errno(): the -errno a chain result carries, 0 for DONE/OK. */
    public static int notifierToErrno(int ret) {
        ret &= ~NOTIFY_STOP_MASK;
        return ret > NOTIFY_OK ? NOTIFY_OK - ret : 0;
    }

    /** The action's name as include/linux/memory.h spells it ("MEM_GOING_ONLINE"). */
    public static String actionName(int action) {
        return switch (action) {
            case MEM_ONLINE -> "MEM_ONLINE";
            case MEM_GOING_OFFLINE -> "MEM_GOING_OFFLINE";
            case MEM_OFFLINE -> "MEM_OFFLINE";
            case MEM_GOING_ONLINE -> "MEM_GOING_ONLINE";
            case MEM_CANCEL_ONLINE -> "MEM_CANCEL_ONLINE";
            case MEM_CANCEL_OFFLINE -> "MEM_CANCEL_OFFLINE";
            default -> "MEM_" + action;
        };
    }

    /** register_memory_notifier() (notifier_chain_register: before the first lower-priority block). */
    public NotifierBlock register(String name, int priority, Callback cb) {
        NotifierBlock nb = new NotifierBlock(name, priority, cb);
        rwsem.downWrite();
        try {
            int i = 0;
            while (i < chain.size() && chain.get(i).priority() >= priority) i++;
            chain.add(i, nb);
        } finally {
            rwsem.upWrite();
        }
        return nb;
    }

    /** unregister_memory_notifier(). */
    public void unregister(NotifierBlock nb) {
        rwsem.downWrite();
        try {
            chain.remove(nb);
        } finally {
            rwsem.upWrite();
        }
    }

    /** The registered blocks, in call order. */
    public List<NotifierBlock> blocks() { return List.copyOf(chain); }

    /**
     * memory_notify(): blocking_notifier_call_chain over the chain; stops at a result with
     * NOTIFY_STOP_MASK. Returns the last callback's result (NOTIFY_DONE for an empty chain).
     */
    public int memoryNotify(int action, MemoryNotify arg) {
        try (var f = k.enter("memory_notify")) {
            k.note(actionName(action) + " [" + Long.toHexString(arg.startPfn()) + "-" + Long.toHexString(arg.endPfn() - 1) + "]");
            rwsem.downRead();
            try {
                int ret = NOTIFY_DONE;
                for (NotifierBlock nb : List.copyOf(chain)) {
                    ret = nb.callback().call(action, arg);
                    if ((ret & NOTIFY_STOP_MASK) != 0) break;
                }
                return ret;
            } finally {
                rwsem.upRead();
            }
        }
    }
}
