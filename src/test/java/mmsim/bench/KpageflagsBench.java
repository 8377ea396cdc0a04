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
 * <p>{@code main} runs both back to back and prints both rates and the ratio model/host
 * (target: at least 3).
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

    @Setup
    public void setup() throws IOException {
        Machine m = Machine.boot(MachineLayout.parse("bench", "arch x86_64\ncpus 2\nram 0x0 +" + (N / 256) + "M\nreserve 0x0 +1M\n"),
                KernelConfig.mainline());
        model = KPageProc.of(m);
        try {
            host = FileChannel.open(Path.of("/proc/kpageflags"));
            host.read(ByteBuffer.allocate(8), 0);
        } catch (IOException | SecurityException e) {
            host = null;
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

    /** Same-run comparison: best of 10 rounds each, then the ratio. */
    public static void main(String[] args) throws IOException {
        KpageflagsBench b = new KpageflagsBench();
        b.setup();
        double modelRate = 0, hostRate = 0;
        for (int round = 0; round < 10; round++) {
            long t = System.nanoTime();
            b.modelKpageflags();
            modelRate = Math.max(modelRate, N / ((System.nanoTime() - t) / 1e9));
            if (b.host != null) {
                t = System.nanoTime();
                b.hostKpageflags();
                hostRate = Math.max(hostRate, N / ((System.nanoTime() - t) / 1e9));
            }
        }
        System.out.printf(Locale.ROOT, "model /proc/kpageflags: %.1f M PFNs/s over %d PFNs%n", modelRate / 1e6, N);
        if (b.host == null) {
            System.out.println("host /proc/kpageflags: not readable (run as root to compare)");
        } else {
            System.out.printf(Locale.ROOT, "host  /proc/kpageflags: %.1f M PFNs/s%nratio model/host: %.2f (target >= 3)%n",
                    hostRate / 1e6, modelRate / hostRate);
        }
    }
}
