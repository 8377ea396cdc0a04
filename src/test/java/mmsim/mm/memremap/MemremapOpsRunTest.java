package mmsim.mm.memremap;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.TreeMap;

import mmsim.mm.linux.MachineLayout;
import mmsim.mm.debug.ModelCheck;
import mmsim.scenario.Booted;
import mmsim.scenario.ScenarioError;
import mmsim.scenario.Token;
import mmsim.scenario.ops.OpContext;
import mmsim.scenario.ops.OpRegistry;
import org.junit.jupiter.api.Test;

/** devm_memremap_pages / memunmap_pages run line by line on one machine, as the shell runs them. */
class MemremapOpsRunTest {
    static final OpRegistry OPS = OpRegistry.standard();

    private static String run(OpContext ctx, String line) {
        List<Token> t = Token.split("t.mms", 1, line);
        return OPS.parse(t, new ScenarioError.Pos("t.mms", 1, line.length() + 1), line).run(ctx);
    }

    @Test
    void mapUnmapAndTheErrnosADriverSees() {
        Booted b = Booted.boot(MachineLayout.parse("cases.layout", ZoneDeviceCases.LAYOUT), ZoneDeviceCases.Variant.MAINLINE.config);
        OpContext ctx = b.context(new TreeMap<>());
        assertEquals("-ENXIO", run(ctx, "devm_memremap_pages 0x8000000 8M"), "boot RAM is no device range of the layout");
        assertEquals("-EINVAL", run(ctx, "devm_memremap_pages 0x10000000 8M node 3"), "one node only");
        assertEquals("-EINVAL", run(ctx, "devm_memremap_pages 0x10000000 8M reserve 2 free 4096"), "reserve + free beyond the range");
        assertEquals("-ENOMEM", run(ctx, "devm_memremap_pages 0x10000000 8M free 10"), "too small for the section's vmemmap block");
        assertEquals("ok", run(ctx, "devm_memremap_pages 0x10000000 8M type devdax"));
        assertEquals("-ENOMEM", run(ctx, "devm_memremap_pages 0x10000000 8M"), "conflicting mapping");
        assertEquals("-EINVAL", run(ctx, "memunmap_pages 0x10800000"), "nothing mapped there");
        assertEquals("ok", run(ctx, "memunmap_pages 0x10000000"));
        assertEquals("ok", run(ctx, "devm_memremap_pages 0x10000000 8M noaltmap"));
        assertNull(b.machine().memremap().lookup(0x10000).altmap);
        assertEquals(List.of(), ModelCheck.check(b.machine()));
    }
}
