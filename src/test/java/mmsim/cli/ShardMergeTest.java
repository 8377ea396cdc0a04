package mmsim.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.jr.ob.JSON;
import mmsim.explore.Shard;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --shard I/N} and {@code mmsim merge}: shards run as separate processes merge into exactly
 * what one unsharded run prints; bad input to the merge is named, never a stack trace.
 */
class ShardMergeTest {
    @TempDir static Path dir;

    /** Three shards of one explore run (a row that stops at a failure), for the merge's error cases. */
    static Path[] shards = new Path[3];

    @BeforeAll
    static void threeShards() throws Exception {
        for (int i = 0; i < 3; i++) shards[i] = write("e" + i + ".json", explore("001b", "v5.3", "--shard", i + "/3"));
    }

    static String explore(String... args) {
        List<String> a = new ArrayList<>(List.of("explore", args[0], "--variant", args[1], "--json", "-q"));
        a.addAll(List.of(args).subList(2, args.length));
        CliEndToEndTest.Run r = CliEndToEndTest.run(a.toArray(String[]::new));
        assertTrue(r.exit() == 0 || r.exit() == 1 || r.exit() == 4, r.err());
        return r.out();
    }

    static Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    /** {@code mmsim ARGS} in a JVM of its own, with this test's class path; its standard output. */
    static Process spawn(Path out, String... args) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-Xmx1g", "-cp", cp, "mmsim.cli.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(new File(System.getProperty("user.dir")))
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String text) throws Exception {
        return (Map<String, Object>) JSON.std.anyFrom(text);
    }

    @Test
    @SuppressWarnings("unchecked")
    void fourShardProcessesMergeIntoWhatOneUnshardedRunPrints() throws Exception {
        // rows that stop at a failure, rows with an INTERESTING find and a second phase, exhaustive
        // rows, and 010, whose lock analysis shard 0 runs whole
        String[] check = {"check", "001b", "002c", "011b", "010", "--json", "-q", "--reproducible"};
        List<Process> running = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Path f = dir.resolve("check-shard-" + i + ".json");
            files.add(f);
            List<String> a = new ArrayList<>(List.of(check));
            a.addAll(List.of("--shard", i + "/4"));
            running.add(spawn(f, a.toArray(String[]::new)));
        }
        // a shard runs sleep sets (DPOR's races would ask for other shards' subtrees): the merge is
        // what one run with sleep sets prints
        Path wholeFile = dir.resolve("check-whole.json");
        List<String> whole1 = new ArrayList<>(List.of(check));
        whole1.addAll(List.of("--reduction", "sleep"));
        running.add(spawn(wholeFile, whole1.toArray(String[]::new)));
        for (Process p : running) {
            assertTrue(p.waitFor(10, TimeUnit.MINUTES), "a shard did not finish");
            assertTrue(p.exitValue() == 0 || p.exitValue() == 1, "exit " + p.exitValue());
        }
        List<String> merge = new ArrayList<>(List.of("merge"));
        for (int i = 3; i >= 0; i--) merge.add(files.get(i).toString());   // any order
        CliEndToEndTest.Run merged = CliEndToEndTest.run(merge.toArray(String[]::new));
        Map<String, Object> whole = json(Files.readString(wholeFile));
        assertEquals(((Number) whole.get("exit")).intValue(), merged.exit(), merged.err());
        Map<String, Object> m = json(merged.out());
        List<Map<String, Object>> wr = (List<Map<String, Object>>) whole.get("rows"), mr = (List<Map<String, Object>>) m.get("rows");
        assertEquals(wr.size(), mr.size());
        long sharded = 0;
        for (int i = 0; i < wr.size(); i++) {
            Map<String, Object> a = wr.get(i), b = mr.get(i);
            String row = a.get("scenario") + " / " + a.get("variant");
            for (String k : List.of("scenario", "variant", "executions", "status", "verdict", "note", "exhaustive", "outcomes", "reduction")) {
                assertEquals(a.get(k), b.get(k), row + ": " + k);
            }
            List<Map<String, Object>> fa = (List<Map<String, Object>>) a.get("findings"), fb = (List<Map<String, Object>>) b.get("findings");
            assertEquals(fa.size(), fb.size(), row + ": findings");
            for (int j = 0; j < fa.size(); j++) assertEquals(fa.get(j).get("schedule"), fb.get(j).get("schedule"), row + ": finding " + j);
            if (!a.containsKey("necessary_locks")) sharded++;
        }
        assertTrue(sharded >= 10, "most rows were split");
        assertEquals(whole, m, "the merge prints exactly what the unsharded check prints");
        // each shard did a part of the work of a split row, not all of it
        Map<String, Object> s1 = json(Files.readString(files.get(1)));
        for (Map<String, Object> r : (List<Map<String, Object>>) s1.get("rows")) {
            if (r.get("scenario").toString().startsWith("011b")) {
                long part = ((Number) r.get("executions")).longValue();
                long all = wr.stream().filter(x -> x.get("scenario").equals(r.get("scenario"))).mapToLong(x -> ((Number) x.get("executions")).longValue()).sum();
                assertTrue(part > 0 && part < all, part + " of " + all);
            }
        }
    }

    @Test
    void exploreShardsMergeAsJsonLines() throws Exception {
        String whole = explore("001b", "mainline", "--reduction", "sleep");
        List<String> files = new ArrayList<>(List.of("merge"));
        for (int i = 0; i < 2; i++) files.add(write("m" + i + ".json", explore("001b", "mainline", "--shard", i + "/2")).toString());
        CliEndToEndTest.Run merged = CliEndToEndTest.run(files.toArray(String[]::new));
        assertEquals(0, merged.exit(), merged.err());
        Map<String, Object> a = json(whole), b = json(merged.out());
        a.remove("elapsed_ms");
        b.remove("elapsed_ms");
        assertEquals(a, b);
    }

    @Test
    void aShardWithNoRowOfItsOwnStillMerges() throws Exception {
        // 010 asks for a lock analysis, which cannot be split: shard 0 runs it whole, shard 1 has no row
        CliEndToEndTest.Run one = CliEndToEndTest.run("check", "010", "--shard", "1/2", "--json", "-q", "--reproducible");
        assertEquals(0, one.exit(), one.err());
        assertEquals(List.of(), json(one.out()).get("rows"));
        Path zero = write("c0.json", CliEndToEndTest.run("check", "010", "--shard", "0/2", "--json", "-q", "--reproducible").out());
        CliEndToEndTest.Run merged = CliEndToEndTest.run("merge", zero.toString(), write("c1.json", one.out()).toString());
        assertEquals(0, merged.exit(), merged.err());
        assertEquals(json(CliEndToEndTest.run("check", "010", "--json", "-q", "--reproducible", "--reduction", "sleep").out()), json(merged.out()));
    }

    @Test
    void aShardRunsSleepSetsAndRefusesDporAskedFor() throws Exception {
        CliEndToEndTest.Run asked = CliEndToEndTest.run("check", "010", "--shard", "0/2", "--reduction", "dpor");
        assertEquals(2, asked.exit(), asked.out() + asked.err());
        assertTrue(asked.err().contains("--reduction dpor cannot be sharded"), asked.err());
        // unsharded, the default is DPOR: fewer executions than the sleep sets the shards run
        long dpor = executions(CliEndToEndTest.run("check", "010", "--json", "-q", "--reproducible").out());
        long sleep = executions(CliEndToEndTest.run("check", "010", "--json", "-q", "--reproducible", "--reduction", "sleep").out());
        assertTrue(dpor < sleep, dpor + " executions with DPOR, " + sleep + " with sleep sets");
    }

    @SuppressWarnings("unchecked")
    private static long executions(String checkJson) throws Exception {
        long n = 0;
        for (Map<String, Object> r : (List<Map<String, Object>>) json(checkJson).get("rows")) n += ((Number) r.get("executions")).longValue();
        return n;
    }

    @Test
    void aShardCutByItsBudgetMakesTheMergeSaySoAndNotAPass() throws Exception {
        Path cut = write("cut.json", explore("001b", "mainline", "--shard", "0/2", "--budget", "3"));
        Path other = write("cut1.json", explore("001b", "mainline", "--shard", "1/2"));
        CliEndToEndTest.Run r = CliEndToEndTest.run("merge", cut.toString(), other.toString());
        assertNotEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("\"merge_note\":\"not exact: the budget cut shard 0"), r.out());
        assertTrue(r.err().contains("not exact"), r.err());
    }

    static void assertRefused(String expected, String... args) {
        CliEndToEndTest.Run r = CliEndToEndTest.run(args);
        assertEquals(Main.EXIT_USAGE, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
        assertEquals("", r.out());
    }

    @Test
    void badInputToTheMergeIsNamed() throws Exception {
        String s0 = shards[0].toString(), s1 = shards[1].toString(), s2 = shards[2].toString();
        assertRefused("shard 2/3 missing", "merge", s0, s1);
        assertRefused(s1 + " and " + s1 + " are both shard 1/3", "merge", s0, s1, s1, s2);
        Path ofTwo = write("two.json", explore("001b", "v5.3", "--shard", "1/2"));
        assertRefused(ofTwo + ": shard 1 of 2, but " + s0 + " is of 3 shards", "merge", s0, ofTwo.toString(), s2);
        Path otherVariant = write("variant.json", explore("001b", "mainline", "--shard", "2/3"));
        assertRefused(otherVariant + ": has row 001b-kpageflags-vs-partial-section-device / mainline", "merge", s0, s1, otherVariant.toString());
        Path otherBound = write("bound.json", explore("001b", "v5.3", "--shard", "2/3", "--bound", "1"));
        assertRefused(otherBound + ": 001b-kpageflags-vs-partial-section-device / v5.3 was run with bound 1", "merge", s0, s1, otherBound.toString());
        String text = Files.readString(shards[2]);
        Path truncated = write("truncated.json", text.substring(0, text.length() / 2));
        assertRefused(truncated + ":1: malformed JSON", "merge", s0, s1, truncated.toString());
        Path unsharded = write("unsharded.json", explore("001b", "v5.3"));
        assertRefused(unsharded + ": row 001b-kpageflags-vs-partial-section-device / v5.3 has no shard section", "merge", s0, s1, unsharded.toString());
        assertRefused(dir.resolve("nowhere.json") + ": cannot read it (no such file)", "merge", s0, s1, dir.resolve("nowhere.json").toString());
        Path empty = write("empty.json", "");
        assertRefused(empty + ": no rows", "merge", s0, s1, empty.toString());
    }

    @Test
    void theShardComesFromTheOptionOrTheBatchSystem() throws Exception {
        assertNull(ShardArgs.resolve(null, Map.of()));
        assertEquals(new Shard(3, 8), ShardArgs.resolve("3/8", Map.of()));
        assertEquals(new Shard(5, 8), ShardArgs.resolve("8", Map.of("JOB_COMPLETION_INDEX", "5")));
        UsageError noIndex = assertThrows(UsageError.class, () -> ShardArgs.resolve("8", Map.of()));
        assertTrue(noIndex.getMessage().contains("JOB_COMPLETION_INDEX"), noIndex.getMessage());
        UsageError outOfRange = assertThrows(UsageError.class, () -> ShardArgs.resolve("8", Map.of("JOB_COMPLETION_INDEX", "8")));
        assertTrue(outOfRange.getMessage().contains("JOB_COMPLETION_INDEX=8"), outOfRange.getMessage());
        assertThrows(UsageError.class, () -> ShardArgs.resolve("2/x", Map.of()));
        // Bazel: the index and count from the environment, and the status file touched to say the runner shards
        Path status = dir.resolve("shard-status");
        Map<String, String> bazel = new HashMap<>(Map.of("TEST_SHARD_INDEX", "1", "TEST_TOTAL_SHARDS", "4", "TEST_SHARD_STATUS_FILE", status.toString()));
        assertEquals(new Shard(1, 4), ShardArgs.resolve(null, bazel));
        assertTrue(Files.exists(status), "TEST_SHARD_STATUS_FILE touched");
        assertEquals(new Shard(0, 2), ShardArgs.resolve("0/2", bazel), "the option wins over the environment");
        UsageError half = assertThrows(UsageError.class, () -> ShardArgs.resolve(null, Map.of("TEST_TOTAL_SHARDS", "4")));
        assertTrue(half.getMessage().contains("TEST_SHARD_INDEX"), half.getMessage());
        // on the command line
        CliEndToEndTest.Run r = CliEndToEndTest.run("explore", "001b", "--variant", "v5.3", "--shard", "4/4");
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertTrue(r.err().contains("--shard 4/4: shard index must be 0..3"), r.err());
        r = CliEndToEndTest.run("explore", "001b", "--variant", "v5.3", "--strategy", "random", "--shard", "0/4");
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertTrue(r.err().contains("only the dfs strategy"), r.err());
    }

    @Test
    void theShippedJobTemplatesAgreeOnTheShardCount() throws Exception {
        Path root = Path.of(System.getProperty("user.dir"));
        String k8s = Files.readString(root.resolve("deploy/kubernetes/explore-job.yaml"), StandardCharsets.UTF_8);
        assertTrue(k8s.contains("completionMode: Indexed"), "an Indexed Job");
        String completions = CliEndToEndTest.firstMatch("completions: (\\d+)", k8s);
        assertEquals(completions, CliEndToEndTest.firstMatch("--shard \"\\$JOB_COMPLETION_INDEX/(\\d+)\"", k8s));
        String slurm = Files.readString(root.resolve("deploy/slurm/explore.sbatch"), StandardCharsets.UTF_8);
        assertTrue(slurm.contains("--array=0-"), "array indices from 0, as --shard counts");
        assertTrue(slurm.contains("--shard \"$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT\""), slurm);
        String ci = Files.readString(root.resolve("deploy/ci/github-actions-matrix.yml"), StandardCharsets.UTF_8);
        String matrix = CliEndToEndTest.firstMatch("shard: \\[([0-9, ]+)\\]", ci);
        String n = CliEndToEndTest.firstMatch("--shard \\$\\{\\{ matrix.shard }}/(\\d+)", ci);
        assertEquals(Integer.parseInt(n), matrix.split(",").length, "the matrix lists every shard");
        assertTrue(ci.contains("./mmsim merge shard-*.json"), ci);
    }
}
