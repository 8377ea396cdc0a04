package mmsim.bench;

import mmsim.iface.tools.ModelFs;
import mmsim.iface.tools.PageTypes;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * page-types' default run (the per-flags summary) over a booted model of a 26 GiB machine:
 * 6.5 Mi PFNs of /proc/kpageflags read in the tool's 64 Ki-entry preads through the machine's
 * VirtualFs, exactly as {@code mmsim page-types} does. Score: seconds per summary (target: under
 * one). {@code main} prints the best of 5 runs and the PFNs per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PageTypesBench {
    /** 26 GiB of RAM above the first MiB: 6.5 Mi PFNs (the file ends at max_pfn rounded up to a section). */
    static final String LAYOUT = """
            arch x86_64
            cpus 4
            ram 0x1000 +0x9e000
            ram 0x100000 +3071M
            reserve 0x100000 +31M
            ram 0x100000000 +23G
            """;

    Machine machine;
    ModelFs fs;

    @Setup
    public void setup() {
        machine = Machine.boot(MachineLayout.parse("26g", LAYOUT), KernelConfig.mainline());
        fs = new ModelFs(machine);
    }

    @Benchmark
    public int summary() {
        return PageTypes.run(new String[0], s -> fs, OutputStream.nullOutputStream(), new PrintStream(OutputStream.nullOutputStream()));
    }

    public static void main(String[] args) {
        PageTypesBench b = new PageTypesBench();
        long t0 = System.nanoTime();
        b.setup();
        double boot = (System.nanoTime() - t0) / 1e9;
        long pfns = mmsim.iface.procfs.KPageProc.of(b.machine).maxDumpPfn();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t = System.nanoTime();
            b.summary();
            best = Math.min(best, (System.nanoTime() - t) / 1e9);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PageTypes.run(new String[0], s -> b.fs, out, System.err);
        System.out.print(out.toString(StandardCharsets.UTF_8));
        System.out.printf(Locale.ROOT, "boot: %.2f s; page-types summary over %d PFNs: best %.3f s (%.1f M PFNs/s; target < 1 s)%n",
                boot, pfns, best, pfns / best / 1e6);
    }
}
