package mmsim.mm.memory_failure;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import mmsim.iface.VirtualFs;
import mmsim.iface.debugfs.HwpoisonInject;
import mmsim.iface.procfs.KernelPageFlags;
import mmsim.iface.procfs.ProcPidFiles;
import mmsim.kernel.Errno;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.mmap.Mmap;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.mmap.UserMemory;
import org.junit.jupiter.api.Test;

/**
 * The user-space tests of hwpoison, played step by step against the model (mainline): LTP's
 * madvise11, mce-test's random_offline loop, and the assertions of the kernel selftest
 * tools/testing/selftests/mm/memory-failure.c. The model keeps no page contents, so "the sentinel
 * reads back" becomes: the address still maps the page its file holds at that index, and the
 * access raises no signal.
 */
class RealHwpoisonTestsTest {
    static final int RW = Mmap.PROT_READ | Mmap.PROT_WRITE;

    record Box(Machine m, UserMemory um, MemoryFailure mf, VirtualFs fs) {
        long write(String path, String text) { return fs.write(path, text.getBytes(StandardCharsets.UTF_8)); }
        long hardwareCorruptedKb() {
            String all = new String(fs.readAllBytes("/proc/meminfo"), StandardCharsets.UTF_8);
            String l = all.lines().filter(x -> x.startsWith("HardwareCorrupted:")).findFirst().orElseThrow();
            return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
        long word(String path, long index) {
            byte[] b = fs.read(path, index * 8, 8).data();
            return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }
        long pfnOf(MmStruct mm, long addr) {
            return word("/proc/" + mm.pid + "/pagemap", addr >>> 12) & ((1L << 55) - 1);
        }
        void assertClean() {
            List<ModelCheck.Problem> p = ModelCheck.check(m);
            assertTrue(p.isEmpty(), p.toString());
            assertEquals(MemoryFailure.countPoisonedPages(m.memmap(), m.sparse()) * 4, hardwareCorruptedKb());
        }
    }

    static Box boot() {
        Machine m = Machine.boot(MachineLayout.small(), KernelConfig.mainline());
        UserMemory um = m.userMemory();
        um.zeroPage();
        Box b = new Box(m, um, m.memoryFailure(), VirtualFs.of(m));
        assertEquals(0, HwpoisonInject.of(m).modprobe(b.fs));
        return b;
    }

    /**
     * LTP testcases/kernel/syscalls/madvise/madvise11.c: 2 x nr_cpus threads (clamped to 2..5), each
     * 5 loops of 32 MAP_SHARED|MAP_ANONYMOUS pages, sentinel written, MADV_SOFT_OFFLINE (EBUSY
     * tolerated), sentinels checked; cleanup tags the log, collects every "Soft offlining pfn 0x.."
     * line after the tag and writes each pfn to hwpoison/unpoison-pfn in reverse order.
     */
    @Test
    void ltpMadvise11() {
        Box b = boot();
        b.m.kernel().log().printk("Soft-offlining pages test starting (pid: 4242)");   // echo > /dev/kmsg
        int threads = Math.max(2, Math.min(5, 2 * b.m.kernel().nrCpus()));
        int offlined = 0;
        for (int t = 0; t < threads; t++) {
            MmStruct mm = b.um.newProcess("madvise11");
            for (int loop = 0; loop < 5; loop++) {
                long len = 32 * 4096L;
                long a = b.um.mmap.mmap(mm, 0, len, RW, Mmap.MAP_SHARED | Mmap.MAP_ANONYMOUS);
                assertTrue(a > 0);
                for (long p = a; p < a + len; p += 4096) assertEquals(0, b.um.memory.faultIn(mm, p, true), "sentinel write");
                long[] before = new long[32];
                for (int i = 0; i < 32; i++) before[i] = b.pfnOf(mm, a + i * 4096L);
                int r = b.um.mmap.madvise(mm, a, len, Mmap.MADV_SOFT_OFFLINE);
                assertTrue(r == 0 || r == Errno.EBUSY.neg(), "madvise: " + r);
                for (int i = 0; i < 32; i++) {
                    assertEquals(0, b.um.memory.faultIn(mm, a + i * 4096L, false), "sentinel read: no SIGBUS");
                    long now = b.pfnOf(mm, a + i * 4096L);
                    if (r == 0) assertNotEquals(before[i], now, "moved to a new page");
                    if (now != before[i]) offlined++;
                }
                assertEquals(0, b.um.mmap.munmap(mm, a, len));
            }
            b.um.mmap.exit(mm);
        }
        assertEquals(threads * 5 * 32, offlined, "every page was soft-offlined");
        b.assertClean();
        // cleanup(): unpoison in reverse order what the log says was offlined after the tag
        List<String> log = b.m.kernel().log().lines();
        int tag = log.indexOf("Soft-offlining pages test starting (pid: 4242)");
        Pattern pat = Pattern.compile("Soft offlining pfn (0x[0-9a-f]+)");
        List<String> pfns = new ArrayList<>();
        for (String l : log.subList(tag, log.size())) {
            Matcher mt = pat.matcher(l);
            if (mt.find()) pfns.add(mt.group(1));
        }
        assertEquals(offlined, pfns.size());
        for (int i = pfns.size() - 1; i >= 0; i--) {
            assertTrue(b.write(HwpoisonInject.DIR + "/unpoison-pfn", pfns.get(i) + "\n") > 0, "unpoison " + pfns.get(i));
        }
        assertEquals(0, b.hardwareCorruptedKb());
        b.assertClean();
    }

