package mmsim.mm.memory_hotplug;

import mmsim.mm.memory_block.MemoryBlock;
import mmsim.mm.memory_block.MemoryBlocks;

import mmsim.iface.procfs.MmProcFiles;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.Gfp;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.ZoneType;
import mmsim.mm.linux.MemSection;
import mmsim.mm.linux.ZoneStat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Any sequence of add_memory / echo online|online_kernel|online_movable|offline / remove_memory /
 * alloc_pages / __free_pages over four hotplug slots, in both eras: after every step the
 * whole-model check is clean, /proc/buddyinfo's pages per zone equal the zone's NR_FREE_PAGES,
 * block states agree with the sections (mainline: SECTION_IS_ONLINE) and with the presence of
 * block devices, and a failed operation left the block's state as it was.
 */
class HotplugPropertyTest {
    static final String LAYOUT = """
            arch x86_64
            cpus 2
            ram      0x1000      +0x9e000
            ram      0x100000    +127M
            reserve  0x100000    +15M
            """;
    static final long SLOT0 = 0x20000000L, BLOCK = 128L << 20;
    static final String[] ONLINE = {"online", "online_kernel", "online_movable"};
    static final int[] GFPS = {Gfp.GFP_KERNEL, Gfp.GFP_HIGHUSER_MOVABLE};

    enum Kind { ADD, REMOVE, ONLINE, OFFLINE, ALLOC, FREE }

    record Step(Kind kind, int slot, int arg) { }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> s = Combinators.combine(Arbitraries.of(Kind.values()), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 100)).as(Step::new);
        return s.list().ofMinSize(1).ofMaxSize(24);
    }

    record Block(long pfn, int order) { }

    @Property(tries = 25)
    void hotplugKeepsTheModelConsistent(@ForAll("steps") List<Step> steps, @ForAll boolean v46) {
        KernelConfig c = v46 ? KernelConfig.v4_6() : KernelConfig.mainline();
        Machine m = Machine.boot(MachineLayout.parse("prop", LAYOUT), c);
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        List<Block> live = new ArrayList<>();
        for (Step st : steps) {
            long start = SLOT0 + st.slot * BLOCK;
            long id = start / BLOCK;
            MemoryBlock before = blocks.block(id);
            int stateBefore = before == null ? -1 : before.state();
            int ret = 0;
            switch (st.kind) {
                case ADD -> ret = hp.addMemory(0, start, BLOCK);
                case REMOVE -> {
                    if (v46 && before != null && before.state() != MemoryBlock.MEM_OFFLINE) continue; // v4.6: BUG()
                    ret = hp.removeMemory(start, BLOCK);
                }
                case ONLINE -> { if (before != null) ret = blocks.stateStore(before, ONLINE[st.arg % 3]); }
                case OFFLINE -> { if (before != null) ret = blocks.stateStore(before, "offline"); }
                case ALLOC -> {
                    int order = st.arg % 4 == 0 ? 9 : st.arg % 4;
                    long pfn = m.allocator().allocPages(GFPS[st.arg % 2], order);
                    if (pfn >= 0) live.add(new Block(pfn, order));
                }
                case FREE -> {
                    if (!live.isEmpty()) {
                        Block b = live.remove(st.arg % live.size());
                        m.allocator().freePages(b.pfn, b.order);
                    }
                }
            }
            MemoryBlock after = blocks.block(id);
            if (ret != 0 && before != null && after != null)
                assertEquals(stateBefore, after.state(), st + " failed with " + ret + " and changed the state");
            check(m, hp, v46, st + " -> " + ret);
        }
        for (Block b : live) m.allocator().freePages(b.pfn, b.order);
        check(m, hp, v46, "after freeing everything");
    }

    static void check(Machine m, MemoryHotplug hp, boolean v46, String what) {
        MemoryBlocks blocks = m.memoryBlocks();
        assertEquals(List.of(), ModelCheck.check(m), what);
        // buddyinfo: "Node 0, zone   Normal      a      b ..." per populated zone
        for (String line : MmProcFiles.buddyinfo(m).split("\n")) {
            if (line.isBlank()) continue;
            String[] w = line.trim().split("\\s+");
            Zone z = m.node(0).zone(ZoneType.byName(w[3]));
            long pages = 0;
            for (int o = 0; o < Zone.NR_PAGE_ORDERS; o++) pages += Long.parseLong(w[4 + o]) << o;
            assertEquals(z.stat(ZoneStat.NR_FREE_PAGES), pages, what + ": buddyinfo of " + z + " vs NR_FREE_PAGES");
        }
        for (int slot = 0; slot < 4; slot++) {
            long id = (SLOT0 + slot * BLOCK) / BLOCK;
            MemoryBlock b = blocks.block(id);
            MemSection ms = m.sparse().section(id);
            if (b == null) {
                assertFalse(ms != null && ms.valid(), what + String.format(Locale.ROOT, ": section %d valid without a block", id));
                continue;
            }
            assertTrue(ms.valid(), what);
            assertNotEquals(MemoryBlock.MEM_GOING_OFFLINE, b.state(), what);
            if (!v46) assertEquals(b.state() == MemoryBlock.MEM_ONLINE, ms.online(), what + ": " + b + " vs SECTION_IS_ONLINE");
            assertEquals(b.state() == MemoryBlock.MEM_OFFLINE, b.devOffline(), what);
        }
    }
}
