package mmsim.mm.memremap;

import static org.junit.jupiter.api.Assertions.*;

import mmsim.scenario.ScenarioError;
import mmsim.scenario.ScenarioParser;
import mmsim.scenario.ops.OpRegistry;
import org.junit.jupiter.api.Test;

/** The scenario operations devm_memremap_pages / memunmap_pages: argument errors name the token. */
class MemremapOpsTest {
    private static final String HEAD = """
            scenario t
            title t
            layout
              ram 0x100000 +127M
              device 0x8000000 +8M
            end
            variant mainline era=mainline
            cpu A
            """;

    private static ScenarioError error(String line) {
        return assertThrows(ScenarioError.class, () -> ScenarioParser.parse("t.mms", HEAD + "  " + line + "\nend\n", OpRegistry.standard()));
    }

    @Test
    void badArgumentsAreReportedAtTheirToken() {
        assertTrue(error("devm_memremap_pages 0x8000000 8M type ram").getMessage().contains("unknown memory type 'ram'"));
        assertTrue(error("devm_memremap_pages 0x8000000 8M colour red").getMessage().contains("unknown option 'colour'"));
        assertTrue(error("devm_memremap_pages 0x8000123 8M").getMessage().contains("page aligned"));
        assertTrue(error("devm_memremap_pages 0x8000000").getMessage().contains("expected SIZE"));
        assertTrue(error("memunmap_pages").getMessage().contains("expected START"));
    }

    @Test
    void wellFormedLinesParse() {
        assertDoesNotThrow(() -> ScenarioParser.parse("t.mms", HEAD
                + "  devm_memremap_pages 0x8000000 8M type devdax reserve 2 free 1022 node 0 -> r\n"
                + "  devm_memremap_pages 0x8000000 8M noaltmap\n  memunmap_pages 0x8000000 -> u\nend\n", OpRegistry.standard()));
    }
}
