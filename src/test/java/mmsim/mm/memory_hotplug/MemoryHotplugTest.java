package mmsim.mm.memory_hotplug;

import mmsim.mm.memory_block.MemoryBlock;
import mmsim.mm.memory_block.MemoryBlocks;

import mmsim.mm.linux.VmemAltmap;

import mmsim.kernel.Errno;
import mmsim.kernel.KernelFault;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.Gfp;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.ZoneType;
import mmsim.mm.linux.MemSection;
import mmsim.mm.linux.ZoneStat;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** add_memory / online_pages / offline_pages / remove_memory and the memory block state rules. */
class MemoryHotplugTest {
    /** The small layout's hotplug block: 128 MiB at 512 MiB, section 4, memory4. */
    static final long HP_START = 0x20000000L, HP_PFN = HP_START >>> 12, BLOCK = 128L << 20, PAGES = BLOCK >>> 12;

    static Machine small(KernelConfig c) { return Machine.boot(MachineLayout.small(), c); }

    static long freePages(Machine m) { return m.allocator().globalZoneState(ZoneStat.NR_FREE_PAGES); }

    static void clean(Machine m) { assertEquals(List.of(), ModelCheck.check(m)); }

    @Test
    void bootBlocksAreOnlineAndTheFirmwareBlockIsAddedOffline() {
        Machine m = small(KernelConfig.mainline());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        assertEquals(List.of("memory0", "memory1", "memory2", "memory3", "memory4"), blocks.blocks().stream().map(MemoryBlock::name).toList());
        for (long id = 0; id < 4; id++) assertEquals(MemoryBlock.MEM_ONLINE, blocks.block(id).state());
        MemoryBlock b4 = blocks.block(4);
        assertEquals(MemoryBlock.MEM_OFFLINE, b4.state());
        assertTrue(b4.devOffline());
        assertEquals("PRESENT|HAS_MEM_MAP", m.sparse().section(4).flagNames());
        assertTrue(m.memmap().poisoned(HP_PFN), "mainline: memmap poisoned until online");
        assertNull(blocks.block(0).zone(), "memory0 spans DMA and DMA32");
        assertEquals("DMA32", blocks.block(1).zone().name());
        clean(m);
    }

    @Test
    void onlineFreesTheBlockIntoTheBuddyAndOfflineTakesItBack() {
        Machine m = small(KernelConfig.mainline());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        long free0 = freePages(m), total0 = m.allocator().totalramPages();
        MemoryBlock b = blocks.block(4);
        assertEquals(0, blocks.stateStore(b, "online\n"));
        assertEquals(MemoryBlock.MEM_ONLINE, b.state());
        assertFalse(b.devOffline());
        Zone normal = m.node(0).zone(ZoneType.NORMAL);
        assertSame(normal, b.zone());
        assertEquals(PAGES, normal.presentPages());
        assertEquals(PAGES, normal.managedPages());
        assertEquals(HP_PFN, normal.zoneStartPfn());
        assertEquals(PAGES, normal.spannedPages());
        assertEquals(free0 + PAGES, freePages(m));
        assertEquals(total0 + PAGES, m.allocator().totalramPages());
        assertTrue(m.sparse().section(4).online());
        assertEquals(HP_PFN + 7, m.sparse().pfnToOnlinePage(HP_PFN + 7));
        assertEquals(0, normal.nrIsolatePageblock());
        clean(m);

        assertEquals(0, blocks.stateStore(b, "offline"));
        assertEquals(MemoryBlock.MEM_OFFLINE, b.state());
        assertNull(b.zone());
        assertEquals(free0, freePages(m));
        assertEquals(total0, m.allocator().totalramPages());
        assertEquals(0, normal.presentPages());
        assertTrue(normal.empty(), "shrink_zone_span: nothing of the zone is online");
        assertFalse(m.sparse().section(4).online());
        assertTrue(m.memmap().poisoned(HP_PFN + 100), "mainline re-poisons the memmap at offline");
        assertEquals(0, normal.nrIsolatePageblock());
        // offline_pages leaves the pageblocks isolated (only the zone's count is fixed up); the
        // next online's memmap_init_range overwrites the marks
        assertEquals(mmsim.mm.linux.MigrateType.ISOLATE, m.allocator().pageblockMigratetype(HP_PFN + PAGES - 1));
        clean(m);

        // and again: the stale pageblock state of the first round does not matter
        assertEquals(0, blocks.stateStore(b, "online_movable"));
        assertEquals("Movable", b.zone().name());
        assertEquals(0, blocks.stateStore(b, "offline"));
        clean(m);
    }

