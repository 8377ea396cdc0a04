package mmsim.explore;

import java.util.Arrays;

/**
 * Exhaustive stateless search with a preemption bound (CHESS, Musuvathi and Qadeer, PLDI 2007).
 *
 * <p>The schedules form a tree: each node is a decision of the last execution with its enabled
 * set. An execution follows a prefix of forced choices, then the default: keep the current CPU
 * while it is enabled, else the lowest enabled one (a switch forced by blocking or finishing is
 * not a preemption). After each execution {@link #advance} picks the deepest node with an
 * untried CPU whose choice keeps the preemption count within the bound, and the next execution
 * follows the path to it. Alternatives are tried in CPU order, so the order of executions is a
 * function of the program alone. When no node has an alternative left, the bounded space is
 * exhausted.
 */
final class DfsSearch implements Engine.Chooser {
    private final int bound;
    private byte[] chosen = new byte[256];
    private long[] enabled = new long[256];
    private byte[] current = new byte[256];
    private long[] tried = new long[256];
    private int[] preBefore = new int[257];
    private int depth;
    private int prefixLen;

    DfsSearch(int bound) {
        this.bound = bound;
    }

    @Override
    public int choose(int step, int cur, long en) {
        if (step < prefixLen) {
            int c = chosen[step];
            if ((en & (1L << c)) == 0) {
                throw new IllegalStateException("the program is not deterministic: step " + step + " of a repeated schedule prefix found CPU "
                        + Schedule.cpuLetter(c) + " not runnable (runnable: " + Schedule.letters(en) + "); "
                        + "model code must not depend on anything but the schedule");
            }
            return c;
        }
        return cur >= 0 && (en & (1L << cur)) != 0 ? cur : Long.numberOfTrailingZeros(en);
    }

    /** Takes in the execution just run; false when the bounded space is exhausted. */
    boolean advance(Engine e) {
        int s = e.steps;
        if (s > chosen.length) {
            int len = Math.max(s, chosen.length * 2);
            chosen = Arrays.copyOf(chosen, len);
            enabled = Arrays.copyOf(enabled, len);
            current = Arrays.copyOf(current, len);
            tried = Arrays.copyOf(tried, len);
            preBefore = Arrays.copyOf(preBefore, len + 1);
        }
        System.arraycopy(e.chosen, 0, chosen, 0, s);
        System.arraycopy(e.enabledAt, 0, enabled, 0, s);
        System.arraycopy(e.currentAt, 0, current, 0, s);
        for (int i = prefixLen; i < s; i++) tried[i] = 1L << chosen[i];
        preBefore[0] = 0;
        for (int i = 0; i < s; i++) preBefore[i + 1] = preBefore[i] + (isPreemption(i, chosen[i]) ? 1 : 0);
        depth = s;
        for (int i = s - 1; i >= 0; i--) {
            long alt = enabled[i] & ~tried[i];
            while (alt != 0) {
                int c = Long.numberOfTrailingZeros(alt);
                alt &= alt - 1;
                if (preBefore[i] + (isPreemption(i, c) ? 1 : 0) <= bound) {
                    tried[i] |= 1L << c;
                    chosen[i] = (byte) c;
                    prefixLen = i + 1;
                    return true;
                }
            }
        }
        return false;
    }

    private boolean isPreemption(int i, int c) {
        int cur = current[i];
        return cur >= 0 && c != cur && (enabled[i] & (1L << cur)) != 0;
    }

    /** Estimated fraction of the bounded tree already explored (for progress only). */
    double coverage() {
        double done = 0, weight = 1;
        for (int i = 0; i < depth && weight > 1e-12; i++) {
            int allowed = 0, before = 0;
            for (long m = enabled[i]; m != 0; m &= m - 1) {
                int c = Long.numberOfTrailingZeros(m);
                if (preBefore[i] + (isPreemption(i, c) ? 1 : 0) <= bound) {
                    allowed++;
                    if ((tried[i] & (1L << c)) != 0 && c != chosen[i]) before++;
                }
            }
            if (allowed == 0) break;
            done += weight * before / allowed;
            weight /= allowed;
        }
        return Math.min(1, done);
    }
}
