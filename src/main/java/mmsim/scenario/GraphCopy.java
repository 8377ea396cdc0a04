package mmsim.scenario;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import mmsim.mm.linux.Restorable;

/**
 * A deep copy of an object graph, generic over the classes in it: how the explorer starts every
 * execution from the machine as setup left it without booting again (issue 13). The model needs
 * no per-subsystem snapshot code and knows nothing of this: whatever a subsystem keeps in its
 * fields, arrays and collections is copied, and sharing inside the graph is kept (two fields
 * that pointed at one object point at one copy).
 *
 * <p>Rules, in the order they are applied to a reference:
 * <ul>
 *   <li>Shared, not copied: immutable JDK values (String, boxed primitives, enums, Class), final
 *       classes whose fields are all final and themselves of such types (a lock class), the
 *       objects held in static fields of the classes met (sentinels compared by identity, such as
 *       {@code Frame.NONE} or an empty list constant), and lambdas that capture nothing.</li>
 *   <li>Primitive arrays: cloned (a memcpy).</li>
 *   <li>Hash tables whose buckets depend on the keys' identity hash (HashMap, LinkedHashMap,
 *       IdentityHashMap, ConcurrentHashMap, and the sets built on them): rebuilt by re-inserting
 *       the copied entries in iteration order once every other object is filled, because a copied
 *       key has a new identity hash. (A key whose hashCode reads the contents of another rebuilt
 *       table would hash the copy before that table is full; the model has none.) Other hashed JDK tables are refused with a clear error.</li>
 *   <li>Everything else (model classes, records, lambdas, ArrayList, TreeMap, immutable
 *       collections): a new instance without a constructor call, every instance field copied.</li>
 * </ul>
 * Fields are read and written with {@code jdk.internal.misc.Unsafe}, through method handles as the
 * continuation carrier reaches {@code jdk.internal.vm} (the launcher, the build and bin/bench
 * export both packages; javac's --release forbids naming them at compile time): reflection
 * cannot write the final fields of records and lambdas, nor reach into java.util without
 * {@code --add-opens}. The graph is walked with an explicit queue, so a long linked structure
 * cannot overflow the stack.
 *
 * <p>With a {@link Recycler}, the graph is copied once and then handed out again restored in
 * place ({@link GraphSnapshot}), which costs a write per field instead of an allocation, a table
 * lookup and a rehash per object.
 *
 * <p>Why not Kryo's {@code copy}: it copies lambdas only when they are Serializable (the model's
 * are not), needs {@code setAccessible} into JDK classes (an {@code --add-opens} per package),
 * and would be a dependency for ~200 lines.
 */
public final class GraphCopy {

    private static final Set<Class<?>> IMMUTABLE = Set.of(String.class, Integer.class, Long.class, Short.class, Byte.class,
            Character.class, Boolean.class, Double.class, Float.class, Class.class, java.math.BigInteger.class,
            java.util.regex.Pattern.class, java.time.Duration.class, Object.class);

    private enum Kind { SHARED, PRIMITIVE_ARRAY, OBJECT_ARRAY, REHASH, PLAIN }

    /** How instances of one class are copied: its kind and, for PLAIN, every instance field. */
    private record Plan(Kind kind, long[] offsets, char[] types) { }

    /**
     * Objects held in static fields of the classes planned so far (and of their fields' declared
     * types and enclosing classes): shared by identity. Copied on write, read without a lock.
     */
    private static volatile IdentityHashMap<Object, Boolean> statics = new IdentityHashMap<>();
    private static final Set<Class<?>> STATICS_SCANNED = ConcurrentHashMap.newKeySet();

    private static final ClassValue<Plan> PLANS = new ClassValue<>() {
        @Override
        protected Plan computeValue(Class<?> c) {
            return plan(c);
        }
    };

    private final IdentityHashMap<Object, Object> copies = new IdentityHashMap<>();
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private final List<Object> rehash = new ArrayList<>();
    private final Recycler recycler;

    private GraphCopy(Recycler recycler) {
        this.recycler = recycler;
    }

