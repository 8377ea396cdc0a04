package mmsim.iface.procfs;

import mmsim.kernel.Access;
import mmsim.kernel.DirectSched;
import mmsim.kernel.Kernel;
import mmsim.kernel.KernelFault;
import mmsim.kernel.Sched;
import mmsim.mm.Machine;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MachineLayout;
import mmsim.scenario.Booted;
import mmsim.scenario.ScenarioError;
import mmsim.scenario.Token;
import mmsim.scenario.ops.OpRegistry;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole-file reads of /proc/kpageflags, kpagecount and kpagecgroup outside exploration
 * (the raw pass: PFN lookups once per subsection, runs of identical struct pages and free
 * buddy blocks read in one step) give the same bytes as the per-page pass the explorer and
 * tracing use (every PFN looked up, every memmap word read through a point), on machines put
 * in random states by scenario operations: buddy allocations of every order, anonymous, shmem
 * and THP memory (faults, fork, khugepaged, splits, reclaim), hwpoison and soft offline, a DIMM onlined
 * and offlined, ZONE_DEVICE memory mapped and unmapped; both eras.
 */
class KPageWalkPropertyTest {
    static final String LAYOUT = """
            arch     x86_64
            cpus     2
            ram      0x1000      +0x9e000
            ram      0x100000    +255M
            reserve  0x100000    +15M
            hotplug  0x10000000  +128M
            device   0x20000000  +128M
            """;
    static final String DIMM_STATE = "/sys/devices/system/memory/memory2/state";
    static final OpRegistry OPS = OpRegistry.standard();

    @Property(tries = 30)
    void rawWalkReadsWhatThePerPageReadsDo(@ForAll long seed, @ForAll boolean v46, @ForAll @IntRange(min = 1, max = 40) int steps) {
        Booted b = Booted.boot(MachineLayout.parse("walk.layout", LAYOUT), v46 ? KernelConfig.v4_6() : KernelConfig.mainline());
        Map<String, String> vars = new HashMap<>();
        var ctx = b.context(vars);
        Random rnd = new Random(seed);
        List<String> ran = new ArrayList<>();
        List<int[]> live = new ArrayList<>();   // {var number, order} of alloc_pages blocks not yet freed
        int maps = 0;
        for (int i = 0; i < steps; i++) {
            String line = switch (rnd.nextInt(16)) {
                case 0, 1 -> {
                    int order = rnd.nextInt(4) == 0 ? rnd.nextInt(11) : rnd.nextInt(3);
                    live.add(new int[] {i, order});
                    yield "alloc_pages " + order + " -> a" + i;
                }
                case 2 -> {
                    if (live.isEmpty()) yield "drain_all_pages";
                    int[] blk = live.remove(rnd.nextInt(live.size()));
                    yield "free_pages $a" + blk[0] + " " + blk[1];
                }
                case 3, 4 -> "mmap " + (1 + rnd.nextInt(4)) + "M " + (rnd.nextBoolean() ? "private" : "shared") + " -> m" + maps++;
                case 5 -> maps == 0 ? "drain_all_pages" : "madvise $m" + rnd.nextInt(maps) + " 2M MADV_HUGEPAGE";
                case 6, 7 -> maps == 0 ? "khugepaged" : (rnd.nextBoolean() ? "write" : "touch") + " $m" + rnd.nextInt(maps) + " " + (1 + rnd.nextInt(1024)) + "K";
                case 8 -> maps == 0 ? "kswapd" : "madvise $m" + rnd.nextInt(maps) + " " + (4 << rnd.nextInt(8)) + "K "
                        + List.of("MADV_DONTNEED", "MADV_PAGEOUT", "MADV_COLD", "MADV_HWPOISON", "MADV_SOFT_OFFLINE", "MADV_COLLAPSE").get(rnd.nextInt(6));
                case 9 -> List.of("khugepaged", "kswapd", "deferred_split_scan", "drain_all_pages", "shrink").get(rnd.nextInt(5));
                case 10 -> maps == 0 ? "fork -> p" + i : "split_huge_page $m" + rnd.nextInt(maps);
                case 11 -> "fork -> p" + i;
                case 12 -> "echo " + List.of("online_movable", "online", "offline").get(rnd.nextInt(3)) + " > " + DIMM_STATE;
                case 13 -> rnd.nextBoolean() ? "devm_memremap_pages 0x20000000 128M" : "memunmap_pages 0x20000000";
                case 14 -> "modprobe hwpoison-inject";
                default -> "echo " + (0x1000 + rnd.nextInt(0x10000 - 0x1000)) + " > /sys/kernel/debug/hwpoison/corrupt-pfn";
            };
            ran.add(line);
            try {
                List<Token> t = Token.split("walk.mms", i + 1, line);
                OPS.parse(t, new ScenarioError.Pos("walk.mms", i + 1, line.length() + 1), line).run(ctx);
            } catch (KernelFault f) {
                break;   // an oops ends the task; the machine as it is now is still read
            } catch (RuntimeException e) {
                ran.add("(" + e + ")");   // an errno the operation reports as an exception: the state stands
            }
        }
        Machine m = b.machine();
        KPageFiles files = KPageProc.of(m);
        long size = files.maxDumpPfn() * 8;
        for (KPageFiles.Kind kind : KPageFiles.Kind.values()) {
            byte[] raw = read(files, kind, size);
            Kernel k = m.kernel();
            Sched direct = k.sched();
            k.setSched(new TracingSched(k.nrCpus()));
            byte[] perPage;
            try {
                perPage = read(files, kind, size);
            } finally {
                k.setSched(direct);
            }
            assertTrue(raw.length > 0);
            assertArrayEquals(perPage, raw, () -> kind + " after " + ran + " (" + (v46 ? "v4.6" : "mainline") + "), first differing pfn "
                    + firstDifference(perPage, raw) / 8);
        }
    }

