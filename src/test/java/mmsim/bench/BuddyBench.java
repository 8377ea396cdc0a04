package mmsim.bench;

import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.page_alloc.BuddyAllocator;
import mmsim.mm.linux.Gfp;
import mmsim.mm.linux.MigrateType;
import mmsim.mm.page_alloc.MmInit;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.ZoneType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The buddy allocator outside exploration (one CPU, preemption points free):
 * <ul>
 * <li>{@code order0Pair}: alloc_pages(GFP_KERNEL, 0) + __free_pages, with the per-cpu lists
 *     (the kernel's fast path) and without them (zone->lock and the buddy merge every time);
 *     target at least 20 M pairs/s on one core;</li>
 * <li>{@code order9Pair}: the same for a 2 MiB block (split from, and merged back to, order 10);</li>
 * <li>{@code onlineSection}: bringing a 128 MiB section online as online_pages does it (zone span
 *     and present pages, memmap_init_range of 32768 struct pages, free to the buddy in max-order
 *     chunks, section marked online), on a freshly booted machine per invocation.</li>
 * </ul>
 * <pre>
 *   bin/bench BuddyBench -f 1 -wi 3 -i 5
 *   java ... mmsim.bench.BuddyBench heap [LAYOUT-GiB]    heap bytes per simulated page (see {@link #main})
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class BuddyBench {
    /** 1 GiB of RAM above 4 GiB: one Normal zone. */
    static final String LAYOUT = """
            arch x86_64
            cpus 2
            ram 0x100000000 +1G
            """;

    @Param({"true", "false"})
    public boolean pcpLists;

    Machine machine;
    BuddyAllocator ba;

    @Setup
    public void setup() {
        KernelConfig c = KernelConfig.mainline();
        if (!pcpLists) c = c.without(KernelConfig.PCP_LISTS);
        machine = Machine.boot(MachineLayout.parse("bench", LAYOUT), c);
        ba = machine.allocator();
    }

    @Benchmark
    public long order0Pair() {
        long pfn = ba.allocPages(Gfp.GFP_KERNEL, 0);
        ba.freePages(pfn, 0);
        return pfn;
    }

    @Benchmark
    public long order9Pair() {
        long pfn = ba.allocPages(Gfp.GFP_KERNEL, 9);
        ba.freePages(pfn, 9);
        return pfn;
    }

    /** A machine whose 128 MiB hotplug section (small layout: 0x20000000) is present, offline. */
    @State(Scope.Thread)
    public static class Offline {
        Machine machine;

        @Setup(Level.Invocation)
        public void boot() {
            machine = Machine.boot(MachineLayout.small(), KernelConfig.mainline());
        }
    }

    static final long HOTPLUG_START = 0x20000000L >>> 12, SECTION_PAGES = 32768;

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long onlineSection(Offline o) {
        return onlineSection(o.machine);
    }

    /** online_pages() for the section, the steps the foundation's own test takes (no memory notifier chain). */
    static long onlineSection(Machine m) {
        BuddyAllocator ba = m.allocator();
        Zone movable = m.node(0).zone(ZoneType.MOVABLE);
        movable.resizeZoneRange(HOTPLUG_START, SECTION_PAGES);
        movable.adjustPresentPages(SECTION_PAGES);
        MmInit.memmapInitRange(ba, HOTPLUG_START, HOTPLUG_START + SECTION_PAGES, movable,
                BuddyAllocator.MeminitContext.HOTPLUG, MigrateType.MOVABLE);
        ba.onlinePageRange(HOTPLUG_START, SECTION_PAGES);
        m.sparse().onlineMemSections(HOTPLUG_START, HOTPLUG_START + SECTION_PAGES);
        return movable.managedPages();
    }

    /**
     * {@code heap [GiB...]}: boots a layout with that much online RAM (default 64), forces GCs and
     * prints the heap in use after the boot minus before it, per simulated page (target: at most
     * 32 bytes). {@code rates}: one-core rates without JMH, for a quick look.
     */
    public static void main(String[] args) {
        String mode = args.length > 0 ? args[0] : "heap";
        if (mode.equals("rates")) {
            rates();
            return;
        }
        // load and initialise every class a boot uses first, so the heap delta is the machine's
        Machine.boot(MachineLayout.small(), KernelConfig.mainline());
        for (int i = 1; i < Math.max(2, args.length); i++) {
            int gib = args.length > i ? Integer.parseInt(args[i]) : 64;
            heap(gib);
        }
    }

    static long usedAfterGc() {
        for (int i = 0; i < 4; i++) System.gc();
        var mem = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return mem.getUsed();
    }

    static void heap(int gib) {
        // RAM in one range above 4 GiB plus the low 3 GiB, as a server's e820 map looks
        String layout = "arch x86_64\ncpus 8\nram 0x100000 +3071M\nreserve 0x100000 +31M\nram 0x100000000 +" + (gib - 3) + "G\n";
        long before = usedAfterGc();
        long t = System.nanoTime();
        Machine m = Machine.boot(MachineLayout.parse(gib + "g", layout), KernelConfig.mainline());
        double boot = (System.nanoTime() - t) / 1e9;
        long after = usedAfterGc();
        long pages = 0;
        for (Zone z : m.zones()) pages += z.presentPages();
        long spanned = m.sparse().nrSections() * m.sparse().pagesPerSection();
        System.out.printf(Locale.ROOT, "%d GiB layout: boot %.2f s; heap %.1f MiB for %d present pages (%d pfns of sections):"
                        + " %.2f bytes/page (target <= 32)%n",
                gib, boot, (after - before) / 1048576.0, pages, spanned, (double) (after - before) / pages);
        if (m.allocator() == null) throw new AssertionError();   // keep the machine reachable until measured
    }

    static void rates() {
        for (boolean pcp : new boolean[] {true, false}) {
            BuddyBench b = new BuddyBench();
            b.pcpLists = pcp;
            b.setup();
            for (String what : new String[] {"order0", "order9"}) {
                double best = 0;
                for (int round = 0; round < 10; round++) {
                    int n = what.equals("order0") ? 2_000_000 : 100_000;   // order-9 pairs are ~40x slower
                    long t = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        if (what.equals("order0")) b.order0Pair(); else b.order9Pair();
                    }
                    best = Math.max(best, n / ((System.nanoTime() - t) / 1e9));
                }
                System.out.printf(Locale.ROOT, "%s pairs/s, pcp lists %s: %.1f M%n", what, pcp, best / 1e6);
            }
            if (!ModelCheck.check(b.machine).isEmpty()) throw new AssertionError(ModelCheck.check(b.machine));
        }
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 20; round++) {
            Machine m = Machine.boot(MachineLayout.small(), KernelConfig.mainline());
            long t = System.nanoTime();
            onlineSection(m);
            best = Math.min(best, (System.nanoTime() - t) / 1e6);
            if (round == 0 && !ModelCheck.check(m).isEmpty()) throw new AssertionError(ModelCheck.check(m));
        }
        System.out.printf(Locale.ROOT, "online a 128 MiB section: best %.3f ms%n", best);
    }
}
