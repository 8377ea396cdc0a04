package mmsim.mm.gup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import mmsim.iface.VirtualFs;
import mmsim.mm.Machine;
import mmsim.mm.huge_memory.ThpSettings;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.linux.ZoneType;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.mmap.UserMemoryCheck;
import mmsim.mm.pgtable.PgtableArch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * FOLL_LONGTERM (mm/gup.c __gup_longterm_locked, check_and_migrate_movable_folios): a long-term
 * pin never leaves a page in ZONE_MOVABLE, so the movable block it came from can still go
 * offline; a short-term pin of the same page keeps it there and offline_pages gives up.
 */
class PinLongtermTest {
    private static final String STATE = "/sys/devices/system/memory/memory4/state";
    private static final long A = 0x40000000L, PAGE = PgtableArch.PAGE_SIZE;

    private final Machine m = Machine.boot(MachineLayout.small(), KernelConfig.mainline());
    private final VirtualFs fs = VirtualFs.of(m);
    private final UserMemory um;
    private final MmStruct mm;

    PinLongtermTest() {
        fs.echo(STATE, "online_movable");
        um = m.userMemory();
        um.zeroPage();
        um.hugeMemory.settings.enabled = ThpSettings.Enabled.NEVER;
        mm = um.newProcess("rdma");
        assertEquals(A, um.mmap.mmap(mm, A, 16 * PAGE, Mmap.PROT_READ | Mmap.PROT_WRITE, Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS));
        assertEquals(0, um.memory.faultIn(mm, A, true));
    }

    private long pfnAt(long va) {
        byte[] b = fs.read("/proc/" + mm.pid + "/pagemap", (va / PAGE) * 8, 8).data();
        long e = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return e < 0 ? e & ((1L << 55) - 1) : -1;
    }

    private ZoneType zoneOf(long pfn) { return m.allocator().pageZone(pfn).type; }

    private long pin(boolean longterm) {
        long[] out = new long[1];
        assertEquals(1, um.gup.pinUserPagesFast(mm, A, 1, true, longterm, out));
        return out[0];
    }

    private void assertConsistent() {
        List<String> bad = UserMemoryCheck.check(um);
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    @Test
    void aLongtermPinMigratesThePageOutOfZoneMovableAndTheBlockStillGoesOffline() {
        long before = pfnAt(A);
        assertEquals(ZoneType.MOVABLE, zoneOf(before), "the fault allocated from the movable block");
        long pinned = pin(true);
        assertNotEquals(before, pinned, "migrated (MR_LONGTERM_PIN) before it was pinned");
        assertNotEquals(ZoneType.MOVABLE, zoneOf(pinned));
        assertEquals(pinned, pfnAt(A), "the process maps the page the pin holds");
        assertConsistent();
        assertTrue(fs.write(STATE, "offline") > 0, "nothing pinned is left in the block");
        assertConsistent();
        um.gup.unpinUserPage(pinned);
        assertConsistent();
    }

    @Test
    void aShortTermPinStaysInTheMovableBlockAndOfflineGivesUp() {
        long before = pfnAt(A);
        long pinned = pin(false);
        assertEquals(before, pinned, "FOLL_PIN without FOLL_LONGTERM pins the page where it is");
        long r = fs.write(STATE, "offline");
        assertTrue(r < 0, "offline_pages cannot migrate a pinned page: " + r);
        assertEquals("online\n", fs.readAll(STATE));
        um.gup.unpinUserPage(pinned);
        assertTrue(fs.write(STATE, "offline") > 0, "unpinned, the page migrates and the block goes offline");
        assertNotEquals(before, pfnAt(A));
        assertConsistent();
    }
}
