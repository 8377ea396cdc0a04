package mmsim.mm.linux;

import java.util.Locale;

/**
 * dump_page() in the v6.x format (mm/debug.c, __dump_folio / dump_page):
 *
 * <pre>
 * page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x48000
 * head: order:9 mapcount:0 entire_mapcount:0 nr_pages_mapped:0 pincount:0      (large folios)
 * flags: 0x17ffffc0000000(node=0|zone=2|lastcpupid=0x1fffff)
 * page_type: f0(buddy)                                                          (typed pages)
 * raw: 0017ffffc0000000 ffffea0001200008 ffffea0001200008 0000000000000000
 * raw: 0000000000000000 0000000000000009 00000000f0000000 0000000000000000
 * page dumped because: nonzero _refcount
 * </pre>
 *
 * A poisoned struct page prints {@code page:<addr> is uninitialized and poisoned} and its raw
 * words (the v5.8 form). Pointers print unhashed, as with {@code no_hash_pointers}.
 */
public final class DumpPage {
    private DumpPage() { }

    /** The dump_page() text, one line per kernel line, ending with a newline. */
    public static String dumpPage(Memmap memmap, long pfn, String reason) {
        StringBuilder sb = new StringBuilder();
        if (!memmap.backed(pfn)) {
            // the kernel would fault reading it; callers check first, but a dump never throws
            sb.append(String.format(Locale.ROOT, "page:%016x is not backed by a memmap (pfn:%#x)%n", memmap.pageAddress(pfn), pfn));
        } else {
            Page p = memmap.snapshot(pfn);
            if (p.poisoned()) {
                sb.append(String.format(Locale.ROOT, "page:%016x is uninitialized and poisoned%n", p.address()));
                raw(sb, "raw: ", p.words());
            } else {
                dumpFolio(sb, memmap, p);
            }
        }
        if (reason != null) sb.append("page dumped because: ").append(reason).append('\n');
        return sb.toString();
    }

    private static void dumpFolio(StringBuilder sb, Memmap memmap, Page p) {
        Page head = p.headPfn() == p.pfn() ? p : memmap.snapshot(p.headPfn());
        int mapcount = p.mapcount() + 1;
        if (PageType.hasType(p.mapcount())) mapcount = 0;
        sb.append(String.format(Locale.ROOT, "page: refcount:%d mapcount:%d mapping:%016x index:%#x pfn:%#x%n",
                head.refcount(), mapcount, head.mapping(), head.index() + (p.pfn() - head.pfn()), p.pfn()));
        if (head.order() > 0) {
            long h = head.pfn();
            sb.append(String.format(Locale.ROOT, "head: order:%d mapcount:%d entire_mapcount:%d nr_pages_mapped:%d pincount:%d%n",
                    head.order(), 0, memmap.entireMapcount(h) + 1, Math.max(0, memmap.nrPagesMapped(h)), memmap.pincount(h)));
        }
        sb.append("flags: ").append(formatFlags(head.flags())).append('\n');
        PageType t = PageType.of(p.mapcount());
        if (t != null) sb.append(String.format(Locale.ROOT, "page_type: %x(%s)%n", p.mapcount() >>> 24, t.kernelName));
        raw(sb, "raw: ", p.words());
        if (head.order() > 0) raw(sb, "head: ", head.words());
    }

    /** %pGp: {@code 0x<flags>(<names>|node=N|zone=Z|lastcpupid=0x...)}. */
    public static String formatFlags(long flags) {
        String names = PageFlag.names(flags & PageFlag.PAGEFLAGS_MASK);
        return String.format(Locale.ROOT, "%#x(%s%snode=%d|zone=%d|lastcpupid=%#x)", flags, names, names.isEmpty() ? "" : "|",
                PageFlagsLayout.node(flags), PageFlagsLayout.zone(flags), PageFlagsLayout.lastCpupid(flags));
    }

    private static void raw(StringBuilder sb, String prefix, long[] w) {
        for (int row = 0; row < 2; row++) {
            sb.append(prefix);
            for (int c = 0; c < 4; c++) {
                if (c > 0) sb.append(' ');
                sb.append(String.format(Locale.ROOT, "%016x", w[row * 4 + c]));
            }
            sb.append('\n');
        }
    }
}