    /**
     * Makes one copy of an original graph and hands it out again and again, restored in place
     * ({@link GraphSnapshot}): the first {@link GraphCopy#of(Object, Recycler)} copies, each later
     * call writes the state the copy had when it was made back into the same objects, and lets
     * every {@link Restorable} copy back only what it marked written. So a graph handed out
     * before must no longer be used: it is the one handed out next.
     */
    public static final class Recycler {
        // original -> copy of the objects that restore themselves
        private final IdentityHashMap<Object, Object> copyOf = new IdentityHashMap<>();
        private boolean verifyNext;
        private Object original, copy;
        private GraphSnapshot snapshot;

        /** The next copy compares every restored object with its original and fails on a difference. */
        public void verifyNext() { verifyNext = true; }
    }

    /** A deep copy of {@code root}'s graph by the rules above. */
    public static <T> T of(T root) {
        return of(root, null);
    }

    /**
     * As {@link #of(Object)}, the first time for {@code recycler}; after that, the same copy
     * restored in place (null: a new copy every time). IllegalStateException when a verified
     * restore differs from its original: a write in the model did not set its mark.
     */
    public static <T> T of(T root, Recycler recycler) {
        if (recycler != null && recycler.snapshot != null) {
            if (recycler.original != root) throw new IllegalArgumentException("a recycler restores the copy of one graph only");
            recycler.snapshot.restore(recycler.verifyNext);
            recycler.verifyNext = false;
            @SuppressWarnings("unchecked") T again = (T) recycler.copy;
            return again;
        }
        GraphCopy g = new GraphCopy(recycler);
        @SuppressWarnings("unchecked") T copy = (T) g.copyOf(root);
        Object o;
        while ((o = g.pending.poll()) != null) g.fill(o, g.copies.get(o));
        // rebuilding a table can reach further tables (its values' fields): the list grows as it is walked
        for (int i = 0; i < g.rehash.size(); i++) g.rebuild(g.rehash.get(i));
        if (recycler != null) {
            recycler.verifyNext = false;
            recycler.original = root;
            recycler.copy = copy;
            recycler.snapshot = GraphSnapshot.of(copy, recycler.copyOf);
        }
        return copy;
    }

    private Object copyOf(Object o) {
        if (o == null) return null;
        Object c = copies.get(o);
        if (c != null) return c;
        Plan p = PLANS.get(o.getClass());
        switch (p.kind) {
            case SHARED -> { return o; }
            case PRIMITIVE_ARRAY -> c = cloneArray(o);
            case OBJECT_ARRAY -> {
                if (statics.containsKey(o)) return o;
                c = Array.newInstance(o.getClass().getComponentType(), Array.getLength(o));
                pending.add(o);
            }
            case REHASH -> {
                if (statics.containsKey(o)) return o;
                c = emptyLike(o);
                rehash.add(o);
            }
            case PLAIN -> {
                if (statics.containsKey(o)) return o;
                if (p.offsets.length == 0 && o.getClass().isHidden()) return o; // a lambda capturing nothing
                try {
                    c = U.allocateInstance(o.getClass());
                } catch (InstantiationException e) {
                    throw new IllegalStateException("cannot copy a " + o.getClass().getName(), e);
                }
                if (recycler != null && o instanceof Restorable<?>) recycler.copyOf.put(o, c);
                pending.add(o);
            }
        }
        copies.put(o, c);
        return c;
    }

