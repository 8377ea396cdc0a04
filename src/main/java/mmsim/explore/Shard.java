package mmsim.explore;

/**
 * One of {@code count} parts of a DFS exploration, for running the parts as an indexed batch job
 * (a Kubernetes Indexed Job, a Slurm job array, a CI matrix, Bazel test sharding).
 *
 * <p>The schedule tree is cut into subtrees, each rooted at a schedule prefix, numbered in DFS
 * order and dealt round-robin to the shards (subtree k to shard k mod count). Where each path is
 * cut is chosen by the explorer ({@link ShardSplit}) so that there are at least {@link
 * #SUBTREES_PER_SHARD} times more subtrees than shards, alike in size. Executions that end above
 * the cut belong to shard 0. Everything here is a function of the program and the options, so
 * every machine agrees.
 */
public record Shard(int index, int count) {
    /** The explorer looks for a split with at least this many subtrees per shard. */
    public static final int SUBTREES_PER_SHARD = 16;

    /** Most shards one run may be cut into. */
    public static final int MAX_COUNT = 4096;

    public Shard {
        if (count < 1 || count > MAX_COUNT) throw new IllegalArgumentException("shard count must be 1.." + MAX_COUNT + ", got " + count);
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("shard index must be 0.." + (count - 1) + " for " + count + " shards, got " + index);
        }
    }

    /** Parses {@code I/N} (0-based index I of N shards); IllegalArgumentException naming what is wrong. */
    public static Shard parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        if (slash < 0) throw new IllegalArgumentException("expected I/N (shard index I of N shards, 0-based), got '" + text + "'");
        int index, count;
        try {
            index = Integer.parseInt(s.substring(0, slash).strip());
            count = Integer.parseInt(s.substring(slash + 1).strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected I/N with whole numbers (e.g. 2/8), got '" + text + "'");
        }
        return new Shard(index, count);
    }

    /** Whether the subtree numbered {@code subtree} (DFS order) is this shard's. */
    boolean owns(long subtree) {
        return subtree % count == index;
    }

    /** Whether this shard counts what lies above the cut (executions ending there, pruning there). */
    boolean countsTop() {
        return index == 0;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
