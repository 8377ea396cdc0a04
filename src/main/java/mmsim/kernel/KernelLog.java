package mmsim.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * The kernel ring buffer (dmesg). Model code logs with the kernel's message text; non-fatal
 * reports (bad_page, WARN) are logged here and also remembered as {@link Taint}s so the explorer
 * can turn them into verdicts at the end of an execution.
 */
public final class KernelLog {
    /**
     * What a non-fatal report was: bad_page() (TAINT_BAD_PAGE), WARN() (TAINT_WARN), or what the
     * end-of-execution whole-model check found (pages lost to the allocator, corrupted state).
     */
    public enum TaintKind { BAD_PAGE, WARNING, LEAK, INCONSISTENCY }

    /** A non-fatal report that a test or the explorer should see: BUG: Bad page state, WARNING, leak. */
    public record Taint(TaintKind kind, String title, String report) { }

    private final List<String> lines = new ArrayList<>();
    private final List<Taint> taints = new ArrayList<>();

    public void printk(String line) {
        for (String l : line.split("\n", -1)) lines.add(l);
    }

    /** Logs a report and remembers it as a taint. */
    public void taint(TaintKind kind, String title, String report) {
        printk(report);
        taints.add(new Taint(kind, title, report));
    }

    public List<String> lines() { return List.copyOf(lines); }
    public List<Taint> taints() { return List.copyOf(taints); }

    /** Lines logged since line index {@code from}, for readers that follow the log (like dmesg -w). */
    public List<String> linesFrom(int from) {
        return List.copyOf(lines.subList(Math.min(from, lines.size()), lines.size()));
    }

    public int size() { return lines.size(); }

    public String text() {
        return String.join("\n", lines) + (lines.isEmpty() ? "" : "\n");
    }
}
