package mmsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import mmsim.cli.CliEndToEndTest.Run;

/**
 * {@code replay --sh} and {@code --stop-at} on a real failure: seed 000 under v4.6, the schedule
 * found by exploring it (not written here), then the shell's inspection commands on the machine
 * the replay left.
 */
class ReplayShellTest {
    static final String FILE = "scenarios/000-kpageflags-vs-offline.mms";
    static String schedule;
    static int total;

    @BeforeAll
    static void explore() {
        Run r = CliEndToEndTest.run("explore", FILE, "--variant", "v4.6", "--json");
        schedule = CliEndToEndTest.firstMatch("\"schedule\":\"([A-H0-9!]+)\"", r.out());
        total = 0;
        var m = Pattern.compile("[A-H](\\d+)").matcher(schedule);
        while (m.find()) total += Integer.parseInt(m.group(1));
    }

    static Run shell(String... args) {
        List<String> a = new ArrayList<>(List.of("replay", FILE, "--variant", "v4.6", "--schedule", schedule));
        a.addAll(List.of(args));
        return CliEndToEndTest.run(a.toArray(String[]::new));
    }

    /** The shell's output after the trace and report: what follows the "machine at step" line. */
    static String after(Run r) {
        int i = r.out().indexOf("\nmachine at step ");
        assertTrue(i >= 0, "the shell says where the trace stands:\n" + r.out() + r.err());
        return r.out().substring(i + 1);
    }

    /** The pfn the KASAN report names ("page: ... pfn:0x..."). */
    static String oopsPfn(Run r) {
        return CliEndToEndTest.firstMatch("The buggy address belongs to the physical page:\\npage: .* pfn:(0x[0-9a-f]+)", r.out());
    }

    @Test
    void dumpPageAndPageLineOnThePageTheOopsNames() {
        Run first = shell();
        String pfn = oopsPfn(first);
        Run r = shell("--sh", "-c", "dump_page " + pfn, "-c", "kmem -p " + pfn);
        assertEquals(0, r.exit(), r.out() + r.err());
        String sh = after(r);
        assertTrue(sh.startsWith("machine at step " + total + " of " + total + "\n"), sh);
        assertTrue(Pattern.compile("\\npage: refcount:\\d+ mapcount:\\d+ mapping:[0-9a-f]{16} index:0x[0-9a-f]+ pfn:" + pfn + "\\n"
                + "flags: 0x[0-9a-f]+\\(.*node=0\\|zone=\\d.*\\)\\n(raw: [0-9a-f]{16}( [0-9a-f]{16}){3}\\n){2}").matcher(sh).find(), sh);
        // crash's page line: the struct page's address, the physical address, then the counts
        assertTrue(sh.contains("      PAGE        PHYSICAL      MAPPING       INDEX CNT FLAGS\n"), sh);
        long p = Long.decode(pfn);
        assertTrue(Pattern.compile("\\n[0-9a-f]{16} +" + Long.toHexString(p << 12) + " +[0-9a-f]+ +[0-9a-f]+ +\\d+ [0-9a-f]+").matcher(sh).find(), sh);
    }

    @Test
    void kmemFindsTheOfflinedPageOnAFreeListBeforeTheOfflineAndNotAfter() {
        // pfn 0x8000 is the first page of memory block 1, which CPU B offlines
        Run before = shell("--stop-at", "1", "-c", "kmem -f 0x8000");
        assertEquals(0, before.exit(), before.out() + before.err());
        String b = after(before);
        assertTrue(b.startsWith("machine at step 1 of " + total + ", next CPU "), b);
        assertTrue(Pattern.compile("pfn 0x8000 is in a free block of order \\d+ at pfn 0x8000, on free_area\\[\\d+\\]"
                + "\\.free_list\\[MIGRATE_MOVABLE\\] of zone \\w+ \\(node 0\\)").matcher(b).find(), b);
        assertTrue(b.contains("      PAGE          PFN     NODE ZONE     ORDER MIGRATETYPE  BLOCK\n"), b);

        Run atFailure = shell("--sh", "-c", "kmem -f 0x8000");
        String a = after(atFailure);
        assertTrue(a.contains("pfn 0x8000 is not on a free list: refcount 0, flags reserved"), "offline_pages took it off: " + a);
    }

    @Test
    void freeAreaSummaryAgreesWithZoneinfoAndSectionsAndWatermarks() {
        Run r = shell("--sh", "-c", "kmem -f", "-c", "kmem -z", "-c", "kmem -n", "-c", "cat /proc/zoneinfo");
        assertEquals(0, r.exit(), r.out() + r.err());
        String sh = after(r);
        // the blocks per order of DMA32 in kmem -f are the counts /proc/buddyinfo's source holds
        var zone = Pattern.compile("\\n\\s+1\\s+DMA32\\s+\\d+\\s+(\\d+)\\s").matcher(sh);
        assertTrue(zone.find(), sh);
        var zi = Pattern.compile("Node 0, zone\\s+DMA32\\n\\s+pages free\\s+(\\d+)").matcher(sh);
        assertTrue(zi.find(), sh);
        assertEquals(zone.group(1), zi.group(1), "kmem -f's FREE is kmem -z's pages free");
        assertTrue(Pattern.compile("\\n +min +\\d+\\n +low +\\d+\\n +high +\\d+\\n").matcher(sh).find(), sh);
        assertTrue(sh.contains(" NR  SECTION          CODED_MEM_MAP     MEM_MAP           STATE  PFN\n"), sh);
        assertTrue(Pattern.compile("\\n +1  mem_section\\[1\\] +[0-9a-f]{16}  ffffea[0-9a-f]{10}  PM\\w* +32768\\n").matcher(sh).find(), sh);
    }

