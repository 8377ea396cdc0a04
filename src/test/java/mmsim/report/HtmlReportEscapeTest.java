package mmsim.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Every string the page shows comes from a scenario file, a trace or a kernel report: all of it is escaped. */
class HtmlReportEscapeTest {
    static final String EVIL = "<b id=\"x\" onclick='y'>&amp;</b>";

    @Test
    void everyFieldIsEscapedAndOnlyIdentifiersAreLinked() {
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("cpu", "A");
        step.put("kind", "fault");
        step.put("depth", 1);
        step.put("function", "evil\"><script>");
        step.put("text", EVIL);
        Map<String, Object> f = new LinkedHashMap<>();
        for (String k : List.of("class", "title", "replay", "report", "condensed_trace", "trace")) f.put(k, EVIL);
        f.put("observed", Map.of(EVIL, EVIL));
        f.put("trace_steps", List.of(step));
        Map<String, Object> row = new LinkedHashMap<>();
        for (String k : List.of("scenario", "variant", "status", "verdict")) row.put(k, EVIL);
        row.put("executions", 1);
        row.put("findings", List.of(f));
        MemoryMap map = new MemoryMap(0x8000000, 32768, List.of(new MemoryMap.Block(EVIL, 0, EVIL, EVIL,
                List.of(new MemoryMap.Section(0, true, true, true)))));
        String page = HtmlReport.page(EVIL, List.of(new HtmlReport.Row(row, "v4.6", EVIL, List.of(map))));
        assertFalse(page.contains("<b id"), "unescaped markup");
        assertFalse(page.contains("<script>" + "\""), "unescaped function name");
        assertFalse(page.contains("elixir.bootlin.com/linux/v4.6/C/ident/evil"), "a non-identifier became a link");
        String escaped = "&lt;b id=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/b&gt;";
        // title twice, then the table's scenario/variant/status/necessary/verdict, the finding's fields, the map
        assertTrue(page.split(java.util.regex.Pattern.quote(escaped), -1).length - 1 >= 15, page);
        assertEquals(1, page.split("<script>", -1).length - 1, "only the page's own script");
    }

    @Test
    void elixirLinksNameTheReleaseAndTheIdentifier() {
        assertEquals("https://elixir.bootlin.com/linux/v6.12/C/ident/lookup_page_ext", HtmlReport.elixir("v6.12", "lookup_page_ext"));
    }
}
