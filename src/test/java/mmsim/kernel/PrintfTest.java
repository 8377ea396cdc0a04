package mmsim.kernel;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link Printf} prints what {@code String.format(Locale.ROOT, ...)} prints, on the conversions the model's files use. */
class PrintfTest {
    private static final String[] FORMATS = {
        "%-16s%8d kB%n", "HardwareCorrupted: %5d kB%n", "Initmem setup node %d [mem %#018x-%#018x]",
        "  node %3d: [mem %#018x-%#018x]", "Memory: %dK/%dK available (%dK reserved)", "%08x %x %X %o|%-6d|%06d|%+d|%,d",
    };

    @Property(tries = 300)
    void sameTextAsTheRootLocale(@ForAll long a, @ForAll int b, @ForAll long c) {
        for (String f : FORMATS) {
            Object[] args = f.startsWith("%-16s") ? new Object[] {"MemTotal:", a}
                    : f.startsWith("%08x") ? new Object[] {a, b, c, b, a, b, c, a}
                    : new Object[] {a, b, c};
            assertEquals(String.format(Locale.ROOT, f, args), Printf.format(f, args), f);
        }
    }
}
