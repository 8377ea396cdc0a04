package mmsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.jr.ob.JSON;

/** The --json writer: what it writes reads back as the same maps, with null values and key order kept. */
class JsonTest {
    @Test
    void writtenJsonReadsBackTheSameWithNullsAndKeyOrder() throws Exception {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("schema_version", 1);
        o.put("trace", "CPU A | CPU B\n\t\"quoted\" \\ \u0001 ü");
        o.put("elapsed_ms", null);
        o.put("exhaustive", true);
        o.put("rows", new ArrayList<>(Arrays.asList(1L << 40, "x", List.of())));
        for (String text : new String[] {Json.write(o), Json.pretty(o)}) {
            Map<String, Object> back = JSON.std.mapFrom(text);
            assertEquals(List.copyOf(o.keySet()), List.copyOf(back.keySet()), text);
            assertEquals(o.get("trace"), back.get("trace"));
            assertTrue(back.containsKey("elapsed_ms") && back.get("elapsed_ms") == null, text);
            assertEquals(1L << 40, ((Number) ((List<?>) back.get("rows")).get(0)).longValue());
        }
        assertTrue(!Json.write(o).contains("\n"), "compact JSON is one line (JSON Lines)");
    }
}
