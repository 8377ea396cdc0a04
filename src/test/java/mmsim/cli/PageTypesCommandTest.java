package mmsim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code mmsim page-types} end to end through picocli ({@link Main#execute}): the default source
 * is a booted model of the default layout, {@code --layout} boots another one, and bad input
 * (a missing layout, an unknown flag name, a dump of the wrong length) gets a message and exit
 * status 1 as the kernel's tool refuses its input.
 */
class PageTypesCommandTest {

    static long smallMaxDumpPfn() {
        return mmsim.iface.procfs.KPageProc.of(mmsim.mm.Machine.boot(mmsim.mm.linux.MachineLayout.small(),
                mmsim.mm.linux.KernelConfig.mainline())).maxDumpPfn();
    }

    @Test
    void summaryOfTheDefaultModel() {
        CliEndToEndTest.Run r = CliEndToEndTest.run("page-types");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("             flags\tpage-count       MB  symbolic-flags"), r.out());
        assertTrue(r.out().matches("(?s).*\\t\\s*\\d+\\s+\\d+\\s+__________B_+\\tbuddy\n.*"), r.out());
        // one row per PFN of the file: max_pfn rounded up to a section
        long pfns = smallMaxDumpPfn();
        assertTrue(r.out().contains(String.format("             total\t%10d %8d\n", pfns, pfns / 256)), pfns + "\n" + r.out());
    }

    @Test
    void layoutOptionBootsThatLayout(@TempDir Path tmp) throws Exception {
        Path layout = tmp.resolve("one-gig.layout");
        Files.writeString(layout, "arch x86_64\ncpus 2\nram 0x100000 +1023M\nreserve 0x100000 +15M\n");
        CliEndToEndTest.Run r = CliEndToEndTest.run("page-types", "--layout", layout.toString(), "-b", "buddy", "-l", "-N");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("offset\tlen\tflags\n1000\t"), "free RAM starts after the reserved 16 MiB:\n" + r.out());
        CliEndToEndTest.Run sum = CliEndToEndTest.run("page-types", "--layout", layout.toString());
        assertTrue(sum.out().contains("             total\t    262144     1024\n"), sum.out());
    }

    @Test
    void missingLayoutIsAMessageAndExitOne() {
        CliEndToEndTest.Run r = CliEndToEndTest.run("page-types", "--layout", "/nonexistent/x.layout");
        assertEquals(1, r.exit());
        assertEquals("page-types: layout '/nonexistent/x.layout': no such file\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void unknownFlagNameInBitsIsRefused() {
        CliEndToEndTest.Run r = CliEndToEndTest.run("page-types", "-b", "buddy,bogus");
        assertEquals(1, r.exit());
        assertEquals("invalid name or number: bogus\n", r.err());
    }

    @Test
    void dumpOfTheWrongLengthIsAPartialRead(@TempDir Path tmp) throws Exception {
        Path dump = tmp.resolve("kpageflags");
        Files.write(dump, new byte[8 * 3 + 5]);
        CliEndToEndTest.Run r = CliEndToEndTest.run("page-types", "-F", dump.toString());
        assertEquals(1, r.exit());
        assertEquals("partial read: 29 bytes\n", r.err());
    }

    @Test
    void shellAndCatReachTheKpageFiles() {
        CliEndToEndTest.Run sh = CliEndToEndTest.runWithInput("ls /proc\ncat /proc/kpageflags\n", "sh");
        assertEquals(0, sh.exit(), sh.err());
        assertTrue(sh.out().contains("kpagecgroup\nkpagecount\nkpageflags\n"), sh.out());
        // pfn 0 is reserved (KPF_RESERVED, bit 32); the first pages above 1 MiB + 15 MiB are free (KPF_BUDDY)
        assertTrue(sh.out().contains("00000000: 0000000100000000\n"), sh.out().substring(0, 400));
        assertTrue(sh.out().contains(String.format("%08x: 0000000000000400%n", 0x1000 * 8)), "buddy page in the dump");
        CliEndToEndTest.Run cat = CliEndToEndTest.run("cat", "--hex", "/proc/kpagecount");
        assertEquals(0, cat.exit(), cat.err());
        assertEquals(smallMaxDumpPfn() / 2, cat.out().lines().count(), "two words per line, one per pfn of the file");
    }

    @Test
    void helpIsTheToolsUsageAndBootsNothing() {
        CliEndToEndTest.Run r = CliEndToEndTest.run("page-types", "--layout", "/nonexistent/x.layout", "-h");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("page-types [options]\n"), r.out());
        CliEndToEndTest.Run help = CliEndToEndTest.run("page-types", "--help");
        assertEquals(0, help.exit(), help.err());
        assertTrue(help.out().contains("--layout FILE") && help.out().contains("--era mainline|v4.6"),
                "--help names the options that choose the model:\n" + help.out());
    }
}
