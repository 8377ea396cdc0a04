package mmsim.iface.sysfs;

import mmsim.iface.VirtualFs;
import mmsim.iface.debugfs.MemoryNotifierErrorInject;
import mmsim.kernel.Errno;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * tools/testing/selftests/memory-hotplug/mem-on-off-test.sh, played against the model through
 * its VirtualFs: the same file reads and writes in the same order, with the script's checks
 * (each expect_success / expect_fail). Defaults as the script: error -12, priority 0, ratio 10;
 * $RANDOM is a seeded Random.
 */
class MemOnOffSelftestTest {
    static final String SYSFS_MEM = MemorySysfs.DIR;
    static final String INJECT = MemoryNotifierErrorInject.DIR + "/memory";
    static final String LAYOUT = """
            arch x86_64
            cpus 2
            ram      0x1000      +0x9e000
            ram      0x100000    +511M
            reserve  0x100000    +15M
            hotplug  0x20000000  +512M
            """;

    final List<String> failures = new ArrayList<>();
    VirtualFs fs;
    Random random = new Random(4);

    /** hotpluggable_memory [state]: blocks whose removable has a 1 and whose state matches. */
    List<String> hotpluggableMemory(String state) {
        List<String> out = new ArrayList<>();
        for (String d : fs.list(SYSFS_MEM)) {
            if (!d.matches("memory[0-9]+")) continue;
            if (!fs.readAll(SYSFS_MEM + "/" + d + "/removable").contains("1")) continue;
            if (state != null && !fs.readAll(SYSFS_MEM + "/" + d + "/state").contains(state)) continue;
            out.add(d.substring("memory".length()));
        }
        return out;
    }

    boolean onlineMemory(String n) { return fs.write(SYSFS_MEM + "/memory" + n + "/state", "online\n") > 0; }
    boolean offlineMemory(String n) { return fs.write(SYSFS_MEM + "/memory" + n + "/state", "offline\n") > 0; }
    boolean isOnline(String n) { return fs.readAll(SYSFS_MEM + "/memory" + n + "/state").contains("online"); }
    boolean isOffline(String n) { return fs.readAll(SYSFS_MEM + "/memory" + n + "/state").contains("offline"); }

    void onlineExpectSuccess(String n) {
        if (!onlineMemory(n)) failures.add("online_memory_expect_success " + n + ": unexpected fail");
        else if (!isOnline(n)) failures.add("online_memory_expect_success " + n + ": unexpected offline");
    }

    void offlineExpectSuccess(String n) {
        if (!offlineMemory(n)) failures.add("offline_memory_expect_success " + n + ": unexpected fail");
        else if (!isOffline(n)) failures.add("offline_memory_expect_success " + n + ": unexpected online");
    }

    void onlineExpectFail(String n) {
        if (onlineMemory(n)) failures.add("online_memory_expect_fail " + n + ": unexpected success");
        else if (!isOffline(n)) failures.add("online_memory_expect_fail " + n + ": unexpected online");
    }

    void offlineExpectFail(String n) {
        if (offlineMemory(n)) failures.add("offline_memory_expect_fail " + n + ": unexpected success");
        else if (!isOnline(n)) failures.add("offline_memory_expect_fail " + n + ": unexpected offline");
    }

    /** Seed 004's machine: arm64 4K, whose init_mm page tables are modelled (blocks 12-15 hot-pluggable). */
    static final String ARM64_LAYOUT = """
            arch arm64
            cpus 2
            ram      0x40000000  +512M
            reserve  0x40000000  +16M
            hotplug  0x60000000  +512M
            """;

    @Test
    void theSelftestPassesAgainstTheModel() {
        selftest(KernelConfig.mainline());
    }

    /** v4.6 onlines page by page (one page at a time through the per-cpu lists). */
    @Test
    void theSelftestPassesAgainstV46() {
        selftest(KernelConfig.v4_6());
    }

    /** The same script on arm64, where the blocks' linear map and vmemmap are real page tables. */
    @Test
    void theSelftestPassesOnArm64() {
        selftest(KernelConfig.mainline(), ARM64_LAYOUT, List.of("12", "13", "14", "15"));
    }

    void selftest(KernelConfig config) {
        selftest(config, LAYOUT, List.of("4", "5", "6", "7"));
    }

