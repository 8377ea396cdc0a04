package mmsim.iface;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.junit.jupiter.api.Test;

import mmsim.iface.procfs.KernelPageFlags;
import mmsim.kernel.Errno;
import mmsim.mm.Machine;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.linux.PageFlag;

/**
 * Behaviours a user diffing mmsim against a 6.x kernel would see at once (issue #20), each
 * against the kernel function it follows. The built-in small machine: 512 MiB of boot RAM
 * (memory0-3), the kernel image reserved at 1 MiB-16 MiB, one offline DIMM (memory4).
 */
class KernelFidelityTest {
    static final String MEM = "/sys/devices/system/memory";

    static Machine boot(KernelConfig c) { return Machine.boot(MachineLayout.small(), c); }

    /** lib/kstrtox.c kstrtobool(): t/T/f/F since 6.0 ("true"/"false" work); the 2016 strtobool had only y/n/1/0/on/off. */
    @Test
    void onlineTakesTrueAndFalseToday() {
        VirtualFs fs = VirtualFs.of(boot(KernelConfig.mainline()));
        assertEquals(5, fs.write(MEM + "/memory4/online", "true\n"));
        assertEquals("1\n", fs.readAll(MEM + "/memory4/online"));
        assertEquals(2, fs.write(MEM + "/memory4/online", "f\n"));
        assertEquals("0\n", fs.readAll(MEM + "/memory4/online"));
        VirtualFs old = VirtualFs.of(boot(KernelConfig.v4_6()));
        assertEquals(Errno.EINVAL.neg(), old.write(MEM + "/memory4/online", "true\n"));
    }

    /**
     * As root: fs/proc/inode.c proc_reg_write -> pde_write gives -EIO when the proc_ops have no
     * proc_write; a /proc/PID file without a write method gets -EINVAL from vfs_write; kernfs's
     * open refuses a sysfs attribute without store (-EACCES).
     */
    @Test
    void writesToReadOnlyFilesFailAsEachFilesystemFailsThem() {
        Machine m = boot(KernelConfig.mainline());
        VirtualFs fs = VirtualFs.of(m);
        assertEquals(Errno.EIO.neg(), fs.write("/proc/meminfo", "1\n"));
        assertEquals(Errno.EIO.neg(), fs.write("/proc/kpageflags", "1\n"));
        assertEquals(Errno.EIO.neg(), fs.write("/proc/vmstat", "1\n"));
        assertEquals(Errno.EACCES.neg(), fs.write(MEM + "/block_size_bytes", "1\n"));
        m.userMemory().newProcess("a.out");
        String pid = fs.list("/proc").stream().filter(n -> n.matches("\\d+")).findFirst().orElseThrow();
        assertEquals(Errno.EINVAL.neg(), fs.write("/proc/" + pid + "/maps", "1\n"));
    }

    /** fs/namei.c: a trailing slash or a file used as a directory in the middle of a path is ENOTDIR. */
    @Test
    void aFileUsedAsADirectoryIsEnotdir() {
        VirtualFs fs = VirtualFs.of(boot(KernelConfig.mainline()));
        assertEquals(Errno.ENOTDIR, fs.read("/proc/meminfo/", 0, 10).errno());
        assertEquals(Errno.ENOTDIR, fs.read("/proc/meminfo/x", 0, 10).errno());
        assertEquals(Errno.ENOENT, fs.read("/proc/nosuch/x", 0, 10).errno());
        Errno.ErrnoException e = assertThrows(Errno.ErrnoException.class, () -> fs.readAll("/proc/meminfo/"));
        assertEquals(Errno.ENOTDIR, e.errno());
    }

    /**
     * drivers/base/bus.c bus_register/bus_add_device: memoryN/subsystem points at /sys/bus/memory,
     * which lists devices/ (a link per block), drivers/, drivers_autoprobe, drivers_probe, uevent.
     */
    @Test
    void theSubsystemLinkLeadsToTheMemoryBus() {
        Machine m = boot(KernelConfig.mainline());
        VirtualFs fs = VirtualFs.of(m);
        assertEquals(List.of("devices", "drivers", "drivers_autoprobe", "drivers_probe", "uevent"), fs.list(MEM + "/memory0/subsystem"));
        assertEquals("offline\n", fs.readAll(MEM + "/memory0/subsystem/devices/memory4/state"));
        assertEquals("1\n", fs.readAll("/sys/bus/memory/drivers_autoprobe"));
        assertEquals(Errno.ENODEV.neg(), fs.write("/sys/bus/memory/drivers_probe", "memory99\n"));
    }

