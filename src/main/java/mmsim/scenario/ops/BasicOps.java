package mmsim.scenario.ops;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import mmsim.kernel.Errno;

/**
 * What a user does with files: {@code cat}, {@code read} (binary files such as /proc/kpageflags),
 * {@code echo > } (sysfs writes), {@code note} for trace comments and {@code wait $var} to join
 * another CPU's program. Values assigned with
 * {@code -> var}: the text read (trimmed), the u64 words read as {@code 0x..,0x..}, {@code ok}
 * for a successful write, or the errno name ({@code -EBUSY}) of a failed call.
 */
final class BasicOps implements OpProvider {
    @Override
    public void register(OpRegistry r) {
        r.add("note", "note TEXT", "write TEXT into the trace of this CPU (a comment that shows up in traces)", false, a -> {
            String text = a.rest("TEXT");
            return ctx -> { ctx.kernel().note(text); return null; };
        });
        r.add("wait", "wait $var", "block this CPU until another CPU's program has assigned $var (a user-space join: "
                + "pthread_join, a pipe)", false, a -> {
            a.varRef("$var");
            // the program runner waits for every variable a step names before it runs the step
            // (ScenarioProgram.runCpu), so the join is that wait and the step itself does nothing
            return ctx -> null;
        });
        r.add("cat", "cat PATH [-> var]", "read a text file (procfs, sysfs, debugfs); var gets its text or -ERRNO", true, a -> {
            String path = a.path("PATH");
            return ctx -> {
                try {
                    return mmsim.scenario.Booted.text(ctx.machine().read(path)).strip();
                } catch (Errno.ErrnoException e) {
                    return Args.errnoValue(e.errno());
                }
            };
        });
        r.add("read", "read PATH at OFFSET count N [-> var]",
                "pread N bytes at OFFSET (a number or $pfn*8) from a binary file (/proc/kpageflags: 8 bytes per pfn); var gets u64 words 0x..,0x.. or -ERRNO",
                true, a -> {
                    String path = a.path("PATH");
                    a.keyword("at");
                    Args.Address offset = a.operand("OFFSET", "a byte offset such as 0x40000 or $pfn*8");
                    a.keyword("count");
                    int count = a.integer("N", 1, 1 << 20);
                    return ctx -> {
                        try {
                            long off = offset.resolve(ctx);
                            if (off < 0) return Args.errnoValue(Errno.EINVAL);
                            return u64s(ctx.machine().read(path, off, count));
                        } catch (Errno.ErrnoException e) {
                            return Args.errnoValue(e.errno());
                        }
                    };
                });
        r.add("pwrite", "pwrite PATH at OFFSET words W[,W...] [-> var]",
                "pwrite(2) little-endian u64 words W (numbers, or a $var holding 0x..,0x.. as read gives) at OFFSET "
                + "into a binary file (/sys/kernel/mm/page_idle/bitmap: bit pfn%64 of word pfn/64); var gets the bytes written or -ERRNO",
                true, a -> {
                    String path = a.path("PATH");
                    a.keyword("at");
                    Args.Address offset = a.operand("OFFSET", "a byte offset such as 0x1000 or $pfn*8");
                    a.keyword("words");
                    String var = a.hasMore() && a.peek().startsWith("$") ? a.varRef("W") : null;
                    long[] constant = var == null ? words(a, a.word("W")) : null;
                    return ctx -> {
                        long[] w = constant != null ? constant : parseWords(ctx.var(var));
                        if (w == null) return Args.errnoValue(Errno.EINVAL);
                        ByteBuffer bb = ByteBuffer.allocate(w.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                        for (long x : w) bb.putLong(x);
                        long n = ctx.machine().fs().pwrite(path, offset.resolve(ctx), bb.array());
                        return n < 0 ? Args.errnoValue(Errno.of(n)) : Long.toString(n);
                    };
                });
        r.add("dmesg", "dmesg [mark] [-> var]",
                "the kernel log lines since the mark (the end of setup, or the last 'dmesg mark'); var gets them joined by ' | ', or '' when none",
                true, a -> {
                    boolean mark = a.hasMore() && "mark".equals(a.peek());
                    if (mark) a.keyword("mark");
                    return ctx -> {
                        if (mark) {
                            ctx.markDmesg();
                            return "ok";
                        }
                        return String.join(" | ", ctx.kernel().log().linesFrom(ctx.dmesgMark()));
                    };
                });
        r.add("echo", "echo TEXT > PATH [-> var]", "write TEXT and a newline to a sysfs/debugfs file ($var words are "
                + "replaced by their value, $var*4K by value times 4K); var gets ok or -ERRNO", true, a -> {
            java.util.List<String> words = a.wordsOrVarsUntil("TEXT", ">");
            a.keyword(">");
            String path = a.path("PATH");
            return ctx -> {
                try {
                    StringBuilder text = new StringBuilder();
                    for (String w : words) {
                        if (!text.isEmpty()) text.append(' ');
                        text.append(w.startsWith("$") ? substitute(ctx, w.substring(1)) : w);
                    }
                    ctx.machine().write(path, text + "\n");
                    return "ok";
                } catch (Errno.ErrnoException e) {
                    return Args.errnoValue(e.errno());
                }
            };
        });
    }

    /** {@code name} or {@code name*N} (a pfn times the page size, for files that take addresses): the value as text. */
    private static String substitute(OpContext ctx, String ref) {
        int star = ref.indexOf('*');
        if (star < 0) return ctx.var(ref);
        Long n = Args.parseNumber(ref.substring(star + 1));
        return "0x" + Long.toHexString(ctx.varNumber(ref.substring(0, star)) * (n == null ? 1 : n));
    }

    /** W[,W...] as u64 words, or an error at the operand naming it. */
    private static long[] words(Args a, String text) {
        long[] w = parseWords(text);
        if (w == null) throw a.error("expected u64 words such as 0xffffffffffffffff or 0x1,0x0, got '" + text + "'");
        return w;
    }

    /** {@code 0x1,0x800} (what {@link #u64s} prints) as words; null when a word is no number. */
    private static long[] parseWords(String text) {
        String[] parts = text.split(",", -1);
        long[] w = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            Long v = Args.parseNumber(parts[i].strip());
            if (v == null) return null;
            w[i] = v;
        }
        return w;
    }

    /** Little-endian u64 words as {@code 0x1,0x800}; a short tail is shown as its bytes. */
    static String u64s(byte[] b) {
        StringBuilder sb = new StringBuilder();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        while (bb.remaining() >= 8) sb.append(sb.isEmpty() ? "" : ",").append("0x").append(Long.toHexString(bb.getLong()));
        while (bb.hasRemaining()) sb.append(sb.isEmpty() ? "" : ",").append(String.format("0x%02x", bb.get()));
        return sb.isEmpty() ? "" : sb.toString();
    }
}