    /**
     * mce-test cases/function/hwpoison/random_offline: random physical addresses up to the end of
     * System RAM written to /sys/devices/system/memory/soft_offline_page (errors ignored), and every
     * so often every offlined pfn unpoisoned through hwpoison/unpoison-pfn.
     */
    @Test
    void mceTestRandomOffline() {
        Box b = boot();
        Random rnd = new Random(42);
        long end = b.m.layout().bootMemEnd();
        List<Long> offlined = new ArrayList<>();
        int ok = 0;
        for (int i = 1; i <= 600; i++) {
            long addr = (rnd.nextLong() & Long.MAX_VALUE) % end;
            long r = b.write("/sys/devices/system/memory/soft_offline_page", String.format("%#x\n", addr));
            if (r > 0) { offlined.add(addr >>> 12); ok++; }
            else assertTrue(r == Errno.EBUSY.neg() || r == Errno.EIO.neg() || r == Errno.ENXIO.neg(), "soft offline of " + Long.toHexString(addr) + ": " + r);
            if (i % 100 == 0) {
                for (long pfn : offlined) b.write(HwpoisonInject.DIR + "/unpoison-pfn", pfn + "\n");
                offlined.clear();
                b.assertClean();
                assertEquals(0, b.hardwareCorruptedKb(), "today unpoison undoes soft offline of free memory");
            }
        }
        assertTrue(ok > 300, "most of RAM is free: " + ok);
    }

    /**
     * tools/testing/selftests/mm/memory-failure.c, anon test, variants madv_hard and madv_soft:
     * hard - the access after MADV_HWPOISON is SIGBUS and pagemap shows a swap-type (hwpoison)
     * entry; soft - no signal, the data stays and moves to a new pfn. Both: HardwareCorrupted grows
     * by exactly one page, KPF_HWPOISON is set on the old pfn, and unpoison_memory(pfn) returns 0,
     * clears the flag and restores the counter.
     */
    @Test
    void selftestsMemoryFailureAnon() {
        for (boolean hard : new boolean[] {true, false}) {
            Box b = boot();
            MmStruct mm = b.um.newProcess("memory-failure");
            long a = b.um.mmap.mmap(mm, 0, 4096, RW, Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS);
            assertEquals(0, b.um.memory.faultIn(mm, a, true));
            b.um.swap.lruAddDrainAll();
            long pfn = b.pfnOf(mm, a);
            long hc = b.hardwareCorruptedKb();
            assertEquals(0, b.um.mmap.madvise(mm, a, 4096, hard ? Mmap.MADV_HWPOISON : Mmap.MADV_SOFT_OFFLINE));
            if (hard) {
                assertTrue(b.m.kernel().log().lines().stream().anyMatch(l -> l.contains("Sending SIGBUS to")), "MF_ACTION_REQUIRED");
                assertTrue(b.mf.takeSigbus(mm), "SIGBUS BUS_MCEERR_AR to the caller at madvise time");
                assertFalse(b.mf.takeSigbus(mm), "taken once");
                assertEquals(Errno.EHWPOISON.neg(), b.um.memory.faultIn(mm, a, false), "SIGBUS BUS_MCEERR_AR");
                assertTrue((b.word("/proc/" + mm.pid + "/pagemap", a >>> 12) & ProcPidFiles.PM_SWAP) != 0, "pagemap: swap entry");
            } else {
                assertEquals(0, b.um.memory.faultIn(mm, a, false), "no signal");
                assertNotEquals(pfn, b.pfnOf(mm, a), "a new pfn");
            }
            assertEquals(hc + 4, b.hardwareCorruptedKb());
            assertTrue((b.word("/proc/kpageflags", pfn) & (1L << KernelPageFlags.KPF_HWPOISON)) != 0);
            if (hard) assertEquals(0, b.um.mmap.munmap(mm, a, 4096));   // the test unmaps before unpoisoning
            assertEquals(0, b.mf.unpoisonMemory(pfn), hard ? "hard" : "soft");
            assertEquals(0, b.word("/proc/kpageflags", pfn) & (1L << KernelPageFlags.KPF_HWPOISON));
            assertEquals(hc, b.hardwareCorruptedKb());
            b.assertClean();
        }
    }
}
