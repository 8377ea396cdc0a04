package mmsim.mm.linux;

/**
 * A read-only snapshot of one struct page for dumps, traces and reports; never used on hot
 * paths (those pass a {@code long pfn}).
 *
 * @param words    the eight raw words (see {@link SectionMemmap} for the layout)
 * @param headPfn  compound head (== pfn when not a tail or when poisoned)
 * @param order    folio order of the head (0 for small pages)
 */
public record Page(long pfn, long address, long[] words, boolean poisoned, long headPfn, int order) {
    public long flags() { return words[0]; }
    public long mapping() { return words[3]; }
    public long index() { return words[4]; }
    public long privateWord() { return words[5]; }
    public int mapcount() { return (int) words[6]; }
    public int refcount() { return (int) (words[6] >>> 32); }
    public boolean tail() { return (words[1] & 1) != 0; }
}
