package mmsim.explore;

import java.time.Duration;
import java.util.Optional;

/**
 * One budget for a whole run: every execution the explorer makes under it counts, whether it
 * searches, searches again (a scenario's second phase after an INTERESTING find) or minimises a
 * failure, and the clock runs across all of them. Without one, each {@link Explorer#explore}
 * call gets its own from its options. Not thread-safe: one run uses it at a time.
 *
 * <p>When it runs out during a search, the result is a budget cut (never a pass); during a
 * minimisation, the failure keeps the shortest schedule found so far.
 */
public final class Budget {
    private final long maxExecutions;
    private final long start;
    private final long deadline;
    private long used;

    private Budget(long maxExecutions, Duration time) {
        if (maxExecutions <= 0) throw new IllegalArgumentException("execution budget must be > 0, got " + maxExecutions);
        this.maxExecutions = maxExecutions;
        this.start = System.nanoTime();
        this.deadline = time == null ? Long.MAX_VALUE : start + time.toNanos();
    }

    /** At most {@code maxExecutions} executions (Long.MAX_VALUE: no limit) within {@code time} (null: no limit) from now. */
    public static Budget of(long maxExecutions, Duration time) {
        return new Budget(maxExecutions, time);
    }

    /** No limit (a DFS that runs until the bounded space is exhausted). */
    public static Budget unlimited() {
        return new Budget(Long.MAX_VALUE, null);
    }

    /** True when no execution may start any more. */
    public boolean spent() {
        return used >= maxExecutions || (deadline != Long.MAX_VALUE && System.nanoTime() - deadline >= 0);
    }

    void spend() { used++; }

    /** Executions run under this budget so far, by every phase. */
    public long used() { return used; }

    long maxExecutions() { return maxExecutions; }

    long start() { return start; }

    boolean timed() { return deadline != Long.MAX_VALUE; }

    long deadline() { return deadline; }

    public Optional<Duration> timeLeft() {
        return timed() ? Optional.of(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))) : Optional.empty();
    }
}