    /**
     * drivers/base/power/sysfs.c dpm_sysfs_add: the runtime group on the memory root, each block
     * and each node (no CONFIG_PM_ADVANCED_DEBUG): control "auto", runtime_status "unsupported"
     * (runtime PM disabled), autosuspend_delay_ms -EIO without use_autosuspend.
     */
    @Test
    void memoryDevicesHaveTheirPowerDirectory() {
        VirtualFs fs = VirtualFs.of(boot(KernelConfig.mainline()));
        for (String dev : List.of(MEM, MEM + "/memory1", "/sys/devices/system/node/node0")) {
            assertEquals(List.of("autosuspend_delay_ms", "control", "runtime_active_time", "runtime_status", "runtime_suspended_time"),
                    fs.list(dev + "/power"), dev);
            assertEquals("auto\n", fs.readAll(dev + "/power/control"));
            assertEquals("unsupported\n", fs.readAll(dev + "/power/runtime_status"));
            assertEquals(Errno.EIO, fs.read(dev + "/power/autosuspend_delay_ms", 0, 16).errno());
        }
        assertEquals(Errno.EINVAL.neg(), fs.write(MEM + "/power/control", "off\n"));
        assertEquals(3, fs.write(MEM + "/power/control", "on\n"));
        assertEquals("on\n", fs.readAll(MEM + "/power/control"));
    }

    /** mm/memory_hotplug.c try_remove_memory: the online check comes first, so online boot memory is -EBUSY. */
    @Test
    void removingOnlineBootMemoryIsBusy() {
        Machine m = boot(KernelConfig.mainline());
        int mark = m.kernel().log().size();
        assertEquals(Errno.EBUSY.neg(), m.memoryHotplug().removeMemory(0x8000000L, 0x8000000L));
        assertTrue(m.kernel().log().linesFrom(mark).get(0).startsWith("removing memory fails, because memory [0x0000000008000000-"),
                m.kernel().log().linesFrom(mark).toString());
    }

    /**
     * empty_zero_page is in the kernel image (.bss): reserved, never from the allocator, and
     * fs/proc/page.c stable_page_flags reports it with KPF_ZERO_PAGE (is_zero_pfn).
     */
    @Test
    void theZeroPageIsPartOfTheKernelImage() {
        Machine m = boot(KernelConfig.mainline());
        long zero = m.userMemory().zeroPfn;
        assertTrue(zero >= 0x100 && zero < 0x1000, String.format("%#x inside the image [0x100, 0x1000)", zero));
        assertTrue(m.memmap().testBit(zero, PageFlag.RESERVED));
        assertEquals(zero, m.userMemory().zeroPage(), "a read fault maps that page, allocating nothing");
        byte[] raw = VirtualFs.of(m).read("/proc/kpageflags", zero * 8, 8).data();
        long flags = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertTrue((flags & (1L << KernelPageFlags.KPF_ZERO_PAGE)) != 0, String.format("%#x", flags));
    }

    /**
     * mm/page_alloc.c build_all_zonelists, called by online_pages when the zone was empty and by
     * offline_pages when it empties: "Fallback order", "Built N zonelists", "Policy zone" (6.x);
     * v4.6 names the zonelist order and prints no fallback line.
     */
    @Test
    void populatingOrEmptyingAZoneRebuildsTheZonelists() {
        Machine m = boot(KernelConfig.mainline());
        VirtualFs fs = VirtualFs.of(m);
        int mark = m.kernel().log().size();
        fs.echo(MEM + "/memory4/state", "online_movable");
        List<String> on = m.kernel().log().linesFrom(mark);
        assertEquals("Fallback order for Node 0: 0 ", on.get(0));
        assertTrue(on.get(1).matches("Built 1 zonelists, mobility grouping on\\.  Total pages: \\d+"), on.toString());
        assertEquals("Policy zone: DMA32", on.get(2));
        mark = m.kernel().log().size();
        fs.echo(MEM + "/memory4/state", "offline");
        assertTrue(m.kernel().log().linesFrom(mark).stream().anyMatch(l -> l.startsWith("Built 1 zonelists")), "Movable emptied");
        Machine old = boot(KernelConfig.v4_6());
        int oldMark = old.kernel().log().size();
        VirtualFs.of(old).echo(MEM + "/memory4/state", "online_movable");
        List<String> v46 = old.kernel().log().linesFrom(oldMark);
        assertTrue(v46.get(0).matches("Built 1 zonelists in Node order, mobility grouping on\\.  Total pages: \\d+"), v46.toString());
    }

