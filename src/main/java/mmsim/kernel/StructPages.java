package mmsim.kernel;

/**
 * A location made of struct pages (one word of one page, a section's whole memmap): the pfns it
 * spans, so a strategy can compare the pages two steps touched without knowing the memmap's
 * types (the explorer sits below mm).
 */
public interface StructPages {
    /** The first pfn spanned. */
    long firstPfn();

    /** One past the last pfn spanned. */
    long endPfn();
}