    @Test
    void aBlockThatHadAHwpoisonedPageIsNotOnlinedAgain() {
        Machine m = small(KernelConfig.mainline());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        MemoryBlock b = blocks.block(4);
        assertEquals(0, blocks.stateStore(b, "online_movable"));
        // memory_failure on a free page: off the buddy, PG_hwpoison, counted in the block (v6.4+)
        long bad = HP_PFN + 4096;
        assertEquals(0, m.memoryFailure().memoryFailure(bad, 0));
        assertEquals(0, blocks.stateStore(b, "offline"), "offline skips the hwpoisoned page");
        clean(m);
        // the memmap is poisoned now: only the block's own count remembers the page
        assertEquals(Errno.EHWPOISON.neg(), blocks.stateStore(b, "online"));
        assertEquals(MemoryBlock.MEM_OFFLINE, b.state());
    }

    @Test
    void removingABlockTakesItsHwpoisonOutOfHardwareCorrupted() {
        Machine m = small(KernelConfig.mainline());
        MemoryBlocks blocks = m.memoryBlocks();
        assertEquals(0, blocks.stateStore(blocks.block(4), "online_movable"));
        assertEquals(0, m.memoryFailure().memoryFailure(HP_PFN + 4096, 0));
        assertEquals(0, m.memoryFailure().memoryFailure(HP_PFN + 8192, 0));
        assertEquals(2, m.memoryFailure().numPoisonedPages());
        assertEquals(0, blocks.stateStore(blocks.block(4), "offline"));
        assertEquals(2, m.memoryFailure().numPoisonedPages(), "offline keeps the count: the block remembers its pages");
        // remove_memory_block_devices: num_poisoned_pages_sub(-1UL, memblk_nr_poison(mem))
        assertEquals(0, m.memoryHotplug().removeMemory(HP_START, BLOCK));
        assertEquals(0, m.memoryFailure().numPoisonedPages());
    }

    @Test
    void anUnpoisonedPageNoLongerKeepsItsBlockOffline() {
        Machine m = small(KernelConfig.mainline());
        MemoryBlocks blocks = m.memoryBlocks();
        MemoryBlock b = blocks.block(4);
        assertEquals(0, blocks.stateStore(b, "online_movable"));
        long bad = HP_PFN + 4096;
        assertEquals(0, m.memoryFailure().memoryFailure(bad, 0));
        // num_poisoned_pages_sub(pfn, 1) takes it out of the block's count too
        assertEquals(0, m.memoryFailure().unpoisonMemory(bad));
        assertEquals(0, blocks.stateStore(b, "offline"));
        assertEquals(0, blocks.stateStore(b, "online"));
        clean(m);
    }

    @Test
    void withoutDebugVmTheOfflineMemmapStaysStale() {
        Machine m = small(KernelConfig.mainline().without(KernelConfig.CONFIG_DEBUG_VM));
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        assertEquals(0, blocks.stateStore(blocks.block(4), "online"));
        assertEquals(0, blocks.stateStore(blocks.block(4), "offline"));
        assertFalse(m.memmap().poisoned(HP_PFN + 100), "page_init_poison is a no-op without struct page poisoning");
        assertFalse(m.sparse().section(4).online());
        clean(m);
        assertEquals(0, blocks.stateStore(blocks.block(4), "online"));
        clean(m);
    }

