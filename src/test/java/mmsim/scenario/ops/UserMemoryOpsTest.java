package mmsim.scenario.ops;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.mmap.UserMemory;
import mmsim.scenario.Booted;
import mmsim.scenario.ScenarioError;
import mmsim.scenario.Token;

/** The user-memory operations of scenario programs, run line by line on one machine outside exploration. */
class UserMemoryOpsTest {
    static final OpRegistry OPS = OpRegistry.standard();
    Booted m;
    Map<String, String> vars;
    OpContext ctx;

    @BeforeEach
    void boot() {
        m = Booted.boot(MachineLayout.small(), KernelConfig.mainline());
        vars = new TreeMap<>();
        ctx = m.context(vars);
    }

    OpRegistry.Step parse(String line) {
        List<Token> t = Token.split("t.mms", 1, line);
        return OPS.parse(t, new ScenarioError.Pos("t.mms", 1, line.length() + 1), line);
    }

    String run(String line) { return parse(line).run(ctx); }

    MmStruct init() { return UserMemoryOps.initTask(ctx); }

    UserMemory um() { return m.machine().userMemory(); }

    void consistent() {
        um().swap.lruAddDrainAll();
        assertEquals(List.of(), ModelCheck.check(m.machine()));
    }

    @Test
    void mmapTouchWriteMunmap() {
        String a = run("mmap 16K -> a");
        assertTrue(a.startsWith("0x"), a);
        assertEquals("ok", run("touch $a"));                  // zero page: no anon page yet
        assertEquals(0, init().counter(MmStruct.MM_ANONPAGES));
        assertEquals("ok", run("write $a+4K 8K"));             // two pages
        assertEquals(2, init().counter(MmStruct.MM_ANONPAGES));
        assertEquals("ok", run("write $a"));                   // COW of the zero page
        assertEquals(3, init().counter(MmStruct.MM_ANONPAGES));
        consistent();
        assertEquals("ok", run("munmap $a 16K -> r"));
        assertEquals("ok", vars.get("r"));
        assertEquals(0, init().counter(MmStruct.MM_ANONPAGES));
        assertEquals("SIGSEGV", run("write $a"));
        consistent();
    }

    @Test
    void errnosAreTheSyscalls() {
        run("mmap 8K -> a");
        assertEquals("-EINVAL", run("munmap $a+1 4K"));       // unaligned
        assertEquals("-EINVAL", run("munmap $a 0"));          // empty
        assertEquals("-EINVAL", run("mmap 0"));
        assertEquals("-EINVAL", run("mmap 4K fixed $a+1"));
        assertEquals("-EINVAL", run("madvise $a 4K 9999"));   // unknown advice
        assertEquals("-EINVAL", run("madvise $a+1 4K MADV_DONTNEED"));
        assertEquals("-ENOMEM", run("madvise $a 16K MADV_DONTNEED")); // the range runs past the mapping
        assertEquals("ok", run("munmap 0x1000 4K"));           // nothing mapped there: munmap succeeds, as the kernel's does
        assertEquals("-ESRCH", run("write $a in 77"));
        run("exit " + init().pid);
        assertEquals("-ESRCH", run("mmap 4K"), "the scenario's process exited");
    }

    @Test
    void aFreeHintIsUsedAndATakenOneIsNot() {
        assertEquals("0x10000000", run("mmap 8K at 0x10000000 -> h"));
        String again = run("mmap 4K at 0x10001000");
        assertNotEquals("0x10001000", again, "the hint overlaps the first mapping: the kernel picks another place");
        assertEquals("0x10001000", run("mmap 4K fixed 0x10001000"), "MAP_FIXED replaces what was there");
        assertEquals(3, init().mapCount(), init().vmaList().toString()); // the rest of h, the fixed page, and again
    }

    @Test
    void readOnlyMappingSegfaultsOnWrite() {
        run("mmap 4K r -> a");
        assertEquals("ok", run("touch $a"));
        assertEquals("SIGSEGV", run("write $a"));
        run("mmap 4K none -> b");
        assertEquals("SIGSEGV", run("touch $b"));
        consistent();
    }

    @Test
    void forkCopiesOnWriteAndExitFreesEverything() {
        run("mmap 8K -> a");
        run("write $a 8K");
        String child = run("fork -> c");
        assertTrue(Integer.parseInt(child) > 0);
        MmStruct c = um().task(Integer.parseInt(child));
        assertEquals(2, c.counter(MmStruct.MM_ANONPAGES));
        long pfnBefore = pfnAt(c, "a");
        assertEquals("ok", run("write $a in $c"));            // the child's write copies the page
        assertNotEquals(pfnBefore, pfnAt(c, "a"));
        assertEquals(pfnBefore, pfnAt(init(), "a"));           // the parent keeps its page
        consistent();
        long tables = um().tables.liveTables();
        run("exit $c");
        assertNull(um().task(c.pid));
        assertTrue(c.dead);
        assertTrue(um().tables.liveTables() <= tables - 4, "the child's PGD, PUD, PMD and PTE tables are freed");
        assertEquals("-ESRCH", run("write $a in $c"));
        consistent();
    }

