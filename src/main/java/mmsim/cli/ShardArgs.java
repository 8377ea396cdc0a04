package mmsim.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

import mmsim.explore.Shard;

/**
 * Which shard this process explores ({@link Shard}), from {@code --shard} or from the batch
 * system's environment, so a job template needs no arithmetic:
 * <ul>
 *   <li>{@code --shard I/N}: shard I (0-based) of N, e.g. {@code --shard $SLURM_ARRAY_TASK_ID/8};</li>
 *   <li>{@code --shard N}: of N shards, the index from {@code JOB_COMPLETION_INDEX}, which a
 *       Kubernetes Indexed Job ({@code completionMode: Indexed}) sets in each pod;</li>
 *   <li>no option: Bazel test sharding, {@code TEST_SHARD_INDEX} of {@code TEST_TOTAL_SHARDS};
 *       the file named by {@code TEST_SHARD_STATUS_FILE} is touched, as Bazel asks of a test
 *       runner that shards.</li>
 * </ul>
 */
final class ShardArgs {
    private ShardArgs() { }

    /** The shard, or null to explore everything; a {@link UsageError} names the option or variable that is wrong. */
    static Shard resolve(String option, Map<String, String> env) {
        if (option != null) {
            String spec = option.strip();
            if (!spec.contains("/")) {
                String index = env.get("JOB_COMPLETION_INDEX");
                if (index == null) {
                    throw new UsageError("--shard " + option + ": a count alone takes the shard index from JOB_COMPLETION_INDEX"
                            + " (set in the pods of a Kubernetes Indexed Job), which is not set; give I/N, e.g. --shard 0/" + spec);
                }
                return parse(index + "/" + spec, "--shard " + option + " with JOB_COMPLETION_INDEX=" + index);
            }
            return parse(spec, "--shard " + option);
        }
        String total = env.get("TEST_TOTAL_SHARDS");
        if (total == null) return null;
        String index = env.get("TEST_SHARD_INDEX");
        if (index == null) throw new UsageError("TEST_TOTAL_SHARDS=" + total + " is set (Bazel test sharding) but TEST_SHARD_INDEX is not");
        Shard s = parse(index + "/" + total, "TEST_SHARD_INDEX=" + index + " of TEST_TOTAL_SHARDS=" + total);
        String status = env.get("TEST_SHARD_STATUS_FILE");
        if (status != null && !status.isEmpty()) touch(Path.of(status));
        return s;
    }

    private static Shard parse(String spec, String from) {
        try {
            return Shard.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new UsageError(from + ": " + e.getMessage());
        }
    }

    private static void touch(Path file) {
        try {
            if (Files.exists(file)) Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
            else Files.createFile(file);
        } catch (IOException e) {
            throw new UsageError("TEST_SHARD_STATUS_FILE=" + file + ": cannot touch it (" + e.getMessage() + ")");
        }
    }
}