    /**
     * A run of like pages ends at the first page that differs in any word stable_page_flags
     * reads: one read over pages (and tails of a compound page) that differ one word each gives
     * what reading each alone gives.
     */
    @net.jqwik.api.Example
    void aRunEndsAtTheFirstPageThatDiffersInAWordTheReaderUses() {
        for (KernelConfig c : List.of(KernelConfig.mainline(), KernelConfig.v4_6())) {
            KPageFixture f = new KPageFixture(c, 1);
            long p = 0x100;
            f.memmap.setMapping(p + 2, 0x1000 | StablePageFlags.PAGE_MAPPING_ANON);   // anonymous
            f.memmap.setMapping(p + 4, 0x2000);                                        // a file's
            f.memmap.setMapcount(p + 6, 0);                                            // mapped once
            f.memmap.setRefcount(p + 8, 2);
            f.memmap.setBit(p + 10, mmsim.mm.linux.PageFlag.DIRTY);
            f.memmap.setBit(p + 12, mmsim.mm.linux.PageFlag.HWPOISON);
            // a compound page of order 3 at +16: its tails read their own flags and page type
            f.makeCompound(p + 16, 3);
            f.memmap.setType(p + 16 + 3, mmsim.mm.linux.PageType.OFFLINE);
            f.memmap.setBit(p + 16 + 5, mmsim.mm.linux.PageFlag.HWPOISON);
            KPageFiles.ReadResult r = f.files.read(KPageFiles.Kind.KPAGEFLAGS, p * 8, 32 * 8);
            for (int i = 0; i < 32; i++) {
                long together = java.nio.ByteBuffer.wrap(r.data(), i * 8, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
                assertTrue(together == f.kpageflags(p + i), c.era() + " pfn +" + i + ": " + Long.toHexString(together)
                        + " read together, " + Long.toHexString(f.kpageflags(p + i)) + " alone");
            }
        }
    }

    /** The whole file, in page-types' 512 KiB reads. */
    private static byte[] read(KPageFiles files, KPageFiles.Kind kind, long size) {
        byte[] all = new byte[(int) size];
        for (long pos = 0; pos < size; ) {
            KPageFiles.ReadResult r = files.read(kind, pos, Math.min(512 * 1024, size - pos));
            assertTrue(r.ok(), () -> kind + " read at " + r);
            if (r.data().length == 0) break;
            System.arraycopy(r.data(), 0, all, (int) pos, r.data().length);
            pos += r.data().length;
        }
        return all;
    }

    private static int firstDifference(byte[] a, byte[] b) {
        for (int i = 0; i < Math.min(a.length, b.length); i++) if (a[i] != b[i]) return i;
        return Math.min(a.length, b.length);
    }

    /** The direct scheduler, but answering that a trace is recorded: the readers then take the per-page, pointed pass. */
    private static final class TracingSched implements Sched {
        private final DirectSched d;

        TracingSched(int nrCpus) { d = new DirectSched(nrCpus); }

        @Override public void point(String label, Object location, Access access) { }
        @Override public void waitUntil(BooleanSupplier canProceed, String waitingFor) { d.waitUntil(canProceed, waitingFor); }
        @Override public int currentCpu() { return d.currentCpu(); }
        @Override public int nrCpus() { return d.nrCpus(); }
        @Override public boolean exploring() { return false; }
        @Override public boolean tracing() { return true; }
        @Override public Frame enter(String function) { return Frame.NONE; }
        @Override public void note(String text) { }
    }
}