    private void fill(Object o, Object c) {
        if (o instanceof Object[] a) {
            Object[] ca = (Object[]) c;
            for (int i = 0; i < a.length; i++) ca[i] = copyOf(a[i]);
            return;
        }
        Plan p = PLANS.get(o.getClass());
        long[] off = p.offsets;
        char[] t = p.types;
        for (int i = 0; i < off.length; i++) {
            long f = off[i];
            switch (t[i]) {
                case 'L' -> U.putReference(c, f, copyOf(U.getReference(o, f)));
                case 'J' -> U.putLong(c, f, U.getLong(o, f));
                case 'I' -> U.putInt(c, f, U.getInt(o, f));
                case 'S' -> U.putShort(c, f, U.getShort(o, f));
                default -> U.putByte(c, f, U.getByte(o, f));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void rebuild(Object o) {
        Map<Object, Object> into = (Map<Object, Object>) copies.get(o);
        for (Map.Entry<Object, Object> e : ((Map<Object, Object>) o).entrySet()) {
            Object k = copyOf(e.getKey()), v = copyOf(e.getValue());
            drain();
            into.put(k, v);
        }
    }

    /** Fills what a rebuilt table's entries reached for the first time (the main pass has ended). */
    private void drain() {
        Object o;
        while ((o = pending.poll()) != null) fill(o, copies.get(o));
    }

    private static Object emptyLike(Object o) {
        Class<?> c = o.getClass();
        if (c == HashMap.class) return new HashMap<>(Math.max(16, ((Map<?, ?>) o).size() * 2));
        if (c == LinkedHashMap.class) {
            return new LinkedHashMap<>(Math.max(16, ((Map<?, ?>) o).size() * 2), 0.75f, U.getByte(o, ACCESS_ORDER) != 0);
        }
        if (c == IdentityHashMap.class) return new IdentityHashMap<>();
        if (c == ConcurrentHashMap.class) return new ConcurrentHashMap<>();
        throw new IllegalStateException("cannot copy a " + c.getName());
    }

    private static final long ACCESS_ORDER;
    static {
        try {
            ACCESS_ORDER = U.objectFieldOffset(LinkedHashMap.class.getDeclaredField("accessOrder"));
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static Object cloneArray(Object a) {
        return switch (a) {
            case long[] x -> x.clone();
            case int[] x -> x.clone();
            case byte[] x -> x.clone();
            case boolean[] x -> x.clone();
            case short[] x -> x.clone();
            case char[] x -> x.clone();
            case double[] x -> x.clone();
            case float[] x -> x.clone();
            default -> throw new IllegalStateException(a.getClass().getName());
        };
    }

    private static Plan plan(Class<?> c) {
        if (c.isArray()) return new Plan(c.getComponentType().isPrimitive() ? Kind.PRIMITIVE_ARRAY : Kind.OBJECT_ARRAY, null, null);
        if (IMMUTABLE.contains(c) || c.isEnum() || Enum.class.isAssignableFrom(c) || Thread.class.isAssignableFrom(c)
                || java.lang.invoke.MethodHandle.class.isAssignableFrom(c) || ClassLoader.class.isAssignableFrom(c)) {
            return new Plan(Kind.SHARED, null, null);
        }
        if (c == HashMap.class || c == LinkedHashMap.class || c == IdentityHashMap.class || c == ConcurrentHashMap.class) {
            return new Plan(Kind.REHASH, null, null);
        }
        if (c.getName().startsWith("java.") && (java.util.WeakHashMap.class.isAssignableFrom(c) || java.util.Hashtable.class.isAssignableFrom(c)
                || (HashMap.class.isAssignableFrom(c)))) {
            throw new IllegalStateException("cannot copy a " + c.getName() + ": a hashed table GraphCopy does not rebuild");
        }
        if (deeplyImmutable(c, new java.util.HashSet<>())) return new Plan(Kind.SHARED, null, null);
        Fields f = fields(c, true);
        return new Plan(Kind.PLAIN, f.offsets, f.types);
    }

    /**
     * The instance fields of a class, its superclasses' included, as offsets and widths ('L' a
     * reference, 'J' 8 bytes, 'I' 4, 'S' 2, 'B' 1), with the ways to save and load them.
     */
    record Fields(long[] offsets, char[] types) {
        void save(Object o, Object[] refs, long[] prims) {
            for (int i = 0; i < offsets.length; i++) {
                long f = offsets[i];
                switch (types[i]) {
                    case 'L' -> refs[i] = U.getReference(o, f);
                    case 'J' -> prims[i] = U.getLong(o, f);
                    case 'I' -> prims[i] = U.getInt(o, f);
                    case 'S' -> prims[i] = U.getShort(o, f);
                    default -> prims[i] = U.getByte(o, f);
                }
            }
        }

        void load(Object o, Object[] refs, long[] prims) {
            for (int i = 0; i < offsets.length; i++) {
                long f = offsets[i];
                switch (types[i]) {
                    case 'L' -> U.putReference(o, f, refs[i]);
                    case 'J' -> U.putLong(o, f, prims[i]);
                    case 'I' -> U.putInt(o, f, (int) prims[i]);
                    case 'S' -> U.putShort(o, f, (short) prims[i]);
                    default -> U.putByte(o, f, (byte) prims[i]);
                }
            }
        }
    }

    private static final ClassValue<Fields> FIELDS = new ClassValue<>() {
        @Override
        protected Fields computeValue(Class<?> c) {
            return fields(c, false);
        }
    };

    /** Every instance field of {@code c}, whatever its copy rule (a rebuilt table's own fields too). */
    static Fields fieldsOf(Class<?> c) {
        return FIELDS.get(c);
    }

    /** Whether the copy shares {@code o} with the original instead of copying it. */
    static boolean shared(Object o) {
        Plan p = PLANS.get(o.getClass());
        return p.kind == Kind.SHARED || statics.containsKey(o) || (p.kind == Kind.PLAIN && p.offsets.length == 0 && o.getClass().isHidden());
    }

    /** {@code remember}: also share what the classes met hold in static fields (copy plans). */
    private static Fields fields(Class<?> c, boolean remember) {
        List<Long> offsets = new ArrayList<>();
        StringBuilder types = new StringBuilder();
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            if (remember) rememberStatics(k);
            for (Field f : k.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) continue;
                if (remember) rememberStatics(f.getType());
                offsets.add(U.objectFieldOffset(f));
                Class<?> t = f.getType();
                // copied by width: a float is 4 bytes like an int, a double 8 like a long
                types.append(t.isPrimitive() ? switch (t.getName()) {
                    case "long", "double" -> 'J';
                    case "int", "float" -> 'I';
                    case "short", "char" -> 'S';
                    default -> 'B';
                } : 'L');
            }
        }
        long[] off = new long[offsets.size()];
        for (int i = 0; i < off.length; i++) off[i] = offsets.get(i);
        return new Fields(off, types.toString().toCharArray());
    }

    /**
     * A final class (not a lambda) whose instance fields, its superclasses' included, are all final
     * and hold primitives, immutable JDK values, enums or instances of such classes: nothing can
     * change one after construction, so every copy may share it (a lock class, a layout range).
     */
    private static boolean deeplyImmutable(Class<?> c, Set<Class<?>> visiting) {
        if (c.isPrimitive() || IMMUTABLE.contains(c) || c.isEnum()) return c != Object.class;
        if (c.isArray() || c.isHidden() || !Modifier.isFinal(c.getModifiers()) || c.getName().startsWith("java.")) return false;
        if (!visiting.add(c)) return false; // a class that holds itself: not worth proving
        try {
            for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
                for (Field f : k.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers())) continue;
                    if (!Modifier.isFinal(f.getModifiers()) || !deeplyImmutable(f.getType(), visiting)) return false;
                }
            }
            return true;
        } finally {
            visiting.remove(c);
        }
    }

