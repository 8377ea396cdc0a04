package mmsim.scenario.ops;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import mmsim.kernel.Errno;
import mmsim.mm.Machine;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.vmscan.Vmscan;

/**
 * What a user process does with its address space (mm/mmap.c, mm/madvise.c, mm/memory.c,
 * kernel/fork.c) and the reclaim passes that act on it (mm/vmscan.c):
 * <pre>
 * mmap LEN [PROT] [private|shared] [fixed ADDR|at ADDR] [in PID] [-> var]   var gets the address (0x..) or -ERRNO
 * munmap ADDR LEN [in PID] [-> var]                                 0 -> ok, or -EINVAL ...
 * madvise ADDR LEN ADVICE [in PID] [-> var]                         MADV_DONTNEED, MADV_PAGEOUT, ...; SIGBUS when
 *                                                                   MADV_HWPOISON killed the caller (6.12)
 * touch ADDR [LEN] [in PID] [-> var]                                a user read of each page: ok, SIGSEGV, SIGBUS, OOM
 * write ADDR [LEN] [in PID] [-> var]                                a user write of each page
 * fork [in PID] -> var                                              var gets the child's pid
 * exit PID                                                          the process exits (exit_mmap)
 * pagemap ADDR [pfn] [in PID] [-> var]                              ADDR's /proc/PID/pagemap entry, or its PFN
 * gup ADDR [write] [in PID] [-> var]                                get_user_pages_fast of one page: var gets its pfn
 * put_user_page $var                                                drops that reference
 * pin ADDR [write] [longterm] [in PID] [-> var]                     pin_user_pages_fast (FOLL_PIN) of one page
 * unpin $var                                                        unpin_user_page of that page
 * kswapd [NID] [nr N] [-> var]                                      one kswapd pass; var gets pages reclaimed
 * shrink [NID] [nr N] [-> var]                                      one direct-reclaim pass
 * </pre>
 * ADDR is {@code $a}, {@code $a+4K} or a number; PROT is {@code none} or letters of {@code rwx}
 * (default {@code rw}). Without {@code in PID} an operation acts on the scenario's process
 * ({@code mmsim-user}, created on first use, best in {@code setup}); the CPU programs are its
 * threads, so they share one mm, as two threads of a process do. The address-space calls return
 * what the syscall returns; an access returns the signal the fault would raise.
 *
 * <p>{@code read} names the file pread of {@link BasicOps}, so a user read of memory is {@code touch}.
 */
final class UserMemoryOps implements OpProvider {

    /** The scenario's own process, one per machine. */
    private record InitTask(MmStruct mm) { }

    /** madvise advice names (include/uapi/asm-generic/mman-common.h) the model acts on. */
    static final Map<String, Integer> ADVICE = new TreeMap<>(Map.of(
            "MADV_NORMAL", Mmap.MADV_NORMAL,
            "MADV_DONTNEED", Mmap.MADV_DONTNEED,
            "MADV_HUGEPAGE", Mmap.MADV_HUGEPAGE,
            "MADV_NOHUGEPAGE", Mmap.MADV_NOHUGEPAGE,
            "MADV_COLLAPSE", Mmap.MADV_COLLAPSE,
            "MADV_COLD", Mmap.MADV_COLD,
            "MADV_PAGEOUT", Mmap.MADV_PAGEOUT,
            // owned by memory-failure (registered with Mmap.registerAdvice); without
            // CONFIG_MEMORY_FAILURE the model, like the kernel, answers -EINVAL
            "MADV_HWPOISON", Mmap.MADV_HWPOISON,
            "MADV_SOFT_OFFLINE", Mmap.MADV_SOFT_OFFLINE));