    /**
     * mm/memcontrol.c page_cgroup_ino via fs/proc/page.c kpagecgroup_read: a user page committed
     * to the (root) memcg reads the root cgroup's inode, a free or kernel page 0; without
     * CONFIG_MEMCG every page reads 0.
     */
    @Test
    void kpagecgroupReadsTheRootMemcgOfAChargedPage() {
        for (KernelConfig c : List.of(KernelConfig.mainline(), KernelConfig.v4_6(), KernelConfig.mainline().without(KernelConfig.CONFIG_MEMCG))) {
            Machine m = boot(c);
            var mm = m.userMemory().newProcess("a.out");
            long[] pfn = {writtenAnonPage(m, mm, mapAnonPage(m, mm))};
            long kernelPage = m.allocator().allocPages(mmsim.mm.linux.Gfp.GFP_KERNEL, 0);
            VirtualFs fs = VirtualFs.of(m);
            long expect = c.has(KernelConfig.CONFIG_MEMCG) ? 1 : 0;
            assertEquals(expect, u64(fs.read("/proc/kpagecgroup", pfn[0] * 8, 8).data()), c.toString());
            assertEquals(0, u64(fs.read("/proc/kpagecgroup", kernelPage * 8, 8).data()), c.toString());
        }
    }

    /** One page of private anonymous read-write memory in {@code mm}: its address. */
    private static long mapAnonPage(Machine m, mmsim.mm.linux.MmStruct mm) {
        return m.userMemory().mmap.mmap(mm, 0, 4096, mmsim.mm.mmap.Mmap.PROT_READ | mmsim.mm.mmap.Mmap.PROT_WRITE,
                mmsim.mm.mmap.Mmap.MAP_PRIVATE | mmsim.mm.mmap.Mmap.MAP_ANONYMOUS);
    }

    /** The page a write to {@code addr} in {@code mm} faults in, found through GUP-fast. */
    private static long writtenAnonPage(Machine m, mmsim.mm.linux.MmStruct mm, long addr) {
        var um = m.userMemory();
        assertEquals(0, um.memory.faultIn(mm, addr, true));
        long[] pfn = new long[1];
        assertEquals(1, um.gup.getUserPagesFast(mm, addr, 1, false, pfn));
        um.gup.putUserPage(pfn[0]);
        return pfn[0];
    }

    private static long u64(byte[] b) { return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(); }

    /**
     * PG_anon_exclusive (include/linux/page-flags.h: PG_owner_2, exported raw as KPF_OWNER_2 by
     * fs/proc/page.c): set by folio_add_new_anon_rmap for a fresh anonymous page, cleared when
     * fork shares it (__folio_try_dup_anon_rmap), set again when a write fault reuses the page
     * (do_wp_page -> wp_page_reuse). v4.6 had no such flag.
     */
    @Test
    void anonExclusiveFollowsFaultForkAndReuse() {
        for (KernelConfig c : List.of(KernelConfig.mainline(), KernelConfig.v4_6())) {
            Machine m = boot(c);
            var um = m.userMemory();
            var parent = um.newProcess("a.out");
            long a = mapAnonPage(m, parent);
            long[] pfn = {writtenAnonPage(m, parent, a)};
            VirtualFs fs = VirtualFs.of(m);
            boolean today = c.era() == KernelConfig.Era.MAINLINE;
            long owner2 = 1L << 34;   // KPF_OWNER_2
            assertEquals(today ? owner2 : 0, u64(fs.read("/proc/kpageflags", pfn[0] * 8, 8).data()) & owner2, c + ": fresh anon page");
            var child = um.mmap.fork(parent);
            assertEquals(0, u64(fs.read("/proc/kpageflags", pfn[0] * 8, 8).data()) & owner2, c + ": shared by fork");
            um.mmap.exit(child);
            assertEquals(0, um.memory.faultIn(parent, a, true));   // write to the read-only PTE: reuse
            assertEquals(today ? owner2 : 0, u64(fs.read("/proc/kpageflags", pfn[0] * 8, 8).data()) & owner2, c + ": reused");
        }
    }
}
