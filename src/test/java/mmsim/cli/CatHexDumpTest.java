package mmsim.cli;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code cat --hex} prints what its String.format version printed, for any length of file. */
class CatHexDumpTest {
    @Property(tries = 300)
    void sameAsTheFormatVersion(@ForAll @Size(max = 80) byte[] data) {
        assertEquals(formatted(data), CatCommand.hexDump(data));
    }

    /** The dump as CatCommand wrote it with String.format. */
    private static String formatted(byte[] d) {
        StringBuilder sb = new StringBuilder();
        for (int off = 0; off < d.length; off += 16) {
            sb.append(String.format(Locale.ROOT, "%08x:", off));
            for (int w = off; w < Math.min(d.length, off + 16); w += 8) {
                long v = 0;
                for (int b = Math.min(7, d.length - w - 1); b >= 0; b--) v = (v << 8) | (d[w + b] & 0xff);
                sb.append(String.format(Locale.ROOT, " %016x", v));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