    @Test
    void pageoutThenFaultBackIn() {
        run("mmap 16K -> a");
        run("write $a 16K");
        long before = um().event(mmsim.mm.linux.VmEvent.PSWPOUT);
        assertEquals("ok", run("madvise $a 16K pageout"));
        assertEquals(4, um().event(mmsim.mm.linux.VmEvent.PSWPOUT) - before);
        assertEquals(0, init().counter(MmStruct.MM_ANONPAGES));
        assertEquals(4, init().counter(MmStruct.MM_SWAPENTS));
        consistent();
        assertEquals("ok", run("touch $a 16K"));
        assertEquals(4, init().counter(MmStruct.MM_ANONPAGES));
        assertEquals(0, init().counter(MmStruct.MM_SWAPENTS));
        consistent();
        assertEquals("ok", run("madvise $a 16K MADV_DONTNEED"));
        assertEquals(0, init().counter(MmStruct.MM_ANONPAGES));
        consistent();
    }

    @Test
    void kswapdReclaimsColdAnonymousPages() {
        run("mmap 64K -> a");
        run("write $a 64K");
        um().swap.lruAddDrainAll();
        // pages fresh from faults are young: the first pass clears the accessed bits, later ones reclaim
        int reclaimed = 0;
        for (int i = 0; i < 4 && reclaimed < 16; i++) reclaimed += Integer.parseInt(run("kswapd 0 nr 64"));
        assertEquals(16, reclaimed);
        assertEquals(16, init().counter(MmStruct.MM_SWAPENTS));
        consistent();
        assertEquals("0", run("shrink nr 8"));
    }

    @Test
    void hugepageAdviceSetsTheVmaFlag() {
        run("mmap 2M -> a");
        assertEquals("ok", run("madvise $a 2M MADV_HUGEPAGE"));
        assertNotEquals(0, init().findVmaRaw(Args.parseNumber(vars.get("a"))).vmFlags & mmsim.mm.linux.VmFlags.VM_HUGEPAGE);
        assertEquals("ok", run("madvise $a 2M nohugepage"));
        assertEquals(0, init().findVmaRaw(Args.parseNumber(vars.get("a"))).vmFlags & mmsim.mm.linux.VmFlags.VM_HUGEPAGE);
    }

    @Test
    void procSelfIsTheScenariosProcess() {
        run("mmap 8K -> a");
        assertEquals("NONE", run("pagemap $a pfn"));
        assertEquals("ok", run("write $a"));
        String pfn = run("pagemap $a pfn");
        assertTrue(pfn.startsWith("0x"), pfn);
        long entry = Long.parseUnsignedLong(run("pagemap $a").substring(2), 16);
        assertEquals(Args.parseNumber(pfn), entry & ((1L << 55) - 1));
        assertTrue(entry < 0, "bit 63: present");
        // the file operations reach the same files through /proc/self
        String maps = run("cat /proc/self/maps");
        long a = Args.parseNumber(vars.get("a"));
        assertEquals(String.format("%08x-%08x rw-p 00000000 00:00 0", a, a + 8192), maps);
        String child = run("fork -> c");
        assertEquals(pfn, run("pagemap $a pfn in $c"), "the child maps the same page until one of them writes");
        assertTrue(m.exists("/proc/" + child + "/smaps_rollup"));
    }

    @Test
    void sharedAnonymousMemoryIsSharedAcrossFork() {
        run("mmap 8K rw shared -> s");
        assertEquals("ok", run("write $s"));
        String pfn = run("pagemap $s pfn");
        run("fork -> c");
        assertEquals("NONE", run("pagemap $s pfn in $c"), "fork does not copy a shared mapping's PTEs: the child faults");
        assertEquals("ok", run("write $s in $c"));
        assertEquals(pfn, run("pagemap $s pfn in $c"), "no copy on write: both see the same page");
        assertEquals(1, init().counter(MmStruct.MM_SHMEMPAGES));
        long entry = Long.parseUnsignedLong(run("pagemap $s").substring(2), 16);
        assertTrue((entry & (1L << 61)) != 0, "PM_FILE: shared anonymous memory is shmem");
        assertTrue(run("cat /proc/self/maps").contains(" rw-s 00000000 00:01 "), run("cat /proc/self/maps"));
        consistent();
        assertEquals("ok", run("munmap $s 8K"));
        consistent();  // the child's mapping keeps the page in the page cache
        assertEquals("ok", run("touch $s+4K in $c"));
        run("exit $c");
        consistent();  // the last mapping gone: the inode's pages were freed
        assertEquals(0, um().shmem.files().size());
    }

    @Test
    void parseErrorsNameTheArgument() {
        ScenarioError e = assertThrows(ScenarioError.class, () -> parse("madvise $a 4K MADV_FROBNICATE"));
        assertTrue(e.getMessage().contains("expected ADVICE"), e.getMessage());
        e = assertThrows(ScenarioError.class, () -> parse("write a+4K"));
        assertTrue(e.getMessage().contains("expected ADDR"), e.getMessage());
        e = assertThrows(ScenarioError.class, () -> parse("munmap $a"));
        assertTrue(e.getMessage().contains("expected LEN"), e.getMessage());
        assertEquals(List.of("a"), parse("write $a+4K").varRefs().stream().map(t -> t.text().substring(1)).toList());
    }

    private long freePages() {
        return m.machine().zones().stream().mapToLong(z -> z.stat(mmsim.mm.linux.ZoneStat.NR_FREE_PAGES)).sum();
    }

    private long pfnAt(MmStruct mm, String var) {
        long addr = Args.parseNumber(vars.get(var));
        long[] out = new long[1];
        assertEquals(1, um().gup.getUserPagesFast(mm, addr, 1, false, out));
        um().gup.putUserPage(out[0]);
        return out[0];
    }
}
