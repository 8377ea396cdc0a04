package mmsim.scenario.ops;

import mmsim.mm.linux.Gfp;

/**
 * Page allocation for setup and for lessons on the buddy allocator (mm/page_alloc.c):
 * {@code alloc_pages ORDER [-> var]} (GFP_KERNEL on the running CPU's node; var gets the first pfn
 * as 0x.. or NULL), {@code free_pages $var ORDER} (__free_pages: drops the reference, frees on the
 * last) and {@code drain_all_pages}.
 */
final class PageOps implements OpProvider {
    @Override
    public void register(OpRegistry r) {
        r.add("alloc_pages", "alloc_pages ORDER [-> var]", "alloc_pages(GFP_KERNEL, ORDER); var gets the first pfn (0x..) or NULL", true, a -> {
            int order = a.integer("ORDER", 0, 10);
            return ctx -> {
                long pfn = ctx.machine().machine().allocator().allocPages(Gfp.GFP_KERNEL, order);
                return pfn < 0 ? "NULL" : "0x" + Long.toHexString(pfn);
            };
        });
        r.add("drain_all_pages", "drain_all_pages", "drain_all_pages(NULL): every CPU's per-cpu free lists back to the buddy "
                + "(what the allocator's slow path, compaction and memory offline do)", false, a ->
                ctx -> { ctx.machine().machine().allocator().drainAllPages(null); return null; });
        r.add("free_pages", "free_pages $var ORDER", "__free_pages() of the block alloc_pages put in $var", false, a -> {
            String var = a.varRef("$var");
            int order = a.integer("ORDER", 0, 10);
            return ctx -> {
                if (ctx.var(var).equals("NULL")) return null;   // as __free_pages(NULL) would not be called
                ctx.machine().machine().allocator().freePages(ctx.varNumber(var), order);
                return null;
            };
        });
    }
}
