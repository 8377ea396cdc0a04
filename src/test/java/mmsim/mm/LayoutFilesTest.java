package mmsim.mm;

import mmsim.mm.linux.KernelConfig;
import mmsim.mm.linux.MachineLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import mmsim.mm.debug.ModelCheck;

/** The example layouts in layouts/ that the README and --help point to parse, and the small ones boot clean. */
class LayoutFilesTest {
    static List<Path> layouts() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("layouts"))) {
            return s.filter(p -> p.toString().endsWith(".layout")).sorted().toList();
        }
    }

    @Test
    void everyExampleLayoutParsesAndTheSmallOnesBootConsistent() throws IOException {
        List<Path> files = layouts();
        assertFalse(files.isEmpty(), "layouts/ has example layouts");
        for (Path p : files) {
            MachineLayout l = MachineLayout.load(p);
            if (l.bootMemEnd() > (4L << 30)) continue;          // the 256 GiB one is for the heap benchmark
            Machine m = Machine.boot(l, KernelConfig.mainline());
            assertEquals(List.of(), ModelCheck.check(m), p.toString());
            assertTrue(m.allocator().totalramPages() > 0, p.toString());
        }
    }

    @Test
    void theSmallLayoutFileIsTheBuiltInOne() throws IOException {
        MachineLayout file = MachineLayout.load(Path.of("layouts/small.layout"));
        MachineLayout builtIn = MachineLayout.small();
        assertEquals(builtIn.ranges().size(), file.ranges().size());
        for (int i = 0; i < file.ranges().size(); i++) {
            assertEquals(builtIn.ranges().get(i).start(), file.ranges().get(i).start());
            assertEquals(builtIn.ranges().get(i).end(), file.ranges().get(i).end());
            assertEquals(builtIn.ranges().get(i).kind(), file.ranges().get(i).kind());
        }
        assertEquals(builtIn.cpus(), file.cpus());
    }
}