    @Test
    void sameStateAgainAndBadWordsAreEinvalAndLeaveTheState() {
        Machine m = small(KernelConfig.mainline());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        MemoryBlock b = blocks.block(4);
        assertEquals(Errno.EINVAL.neg(), blocks.stateStore(b, "offline"), "already offline");
        assertEquals(Errno.EINVAL.neg(), blocks.stateStore(b, "onlin"));
        assertEquals(Errno.EINVAL.neg(), blocks.stateStore(b, "online\n\n"));
        assertEquals(Errno.EINVAL.neg(), blocks.stateStore(b, ""));
        assertEquals(MemoryBlock.MEM_OFFLINE, b.state());
        assertEquals(0, blocks.stateStore(b, "online_kernel"));
        assertEquals(Errno.EINVAL.neg(), blocks.stateStore(b, "online"), "already online");
        assertEquals(Errno.EINVAL.neg(), blocks.stateStore(b, "online_movable"), "already online, whatever the zone");
        assertEquals(MemoryBlock.MEM_ONLINE, b.state());
        assertEquals("Normal", b.zone().name());
        // the generic 'online' attribute: the current state again is fine, bad booleans are not
        assertEquals(0, blocks.onlineStore(b, "1"));
        assertEquals(Errno.EINVAL.neg(), blocks.onlineStore(b, "2"));
        assertEquals(0, blocks.onlineStore(b, "0"));
        assertEquals(MemoryBlock.MEM_OFFLINE, b.state());
        assertEquals(0, blocks.onlineStore(b, "0"));
        clean(m);
    }

    @Test
    void aBlockSpanningTwoZonesCannotBeOfflined() {
        Machine m = small(KernelConfig.mainline());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        assertEquals(Errno.EINVAL.neg(), blocks.stateStore(blocks.block(0), "offline"));
        assertEquals(MemoryBlock.MEM_ONLINE, blocks.block(0).state());
        assertEquals("none", blocks.validZones(blocks.block(0)));
        assertEquals("DMA32", blocks.validZones(blocks.block(1)));
        assertEquals("Normal Movable", blocks.validZones(blocks.block(4)));
    }

    @Test
    void anUnmovablePageMakesOfflineEbusyAndTheBlockStaysOnline() {
        Machine m = small(KernelConfig.mainline());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        MemoryBlock b = blocks.block(4);
        assertEquals(0, blocks.stateStore(b, "online_kernel"));
        Zone normal = b.zone();
        long pfn = m.allocator().allocPagesZone(normal, Gfp.GFP_KERNEL, 0);
        assertTrue(pfn >= HP_PFN && pfn < HP_PFN + PAGES);
        m.allocator().drainAllPages(normal);
        long free = freePages(m);
        assertEquals(Errno.EBUSY.neg(), blocks.stateStore(b, "offline"));
        assertEquals(MemoryBlock.MEM_ONLINE, b.state());
        assertEquals(free, freePages(m), "isolation undone: free pages counted again");
        assertEquals(0, normal.nrIsolatePageblock());
        assertTrue(m.sparse().section(4).online());
        m.allocator().freePages(pfn, 0);
        clean(m);
        assertEquals(0, blocks.stateStore(b, "offline"));
        clean(m);
    }

    @Test
    void aGoingOnlineVetoCancelsWithTheInjectedErrno() {
        Machine m = small(KernelConfig.mainline());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        List<String> seen = new ArrayList<>();
        hp.registerMemoryNotifier("test", 0, (action, arg) -> {
            seen.add(MemoryNotifier.actionName(action) + " " + Long.toHexString(arg.startPfn()) + "+" + arg.nrPages());
            return action == MemoryNotifier.MEM_GOING_ONLINE ? MemoryNotifier.notifierFromErrno(Errno.ENOMEM.neg()) : MemoryNotifier.NOTIFY_OK;
        });
        long free = freePages(m);
        MemoryBlock b = blocks.block(4);
        assertEquals(Errno.ENOMEM.neg(), blocks.stateStore(b, "online"));
        assertEquals(List.of("MEM_GOING_ONLINE 20000+32768", "MEM_CANCEL_ONLINE 20000+32768"), seen);
        assertEquals(MemoryBlock.MEM_OFFLINE, b.state());
        assertTrue(b.devOffline());
        assertEquals(free, freePages(m));
        assertTrue(m.memmap().poisoned(HP_PFN));
        assertTrue(m.node(0).zone(ZoneType.NORMAL).empty());
        clean(m);
    }