    @Override
    public void register(OpRegistry r) {
        r.add("mmap", "mmap LEN [PROT] [private|shared] [fixed ADDR|at ADDR] [in PID] [-> var]",
                "anonymous mmap(); PROT none or rwx letters (default rw); 'at' is a hint used when free, 'fixed' MAP_FIXED; "
                        + "var gets the address (0x..) or -ERRNO", true, a -> {
                    long len = a.number("LEN", 0, Long.MAX_VALUE);
                    int prot = Mmap.PROT_READ | Mmap.PROT_WRITE;
                    int flags = Mmap.MAP_ANONYMOUS | Mmap.MAP_PRIVATE;
                    Args.Address fixed = null;
                    if (a.hasMore() && isProt(a.peek())) prot = prot(a.word("PROT"));
                    if ("private".equals(a.peek()) || "shared".equals(a.peek())) {
                        flags = Mmap.MAP_ANONYMOUS | (a.word("private|shared").equals("shared") ? Mmap.MAP_SHARED : Mmap.MAP_PRIVATE);
                    }
                    if ("fixed".equals(a.peek())) {
                        a.keyword("fixed");
                        fixed = a.address("ADDR");
                        flags |= Mmap.MAP_FIXED;
                    } else if ("at".equals(a.peek())) {
                        a.keyword("at");
                        fixed = a.address("ADDR");
                    }
                    Pid pid = pid(a);
                    int p = prot, fl = flags;
                    Args.Address at = fixed;
                    return ctx -> {
                        MmStruct mm = pid.mm(ctx);
                        if (mm == null) return Args.errnoValue(Errno.ESRCH);
                        long ret = um(ctx).mmap.mmap(mm, at == null ? 0 : at.resolve(ctx), len, p, fl);
                        return ret < 0 && ret > -4096 ? errno(ret) : "0x" + Long.toHexString(ret);
                    };
                });
        r.add("munmap", "munmap ADDR LEN [in PID] [-> var]", "munmap(); var gets ok or -ERRNO", true, a -> {
            Args.Address addr = a.address("ADDR");
            long len = a.number("LEN", 0, Long.MAX_VALUE);
            Pid pid = pid(a);
            return ctx -> {
                MmStruct mm = pid.mm(ctx);
                if (mm == null) return Args.errnoValue(Errno.ESRCH);
                return result(um(ctx).mmap.munmap(mm, addr.resolve(ctx), len));
            };
        });
        r.add("madvise", "madvise ADDR LEN ADVICE [in PID] [-> var]",
                "madvise(); ADVICE one of " + String.join(", ", ADVICE.keySet()) + " (or its number); var gets ok or -ERRNO", true, a -> {
                    Args.Address addr = a.address("ADDR");
                    long len = a.number("LEN", 0, Long.MAX_VALUE);
                    String w = a.peek();
                    int advice;
                    if (w != null && Args.parseNumber(w) != null) {
                        advice = a.integer("ADVICE", 0, Integer.MAX_VALUE);
                    } else {
                        String name = w == null ? null : w.toUpperCase(Locale.ROOT);
                        if (name != null && !name.startsWith("MADV_")) name = "MADV_" + name;
                        if (name == null || !ADVICE.containsKey(name)) {
                            throw a.error("expected ADVICE (" + String.join(", ", ADVICE.keySet()) + ")" + (w == null ? "" : ", got '" + w + "'"));
                        }
                        a.word("ADVICE");
                        advice = ADVICE.get(name);
                    }
                    Pid pid = pid(a);
                    return ctx -> {
                        MmStruct mm = pid.mm(ctx);
                        if (mm == null) return Args.errnoValue(Errno.ESRCH);
                        int ret = um(ctx).mmap.madvise(mm, addr.resolve(ctx), len, advice);
                        // MADV_HWPOISON on 6.12 (MF_ACTION_REQUIRED): the caller takes SIGBUS on its way out
                        var mf = ctx.machine().machine().memoryFailure();
                        if (mf != null && mf.takeSigbus(mm)) return "SIGBUS";
                        return result(ret);
                    };
                });
        access(r, "touch", false);
        access(r, "write", true);
        r.add("fork", "fork [in PID] -> var", "fork(): the child gets a copy of the address space (COW); var gets its pid", true, a -> {
            Pid pid = pid(a);
            return ctx -> {
                MmStruct mm = pid.mm(ctx);
                if (mm == null) return Args.errnoValue(Errno.ESRCH);
                return Integer.toString(um(ctx).mmap.fork(mm).pid);
            };
        });
        r.add("exit", "exit PID", "the process PID exits: exit_mmap() unmaps everything and frees its page tables", false, a -> {
            Pid pid = pidArg(a);
            return ctx -> {
                MmStruct mm = pid.mm(ctx);
                if (mm != null) um(ctx).mmap.exit(mm);
                return null;
            };
        });
        r.add("pagemap", "pagemap ADDR [pfn] [in PID] [-> var]",
                "read ADDR's 64-bit entry from /proc/PID/pagemap (the process's own: /proc/self); var gets it as 0x.., or with 'pfn' "
                        + "the page frame (0x..) when present, else NONE", true, a -> {
                    Args.Address addr = a.address("ADDR");
                    boolean pfnOnly = "pfn".equals(a.peek());
                    if (pfnOnly) a.keyword("pfn");
                    Pid pid = pid(a);
                    return ctx -> {
                        MmStruct mm = pid.mm(ctx);
                        if (mm == null) return Args.errnoValue(Errno.ESRCH);
                        long va = addr.resolve(ctx);
                        byte[] b;
                        try {
                            b = ctx.machine().read("/proc/" + mm.pid + "/pagemap", (va >>> PgtableArch.PAGE_SHIFT) * 8, 8);
                        } catch (Errno.ErrnoException e) {
                            return Args.errnoValue(e.errno());
                        }
                        if (b.length < 8) return "0x0";
                        long e = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
                        if (!pfnOnly) return "0x" + Long.toHexString(e);
                        return e < 0 ? "0x" + Long.toHexString(e & ((1L << 55) - 1)) : "NONE"; // bit 63: present
                    };
                });
        gup(r, "gup", "put_user_page", false, "get_user_pages_fast() of one page (a driver taking references on user memory: "
                + "lockless walk with IRQs off, then the slow path)", "put_page() of the page a gup put in $var (nothing when it failed)");
        gup(r, "pin", "unpin", true, "pin_user_pages_fast() of one page (FOLL_PIN, a DMA pin: the page's refcount gains "
                + "GUP_PIN_COUNTING_BIAS, a THP's _pincount one; a read-only pin of a shared anonymous page unshares it first; longterm: FOLL_LONGTERM, which first migrates a page out of ZONE_MOVABLE or CMA)",
                "unpin_user_page() of the page a pin put in $var (nothing when it failed)");
        reclaim(r, "kswapd", true, "one kswapd pass over node NID (default 0): deactivate, then reclaim up to N (default "
                + Vmscan.SWAP_CLUSTER_MAX + ") inactive anonymous pages; var gets the number reclaimed");
        reclaim(r, "shrink", false, "one direct-reclaim pass (try_to_free_pages) over node NID; var gets the number reclaimed");
    }

