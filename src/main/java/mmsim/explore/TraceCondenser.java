package mmsim.explore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import mmsim.kernel.Access;

/**
 * The condensed trace: the {@code CPU0 | CPU1} diagram a kernel developer draws in a commit
 * message, computed from one traced execution. Which rows matter is decided from the execution
 * itself, never from the scenario:
 * <ul>
 *   <li>the <em>failure objects</em>: the locations the failing CPU touched since it last
 *       resumed; every access to them by any CPU is kept (both sides of the race). With no
 *       faulting step (a taint found at the end, a deadlock), the locations two CPUs accessed
 *       in conflict, latest first;</li>
 *   <li>the race window: each CPU's last steps before it was preempted or blocked, and the
 *       failing CPU's last steps before the fault;</li>
 *   <li>the locks each CPU holds at those moments (a lock call on a location whose lock/unlock
 *       calls by that CPU are still unbalanced);</li>
 *   <li>preemptions, waits, the fault (marked inline on its step), and each kept row's calling
 *       path up to the CPU's entry point, with at most {@code ancestors} frames between.</li>
 * </ul>
 * Dropped stretches become one {@code ...} row naming their most repeated step
 * ({@code ... spin_lock/unlock(&zone->lock) x32}); equal neighbouring rows fold into {@code xN};
 * CPUs without a kept row get no column. If the result has more rows than asked, the detail is
 * lowered step by step (fewer frames, a shorter window, no held locks).
 */
public final class TraceCondenser {

    /** Default width: a commit message body. */
    public static final int DEFAULT_WIDTH = 80;
    /** Rows of the table (header included) the condenser aims at. */
    public static final int DEFAULT_ROWS = 40;

    private static final int MAX_INDENT_LEVELS = 6;
    /** A dropped stretch shorter than this goes unmarked: the indentation already shows a frame was skipped. */
    private static final int MIN_ELIDED = 3;
    /** A CPU's name gets this many columns at least; a longer one may be cut to leave room for the steps. */
    private static final int MIN_HEADER = 12;
    /** Lines one cell may wrap onto. */
    private static final int MAX_WRAP = 3;

    private final Trace trace;
    private final List<Trace.Event> ev;
    private final int[] parent;        // the ENTER that encloses each event, -1 at top level

    private TraceCondenser(Trace trace) {
        this.trace = trace;
        this.ev = trace.events();
        this.parent = new int[ev.size()];
        Map<Integer, int[]> open = new HashMap<>();
        for (int i = 0; i < ev.size(); i++) {
            Trace.Event e = ev.get(i);
            int[] stack = open.computeIfAbsent(e.cpu(), c -> new int[256]);
            int d = Math.min(e.depth(), 255);
            parent[i] = e.kind() == Trace.Kind.PREEMPTED || d == 0 ? -1 : stack[d - 1];
            if (e.kind() == Trace.Kind.ENTER) stack[d] = i;
        }
    }

    /** The condensed table, at most {@code width} columns, aiming at {@code rows} rows. */
    public static String render(Trace trace, int width, int rows) {
        TraceCondenser c = new TraceCondenser(trace);
        // From the richest detail down: frames kept between entry and row, window, held locks.
        int[][] levels = {{4, 3, 1}, {3, 2, 1}, {2, 2, 1}, {2, 1, 0}, {1, 1, 0}, {0, 1, 0}};
        String table = null;
        if (trace.events().size() <= rows) {   // short enough to show every step
            table = c.table(c.rows(c.all(), Integer.MAX_VALUE), Math.max(20, width));
            if (table.lines().count() <= rows) return table;
        }
        for (int[] l : levels) {
            table = c.table(c.rows(c.select(l[1], l[2] == 1), l[0]), Math.max(20, width));
            if (table.lines().count() <= rows) break;
        }
        return table;
    }

    // ---- which events matter ----------------------------------------------------------------

    private boolean[] all() {
        boolean[] keep = new boolean[ev.size()];
        java.util.Arrays.fill(keep, true);
        return keep;
    }