    @Test
    void aGoingOfflineVetoCancelsAndTheStateIsGoingOfflineMeanwhile() {
        Machine m = small(KernelConfig.mainline());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        MemoryBlock b = blocks.block(4);
        assertEquals(0, blocks.stateStore(b, "online"));
        List<String> seen = new ArrayList<>();
        hp.registerMemoryNotifier("test", 0, (action, arg) -> {
            seen.add(MemoryNotifier.actionName(action) + " state=" + b.state());
            return action == MemoryNotifier.MEM_GOING_OFFLINE ? MemoryNotifier.NOTIFY_BAD : MemoryNotifier.NOTIFY_OK;
        });
        long free = freePages(m);
        assertEquals(Errno.EPERM.neg(), blocks.stateStore(b, "offline"), "NOTIFY_BAD is notifier_to_errno -EPERM");
        assertEquals(List.of("MEM_GOING_OFFLINE state=" + MemoryBlock.MEM_GOING_OFFLINE, "MEM_CANCEL_OFFLINE state=" + MemoryBlock.MEM_GOING_OFFLINE), seen);
        assertEquals(MemoryBlock.MEM_ONLINE, b.state());
        assertEquals(free, freePages(m));
        clean(m);
    }

    @Test
    void notifierChainRunsByPriorityAndStopsAtStopMask() {
        Machine m = small(KernelConfig.mainline());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        List<String> order = new ArrayList<>();
        hp.registerMemoryNotifier("low", 0, (a, arg) -> { order.add("low"); return MemoryNotifier.NOTIFY_OK; });
        hp.registerMemoryNotifier("high", 10, (a, arg) -> { order.add("high"); return MemoryNotifier.NOTIFY_OK; });
        hp.registerMemoryNotifier("low2", 0, (a, arg) -> { order.add("low2"); return MemoryNotifier.notifierFromErrno(Errno.EBUSY.neg()); });
        hp.registerMemoryNotifier("lowest", -1, (a, arg) -> { order.add("lowest"); return MemoryNotifier.NOTIFY_OK; });
        assertEquals(Errno.EBUSY.neg(), blocks.stateStore(blocks.block(4), "online"));
        assertEquals(List.of("high", "low", "low2", "high", "low", "low2"), order, "GOING_ONLINE stops at low2, CANCEL_ONLINE too");
        assertEquals(0x8000 | 17, MemoryNotifier.notifierFromErrno(-16));
        assertEquals(-16, MemoryNotifier.notifierToErrno(MemoryNotifier.notifierFromErrno(-16)));
        assertEquals(0, MemoryNotifier.notifierToErrno(MemoryNotifier.NOTIFY_OK));
        assertEquals(0, MemoryNotifier.notifierToErrno(MemoryNotifier.NOTIFY_DONE));
        assertEquals(-1, MemoryNotifier.notifierToErrno(MemoryNotifier.NOTIFY_BAD));
    }

    @Test
    void removeMemoryNeedsOfflineBlocksAndTakesSectionsAndDevicesAway() {
        Machine m = small(KernelConfig.mainline());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        assertEquals(0, blocks.stateStore(blocks.block(4), "online"));
        int before = m.kernel().log().size();
        assertEquals(Errno.EBUSY.neg(), hp.removeMemory(HP_START, BLOCK));
        assertEquals(List.of("removing memory fails, because memory [0x0000000020000000-0x0000000027ffffff] is onlined"),
                m.kernel().log().linesFrom(before));
        assertEquals(0, blocks.stateStore(blocks.block(4), "offline"));
        MemoryBlock stale = blocks.block(4);
        assertEquals(0, hp.removeMemory(HP_START, BLOCK));
        assertNull(blocks.block(4));
        assertEquals(Errno.ENODEV.neg(), blocks.stateStore(stale, "online"), "a store through a file opened before the removal");
        assertEquals(0, m.sparse().section(4).flags);
        assertFalse(m.sparse().pfnValid(HP_PFN));
        clean(m);
        // and back
        assertEquals(0, hp.addMemory(0, HP_START, BLOCK));
        assertEquals(MemoryBlock.MEM_OFFLINE, blocks.block(4).state());
        assertEquals(Errno.EEXIST.neg(), hp.addMemory(0, HP_START, BLOCK), "System RAM resource already there");
        assertEquals(Errno.EEXIST.neg(), hp.addMemory(0, 0, BLOCK), "overlaps boot RAM");
        clean(m);
    }