    /** A GUP of one page ({@code pin}: FOLL_PIN, else FOLL_GET) and the op that drops what it took. */
    private static void gup(OpRegistry r, String name, String drop, boolean pin, String what, String dropWhat) {
        r.add(name, name + " ADDR [write]" + (pin ? " [longterm]" : "") + " [in PID] [-> var]",
                what + "; var gets the page frame (0x..) or -ERRNO; drop it with " + drop, true, a -> {
            Args.Address addr = a.address("ADDR");
            boolean write = "write".equals(a.peek());
            if (write) a.keyword("write");
            boolean longterm = pin && "longterm".equals(a.peek());
            if (longterm) a.keyword("longterm");
            Pid pid = pid(a);
            return ctx -> {
                MmStruct mm = pid.mm(ctx);
                if (mm == null) return Args.errnoValue(Errno.ESRCH);
                long[] out = new long[1];
                var gup = um(ctx).gup;
                int n = pin ? gup.pinUserPagesFast(mm, addr.resolve(ctx), 1, write, longterm, out) : gup.getUserPagesFast(mm, addr.resolve(ctx), 1, write, out);
                return n == 1 ? "0x" + Long.toHexString(out[0]) : n < 0 ? errno(n) : Args.errnoValue(Errno.EFAULT);
            };
        });
        r.add(drop, drop + " $var", dropWhat, false, a -> {
            String var = a.varRef("$var");
            return ctx -> {
                Long pfn = Args.parseNumber(ctx.var(var));
                if (pfn != null && pfn >= 0) {
                    if (pin) um(ctx).gup.unpinUserPage(pfn);
                    else um(ctx).gup.putUserPage(pfn);
                }
                return null;
            };
        });
    }

