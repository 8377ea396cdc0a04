package mmsim.kernel;

/**
 * A location that holds smaller locations points also name on their own: a section's memmap
 * holds the struct page words of its pfns, a lock holds the data it guards. A step at the region
 * and a step at a location inside it touch the same memory, so a strategy's dependence treats
 * them as one location (a point at the whole memmap of a section conflicts with a reader's point
 * at one page's flags in it).
 */
public interface Region {
    /** True when {@code location}, as a point names it, lies inside this region. */
    boolean contains(Object location);

    /**
     * A location inside a larger one that a trace names by the larger (a lock's word, which its
     * release alone touches, inside the lock its acquire names): dependence tells them apart, a
     * reader of the trace sees one lock taken and released.
     */
    interface Part {
        Object whole();
    }

    /**
     * Locations that, with this region itself, stand for everything it contains: each location
     * inside it is this region, a {@link Part} of it, or overlaps one of these (a lock: the data
     * it guards). The explorer hashes locations to tell independent steps apart quickly, and
     * needs this to hash a region so that it meets what it holds. Null (the default) when the
     * region cannot say: it is then taken to meet everything. A region that is also
     * {@link StructPages} holds only struct pages within its pfns, and is hashed by them.
     */
    default Object[] outline() { return null; }

    /** Whether steps at {@code a} and {@code b} touch the same memory: equal, or one contains the other. */
    static boolean overlap(Object a, Object b) {
        return a == b || a.equals(b) || a instanceof Region r && r.contains(b) || b instanceof Region r && r.contains(a);
    }
}
