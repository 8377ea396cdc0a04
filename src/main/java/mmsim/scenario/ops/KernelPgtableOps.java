package mmsim.scenario.ops;

import java.util.Locale;
import java.util.function.Function;

import mmsim.kernel.Errno;
import mmsim.mm.Machine;
import mmsim.mm.vmalloc.Vmalloc;

/**
 * Kernel page-table users (mm/vmalloc.c, mm/memory.c): {@code vmalloc SIZE [top]} (top: placed at
 * the top of the vmalloc space, as the percpu allocator places its chunks), {@code vfree ADDR},
 * {@code ioremap PHYS SIZE}, {@code iounmap ADDR}, {@code vmalloc_to_page ADDR} and
 * {@code apply_to_page_range ADDR SIZE ro|rw} (set_memory_ro/rw's walk). Addresses are kernel
 * virtual addresses: {@code $var}, {@code $var+OFFSET} or a hex number. Values: the address or
 * pfn in hex, {@code NULL}, {@code ok}, or the errno name. The dumps are files:
 * {@code cat /sys/kernel/debug/kernel_page_tables} (arm64), {@code .../page_tables/kernel} (x86)
 * and {@code cat /sys/kernel/debug/check_wx_pages}. On a machine whose kernel page tables are not
 * modelled (x86_64 without the option kernel-page-tables) each returns -ENODEV.
 */
final class KernelPgtableOps implements OpProvider {
    @Override
    public void register(OpRegistry r) {
        r.add("vmalloc", "vmalloc SIZE [top] [-> var]", "vmalloc(): map SIZE bytes of fresh pages in the vmalloc space; var gets the address or -ERRNO", true, a -> {
            long size = a.number("SIZE", 1, 1L << 28);
            boolean top = a.hasMore() && a.peek().equals("top");
            if (top) a.keyword("top");
            return ctx -> with(ctx, v -> hexOrErrno(v.vmalloc(size, top)));
        });
        r.add("vfree", "vfree ADDR [-> var]", "vfree(): unmap and free a vmalloc area; var gets ok or -ERRNO", true, a -> {
            Args.Address addr = kernelAddress(a);
            return ctx -> with(ctx, v -> okOrErrno(v.vfree(addr.resolve(ctx), false)));
        });
        r.add("ioremap", "ioremap PHYS SIZE [-> var]", "ioremap(): map device memory (2 MiB-aligned chunks as PMD blocks where the arch allows); var gets the address or -ERRNO", true, a -> {
            long phys = a.number("PHYS", 0, Long.MAX_VALUE);
            long size = a.number("SIZE", 4096, 1L << 30);
            return ctx -> with(ctx, v -> hexOrErrno(v.ioremap(phys, size)));
        });
        r.add("iounmap", "iounmap ADDR [-> var]", "iounmap(): unmap an ioremap area (its tables stay); var gets ok or -ERRNO", true, a -> {
            Args.Address addr = kernelAddress(a);
            return ctx -> with(ctx, v -> okOrErrno(v.vfree(addr.resolve(ctx), true)));
        });
        r.add("vmalloc_to_page", "vmalloc_to_page ADDR [-> var]", "vmalloc_to_page(): the pfn mapped at a kernel address (lockless walk); var gets 0xPFN or NULL", true, a -> {
            Args.Address addr = kernelAddress(a);
            return ctx -> with(ctx, v -> {
                long pfn = v.vmallocToPage(addr.resolve(ctx));
                return pfn < 0 ? "NULL" : "0x" + Long.toHexString(pfn);
            });
        });
        r.add("apply_to_page_range", "apply_to_page_range ADDR SIZE ro|rw [-> var]",
                "apply_to_page_range(&init_mm, ...) as set_memory_ro/rw use it; var gets ok or -ERRNO", true, a -> {
                    Args.Address addr = kernelAddress(a);
                    long size = a.number("SIZE", 4096, 1L << 30);
                    String mode = a.word("ro or rw");
                    if (!mode.equals("ro") && !mode.equals("rw")) throw a.error("expected ro or rw, got '" + mode + "'");
                    return ctx -> with(ctx, v -> okOrErrno(v.applyToPageRange(addr.resolve(ctx), size, mode.equals("ro"))));
                });
    }

    /** A kernel address: {@code $var[+OFF]} or an unsigned hex number. */
    private static Args.Address kernelAddress(Args a) {
        String s = a.peek();
        if (s != null && !s.startsWith("$")) {
            Long v = Args.parseNumber(a.word("ADDR"));
            if (v == null) throw a.error("expected ADDR (a kernel address such as $v or 0xffff800082000000), got '" + s + "'");
            return Args.Address.constant(v);
        }
        return a.address("ADDR");
    }

    private static String with(OpContext ctx, Function<Vmalloc, String> f) {
        Machine m = ctx.machine().machine();
        Vmalloc v = m.vmalloc();
        if (v == null) {
            m.kernel().log().printk("mmsim: this machine's kernel page tables are not modelled (arm64, or x86_64 with the option kernel-page-tables)");
            return Args.errnoValue(Errno.ENODEV);
        }
        return f.apply(v);
    }

    private static String hexOrErrno(long v) {
        if (v < 0 && v > -4096) {
            Errno e = Errno.of((int) v);
            return e == null ? Long.toString(v) : Args.errnoValue(e);
        }
        return String.format(Locale.ROOT, "0x%x", v);
    }

    private static String okOrErrno(int r) {
        if (r == 0) return "ok";
        Errno e = Errno.of(r);
        return e == null ? Integer.toString(r) : Args.errnoValue(e);
    }
}
