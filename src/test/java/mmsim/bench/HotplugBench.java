package mmsim.bench;

import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.memory_block.MemoryBlock;
import mmsim.mm.memory_block.MemoryBlocks;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * Online then offline of one 128 MiB memory block (32768 pages) of the model, through the same
 * entry points as {@code echo online|offline > /sys/devices/system/memory/memory4/state}:
 * memmap init, 32768 pages into the buddy allocator, isolation, taking them out again, section
 * flags, notifier chain, re-poisoning. One op = one online + one offline. Per era: v4.6 frees the
 * block page by page through the per-cpu lists.
 *
 * <p>For comparison, the report of the session that added this bench times the same pair of
 * writes on one removable block of the 6.18 host.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HotplugBench {
    @Param({"mainline", "v4.6"})
    public String era;

    MemoryBlocks hp;
    MemoryBlock block;

    @Setup(Level.Trial)
    public void setup() {
        KernelConfig c = era.equals("v4.6") ? KernelConfig.v4_6() : KernelConfig.mainline();
        Machine m = Machine.boot(MachineLayout.small(), c);
        hp = m.memoryBlocks();
        block = hp.block(4);
    }

    @Benchmark
    public int onlineOffline128M() {
        int a = hp.stateStore(block, "online");
        int b = hp.stateStore(block, "offline");
        if (a != 0 || b != 0) throw new IllegalStateException("online " + a + ", offline " + b);
        return a + b;
    }
}