    private static void access(OpRegistry r, String name, boolean write) {
        r.add(name, name + " ADDR [LEN] [in PID] [-> var]", "a user " + (write ? "write to" : "read of") + " each page of [ADDR, ADDR+LEN) "
                + "(LEN default one byte), faulting as needed; var gets ok, SIGSEGV, SIGBUS or OOM", true, a -> {
                    Args.Address addr = a.address("ADDR");
                    long len = a.hasMore() && !"in".equals(a.peek()) ? a.number("LEN", 1, Long.MAX_VALUE) : 1;
                    Pid pid = pid(a);
                    return ctx -> {
                        MmStruct mm = pid.mm(ctx);
                        if (mm == null) return Args.errnoValue(Errno.ESRCH);
                        UserMemory um = um(ctx);
                        long start = addr.resolve(ctx);
                        for (long p = start & PgtableArch.PAGE_MASK; p < start + len; p += PgtableArch.PAGE_SIZE) {
                            int ret = um.memory.faultIn(mm, p, write);
                            if (ret < 0) return signal(ret);
                        }
                        return "ok";
                    };
                });
    }

    private static void reclaim(OpRegistry r, String name, boolean kswapd, String summary) {
        r.add(name, name + " [NID] [nr N] [-> var]", summary, true, a -> {
            int nid = a.hasMore() && !"nr".equals(a.peek()) ? a.integer("NID", 0, 63) : 0;
            int nr = Vmscan.SWAP_CLUSTER_MAX;
            if ("nr".equals(a.peek())) {
                a.keyword("nr");
                nr = a.integer("N", 1, 1 << 20);
            }
            int n = nr;
            return ctx -> Integer.toString(um(ctx).vmscan.shrinkNode(nid, n, kswapd).reclaimed());
        });
    }

    /** Which process an operation acts on: the scenario's own, a literal pid, or a pid variable. */
    record Pid(String var, int pid) {
        MmStruct mm(OpContext ctx) {
            MmStruct mm;
            if (var == null && pid == 0) {
                mm = initTask(ctx);
            } else {
                mm = um(ctx).task((int) (var == null ? pid : ctx.varNumber(var)));
            }
            if (mm == null || mm.dead) return null; // after 'exit': -ESRCH
            // the CPU runs a thread of this process: switch_mm() put it in mm_cpumask before any of
            // the thread's kernel work, so TLB-flush IPIs for this mm reach it
            mm.cpumask |= 1L << ctx.kernel().smpProcessorId();
            return mm;
        }
    }

    static Pid pid(Args a) {
        if (!"in".equals(a.peek())) return new Pid(null, 0);
        a.keyword("in");
        return pidArg(a);
    }

    private static Pid pidArg(Args a) {
        String w = a.peek();
        if (w != null && w.startsWith("$")) return new Pid(a.varRef("PID"), -1);
        return new Pid(null, a.integer("PID", 1, 4194304));
    }

    static UserMemory um(OpContext ctx) { return ctx.machine().machine().userMemory(); }

    /** The scenario's process, created on first use (the zero page with it, as boot would). */
    static MmStruct initTask(OpContext ctx) {
        Machine m = ctx.machine().machine();
        return m.ext(InitTask.class, mach -> {
            UserMemory um = mach.userMemory();
            um.zeroPage();
            MmStruct mm = um.newProcess("mmsim-user");
            // the CPU programs are this process's threads, each already running on its CPU
            // (switch_mm set every CPU's bit in mm_cpumask), and /proc/self is it
            mm.cpumask = (1L << mach.kernel().nrCpus()) - 1;
            mmsim.iface.VirtualFs.of(mach).symlink("/proc/self", Integer.toString(mm.pid));
            return new InitTask(mm);
        }).mm();
    }

    private static boolean isProt(String w) { return w.equals("none") || w.matches("[rwx]+"); }

    private static int prot(String w) {
        int p = Mmap.PROT_NONE;
        if (w.indexOf('r') >= 0) p |= Mmap.PROT_READ;
        if (w.indexOf('w') >= 0) p |= Mmap.PROT_WRITE;
        if (w.indexOf('x') >= 0) p |= Mmap.PROT_EXEC;
        return p;
    }

    static String errno(long ret) {
        Errno e = Errno.of(ret);
        return e == null ? Long.toString(ret) : Args.errnoValue(e);
    }

    static String result(int ret) { return ret == 0 ? "ok" : errno(ret); }

    /** What the access raised: faultIn's -EFAULT is SIGSEGV, -EIO / -EHWPOISON SIGBUS, -ENOMEM the OOM path. */
    private static String signal(int ret) {
        Errno e = Errno.of(ret);
        if (e == Errno.EFAULT) return "SIGSEGV";
        if (e == Errno.EIO || e == Errno.EHWPOISON) return "SIGBUS";
        if (e == Errno.ENOMEM) return "OOM";
        return errno(ret);
    }
}