    void selftest(KernelConfig config, String layout, List<String> hotpluggable) {
        Machine m = Machine.boot(MachineLayout.parse("selftest", layout), config);
        fs = VirtualFs.of(m);
        int error = -12, priority = 0, ratio = 10;
        // prerequisite: some block is hot-pluggable
        assertFalse(hotpluggableMemory(null).isEmpty());
        // Online all hot-pluggable memory
        List<String> offline = hotpluggableMemory("offline");
        assertEquals(hotpluggable, offline);
        for (String n : offline) onlineExpectSuccess(n);
        // Offline $ratio percent of hot-pluggable memory (the script discards these results)
        for (String n : hotpluggableMemory("online")) if (random.nextInt(100) < ratio) offlineMemory(n);
        // Online all hot-pluggable memory again
        for (String n : hotpluggableMemory("offline")) onlineExpectSuccess(n);

        // Test with memory notifier error injection
        MemoryNotifierErrorInject inject = MemoryNotifierErrorInject.of(m);
        inject.rmmod(fs);
        assertEquals(0, inject.modprobe(fs, priority));
        fs.echo(INJECT + "/actions/MEM_GOING_OFFLINE/error", "0");
        // Offline $ratio percent of hot-pluggable memory: make sure some go offline for the next step
        int offlined = 0;
        for (String n : hotpluggableMemory("online"))
            if ((random.nextInt(100) < ratio * 4 || n.equals(hotpluggable.get(hotpluggable.size() - 1))) && offlineMemory(n)) offlined++;
        assertTrue(offlined > 0);
        // Online all hot-pluggable memory with MEM_GOING_ONLINE error injection
        fs.echo(INJECT + "/actions/MEM_GOING_ONLINE/error", Integer.toString(error));
        assertEquals("-12\n", fs.readAll(INJECT + "/actions/MEM_GOING_ONLINE/error"));
        int logBefore = m.kernel().log().size();
        for (String n : hotpluggableMemory("offline")) {
            assertEquals(error, fs.write(SYSFS_MEM + "/memory" + n + "/state", "online\n"), "the injected errno reaches the writer");
            onlineExpectFail(n);
        }
        assertTrue(m.kernel().log().linesFrom(logBefore).contains("Injecting error (-12) to MEM_GOING_ONLINE"));
        // Online all hot-pluggable memory
        fs.echo(INJECT + "/actions/MEM_GOING_ONLINE/error", "0");
        for (String n : hotpluggableMemory("offline")) onlineExpectSuccess(n);
        // Offline all hot-pluggable memory with MEM_GOING_OFFLINE error injection
        fs.echo(INJECT + "/actions/MEM_GOING_OFFLINE/error", Integer.toString(error));
        for (String n : hotpluggableMemory("online")) offlineExpectFail(n);
        fs.echo(INJECT + "/actions/MEM_GOING_OFFLINE/error", "0");
        assertEquals(0, inject.rmmod(fs));
        assertFalse(fs.exists(INJECT));

        assertEquals(List.of(), failures);
        for (String n : hotpluggable) assertTrue(isOnline(n));
        assertEquals(List.of(), ModelCheck.check(m));
    }

    @Test
    void errorFileParsesLikeKstrtoint() {
        Machine m = Machine.boot(MachineLayout.parse("selftest", LAYOUT), KernelConfig.mainline());
        fs = VirtualFs.of(m);
        MemoryNotifierErrorInject.of(m).modprobe(fs, 0);
        String f = INJECT + "/actions/MEM_GOING_OFFLINE/error";
        assertEquals("0\n", fs.readAll(f));
        assertEquals(0600, fs.file(f).mode);
        assertEquals(Errno.EINVAL.neg(), fs.write(f, "busy\n"));
        assertEquals(6, fs.write(f, "-5000\n"));
        assertEquals("-4095\n", fs.readAll(f), "clamped to -MAX_ERRNO");
        assertEquals(3, fs.write(f, "12\n"));
        assertEquals("0\n", fs.readAll(f), "positive values clamp to 0");
        assertEquals(6, fs.write(f, "-0x10\n"));
        assertEquals("-16\n", fs.readAll(f));
        assertEquals(Errno.EEXIST.neg(), MemoryNotifierErrorInject.of(m).modprobe(fs, 0));
    }
}