    private boolean[] select(int window, boolean locks) {
        int n = ev.size();
        boolean[] keep = new boolean[n];
        int fault = -1;
        for (int i = 0; i < n; i++) {
            Trace.Kind k = ev.get(i).kind();
            if (k == Trace.Kind.FAULT) fault = i;
            if (k == Trace.Kind.PREEMPTED || k == Trace.Kind.WAITS || k == Trace.Kind.FAULT || k == Trace.Kind.DONE) {
                keep[i] = true;
                keepWindow(keep, i, ev.get(i).cpu(), k == Trace.Kind.FAULT ? Math.min(window, 2) : window, locks);
            }
        }
        // Both sides of the race on the failure objects: each CPU's last accesses to each of them.
        int end = fault < 0 ? n : fault;
        for (int loc : failureObjects(fault)) {
            Map<Integer, Integer> perCpu = new HashMap<>();
            for (int i = end - 1; i >= 0; i--) {
                Trace.Event e = ev.get(i);
                if (e.location() == loc && perCpu.merge(e.cpu(), 1, Integer::sum) <= window) keep[i] = true;
            }
        }
        // What the other CPUs wrote last while the failing CPU was inside its call (the memmap
        // they poisoned, the section they removed): the model may name that memory by another
        // object than the reader does.
        int entered = 0;
        for (int i = end - 1; i >= 0 && fault >= 0; i--) {
            Trace.Event e = ev.get(i);
            if (e.cpu() == ev.get(fault).cpu() && e.kind() == Trace.Kind.ENTER && e.depth() == 0) {
                entered = i;
                break;
            }
        }
        Map<Integer, Integer> writes = new HashMap<>();
        for (int i = end - 1; i >= entered; i--) {
            Trace.Event e = ev.get(i);
            if (fault >= 0 && e.cpu() == ev.get(fault).cpu()) continue;
            if (e.access() == Access.WRITE && writes.merge(e.cpu(), 1, Integer::sum) <= window) keep[i] = true;
        }
        if (fault < 0) {
            for (int cpu : cpus()) keepWindow(keep, n, cpu, window, locks);
        }
        keepDroppedLocksAroundInterruptions(keep);
        // A note says what the row before it did: keep it with that row.
        Map<Integer, Integer> lastOnCpu = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Integer prev = lastOnCpu.put(ev.get(i).cpu(), i);
            if (ev.get(i).kind() == Trace.Kind.NOTE && prev != null && keep[prev]) keep[i] = true;
        }
        return keep;
    }

    /**
     * A lock a variant dropped is a note, not a step: it has no location, so neither the window
     * (steps only) nor the held-lock rule (lock calls on locations) sees it, and a note is kept
     * only with a kept row before it, which the entry point above {@code local_irq_save} is not
     * until the rows add the calling paths. Yet the dropped calls are what bound the race window
     * of a lock-necessity trace: for each time a CPU was interrupted (preempted, waiting,
     * faulting), keep that CPU's last dropped-lock note before it and its first one after it.
     */
    private void keepDroppedLocksAroundInterruptions(boolean[] keep) {
        for (int i = 0; i < ev.size(); i++) {
            Trace.Kind k = ev.get(i).kind();
            if (k != Trace.Kind.PREEMPTED && k != Trace.Kind.WAITS && k != Trace.Kind.FAULT) continue;
            int cpu = ev.get(i).cpu();
            for (int j = i - 1; j >= 0; j--) {
                if (isDroppedLock(ev.get(j), cpu)) {
                    keep[j] = true;
                    break;
                }
            }
            for (int j = i + 1; j < ev.size(); j++) {
                Trace.Event e = ev.get(j);
                if (e.cpu() == cpu && (e.kind() == Trace.Kind.PREEMPTED || e.kind() == Trace.Kind.WAITS)) break;
                if (isDroppedLock(e, cpu)) {
                    keep[j] = true;
                    break;
                }
            }
        }
    }

    private static boolean isDroppedLock(Trace.Event e, int cpu) {
        return e.cpu() == cpu && e.kind() == Trace.Kind.NOTE && e.text().endsWith(mmsim.kernel.Kernel.DROPPED_LOCK);
    }

    /** The last {@code window} steps of {@code cpu} before event {@code at}, and the locks it holds there. */
    private void keepWindow(boolean[] keep, int at, int cpu, int window, boolean locks) {
        int left = window;
        for (int i = at - 1; i >= 0 && left > 0; i--) {
            Trace.Event e = ev.get(i);
            if (e.cpu() != cpu || e.kind() != Trace.Kind.STEP) continue;
            keep[i] = true;
            left--;
        }
        if (!locks) return;
        Map<Integer, Integer> lastLockCall = new LinkedHashMap<>();
        Map<Integer, Integer> calls = new HashMap<>();
        for (int i = 0; i < at; i++) {
            Trace.Event e = ev.get(i);
            if (e.cpu() != cpu || !isLockCall(e)) continue;
            calls.merge(e.location(), 1, Integer::sum);
            lastLockCall.put(e.location(), i);
        }
        calls.forEach((loc, count) -> {
            if (count % 2 == 1) keep[lastLockCall.get(loc)] = true;
        });
    }

    private static boolean isLockCall(Trace.Event e) {
        return e.kind() == Trace.Kind.STEP && e.access() == Access.SYNC && e.location() >= 0 && e.text().endsWith(")")
                && e.text().indexOf('(') > 0;
    }

    /**
     * The locations the failure is about. With a faulting step: what the failing CPU accessed
     * since it last resumed, when another CPU accessed it too. Otherwise the two locations most
     * recently accessed in conflict by two CPUs.
     */
    private List<Integer> failureObjects(int fault) {
        Map<Integer, Long> cpusAt = new HashMap<>();
        Map<Integer, Boolean> written = new HashMap<>();
        for (Trace.Event e : ev) {
            if (e.location() < 0 || e.access() == Access.NONE) continue;
            cpusAt.merge(e.location(), 1L << e.cpu(), (a, b) -> a | b);
            if (e.access() != Access.READ) written.put(e.location(), true);
        }
        List<Integer> out = new ArrayList<>();
        if (fault >= 0) {
            int cpu = ev.get(fault).cpu();
            for (int i = fault - 1; i >= 0; i--) {
                Trace.Event e = ev.get(i);
                if (e.cpu() != cpu) continue;
                if (e.kind() == Trace.Kind.ENTER && e.depth() == 0) break;
                if (e.location() >= 0 && Long.bitCount(cpusAt.get(e.location())) > 1 && !isLockCall(e)
                        && written.getOrDefault(e.location(), false) && !out.contains(e.location())) out.add(e.location());
            }
            return out;
        }
        for (int i = ev.size() - 1; i >= 0 && out.size() < 2; i--) {
            Trace.Event e = ev.get(i);
            if (e.location() < 0 || isLockCall(e) || out.contains(e.location())) continue;
            if (Long.bitCount(cpusAt.get(e.location())) > 1 && written.getOrDefault(e.location(), false)) out.add(e.location());
        }
        return out;
    }


    private TreeSet<Integer> cpus() {
        TreeSet<Integer> s = new TreeSet<>();
        for (Trace.Event e : ev) s.add(e.cpu());
        return s;
    }

    // ---- rows -------------------------------------------------------------------------------

    /** One output row: a cell on one CPU's column at a nesting depth; {@code mark} is never cut off. */
    record Row(int cpu, int depth, String text, String mark) {
        Row(int cpu, int depth, String text) {
            this(cpu, depth, text, "");
        }
    }

    private List<Row> rows(boolean[] selected, int ancestors) {
        int n = ev.size();
        boolean[] keep = selected.clone();
        for (int i = 0; i < n; i++) {
            if (!selected[i] || ev.get(i).kind() == Trace.Kind.PREEMPTED) continue;
            int kept = 0;
            for (int p = parent[i]; p >= 0; p = parent[p]) {
                if (ev.get(p).depth() == 0 || kept < ancestors) keep[p] = true;
                kept++;
            }
        }
        List<Row> rows = new ArrayList<>();
        Map<Integer, List<Integer>> gap = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Trace.Event e = ev.get(i);
            if (!keep[i]) {
                if (e.kind() != Trace.Kind.NOTE) gap.computeIfAbsent(e.cpu(), c -> new ArrayList<>()).add(i);
                continue;
            }
            List<Integer> dropped = gap.remove(e.cpu());
            if (dropped != null && e.kind() != Trace.Kind.PREEMPTED) {
                String[] repeated = mostRepeated(dropped);
                if (repeated != null || dropped.size() >= MIN_ELIDED) {
                    rows.add(repeated == null ? new Row(e.cpu(), Math.max(1, e.depth()), "...")
                            : new Row(e.cpu(), Math.max(1, e.depth()), "... " + repeated[0], repeated[1]));
                }
            }
            if (e.kind() == Trace.Kind.FAULT && !rows.isEmpty()) {
                Row last = lastOf(rows, e.cpu());
                if (last != null) {
                    rows.set(rows.lastIndexOf(last), new Row(last.cpu(), last.depth(), last.text(), "  " + e.text()));
                    continue;
                }
            }
            rows.add(e.kind() == Trace.Kind.FAULT ? new Row(e.cpu(), e.depth(), "", e.text()) : new Row(e.cpu(), e.depth(), cell(i)));
        }
        return fold(rows);
    }

    private static Row lastOf(List<Row> rows, int cpu) {
        Row last = rows.get(rows.size() - 1);
        return last.cpu() == cpu && !last.text().startsWith("-- ") ? last : null;
    }

    /** A row's text: a step label loses its "function:" prefix when it is in that function. */
    private String cell(int i) {
        Trace.Event e = ev.get(i);
        String text = switch (e.kind()) {
            case PREEMPTED -> "-- preempted --";
            case WAITS -> "... waits for " + e.text();
            case DONE -> "<done>";
            default -> e.text();
        };
        int p = parent[i];
        if (e.kind() == Trace.Kind.STEP && p >= 0) {
            String fn = ev.get(p).text() + ":";
            if (text.startsWith(fn) && text.length() > fn.length()) text = text.substring(fn.length()).strip();
        }
        return text;
    }

    /** {"spin_lock/unlock(&zone->lock)", " x32"} for the most repeated step of a dropped stretch, or null. */
    private String[] mostRepeated(List<Integer> dropped) {
        Map<String, Integer> count = new LinkedHashMap<>();
        for (int i : dropped) {
            Trace.Event e = ev.get(i);
            if (e.kind() == Trace.Kind.STEP || e.kind() == Trace.Kind.ENTER) count.merge(e.text(), 1, Integer::sum);
        }
        String best = null;
        int most = 0;
        for (var x : count.entrySet()) {
            if (x.getValue() > most) {
                best = x.getKey();
                most = x.getValue();
            }
        }
        if (best == null || most < 4) return null;
        String pair = pairedUnlock(best);
        if (pair != null && Math.abs(count.getOrDefault(pair, 0) - most) <= 1) {
            int open = best.indexOf("lock(");
            return new String[] {best.substring(0, open) + "lock/unlock" + best.substring(open + 4), " x" + most};
        }
        return new String[] {best, " x" + most};
    }

    private static String pairedUnlock(String lockCall) {
        int open = lockCall.indexOf("lock(");
        if (open < 0 || lockCall.contains("unlock(")) return null;
        return lockCall.substring(0, open) + "unlock" + lockCall.substring(open + 4);
    }

    /** Equal neighbouring rows of one CPU become one row with "xN". */
    private static List<Row> fold(List<Row> rows) {
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); ) {
            Row r = rows.get(i);
            int j = i + 1;
            while (j < rows.size() && rows.get(j).equals(r) && !r.text().startsWith("--")) j++;
            out.add(j - i > 1 ? new Row(r.cpu(), r.depth(), r.text(), " x" + (j - i) + r.mark()) : r);
            i = j;
        }
        return out;
    }

    // ---- table ------------------------------------------------------------------------------

    private String table(List<Row> rows, int width) {
        List<Integer> cols = new ArrayList<>();
        for (Row r : rows) if (!cols.contains(r.cpu())) cols.add(r.cpu());
        cols.sort(Integer::compare);
        int k = cols.size();
        // Depth shown: the rank of the row's depth among the depths that CPU shows, capped.
        Map<Integer, TreeSet<Integer>> depthSets = new HashMap<>();
        for (Row r : rows) depthSets.computeIfAbsent(r.cpu(), x -> new TreeSet<>()).add(r.depth());
        Map<Integer, List<Integer>> depthsOf = new HashMap<>();
        depthSets.forEach((cpu, set) -> depthsOf.put(cpu, new ArrayList<>(set)));
        String[][] cells = new String[rows.size()][];
        int[] need = new int[k];
        for (int c = 0; c < k; c++) need[c] = Math.min(MIN_HEADER, trace.cpuNames().get(cols.get(c)).length());
        List<String> texts = new ArrayList<>();
        for (Row r : rows) {
            // Two spaces a level while the nesting is shallow, one when it is deep, capped.
            int levels = depthsOf.get(r.cpu()).size();
            int level = r.text().startsWith("-- ") ? 0 : Math.min(MAX_INDENT_LEVELS * 2, depthsOf.get(r.cpu()).indexOf(r.depth()));
            String t = " ".repeat(levels <= MAX_INDENT_LEVELS ? 2 * level : level) + r.text();
            texts.add(t);
            int c = cols.indexOf(r.cpu());
            need[c] = Math.max(need[c], t.length() + r.mark().length());
        }
        int[] w = widths(need, width - 3 * (k - 1));
        StringBuilder sb = new StringBuilder();
        String[] header = new String[k];
        for (int c = 0; c < k; c++) header[c] = trace.cpuNames().get(cols.get(c));
        line(sb, w, header);
        StringBuilder rule = new StringBuilder();
        for (int c = 0; c < k; c++) rule.append(c > 0 ? "-+-" : "").append("-".repeat(w[c]));
        sb.append(rule).append('\n');
        for (int i = 0; i < rows.size(); i++) {
            int c = cols.indexOf(rows.get(i).cpu());
            for (String part : wrap(texts.get(i), rows.get(i).mark(), w[c])) {
                String[] cell = new String[k];
                cell[c] = part;
                line(sb, w, cell);
            }
        }
        return sb.toString();
    }

    /**
     * A cell cut into lines of {@code width}: breaks after a space, comma or parenthesis when there
     * is one, continuation lines indented two more; the mark stays whole on the last line. At most
     * {@link #MAX_WRAP} lines, the last cut with "~".
     */
    static List<String> wrap(String text, String mark, int width) {
        List<String> out = new ArrayList<>();
        int indent = text.length() - text.stripLeading().length() + 2;
        String rest = text;
        while (rest.length() + mark.length() > width && out.size() < MAX_WRAP - 1 && width - indent > 8) {
            int cut = Math.min(rest.length(), width);
            int brk = -1;
            for (String breaks : new String[] {" ,", "("}) {
                for (int j = cut - 1; j > indent + 4 && brk < 0; j--) {
                    if (breaks.indexOf(rest.charAt(j)) >= 0) brk = j + 1;
                }
            }
            if (brk < 0) brk = cut;
            out.add(rest.substring(0, brk).stripTrailing());
            rest = " ".repeat(indent) + rest.substring(brk).stripLeading();
        }
        if (rest.length() + mark.length() > width) rest = rest.substring(0, Math.max(0, width - mark.length() - 1)) + "~";
        out.add(rest + mark);
        return out;
    }

    /** Column widths within {@code avail}: narrow columns get what they need, the rest share. */
    static int[] widths(int[] need, int avail) {
        int k = need.length;
        int[] w = new int[k];
        int sum = 0;
        for (int x : need) sum += x;
        if (sum <= avail) return need.clone();
        boolean[] fixed = new boolean[k];
        int left = avail, open = k;
        boolean changed = true;
        while (changed && open > 0) {
            changed = false;
            int fair = left / open;
            for (int c = 0; c < k; c++) {
                if (!fixed[c] && need[c] <= fair) {
                    w[c] = need[c];
                    fixed[c] = true;
                    left -= need[c];
                    open--;
                    changed = true;
                }
            }
        }
        for (int c = 0, i = 0; c < k; c++) {
            if (fixed[c]) continue;
            w[c] = left / open + (i++ < left % open ? 1 : 0);
        }
        return w;
    }

    private static void line(StringBuilder sb, int[] w, String[] cell) {
        int start = sb.length();
        for (int c = 0; c < w.length; c++) {
            if (c > 0) sb.append(" | ");
            String t = cell[c] == null ? "" : cell[c];
            if (t.length() > w[c]) t = t.substring(0, Math.max(0, w[c] - 1)) + "~";
            sb.append(t).append(" ".repeat(w[c] - t.length()));
        }
        int len = sb.length();
        while (len > start && sb.charAt(len - 1) == ' ') len--;
        sb.setLength(len);
        sb.append('\n');
    }
}
