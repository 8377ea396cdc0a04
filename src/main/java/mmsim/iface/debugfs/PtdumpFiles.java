package mmsim.iface.debugfs;

import java.nio.charset.StandardCharsets;

import mmsim.iface.VirtualFs;
import mmsim.kernel.Kernel;
import mmsim.mm.Machine;
import mmsim.mm.ptdump.Ptdump;

/**
 * The kernel page-table dumps in debugfs (mode 0400), present when the machine's kernel page
 * tables are modelled: arm64 {@code kernel_page_tables} (arch/arm64/mm/ptdump_debugfs.c), x86
 * {@code page_tables/kernel} (arch/x86/mm/debug_pagetables.c), and the generic
 * {@code check_wx_pages} (mm/ptdump.c: SUCCESS or FAILED).
 *
 * <p>They are single_open seq_files: the show function runs once when a reader starts at offset
 * 0, and later reads of the same pass are served from that text (seq_read's buffer), per CPU.
 */
public final class PtdumpFiles {
    private PtdumpFiles() { }

    public static final String ARM64_PATH = "/sys/kernel/debug/kernel_page_tables";
    public static final String X86_PATH = "/sys/kernel/debug/page_tables/kernel";
    public static final String CHECK_WX_PATH = "/sys/kernel/debug/check_wx_pages";

    public static void install(VirtualFs fs, Machine m) {
        Ptdump pt = m.ptdump();
        if (pt == null) return;
        Kernel k = m.kernel();
        String path = k.arch() == Kernel.Arch.ARM64 ? ARM64_PATH : X86_PATH;
        seqFile(fs, path, k, pt::kernelPageTables);
        seqFile(fs, CHECK_WX_PATH, k, () -> pt.checkWx() ? "SUCCESS\n" : "FAILED\n");
    }

    private static void seqFile(VirtualFs fs, String path, Kernel k, java.util.function.Supplier<String> show) {
        byte[][] buffer = new byte[k.nrCpus()][];
        fs.addFile(path, 0400, false, (off, count) -> {
            int cpu = k.smpProcessorId();
            if (off == 0 || buffer[cpu] == null) buffer[cpu] = show.get().getBytes(StandardCharsets.UTF_8);
            return VirtualFs.window(buffer[cpu], off, count);
        }, null);
    }
}