    @Test
    void pageTypesRunsInsideTheShell() {
        Run r = shell("--stop-at", "1", "-c", "page-types -a 0x8000+4 -l");
        assertEquals(0, r.exit(), r.out() + r.err());
        String sh = after(r);
        assertTrue(sh.contains("offset\tlen\tflags\n8000\t4\t"), sh);
        assertTrue(sh.contains("buddy"), "block 1 is still free before the offline: " + sh);
        // on the crashed machine the same read of section 1 runs into the freed page_ext table
        // again, as a second cat of /proc/kpageflags would; the shell reports it and goes on
        Run crashed = shell("--sh", "-c", "page-types -a 0x8000+4 -l", "-c", "kmem -f 0x8000");
        assertTrue(crashed.err().contains("mmsim: page-types: KASAN: use-after-free Read in page_is_idle"), crashed.err());
        assertTrue(after(crashed).contains("pfn 0x8000 is not on a free list"), after(crashed));
    }

    @Test
    void badInputGetsTheToolsMessageAndTheShellGoesOn() {
        Run r = shell("--sh", "-c", "kmem -f 0x99999999", "-c", "kmem -p zz", "-c", "dump_page", "-c", "kmem -q",
                "-c", "vtop nothex", "-c", "vtop 0x1000 4242", "-c", "vtop ffff888000000000", "-c", "kmem -f 0x8000");
        String sh = after(r);
        assertTrue(r.err().contains("kmem: pfn 0x99999999 is beyond the end of memory (max_pfn 0x"), r.err());
        assertTrue(r.err().contains("kmem: invalid pfn: zz"), r.err());
        assertTrue(r.err().contains("dump_page: usage: dump_page PFN"), r.err());
        assertTrue(r.err().contains("kmem: invalid option: -q"), r.err());
        assertTrue(r.err().contains("vtop: invalid address: nothex"), r.err());
        assertTrue(r.err().contains("vtop: invalid task or pid value: 4242"), r.err());
        assertTrue(r.err().contains("vtop: this machine has no kernel page tables modelled"), r.err());
        assertFalse((r.out() + r.err()).contains("Exception"), r.out() + r.err());
        assertTrue(sh.contains("pfn 0x8000 is not on a free list"), "the last command still ran: " + sh);
        assertEquals(0, r.exit(), "the status is the last command's");
    }

    @Test
    void stopAtOutsideTheScheduleAndJsonAreUsageErrors() {
        Run r = shell("--stop-at", String.valueOf(total + 1));
        assertEquals(Main.EXIT_USAGE, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("--stop-at: step " + (total + 1) + " is outside the execution (1.." + total), r.err());
        assertEquals(Main.EXIT_USAGE, shell("--sh", "--json").exit());
        assertEquals(Main.EXIT_USAGE, shell("-c", "kmem -n").exit());
    }

    @Test
    void vtopWalksUserAndKernelPageTables() {
        Run user = CliEndToEndTest.runWithInput("mmap 8K -> a\nwrite $a\nvtop $a 1000\n", "sh");
        assertEquals(0, user.exit(), user.out() + user.err());
        assertTrue(Pattern.compile("VIRTUAL           PHYSICAL\\n[0-9a-f]{16}  [0-9a-f]+\\n\\nPGD DIRECTORY: [0-9a-f]{16}\\n"
                + "   PGD: [0-9a-f]{16} => [0-9a-f]{16} \\(P RW U.* table pfn 0x[0-9a-f]+\\)\\n"
                + "   PUD: .*\\n   PMD: .*\\n   PTE: [0-9a-f]{16} => [0-9a-f]{16} \\(P RW U.* pfn 0x[0-9a-f]+\\)\\n  PAGE: [0-9a-f]+\\n")
                .matcher(user.out()).find(), user.out());
        Run kernel = CliEndToEndTest.run("sh", "--config", "kernel-page-tables", "-c", "vtop ffff888001040000");
        assertEquals(0, kernel.exit(), kernel.out() + kernel.err());
        // the direct map: physical = virtual - PAGE_OFFSET, through a 2 MB PMD block
        assertTrue(kernel.out().contains("ffff888001040000  1040000\n"), kernel.out());
        assertTrue(kernel.out().contains("  PAGE: 1000000  (2MB)"), kernel.out());
    }

    /**
     * KASAN poisons a freed page in free_pages_prepare, after put_page_testzero dropped the last
     * reference (mm/page_alloc.c): one step before the found schedule's preemption (the writer
     * preempted inside put_page_testzero, the page_ext table still referenced) the reader's
     * access is no use-after-free; at the found schedule it is.
     */
    @Test
    void kasanFiresOnlyOnceTheTableHasNoReference() {
        var m = Pattern.compile("^B(\\d+)A(\\d+)$").matcher(schedule);
        assertTrue(m.matches(), schedule);
        String earlier = "B" + (Integer.parseInt(m.group(1)) - 1) + "A" + m.group(2);
        Run before = CliEndToEndTest.run("replay", FILE, "--variant", "v4.6", "--schedule", earlier);
        assertFalse(before.out().contains("KASAN"), before.out());
        Run at = CliEndToEndTest.run("replay", FILE, "--variant", "v4.6", "--schedule", schedule);
        assertTrue(at.out().contains("KASAN: use-after-free Read in page_is_idle"), at.out());
        assertTrue(at.out().contains("page: refcount:0"), at.out());
    }
}
