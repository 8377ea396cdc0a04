package mmsim.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import mmsim.iface.VirtualFs;
import mmsim.iface.debugfs.PtdumpFiles;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.init_mm.InitMm;

/**
 * What modelling init_mm's page tables costs where the explorer pays it: a boot of the small
 * x86 layout with and without the option kernel-page-tables (the explorer boots once per
 * execution), one remove+add of a 128 MiB DIMM on seed 004's arm64 machine, and one read of
 * kernel_page_tables there.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class KernelPgtableBench {
    @Param({"off", "on"})
    public String tables;

    static final MachineLayout ARM64 = MachineLayout.parse("arm64-004", """
            arch arm64
            cpus 2
            ram      0x40000000  +256M
            reserve  0x40000000  +16M
            hotplug  0x100000000 +128M
            """);

    KernelConfig x86Config;
    Machine arm;

    @Setup
    public void setup() {
        x86Config = tables.equals("on") ? KernelConfig.mainline().with(InitMm.MODEL) : KernelConfig.mainline();
        arm = Machine.boot(ARM64, KernelConfig.mainline());
    }

    @Benchmark
    public Machine bootSmallX86() { return Machine.boot(MachineLayout.small(), x86Config); }

    @Benchmark
    public int arm64RemoveAddDimm() {
        var hp = arm.memoryHotplug();
        return hp.removeMemory(0x100000000L, 128L << 20) + hp.addMemory(0, 0x100000000L, 128L << 20);
    }

    @Benchmark
    public int arm64ReadKernelPageTables() { return VirtualFs.of(arm).readAll(PtdumpFiles.ARM64_PATH).length(); }
}
