package mmsim.explore;

/** How the explorer chooses the CPU that runs next at each preemption point. */
public enum Strategy {
    /** Exhaustive depth-first search with a preemption bound (CHESS-style iterative context bounding). */
    DFS,
    /** Seeded random walk: a uniformly random runnable CPU at every point. */
    RANDOM,
    /** Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010) with depth {@code pctDepth}. */
    PCT;

    public String lower() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