    @Test
    void addMemoryChecksBlockAlignment() {
        Machine m = small(KernelConfig.mainline());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        int before = m.kernel().log().size();
        assertEquals(Errno.EINVAL.neg(), hp.addMemory(0, 0x40000000L + (2 << 20), BLOCK));
        assertEquals(List.of("Block size [0x8000000] unaligned hotplug range: start 0x40200000, size 0x8000000"), m.kernel().log().linesFrom(before));
        assertEquals(Errno.EINVAL.neg(), hp.addMemory(0, 0x40000000L, 64L << 20));
        assertEquals(0, hp.addMemory(0, 0x40000000L, 2 * BLOCK));
        assertEquals(List.of(MemoryBlock.MEM_OFFLINE, MemoryBlock.MEM_OFFLINE), List.of(blocks.block(8).state(), blocks.block(9).state()));
        clean(m);
    }

    @Test
    void autoOnlineBlocksOnlinesWhatAddMemoryAdds() {
        Machine m = small(KernelConfig.mainline());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        hp.setDefaultOnlineType(OnlineType.MMOP_ONLINE_MOVABLE);
        assertEquals(0, hp.addMemory(0, 0x40000000L, BLOCK));
        assertEquals(MemoryBlock.MEM_ONLINE, blocks.block(8).state());
        assertEquals("Movable", blocks.block(8).zone().name());
        clean(m);
    }

    @Test
    void subsectionGranularArchAddMemoryForZoneDevice() {
        Machine m = small(KernelConfig.mainline());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        long pfn = 0x30000000L >>> 12, nr = 512;         // 2 MiB in section 6
        hp.memHotplugBegin();
        try {
            assertEquals(0, hp.archAddMemory(0, pfn, nr, MhpParams.NONE));
            assertEquals(Errno.EINVAL.neg(), hp.archAddMemory(0, pfn + 1024 + 1, 511, MhpParams.NONE), "misaligned");
            Zone dev = m.node(0).zone(ZoneType.DEVICE);
            VmemAltmap altmap = new VmemAltmap(pfn, pfn + nr, 0, 8);
            hp.movePfnRangeToZone(dev, pfn, nr, altmap, mmsim.mm.linux.MigrateType.MOVABLE);
            assertEquals(pfn, dev.zoneStartPfn());
            assertTrue(m.memmap().testBit(pfn, PageFlag.RESERVED), "the altmap's memmap pages are initialised reserved");
            assertTrue(m.memmap().poisoned(pfn + 8), "the rest is left to memmap_init_zone_device");
            assertTrue(m.sparse().section(6).taintZoneDevice());
            assertTrue(m.sparse().pfnValid(pfn + 511));
            assertFalse(m.sparse().pfnValid(pfn + 512));
            hp.removePfnRangeFromZone(dev, pfn, nr);
            hp.archRemoveMemory(pfn, nr, altmap);
        } finally {
            hp.memHotplugDone();
        }
        assertFalse(m.sparse().pfnValid(pfn));
    }

    @Test
    void lockingNeedsMemHotplugLockForOnlinePagesToZone() {
        Machine m = small(KernelConfig.mainline());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        assertThrows(KernelFault.class, () -> hp.onlinePagesToZone(HP_PFN, PAGES, m.node(0).zone(ZoneType.NORMAL)));
    }

    // ---- v4.6 -----------------------------------------------------------------------------------

    @Test
    void v46InitialisesTheMemmapAtAddTimeAndKeepsItAfterOffline() {
        Machine m = small(KernelConfig.v4_6());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        MemoryBlock b = blocks.block(4);
        assertFalse(m.memmap().poisoned(HP_PFN));
        assertTrue(m.memmap().testBit(HP_PFN, PageFlag.RESERVED));
        assertEquals("Normal", m.allocator().pageZone(HP_PFN).name());
        assertEquals("Normal Movable", blocks.validZones(b), "v4.6: the last block of Normal may move to Movable");
        assertEquals("none", blocks.validZones(blocks.block(0)));
        assertEquals("DMA32", blocks.validZones(blocks.block(1)));
        assertEquals(1, blocks.removable(b), "v4.6: an offline block's pageblocks are MIGRATE_MOVABLE");
        clean(m);
        long free = freePages(m);
        assertEquals(0, blocks.stateStore(b, "online"));
        m.allocator().drainAllPages(m.node(0).zone(ZoneType.NORMAL));
        assertEquals(free + PAGES, freePages(m));
        assertEquals(1, blocks.removable(b));
        assertEquals(1, blocks.removable(blocks.block(1)), "free boot memory in movable pageblocks");
        // an unmovable allocation that claims a pageblock makes the block not removable
        long pfn = m.allocator().allocPagesZone(m.node(0).zone(ZoneType.NORMAL), Gfp.GFP_KERNEL, 9);
        assertEquals(mmsim.mm.linux.MigrateType.UNMOVABLE, m.allocator().pageblockMigratetype(pfn));
        assertEquals(0, blocks.removable(b));
        m.allocator().freePages(pfn, 9);
        clean(m);
        int before = m.kernel().log().size();
        assertEquals(0, blocks.stateStore(b, "offline"));
        assertEquals("Offlined Pages 32768", m.kernel().log().linesFrom(before).get(0));
        assertTrue(m.memmap().testBit(HP_PFN + 5, PageFlag.RESERVED));
        assertFalse(m.memmap().poisoned(HP_PFN + 5));
        assertEquals(free, freePages(m));
        assertEquals(mmsim.mm.linux.MigrateType.MOVABLE, m.allocator().pageblockMigratetype(HP_PFN + PAGES - 1),
                "v4.6 offline_pages undoes the isolation (removable_show reads the pageblocks)");
        assertEquals(1, blocks.removable(b));
        clean(m);
    }

