package mmsim.scenario;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import mmsim.iface.VirtualFs;
import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.kernel.KernelLog;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.DumpPage;
import mmsim.scenario.ops.OpContext;

/**
 * A machine booted for one execution or for the shell: its kernel and the file view operations
 * use (/proc, /sys, debugfs), with errors as the errno a syscall would return.
 */
public final class Booted {
    private final Machine machine;

    private Booted(Machine machine) {
        this.machine = machine;
    }

    public static Booted boot(MachineLayout layout, KernelConfig config) {
        return new Booted(Machine.boot(layout, config));
    }

    /** The model, for operations that call mm entry points (alloc_pages, add_memory, ...). */
    public Machine machine() { return machine; }

    public Kernel kernel() { return machine.kernel(); }

    public OpContext context(Map<String, String> vars) {
        return new OpContext(this, vars);
    }

    /** /proc, /sys and debugfs of this machine. */
    public VirtualFs fs() { return VirtualFs.of(machine); }

    /** read(2) of a whole file. */
    public byte[] read(String path) {
        return fs().readAllBytes(path);
    }

    /** pread(2) of {@code count} bytes at {@code offset}. */
    public byte[] read(String path, long offset, int count) {
        VirtualFs.ReadResult r = fs().read(path, offset, count);
        if (!r.ok()) throw new Errno.ErrnoException(r.errno(), path + ": " + r.errno().text);
        return r.data();
    }

    /** write(2) of {@code text} (echo adds the newline). */
    public void write(String path, String text) {
        long n = fs().write(path, text.getBytes(StandardCharsets.UTF_8));
        if (n < 0) {
            Errno e = Errno.of(n);
            throw new Errno.ErrnoException(e == null ? Errno.EIO : e, path);
        }
    }

    /** The entries of a directory, sorted; directories end with '/'. */
    public List<String> list(String dir) {
        VirtualFs fs = fs();
        String base = dir.endsWith("/") ? dir : dir + "/";
        return fs.list(dir).stream().map(n -> fs.resolve(base + n, true) instanceof VirtualFs.Dir ? n + "/" : n).toList();
    }

    public boolean exists(String path) {
        return fs().exists(path);
    }

    public boolean isDirectory(String path) {
        return fs().resolve(path, true) instanceof VirtualFs.Dir;
    }

    /**
     * " (did you mean: /proc/buddyinfo?)" for a path that does not exist: the names close to the
     * last component in its directory (or, when the directory is missing too, the hint for the
     * directory); "" when nothing is close.
     */
    public String didYouMean(String path) {
        int slash = path.lastIndexOf('/');
        String dir = slash <= 0 ? "/" : path.substring(0, slash);
        String name = path.substring(slash + 1);
        try {
            if (!isDirectory(dir)) return dir.equals("/") || dir.equals(path) ? "" : didYouMean(dir);
            List<String> names = list(dir).stream().map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s).toList();
            List<String> close = Suggest.close(name, names, 4);
            if (close.isEmpty()) return "";
            String base = dir.equals("/") ? "/" : dir + "/";
            return " (did you mean: " + String.join(", ", close.stream().map(c -> base + c).toList()) + "?)";
        } catch (RuntimeException x) {
            return "";
        }
    }

    /** dump_page() of {@code pfn}, or a one-line reason when the pfn has no memmap. */
    public String dumpPage(long pfn) {
        return DumpPage.dumpPage(machine.memmap(), pfn, null);
    }

    /**
     * The whole-model check at the end of an execution ({@link ModelCheck}). What it finds is what
     * the kernel would suffer, so it becomes a verdict through the kernel log's taints: pages in
     * no state (refcount 0, on no free list, not reserved, not offline) are lost to the allocator
     * for good, a leak reported the way kmemleak reports lost objects (with dump_page of the
     * first); any other disagreement (free lists against PageBuddy, orders or counters, a page
     * on two lists, section flags, user-memory refcounts) is corrupted state, an
     * inconsistency. A taint left earlier in the execution (bad_page, WARN) stays the verdict:
     * it is usually the cause.
     */
    public void checkConsistency() {
        checkConsistency(false);
    }

    /**
     * As {@link #checkConsistency()}; {@code writtenOnly} looks page by page only at the memmap
     * written since {@code memmap().clearWritten()} ({@link ModelCheck#checkWritten}).
     */
    public void checkConsistency(boolean writtenOnly) {
        List<ModelCheck.Problem> problems = writtenOnly ? ModelCheck.checkWritten(machine) : ModelCheck.check(machine);
        if (problems.isEmpty()) return;
        List<Long> leaked = new ArrayList<>();
        List<String> other = new ArrayList<>();
        for (ModelCheck.Problem p : problems) {
            switch (p.kind()) {
                case LEAK -> leaked.add(p.pfn());
                case INCONSISTENCY -> other.add(p.text());
            }
        }
        KernelLog log = machine.kernel().log();
        if (!other.isEmpty()) {
            String title = "mm state inconsistent: " + other.get(0) + (other.size() > 1 ? " (and " + (other.size() - 1) + " more)" : "");
            StringBuilder report = new StringBuilder("mmsim: whole-model check at the end of the execution: "
                    + other.size() + " problem" + (other.size() == 1 ? "" : "s") + "\n");
            for (String p : other.subList(0, Math.min(20, other.size()))) report.append("  ").append(p).append('\n');
            if (other.size() > 20) report.append("  ...\n");
            log.taint(KernelLog.TaintKind.INCONSISTENCY, title, report.toString());
        }
        if (!leaked.isEmpty()) {
            String ranges = pfnRanges(leaked);
            String title = "memory leak: " + leaked.size() + " page" + (leaked.size() == 1 ? "" : "s")
                    + " lost to the page allocator (pfn " + ranges.split(" ")[0] + (leaked.size() > 1 ? " ..." : "") + ")";
            String report = "unreferenced pages: refcount 0, on no free list, not reserved, not offline\n"
                    + "  pfn " + ranges + "\n"
                    + DumpPage.dumpPage(machine.memmap(), leaked.get(0), "leaked");
            log.taint(KernelLog.TaintKind.LEAK, title, report);
        }
    }

    /** "0x1235 0x2000-0x21ff": the pfns (ascending) as ranges, at most 8 of them. */
    private static String pfnRanges(List<Long> pfns) {
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < pfns.size(); ) {
            int j = i;
            while (j + 1 < pfns.size() && pfns.get(j + 1) == pfns.get(j) + 1) j++;
            if (shown++ == 8) { sb.append(" ..."); break; }
            if (!sb.isEmpty()) sb.append(' ');
            sb.append("0x").append(Long.toHexString(pfns.get(i)));
            if (j > i) sb.append("-0x").append(Long.toHexString(pfns.get(j)));
            i = j + 1;
        }
        return sb.toString();
    }

    public static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
