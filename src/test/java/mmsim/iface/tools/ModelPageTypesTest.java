package mmsim.iface.tools;

import mmsim.iface.VirtualFs;
import mmsim.iface.procfs.KPageFiles;
import mmsim.iface.procfs.KPageProc;
import mmsim.kernel.Errno;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.mm.linux.Gfp;
import mmsim.mm.linux.ZoneStat;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * /proc/kpageflags, kpagecount and kpagecgroup in a booted machine's VirtualFs, and page-types
 * reading them through {@link ModelFs}: the tool's counts agree with the allocator's own
 * counters, and a page the test allocates shows up where the tool lists it.
 */
class ModelPageTypesTest {

    static Machine boot() {
        return Machine.boot(MachineLayout.small(), KernelConfig.mainline());
    }

    record Run(int status, String out, String err) { }

    static Run pageTypes(Machine m, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = PageTypes.run(args, s -> new ModelFs(m), out, new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The page-count column of the summary row whose long name is exactly {@code names}. */
    static long rowCount(String summary, String names) {
        Matcher row = Pattern.compile("(?m)^0x[0-9a-f]{16}\\t\\s*(\\d+)\\s+\\d+\\s+\\S+\\t" + Pattern.quote(names) + "$").matcher(summary);
        assertTrue(row.find(), "no row '" + names + "' in:\n" + summary);
        return Long.parseLong(row.group(1));
    }

    @Test
    void filesAreRegisteredReadOnlyForRootAndBinary() {
        Machine m = boot();
        VirtualFs fs = VirtualFs.of(m);
        for (String name : new String[] {"kpageflags", "kpagecount", "kpagecgroup"}) {
            VirtualFs.File f = fs.file("/proc/" + name);
            assertEquals(0400, f.mode, name);
            assertTrue(f.binary, name);
            assertFalse(f.writable(), name);
            // root passes the mode check; proc_reg_write finds no proc_write: -EIO (fs/proc/inode.c)
            assertEquals(-Errno.EIO.number, fs.write("/proc/" + name, "0"), name + " refuses writes");
        }
        assertTrue(fs.list("/proc").containsAll(java.util.List.of("kpagecgroup", "kpagecount", "kpageflags")));
    }

    @Test
    void wholeFileReadThroughTheTreeIsTheReadersAnswer() {
        Machine m = boot();
        KPageFiles files = KPageProc.of(m);
        byte[] viaTree = VirtualFs.of(m).readAllBytes("/proc/kpageflags");
        assertEquals(files.maxDumpPfn() * 8, viaTree.length, "the file ends at max_pfn rounded up to a section");
        assertArrayEquals(files.read(KPageFiles.Kind.KPAGEFLAGS, 0, viaTree.length).data(), viaTree);
        // the kernel's rules hold through the tree: a misaligned position is EINVAL
        assertEquals(Errno.EINVAL, VirtualFs.of(m).read("/proc/kpagecount", 4, 8).errno());
        assertEquals(Errno.EINVAL, VirtualFs.of(m).read("/proc/kpageflags", 0, 12).errno());
        assertEquals(0, VirtualFs.of(m).read("/proc/kpageflags", viaTree.length, 8).data().length, "EOF past the end");
    }

    @Test
    void pageTypesOnTheModelCountsWhatTheAllocatorHoldsFree() {
        Machine m = boot();
        Run r = pageTypes(m);
        assertEquals("", r.err());
        assertEquals(0, r.status());
        long free = m.allocator().globalZoneState(ZoneStat.NR_FREE_PAGES);
        assertEquals(free, rowCount(r.out(), "buddy"), "every free page is KPF_BUDDY and nothing else\n" + r.out());
        Matcher total = Pattern.compile("(?m)^\\s+total\\t\\s*(\\d+)").matcher(r.out());
        assertTrue(total.find(), r.out());
        assertEquals(KPageProc.of(m).maxDumpPfn(), Long.parseLong(total.group(1)), "one entry per PFN of the file");
    }

    @Test
    void anAllocatedCompoundPageIsListedAtItsPfn() {
        Machine m = boot();
        long head = m.allocator().allocPagesNode(0, Gfp.GFP_KERNEL | Gfp.__GFP_COMP, 2);
        assertTrue(head >= 0);
        // raw mode: without -r the tool hides the compound bits of pages that are neither THP nor hugetlb
        Run hidden = pageTypes(m, "-b", "compound_head,compound_tail", "-l", "-N");
        assertEquals("offset\tlen\tflags\n", hidden.out());
        Run r = pageTypes(m, "-r", "-b", "compound_head,compound_tail", "-l", "-N");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().matches("offset\tlen\tflags\n" + Long.toHexString(head) + "\t1\t_+H_+\n"
                + Long.toHexString(head + 1) + "\t3\t_+T_+\n"), "the head alone, then its three tails:\n" + r.out());
        m.allocator().freePages(head, 2);
        assertEquals(java.util.List.of(), ModelCheck.check(m));
    }

    @Test
    void kpagecountThroughTheToolFsHandle() {
        Machine m = boot();
        long pfn = m.allocator().allocPagesNode(0, Gfp.GFP_KERNEL, 0);
        ModelFs fs = new ModelFs(m);
        try (ToolFs.Handle h = fs.open("/proc/kpagecount", false)) {
            ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(16, h.pread(b, pfn * 8));
            // an allocated, unmapped page: _mapcount -1, so kpagecount shows 0
            assertEquals(0, b.getLong(0));
            assertEquals(Errno.EINVAL.neg(), h.pread(ByteBuffer.allocate(8), pfn * 8 + 3));
            assertEquals(Errno.EBADF.neg(), h.pwrite(ByteBuffer.allocate(8), 0));
        }
        Errno.ErrnoException missing = assertThrows(Errno.ErrnoException.class, () -> fs.open("/proc/kpagenope", false));
        assertEquals(Errno.ENOENT, missing.errno());
        assertEquals(Errno.EACCES, assertThrows(Errno.ErrnoException.class, () -> fs.open("/proc/kpageflags", true)).errno());
        assertTrue(fs.stat("/sys/kernel/debug").directory());
        assertFalse(fs.stat("/proc/kpageflags").directory());
    }

    @Test
    void missingFileIsReportedLikePerror() {
        Machine m = boot();
        Run r = pageTypes(m, "--with-kpagecount", "/proc/nope", "-l", "-M");
        assertEquals(1, r.status());
        assertEquals("/proc/nope: No such file or directory\n", r.err());
        assertTrue(Arrays.stream(r.out().split("\n")).noneMatch(l -> l.contains("total")));
    }
}
