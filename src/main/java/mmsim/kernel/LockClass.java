package mmsim.kernel;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A lock class, as lockdep keys them (include/linux/lockdep_types.h, struct lock_class_key): the
 * kernel gives every lock init site a static key, so every zone's {@code zone->lock} is one class.
 * Here model code declares each class as a static constant next to the code that takes the lock
 * ({@code static final LockClass ZONE_LOCK = LockClass.spinlock("zone->lock")}) and passes it to
 * the lock's constructor; declaring registers it in this process-wide registry by its name, the
 * name traces print inside {@code spin_lock(&...)}.
 *
 * <p>RCU and IRQ disabling are not locks, but they close races the way locks do, so they are
 * classes too, declared here: {@link #RCU_READ_LOCK} (the read-side sections),
 * {@link #SYNCHRONIZE_RCU} (the grace period, synchronize_rcu() and call_rcu()) and
 * {@link #LOCAL_IRQ_DISABLE} (local_irq_disable/save and the _irq/_irqsave lock forms: the
 * IRQ-off region that holds off an IPI).
 *
 * <p>The registry is what {@code drop-lock=CLASS} names are checked against; a {@link Kernel}
 * built with a class dropped elides that class's acquisitions and releases (see
 * {@link Kernel#dropLockClasses}). The classes are immutable; the registry only grows.
 */
public final class LockClass implements Comparable<LockClass> {

    /** What kind of primitive a class is (lockdep keeps one class namespace for all of them). */
    public enum Kind {
        SPINLOCK("spinlock_t"), RWLOCK("rwlock_t"), MUTEX("mutex"), RWSEM("rw_semaphore"),
        PERCPU_RWSEM("percpu_rw_semaphore"), SEQCOUNT("seqcount_t"),
        RCU_READER("RCU read side"), RCU_GRACE_PERIOD("RCU grace period"), IRQ_DISABLE("IRQs off");

        /** The kernel's name of the primitive, for listings. */
        public final String ctype;

        Kind(String ctype) { this.ctype = ctype; }
    }

    private static final Map<String, LockClass> REGISTRY = new ConcurrentHashMap<>();

    /** rcu_read_lock() ... rcu_read_unlock() sections: dropping them lets a grace period end under a reader. */
    public static final LockClass RCU_READ_LOCK = declare("rcu_read_lock", Kind.RCU_READER);
    /** The grace period synchronize_rcu() waits for and call_rcu() defers to: dropping it frees under readers. */
    public static final LockClass SYNCHRONIZE_RCU = declare("synchronize_rcu", Kind.RCU_GRACE_PERIOD);
    /** IRQ-off regions: dropping them lets an IPI (a TLB-flush shootdown) run inside the region. */
    public static final LockClass LOCAL_IRQ_DISABLE = declare("local_irq_disable", Kind.IRQ_DISABLE);

    private final String name;
    private final Kind kind;

    private LockClass(String name, Kind kind) {
        this.name = name;
        this.kind = kind;
    }

    public static LockClass spinlock(String name) { return declare(name, Kind.SPINLOCK); }
    public static LockClass rwlock(String name) { return declare(name, Kind.RWLOCK); }
    public static LockClass mutex(String name) { return declare(name, Kind.MUTEX); }
    public static LockClass rwsem(String name) { return declare(name, Kind.RWSEM); }
    public static LockClass percpuRwsem(String name) { return declare(name, Kind.PERCPU_RWSEM); }
    public static LockClass seqcount(String name) { return declare(name, Kind.SEQCOUNT); }

    /**
     * The class named {@code name}, registered on first declaration. Declaring one name twice
     * with one kind gives the same class (two init sites sharing a key); with two kinds it is a
     * bug in the model, reported at once.
     */
    public static LockClass declare(String name, Kind kind) {
        if (name == null || name.isBlank() || name.startsWith("&")) {
            throw new IllegalArgumentException("lock class name must be the bare name (zone->lock), got '" + name + "'");
        }
        LockClass c = REGISTRY.computeIfAbsent(name, n -> new LockClass(n, kind));
        if (c.kind != kind) {
            throw new IllegalStateException("lock class " + name + " declared as " + c.kind.ctype + " and as " + kind.ctype);
        }
        return c;
    }

    /** The registered class of that name, or null. Only classes whose declaring code was loaded are registered. */
    public static LockClass lookup(String name) {
        return REGISTRY.get(name);
    }

    /** Every class registered so far, by name. */
    public static SortedMap<String, LockClass> registered() {
        return Collections.unmodifiableSortedMap(new TreeMap<>(REGISTRY));
    }

    /** The name traces print: {@code zone->lock}. */
    public String name() { return name; }

    public Kind kind() { return kind; }

    @Override public int compareTo(LockClass o) { return name.compareTo(o.name); }

    @Override public String toString() { return name; }
}