    @Test
    void v46RemoveOfAnOnlineBlockIsABug() {
        Machine m = small(KernelConfig.v4_6());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        assertEquals(0, blocks.stateStore(blocks.block(4), "online"));
        assertThrows(KernelFault.Bug.class, () -> hp.removeMemory(HP_START, BLOCK));
    }

    @Test
    void v46RemoveAfterOfflineTakesTheSectionAndShrinksTheZone() {
        Machine m = small(KernelConfig.v4_6());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        assertEquals(0, hp.removeMemory(HP_START, BLOCK));
        assertTrue(m.node(0).zone(ZoneType.NORMAL).empty());
        assertFalse(m.sparse().pfnValid(HP_PFN));
        clean(m);
        int log = m.kernel().log().size();
        assertEquals(0, hp.addMemory(0, HP_START, BLOCK));
        assertEquals(List.of("init_memory_mapping: [mem 0x20000000-0x27ffffff]"), m.kernel().log().linesFrom(log));
        assertEquals(0, blocks.stateStore(blocks.block(4), "online"));
        clean(m);
    }

    @Test
    void v46OnlineMovableShiftsTheLastNormalBlockAndOnlineKernelShiftsItBack() {
        Machine m = small(KernelConfig.v4_6());
        MemoryHotplug hp = m.memoryHotplug();
        MemoryBlocks blocks = m.memoryBlocks();
        assertEquals(0, hp.addMemory(0, 0x28000000L, BLOCK));       // memory5, right after memory4
        Zone normal = m.node(0).zone(ZoneType.NORMAL), movable = m.node(0).zone(ZoneType.MOVABLE);
        assertEquals("Normal", blocks.validZones(blocks.block(4)));
        assertEquals("Normal Movable", blocks.validZones(blocks.block(5)));
        assertEquals(Errno.EINVAL.neg(), blocks.stateStore(blocks.block(4), "online_movable"), "not at the end of Normal");
        assertEquals(MemoryBlock.MEM_OFFLINE, blocks.block(4).state());
        assertEquals(0, blocks.stateStore(blocks.block(5), "online_movable"));
        assertEquals("Movable", m.allocator().pageZone(HP_PFN + PAGES).name());
        assertEquals(HP_PFN + PAGES, movable.zoneStartPfn());
        assertEquals(HP_PFN + PAGES, normal.zoneEndPfn());
        assertEquals("Movable Normal", blocks.validZones(blocks.block(5)));
        assertEquals("Normal Movable", blocks.validZones(blocks.block(4)));
        assertEquals(0, blocks.stateStore(blocks.block(4), "online_movable"));
        assertTrue(normal.empty());
        assertEquals(HP_PFN, movable.zoneStartPfn());
        clean(m);
        assertEquals(0, blocks.stateStore(blocks.block(4), "offline"));
        assertEquals(0, blocks.stateStore(blocks.block(4), "online_kernel"));
        assertEquals("Normal", m.allocator().pageZone(HP_PFN).name());
        assertEquals(HP_PFN + PAGES, movable.zoneStartPfn());
        clean(m);
    }

    static MemSection section(Machine m, long nr) { return m.sparse().section(nr); }
}
