package mmsim.bench;

import mmsim.iface.procfs.KPageFiles;
import mmsim.iface.procfs.KPageProc;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Reading /proc/kpageflags for N PFNs in 512 KiB reads (page-types' batch): the model's file of
 * a booted machine with N PFNs of RAM, and in the same run this host's real file for the same
 * N PFNs when it is readable (root). Scores are PFNs per second (JMH ops = PFNs).
 *
 * <p>{@code main} runs both alternately and prints both rates per round and the ratio model/host
 * (target: at least 5 in every round).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class KpageflagsBench {
    /** 1 Mi PFNs (4 GiB); page-types over a 25 GiB host walks 6.5 Mi. */
    static final int N = 1 << 20;
    static final int BATCH = 512 * 1024;

    KPageFiles model;
    FileChannel host;
    final ByteBuffer buf = ByteBuffer.allocateDirect(BATCH);

    /** "booted" (free memory, as the machine boots) or "busy" (three quarters written as anonymous memory). */
    @org.openjdk.jmh.annotations.Param({"booted"})
    public String machine = "booted";

    @Setup
    public void setup() throws IOException {
        Machine m = Machine.boot(MachineLayout.parse("bench", "arch x86_64\ncpus 2\nram 0x0 +" + (N / 256) + "M\nreserve 0x0 +1M\n"),
                KernelConfig.mainline());
        if (machine.equals("busy")) writeAnonymousMemory(m, (long) N * 4096 / 4 * 3);
        model = KPageProc.of(m);
        try {
            host = FileChannel.open(Path.of("/proc/kpageflags"));
            host.read(ByteBuffer.allocate(8), 0);
        } catch (IOException | SecurityException e) {
            host = null;
        }
    }

    /**
     * Maps {@code bytes} of private anonymous memory in a new process and writes every page: a
     * memmap of distinct anonymous pages (each its own mapping index) that no run shortcut covers.
     */
    static void writeAnonymousMemory(Machine m, long bytes) {
        var um = m.userMemory();
        var mm = um.newProcess("bench");
        long addr = um.mmap.mmap(mm, 0, bytes, mmsim.mm.mmap.Mmap.PROT_READ | mmsim.mm.mmap.Mmap.PROT_WRITE,
                mmsim.mm.mmap.Mmap.MAP_PRIVATE | mmsim.mm.mmap.Mmap.MAP_ANONYMOUS);
        for (long a = addr; a < addr + bytes; a += 4096) {
            if (um.memory.faultIn(mm, a, true) != 0) throw new IllegalStateException("fault at " + Long.toHexString(a));
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long modelKpageflags() {
        long x = 0;
        for (long pos = 0; pos < N * 8L; ) {
            byte[] d = model.read(KPageFiles.Kind.KPAGEFLAGS, pos, Math.min(BATCH, N * 8L - pos)).data();
            if (d.length == 0) break;
            pos += d.length;
            x += d[d.length - 7];
        }
        return x;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long hostKpageflags() throws IOException {
        if (host == null) return 0;
        long x = 0;
        for (long pos = 0; pos < N * 8L; ) {
            buf.clear().limit((int) Math.min(BATCH, N * 8L - pos));
            int n = host.read(buf, pos);
            if (n <= 0) break;
            pos += n;
            x += buf.get(n - 7);
        }
        return x;
    }

    /**
     * Same-run comparison, round by round (model then host, alternated, so a disturbance of the
     * machine lands on both): each round's rates and ratio, then the best of each and the worst
     * round's ratio. A round of either reads the whole N PFNs as many times as fit in
     * {@value #ROUND_MS} ms (at least once), so a preemption weighs on the fast side no more than
     * on the slow one. Arguments: the number of measured rounds (default 10), then "busy" for a
     * machine with three quarters of its memory written as anonymous pages. Five warm-up rounds
     * (the JIT compiling the readers) come first and are printed but not counted.
     */
    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int warmup = 5;
        KpageflagsBench b = new KpageflagsBench();
        if (args.length > 1) b.machine = args[1];
        b.setup();
        double modelBest = 0, hostBest = 0, worstRatio = Double.MAX_VALUE;
        for (int round = -warmup; round < rounds; round++) {
            double modelRate = rate(b::modelKpageflags);
            double hostRate = b.host != null ? rate(b::hostKpageflags) : Double.NaN;
            System.out.printf(Locale.ROOT, "%-9s model %6.1f M PFNs/s, host %6.1f M PFNs/s, ratio %.2f%n",
                    round < 0 ? "warm-up" : "round " + (round + 1) + ":", modelRate / 1e6, hostRate / 1e6, modelRate / hostRate);
            if (round < 0) continue;
            modelBest = Math.max(modelBest, modelRate);
            if (b.host == null) continue;
            hostBest = Math.max(hostBest, hostRate);
            worstRatio = Math.min(worstRatio, modelRate / hostRate);
        }
        System.out.printf(Locale.ROOT, "model /proc/kpageflags (%s machine): best %.1f M PFNs/s over %d PFNs%n", b.machine, modelBest / 1e6, N);
        if (b.host == null) {
            System.out.println("host /proc/kpageflags: not readable (run as root to compare)");
        } else {
            System.out.printf(Locale.ROOT, "host  /proc/kpageflags: best %.1f M PFNs/s%n"
                    + "ratio model/host: best to best %.2f, worst of %d rounds %.2f (target >= 5 in every round)%n",
                    hostBest / 1e6, modelBest / hostBest, rounds, worstRatio);
        }
    }

    static final int ROUND_MS = 200;

    /** One round: whole-file reads repeated for at least {@value #ROUND_MS} ms; PFNs per second. */
    private static double rate(ReadAll read) throws IOException {
        long start = System.nanoTime(), t;
        long pfns = 0;
        do {
            read.run();
            pfns += N;
            t = System.nanoTime() - start;
        } while (t < ROUND_MS * 1_000_000L);
        return pfns / (t / 1e9);
    }

    private interface ReadAll {
        long run() throws IOException;
    }
}