    /** Adds the objects in {@code k}'s static reference fields (and its enclosing classes') to the shared set. */
    private static void rememberStatics(Class<?> k) {
        for (; k != null && !k.isPrimitive() && !k.isArray() && !k.getName().startsWith("java."); k = k.getEnclosingClass()) {
            if (!STATICS_SCANNED.add(k)) return;
            List<Object> found = new ArrayList<>();
            for (Field f : k.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) continue;
                U.ensureClassInitialized(k);
                Object v = U.getReference(U.staticFieldBase(f), U.staticFieldOffset(f));
                if (v != null) found.add(v);
            }
            if (found.isEmpty()) continue;
            synchronized (STATICS_SCANNED) {
                IdentityHashMap<Object, Boolean> next = new IdentityHashMap<>(statics);
                for (Object v : found) next.put(v, Boolean.TRUE);
                statics = next;
            }
        }
    }

    /** The few jdk.internal.misc.Unsafe methods used, as exact method handles (inlined by the JIT). */
    private static final class U {
        private static final MethodHandle GET_REF, PUT_REF, GET_J, PUT_J, GET_I, PUT_I, GET_S, PUT_S, GET_B, PUT_B,
                ALLOCATE, FIELD_OFFSET, STATIC_BASE, STATIC_OFFSET, ENSURE_INIT;

        static {
            try {
                Class<?> uc = Class.forName("jdk.internal.misc.Unsafe");
                Object u = uc.getMethod("getUnsafe").invoke(null);
                MethodHandles.Lookup l = MethodHandles.lookup();
                GET_REF = get(l, uc, u, "getReference", Object.class);
                PUT_REF = put(l, uc, u, "putReference", Object.class);
                GET_J = get(l, uc, u, "getLong", long.class);
                PUT_J = put(l, uc, u, "putLong", long.class);
                GET_I = get(l, uc, u, "getInt", int.class);
                PUT_I = put(l, uc, u, "putInt", int.class);
                GET_S = get(l, uc, u, "getShort", short.class);
                PUT_S = put(l, uc, u, "putShort", short.class);
                GET_B = get(l, uc, u, "getByte", byte.class);
                PUT_B = put(l, uc, u, "putByte", byte.class);
                ALLOCATE = l.findVirtual(uc, "allocateInstance", MethodType.methodType(Object.class, Class.class)).bindTo(u);
                FIELD_OFFSET = l.findVirtual(uc, "objectFieldOffset", MethodType.methodType(long.class, Field.class)).bindTo(u);
                STATIC_BASE = l.findVirtual(uc, "staticFieldBase", MethodType.methodType(Object.class, Field.class)).bindTo(u);
                STATIC_OFFSET = l.findVirtual(uc, "staticFieldOffset", MethodType.methodType(long.class, Field.class)).bindTo(u);
                ENSURE_INIT = l.findVirtual(uc, "ensureClassInitialized", MethodType.methodType(void.class, Class.class)).bindTo(u);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("the explorer copies machines with jdk.internal.misc.Unsafe; "
                        + "run with --add-exports java.base/jdk.internal.misc=ALL-UNNAMED (./mmsim does)", e);
            }
        }

        private static MethodHandle get(MethodHandles.Lookup l, Class<?> uc, Object u, String name, Class<?> t)
                throws ReflectiveOperationException {
            return l.findVirtual(uc, name, MethodType.methodType(t, Object.class, long.class)).bindTo(u);
        }

        private static MethodHandle put(MethodHandles.Lookup l, Class<?> uc, Object u, String name, Class<?> t)
                throws ReflectiveOperationException {
            return l.findVirtual(uc, name, MethodType.methodType(void.class, Object.class, long.class, t)).bindTo(u);
        }

        private static RuntimeException rethrow(Throwable t) {
            if (t instanceof RuntimeException r) return r;
            if (t instanceof Error e) throw e;
            return new IllegalStateException(t);
        }

        static Object getReference(Object o, long f) { try { return (Object) GET_REF.invokeExact(o, f); } catch (Throwable t) { throw rethrow(t); } }
        static void putReference(Object o, long f, Object v) { try { PUT_REF.invokeExact(o, f, v); } catch (Throwable t) { throw rethrow(t); } }
        static long getLong(Object o, long f) { try { return (long) GET_J.invokeExact(o, f); } catch (Throwable t) { throw rethrow(t); } }
        static void putLong(Object o, long f, long v) { try { PUT_J.invokeExact(o, f, v); } catch (Throwable t) { throw rethrow(t); } }
        static int getInt(Object o, long f) { try { return (int) GET_I.invokeExact(o, f); } catch (Throwable t) { throw rethrow(t); } }
        static void putInt(Object o, long f, int v) { try { PUT_I.invokeExact(o, f, v); } catch (Throwable t) { throw rethrow(t); } }
        static short getShort(Object o, long f) { try { return (short) GET_S.invokeExact(o, f); } catch (Throwable t) { throw rethrow(t); } }
        static void putShort(Object o, long f, short v) { try { PUT_S.invokeExact(o, f, v); } catch (Throwable t) { throw rethrow(t); } }
        static byte getByte(Object o, long f) { try { return (byte) GET_B.invokeExact(o, f); } catch (Throwable t) { throw rethrow(t); } }
        static void putByte(Object o, long f, byte v) { try { PUT_B.invokeExact(o, f, v); } catch (Throwable t) { throw rethrow(t); } }
        static Object allocateInstance(Class<?> c) throws InstantiationException {
            try { return (Object) ALLOCATE.invokeExact(c); } catch (InstantiationException e) { throw e; } catch (Throwable t) { throw rethrow(t); }
        }
        static long objectFieldOffset(Field f) { try { return (long) FIELD_OFFSET.invokeExact(f); } catch (Throwable t) { throw rethrow(t); } }
        static Object staticFieldBase(Field f) { try { return (Object) STATIC_BASE.invokeExact(f); } catch (Throwable t) { throw rethrow(t); } }
        static long staticFieldOffset(Field f) { try { return (long) STATIC_OFFSET.invokeExact(f); } catch (Throwable t) { throw rethrow(t); } }
        static void ensureClassInitialized(Class<?> c) { try { ENSURE_INIT.invokeExact(c); } catch (Throwable t) { throw rethrow(t); } }
    }
}
