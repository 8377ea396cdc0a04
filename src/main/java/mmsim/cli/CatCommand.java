package mmsim.cli;

import mmsim.iface.VirtualFs;
import mmsim.kernel.Errno;
import mmsim.mm.Machine;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code mmsim cat [--layout L] PATH}: prints a /proc, /sys or debugfs file of a freshly booted
 * machine. Binary files go out raw when stdout is not a terminal; on a terminal they are refused
 * unless {@code --hex} asks for an od-style dump. Errors read like cat's: {@code cat: PATH: No such
 * file or directory}, exit status 1.
 */
@Command(name = "cat", mixinStandardHelpOptions = true, description = {"Print a file of a freshly booted machine's /proc, /sys or debugfs."},
        footer = {"", "Examples:", "  mmsim cat /proc/buddyinfo", "  mmsim cat --layout layouts/256g.layout /proc/zoneinfo",
                "  mmsim cat --hex /proc/kpageflags | head"})
public final class CatCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Parameters(index = "0", paramLabel = "PATH")
    String path;

    @CommandLine.Option(names = "--layout", paramLabel = "LAYOUT", description = "layout file or 'small' (default)")
    String layout = "small";

    @CommandLine.Option(names = "--era", paramLabel = "ERA", description = "kernel era: mainline (default) or v4.6")
    String era = "mainline";

    @CommandLine.Option(names = "--hex", description = "dump binary files as hex (offset, 8-byte little-endian words)")
    boolean hex;

    @Override
    public Integer call() throws Exception {
        return run(spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** The command with its options set, printing to {@code out} and {@code err} (picocli's or {@link QuickCommands}'). */
    int run(PrintWriter out, PrintWriter err) throws Exception {
        return UsageError.guard("cat", out, err, () -> {
            Machine m = Machine.boot(BootCommand.loadLayout(layout), BootCommand.config(era));
            VirtualFs fs = VirtualFs.of(m);
            try {
                VirtualFs.File f = fs.file(path);
                byte[] data = fs.readAllBytes(path);
                if (!f.binary) {
                    out.print(new String(data, java.nio.charset.StandardCharsets.UTF_8));
                    return Main.EXIT_OK;
                }
                if (hex) {
                    out.print(hexDump(data));
                } else if (Term.isTerminal(1)) {
                    err.println("mmsim cat: " + path + " is a binary file; use --hex or redirect the output");
                    return Main.EXIT_USAGE;
                } else {
                    out.flush();
                    System.out.write(data);
                    System.out.flush();
                }
                return Main.EXIT_OK;
            } catch (Errno.ErrnoException e) {
                String shown = path.isEmpty() ? "''" : path;
                err.println("cat: " + shown + ": " + e.errno().text
                        + (path.startsWith("/") ? "" : " (the machine's files are under /proc, /sys and /sys/kernel/debug)"));
                return 1;
            }
        });
    }

    /**
     * "%08x:" then up to two little-endian u64 words per line, each " %016x" (written out by hand:
     * String.format per line was three quarters of a {@code cat --hex /proc/kpageflags}).
     */
    static String hexDump(byte[] d) {
        StringBuilder sb = new StringBuilder((d.length / 16 + 1) * 44);
        for (int off = 0; off < d.length; off += 16) {
            zeroPadded(sb, Integer.toHexString(off), 8).append(':');
            for (int w = off; w < Math.min(d.length, off + 16); w += 8) {
                long v = 0;
                for (int b = Math.min(7, d.length - w - 1); b >= 0; b--) v = (v << 8) | (d[w + b] & 0xff);
                zeroPadded(sb.append(' '), Long.toHexString(v), 16);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static StringBuilder zeroPadded(StringBuilder sb, String digits, int width) {
        for (int i = digits.length(); i < width; i++) sb.append('0');
        return sb.append(digits);
    }
}
