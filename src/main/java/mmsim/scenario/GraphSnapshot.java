package mmsim.scenario;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import mmsim.mm.linux.Restorable;

/**
 * The state of a {@link GraphCopy} as it was made, written back into the same objects for the
 * next execution instead of copying the original graph again (issue 13: a copy of the ~1,000
 * objects a machine holds was 30-60 % of an execution of the 000 and 003 rows).
 *
 * <p>Every object of the copy that is not shared with the original is recorded: its instance
 * fields (a reference as the object it pointed at), or an array's elements. That includes the
 * insides of the hash tables the copy rebuilt (their nodes and bucket arrays), which hold the
 * copied keys by their identity hash: the keys stay the same objects, so the buckets stay right.
 * Restoring writes every recorded field back. An object an execution created is dropped with the
 * references to it; an object it changed, or unlinked and changed, is written back, because it
 * was recorded wherever it is now. A {@link Restorable} (a memmap section) is not recorded field
 * by field: it restores itself from its original, copying back only what it marked written.
 *
 * <p>Objects shared with the original (immutable values, static sentinels, lambdas capturing
 * nothing) are never written, by the copy or here. Not thread-safe: the explorer restores between
 * executions, when no CPU runs.
 */
final class GraphSnapshot {
    /** Recorded objects, and per object its field plan and saved values (a primitive array: a clone). */
    private final Object[] objects;
    private final GraphCopy.Fields[] fields;
    private final Object[][] refs;
    private final long[][] prims;
    private final Object[] arrays;
    /** The copies that restore themselves, and the originals they restore from. */
    private final Restorable<Object>[] restorables;
    private final Object[] originals;

    private GraphSnapshot(List<Object> objects, List<GraphCopy.Fields> fields, List<Object[]> refs, List<long[]> prims,
                          List<Object> arrays, List<Restorable<Object>> restorables, List<Object> originals) {
        this.objects = objects.toArray();
        this.fields = fields.toArray(GraphCopy.Fields[]::new);
        this.refs = refs.toArray(Object[][]::new);
        this.prims = prims.toArray(long[][]::new);
        this.arrays = arrays.toArray();
        @SuppressWarnings("unchecked") Restorable<Object>[] r = restorables.toArray(Restorable[]::new);
        this.restorables = r;
        this.originals = originals.toArray();
    }

    /**
     * Records the graph {@code copy} as it is now, but for what it shares with the original
     * ({@link GraphCopy#shared}). {@code restorable}: original to copy of the objects that restore
     * themselves.
     */
    static GraphSnapshot of(Object copy, Map<Object, Object> restorable) {
        IdentityHashMap<Object, Boolean> skip = new IdentityHashMap<>();
        List<Restorable<Object>> rs = new ArrayList<>();
        List<Object> os = new ArrayList<>();
        for (Map.Entry<Object, Object> e : restorable.entrySet()) {
            @SuppressWarnings("unchecked") Restorable<Object> r = (Restorable<Object>) e.getValue();
            rs.add(r);
            os.add(e.getKey());
            skip.put(r, Boolean.TRUE);
            // its arrays are its to restore (only the blocks it marked), even where another object holds one
            GraphCopy.Fields f = GraphCopy.fieldsOf(r.getClass());
            Object[] held = new Object[f.offsets().length];
            f.save(r, held, new long[held.length]);
            for (Object a : held) if (a != null && a.getClass().isArray() && a.getClass().getComponentType().isPrimitive()) skip.put(a, Boolean.TRUE);
        }
        List<Object> objects = new ArrayList<>(), arrays = new ArrayList<>();
        List<GraphCopy.Fields> fields = new ArrayList<>();
        List<Object[]> refs = new ArrayList<>();
        List<long[]> prims = new ArrayList<>();
        IdentityHashMap<Object, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Object> todo = new ArrayDeque<>();
        todo.add(copy);
        Object o;
        while ((o = todo.poll()) != null) {
            if (skip.containsKey(o) || seen.put(o, Boolean.TRUE) != null || GraphCopy.shared(o)) continue;
            objects.add(o);
            if (o instanceof Object[] a) {
                Object[] saved = a.clone();
                fields.add(null);
                refs.add(saved);
                prims.add(null);
                arrays.add(null);
                for (Object x : saved) if (x != null) todo.add(x);
            } else if (o.getClass().isArray()) {
                fields.add(null);
                refs.add(null);
                prims.add(null);
                arrays.add(GraphCopy.cloneArray(o));
            } else {
                GraphCopy.Fields f = GraphCopy.fieldsOf(o.getClass());
                Object[] r = new Object[f.offsets().length];
                long[] p = new long[f.offsets().length];
                f.save(o, r, p);
                fields.add(f);
                refs.add(r);
                prims.add(p);
                arrays.add(null);
                for (Object x : r) if (x != null) todo.add(x);
            }
        }
        return new GraphSnapshot(objects, fields, refs, prims, arrays, rs, os);
    }

    /**
     * Writes the recorded state back. {@code verify}: each restorable is then compared with its
     * original, and a difference (a write in the model that set no mark) fails loudly.
     */
    void restore(boolean verify) {
        for (int i = 0; i < objects.length; i++) {
            Object o = objects[i];
            GraphCopy.Fields f = fields[i];
            if (f != null) f.load(o, refs[i], prims[i]);
            else if (arrays[i] != null) System.arraycopy(arrays[i], 0, o, 0, java.lang.reflect.Array.getLength(o));
            else System.arraycopy(refs[i], 0, o, 0, refs[i].length);
        }
        for (int i = 0; i < restorables.length; i++) {
            restorables[i].restoreFrom(originals[i]);
            if (verify) {
                String diff = restorables[i].differenceFrom(originals[i]);
                if (diff != null) throw new IllegalStateException("restoring the machine for the next execution: " + diff);
            }
        }
    }

    /** How many objects are written back (tests, benchmarks). */
    int size() { return objects.length; }
}
