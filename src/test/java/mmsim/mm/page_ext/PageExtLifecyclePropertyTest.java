package mmsim.mm.page_ext;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.memory_hotplug.MemoryHotplug;
import mmsim.mm.memory_hotplug.OnlineType;

/**
 * Random online/offline/remove/add sequences on two hot-pluggable blocks, in every lifecycle
 * variant: a section has a page_ext table exactly when the variant says it should (online, or
 * present with {@link PageExt#WITH_MEMMAP}), the idle bit of a page with a table reads back what
 * was written, and the whole-model check stays clean (the tables' pages are never leaked).
 */
class PageExtLifecyclePropertyTest {
    static final MachineLayout L = MachineLayout.parse("test", "arch x86_64\ncpus 2\nram 0x1000 +0x9e000\n"
            + "ram 0x100000 +255M\nreserve 0x100000 +15M\nhotplug 0x10000000 +128M\nhotplug 0x18000000 +128M\n");
    static final long[] BLOCK_PFN = {0x10000, 0x18000};

    enum Op { ONLINE, OFFLINE, REMOVE, ADD }

    record Step(Op op, int block) { }

    @Provide
    Arbitrary<List<Step>> steps() {
        return Arbitraries.of(Op.values()).flatMap(op -> Arbitraries.integers().between(0, 1).map(b -> new Step(op, b)))
                .list().ofMinSize(1).ofMaxSize(5);
    }

    @Provide
    Arbitrary<KernelConfig> configs() {
        KernelConfig v46 = KernelConfig.v4_6().without(KernelConfig.CONFIG_64BIT);
        return Arbitraries.of(v46, v46.with(PageExt.NULL_CHECKS), v46.with(PageExt.WITH_MEMMAP),
                KernelConfig.mainline().without(KernelConfig.CONFIG_64BIT), KernelConfig.mainline().with(KernelConfig.CONFIG_PAGE_OWNER));
    }

    @Property(tries = 10)
    void tablesFollowTheVariantsLifecycle(@ForAll("configs") KernelConfig c, @ForAll("steps") List<Step> steps) {
        Machine m = Machine.boot(L, c);
        MemoryHotplug hp = m.memoryHotplug();
        PageExt pe = m.pageExt();
        boolean[] present = {true, true}, online = {false, false};
        for (Step s : steps) {
            long pfn = BLOCK_PFN[s.block()];
            long bytes = pfn << 12, size = 128L << 20;
            switch (s.op()) {
                case ONLINE -> {
                    int r = present[s.block()] && !online[s.block()] ? hp.onlinePages(pfn, 0x8000, OnlineType.MMOP_ONLINE) : -1;
                    if (r == 0) online[s.block()] = true;
                }
                case OFFLINE -> {
                    if (online[s.block()] && hp.offlinePages(pfn, 0x8000) == 0) online[s.block()] = false;
                }
                case REMOVE -> {
                    if (present[s.block()] && !online[s.block()]) {
                        assertEquals(0, hp.removeMemory(bytes, size), s.toString());
                        present[s.block()] = false;
                    }
                }
                case ADD -> {
                    if (!present[s.block()]) {
                        assertEquals(0, hp.addMemory(0, bytes, size), s.toString());
                        present[s.block()] = true;
                    }
                }
            }
            for (int b = 0; b < 2; b++) {
                long nr = m.sparse().pfnToSectionNr(BLOCK_PFN[b]);
                boolean want = c.has(PageExt.WITH_MEMMAP) ? present[b] : online[b];
                PageExt.Table t = pe.table(nr);
                if (want) {
                    assertNotNull(t, c + " " + steps + ": block " + b);
                    assertFalse(t.freed());
                    assertFalse(pe.invalid(nr));
                } else {
                    assertNull(t, c + " " + steps + ": block " + b);
                }
                if (want && online[b]) {
                    long p = BLOCK_PFN[b] + 7;
                    pe.setPageIdle(p, true);
                    assertTrue(pe.pageIsIdle(p));
                    pe.setPageIdle(p, false);
                    assertFalse(pe.pageIsIdle(p));
                }
            }
            assertEquals(List.of(), ModelCheck.check(m), c + " " + steps);
        }
    }
}
