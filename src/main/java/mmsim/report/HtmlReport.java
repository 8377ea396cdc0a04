package mmsim.report;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The self-contained HTML report of check and explore: the verdict table, and for each failure a
 * per-CPU timeline of the interleaving (one swimlane per CPU, the race window highlighted, each
 * step linked to its kernel function on elixir.bootlin.com), the kernel's report, the condensed
 * and full traces and the memory map of the machine at the failure. Everything the page needs is
 * inline (CSS, a little JS): it opens with no network. Its input is the JSON rows of
 * docs/json-schema.md, trace_steps included, so the page shows exactly what --json prints.
 *
 * <p>Templating is Java text blocks and one escaping helper, {@link #esc}: every string that
 * comes from a scenario, a trace or the kernel's report goes through it.
 *
 * <p>Locking: none. A pure function of its arguments; it never touches a machine.
 */
public final class HtmlReport {
    private HtmlReport() { }

    /**
     * One row of the verdict table: the JSON row, the kernel release its functions link to
     * (v4.6, v6.12), the NECESSARY cell of a {@code question locks} scenario (null when not
     * asked), and the memory map at each finding (null entries when the machine has none).
     */
    public record Row(Map<String, Object> json, String kernelVersion, String necessary, List<MemoryMap> maps) { }

    /** The whole page. */
    public static String page(String title, List<Row> rows) {
        boolean withLocks = rows.stream().anyMatch(r -> r.necessary() != null);
        StringBuilder b = new StringBuilder();
        b.append("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8">
                <meta name="generator" content="mmsim">
                <title>%s</title>
                <style>%s</style>
                </head><body>
                <h1>%s</h1>
                """.formatted(esc(title), CSS, esc(title)));
        long ok = rows.stream().filter(r -> "ok".equals(r.json().get("status"))).count();
        long bad = rows.stream().filter(r -> "violated".equals(r.json().get("status"))).count();
        b.append("<p class=\"summary\">%d scenario variants: %d as declared, %d violated, %d incomplete</p>\n"
                .formatted(rows.size(), ok, bad, rows.size() - ok - bad));
        b.append("<table id=\"verdicts\"><thead><tr><th>scenario</th><th>variant</th><th>status</th><th>class</th>"
                + "<th>executions</th><th>coverage</th>" + (withLocks ? "<th>necessary</th>" : "") + "<th>verdict</th></tr></thead><tbody>\n");
        int n = 0;
        for (Row r : rows) {
            Map<String, Object> j = r.json();
            List<Map<String, Object>> findings = list(j.get("findings"));
            String verdict = esc(str(j.get("verdict")));
            if (!findings.isEmpty()) verdict = "<a href=\"#finding-" + n + "\">" + verdict + "</a>";
            b.append("<tr class=\"row status-%s\"><td>%s</td><td>%s</td><td class=\"status\">%s</td><td>%s</td><td class=\"num\">%s</td><td>%s</td>%s<td class=\"verdict\">%s</td></tr>\n"
                    .formatted(esc(str(j.get("status"))), esc(str(j.get("scenario"))), esc(str(j.get("variant"))),
                            esc(str(j.get("status"))), esc(findings.isEmpty() ? "-" : str(findings.get(0).get("class"))),
                            esc(str(j.get("executions"))), Boolean.TRUE.equals(j.get("exhaustive")) ? "exhaustive" : "not exhaustive",
                            withLocks ? "<td class=\"necessary\">" + esc(r.necessary() == null ? "-" : r.necessary()) + "</td>" : "",
                            verdict));
            n += findings.size();
        }
        b.append("</tbody></table>\n");
        n = 0;
        for (Row r : rows) {
            List<Map<String, Object>> findings = list(r.json().get("findings"));
            for (int i = 0; i < findings.size(); i++) {
                finding(b, n++, r, findings.get(i), r.maps() == null || i >= r.maps().size() ? null : r.maps().get(i));
            }
        }
        b.append("<div id=\"js-errors\"></div>\n<script>").append(JS).append("</script>\n</body></html>\n");
        return b.toString();
    }

    private static void finding(StringBuilder b, int n, Row r, Map<String, Object> f, MemoryMap map) {
        Map<String, Object> j = r.json();
        b.append("""
                <section class="finding" id="finding-%d">
                <h2>%s</h2>
                <dl><dt>scenario</dt><dd>%s / %s</dd><dt>declared</dt><dd>%s</dd><dt>replay</dt><dd><code>%s</code></dd>%s</dl>
                <h3>Interleaving</h3>
                """.formatted(n, esc(str(f.get("title"))), esc(str(j.get("scenario"))), esc(str(j.get("variant"))),
                esc(str(f.get("class"))), esc(str(f.get("replay"))), observed(f.get("observed"))));
        swimlanes(b, list(f.get("trace_steps")), r.kernelVersion());
        String report = str(f.get("report"));
        if (!report.isBlank()) b.append("<h3>Kernel report</h3>\n<pre class=\"report\">").append(esc(report)).append("</pre>\n");
        b.append("<h3>Condensed trace</h3>\n<pre class=\"condensed\">").append(esc(str(f.get("condensed_trace")))).append("</pre>\n");
        b.append("<details><summary>Full trace</summary><pre class=\"full\">").append(esc(str(f.get("trace")))).append("</pre></details>\n");
        b.append("<h3>Memory map at the failure</h3>\n");
        memoryMap(b, map);
        b.append("</section>\n");
    }

    private static String observed(Object o) {
        if (!(o instanceof Map<?, ?> m) || m.isEmpty()) return "";
        StringBuilder s = new StringBuilder();
        m.forEach((k, v) -> s.append(s.isEmpty() ? "" : " ").append(k).append('=').append(v));
        return "<dt>observed</dt><dd>" + esc(s.toString()) + "</dd>";
    }

    /**
     * One lane per CPU, one line per trace step in execution order. The failing step is the trace's
     * fault (else its last step); the object it touched is the last location its CPU accessed; the
     * race window runs from another CPU's first access to that object to the failure (or, if none,
     * from the failing CPU's last access before it was preempted).
     */
    static void swimlanes(StringBuilder b, List<Map<String, Object>> steps, String version) {
        TreeSet<String> cpus = new TreeSet<>();
        for (Map<String, Object> s : steps) cpus.add(str(s.get("cpu")));
        int fail = steps.size() - 1;
        for (int i = 0; i < steps.size(); i++) if ("fault".equals(steps.get(i).get("kind"))) fail = i;
        if (fail < 0) {
            b.append("<p>(no trace)</p>\n");
            return;
        }
        String failCpu = str(steps.get(fail).get("cpu"));
        Object conflict = null;
        for (int i = fail; i >= 0 && conflict == null; i--) {
            Map<String, Object> s = steps.get(i);
            if (failCpu.equals(s.get("cpu")) && s.get("location") != null) conflict = s.get("location");
        }
        int start = fail;
        for (int i = 0; i < fail; i++) {
            Map<String, Object> s = steps.get(i);
            if (conflict != null && conflict.equals(s.get("location")) && !failCpu.equals(s.get("cpu"))) {
                start = i;
                break;
            }
        }
        if (start == fail) start = lastAccessBeforePreemption(steps, fail, failCpu);
        // folds never hide the window's first step, the failure or an access to the failing object
        int[] nextKept = new int[steps.size() + 1];
        nextKept[steps.size()] = steps.size();
        for (int i = steps.size() - 1; i >= 0; i--) {
            boolean kept = i == start || i == fail || (conflict != null && conflict.equals(steps.get(i).get("location")));
            nextKept[i] = kept ? i : nextKept[i + 1];
        }
        b.append("<table class=\"swimlanes\"><thead><tr><th>#</th>");
        for (String c : cpus) b.append("<th class=\"lane\">CPU ").append(esc(c)).append("</th>");
        b.append("</tr></thead><tbody>\n");
        int foldEnd = -1, foldFrom = -1;
        for (int i = 0; i < steps.size(); i++) {
            Map<String, Object> s = steps.get(i);
            List<String> cls = new ArrayList<>(List.of("step", "kind-" + str(s.get("kind"))));
            if (i >= foldEnd) {
                int[] fold = repetition(steps, i, nextKept[i]);
                if (fold != null) {
                    // the first period stays; the repeats after it fold behind one line
                    b.append("<tr class=\"fold\"><td></td><td colspan=\"").append(cpus.size())
                            .append("\">... the next ").append(fold[0] == 1 ? "step repeats" : fold[0] + " steps repeat").append(" x")
                            .append(fold[1]).append(" (").append(fold[0] * (fold[1] - 1)).append(" steps folded)</td></tr>\n");
                    foldEnd = i + fold[0] * fold[1];
                    foldFrom = i + fold[0];
                }
            }
            if (i >= foldFrom && i < foldEnd) cls.add("folded");
            if (i >= start && i <= fail) cls.add("race");
            if (i == fail) cls.add("failing");
            if (conflict != null && conflict.equals(s.get("location"))) cls.add("conflict");
            b.append("<tr class=\"").append(esc(String.join(" ", cls))).append("\"><td class=\"num\">").append(i).append("</td>");
            for (String c : cpus) {
                b.append("<td>");
                if (c.equals(s.get("cpu"))) b.append(stepCell(s, version));
                b.append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</tbody></table>\n");
    }

    /**
     * When no other CPU touched the failing object: the failing CPU's last access before the other
     * CPUs ran, its time of check before the time of use that failed (e.g. pfn_to_online_page
     * before the offlining frees what it checked); the failure itself when there is none.
     */
    private static int lastAccessBeforePreemption(List<Map<String, Object>> steps, int fail, String failCpu) {
        int other = fail - 1;
        while (other >= 0 && failCpu.equals(steps.get(other).get("cpu"))) other--;
        for (int i = other - 1; i >= 0; i--) {
            Map<String, Object> s = steps.get(i);
            if (failCpu.equals(s.get("cpu")) && "step".equals(s.get("kind"))) return i;
        }
        return fail;
    }

    /**
     * A run of at least 3 repeats of the same 1 to 4 steps starting at {@code i} and ending before
     * {@code limit}, as {period, repeats}; null if none.
     */
    private static int[] repetition(List<Map<String, Object>> steps, int i, int limit) {
        for (int p = 1; p <= 4; p++) {
            int k = 1;
            while (i + (k + 1) * p <= limit && samePeriod(steps, i, i + k * p, p)) k++;
            if (k >= 3) return new int[] {p, k};
        }
        return null;
    }

    private static boolean samePeriod(List<Map<String, Object>> steps, int a, int b, int p) {
        for (int j = 0; j < p; j++) {
            Map<String, Object> x = steps.get(a + j), y = steps.get(b + j);
            for (String key : List.of("cpu", "kind", "text", "depth", "function")) {
                if (!java.util.Objects.equals(x.get(key), y.get(key))) return false;
            }
        }
        return true;
    }

    private static String stepCell(Map<String, Object> s, String version) {
        String kind = str(s.get("kind"));
        int depth = s.get("depth") instanceof Number d ? d.intValue() : 0;
        String text = str(s.get("text"));
        if (kind.equals("preempted")) text = "preempted";
        String body = esc(text);
        String fn = s.get("function") == null ? null : str(s.get("function"));
        if (fn != null && fn.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            String link = "<a href=\"" + esc(elixir(version, fn)) + "\">" + esc(fn) + "</a>";
            body = kind.equals("enter") && text.equals(fn) ? link : body + " <span class=\"fn\">" + link + "</span>";
        }
        String access = s.get("access") == null ? "" : " <span class=\"access\">" + esc(str(s.get("access"))) + "</span>";
        return "<span class=\"indent\" style=\"padding-left:" + Math.min(depth, 12) + "em\">" + body + access + "</span>";
    }

    /** The identifier's page in Bootlin's Elixir cross-reference for the release. */
    static String elixir(String version, String function) {
        return "https://elixir.bootlin.com/linux/" + URLEncoder.encode(version, StandardCharsets.UTF_8) + "/C/ident/"
                + URLEncoder.encode(function, StandardCharsets.UTF_8);
    }

    private static void memoryMap(StringBuilder b, MemoryMap map) {
        if (map == null) {
            b.append("<p>(this kernel has no memory block devices)</p>\n");
            return;
        }
        b.append("<p>memory blocks of 0x%x bytes (/sys/devices/system/memory), sections of %d pages.</p>\n"
                .formatted(map.blockSizeBytes(), map.pagesPerSection()));
        b.append("<p class=\"legend\">block state: <span class=\"key state-online\">online</span><span class=\"key state-going-offline\">going-offline</span>"
                + "<span class=\"key state-offline\">offline</span> zone (edge): <span class=\"key zone-dma\">DMA/DMA32</span>"
                + "<span class=\"key zone-normal\">Normal</span><span class=\"key zone-movable\">Movable</span><span class=\"key zone-device\">Device</span>"
                + "<span class=\"key\">several or none</span> section: <span class=\"section sec-absent\"></span>absent "
                + "<span class=\"section sec-present\"></span>present <span class=\"section sec-memmap\"></span>memmap "
                + "<span class=\"section sec-online\"></span>online</p>\n");
        b.append("<div class=\"memmap\">\n");
        for (MemoryMap.Block blk : map.blocks()) {
            // valid_zones names the block's zone once it is online (until offlining ends); an offline
            // block's list is where it could go (drivers/base/memory.c valid_zones_show)
            boolean inZone = !blk.state().equals("offline") && !blk.zones().isEmpty() && !blk.zones().contains(" ");
            String zone = inZone ? blk.zones().toLowerCase(Locale.ROOT) : "none";
            b.append("<div class=\"block state-%s zone-%s\" title=\"%s: %s, %s\"><div class=\"name\">%s</div><div class=\"what\">%s<br>%s</div><div class=\"sections\">"
                    .formatted(esc(cssWord(blk.state())), esc(cssWord(zone)), esc(blk.name()), esc(blk.state()), esc(blk.zones()),
                            esc(blk.name()), esc(blk.state()), esc(blk.zones())));
            for (MemoryMap.Section sec : blk.sections()) {
                b.append("<span class=\"section sec-%s\" title=\"section %d: %s\"></span>".formatted(sec.state(), sec.nr(), sec.state()));
            }
            b.append("</div></div>\n");
        }
        b.append("</div>\n");
    }

    private static String cssWord(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    }

    /** Escapes text for HTML element content and quoted attribute values. */
    public static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static String str(Object o) {
        return o == null ? "" : o.toString();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return o instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }

    private static final String CSS = """
            body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
            table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
            .num{text-align:right}.status-ok .status{color:#17702a}.status-violated .status{color:#b00;font-weight:bold}
            .status-incomplete .status{color:#a60}pre{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:12px}
            .finding{border-top:3px solid #888;margin-top:2em}
            .swimlanes{font:12px monospace;table-layout:fixed;width:100%}.swimlanes th.lane{width:46%;background:#eef}
            .swimlanes tr.race td{background:#fff4d6}.swimlanes tr.conflict td{font-weight:bold}
            .swimlanes tr.failing td{background:#f8c8c8}.swimlanes tr.kind-preempted td{color:#888;border-bottom:2px dashed #999}
            .swimlanes .access{color:#777;font-size:11px}.swimlanes .fn{color:#777}.swimlanes.race-only tr:not(.race){display:none}
            .swimlanes tr.folded{display:none}.swimlanes.unfolded tr.folded{display:table-row}.swimlanes tr.fold td{color:#666;font-style:italic}
            .memmap{display:flex;flex-wrap:wrap;gap:6px}
            .key{display:inline-block;border:3px solid #ccc;padding:0 4px;margin:0 4px 0 0;font-size:12px}
            .block{border:4px solid #ccc;padding:4px;width:10em;font-size:12px}.block .name{font-weight:bold}
            .state-online{background:#d8f0d8}.state-offline{background:#e4e4e4}.state-going-offline{background:#ffe2b0}
            .zone-normal{border-color:#3a6ec2}.zone-movable{border-color:#8c3ac2}.zone-dma32,.zone-dma{border-color:#2a9d8f}
            .zone-device{border-color:#c23a3a}
            .section{display:inline-block;width:10px;height:10px;margin:1px;border:1px solid #555}
            .sec-absent{background:#fff}.sec-present{background:#bbb}.sec-memmap{background:#7aa7e0}.sec-online{background:#2e8b3a}
            button{margin:4px 0}
            """;

    /** Toggles for the swimlanes; records errors and, once run, the marker tests look for. */
    private static final String JS = """
            (function(){
              var errs=document.getElementById('js-errors');
              window.addEventListener('error',function(e){errs.textContent+='script error: '+e.message+'\\n';});
              var lanes=document.querySelectorAll('table.swimlanes');
              lanes.forEach(function(t){
                var b=document.createElement('button');
                b.textContent='race window only';
                b.addEventListener('click',function(){t.classList.toggle('race-only');});
                t.parentNode.insertBefore(b,t);
                var u=document.createElement('button');
                u.textContent='unfold repeats';
                u.addEventListener('click',function(){t.classList.toggle('unfolded');});
                t.parentNode.insertBefore(u,t);
              });
              document.body.setAttribute('data-rendered','swimlanes:'+lanes.length+' failing:'+document.querySelectorAll('tr.failing').length);
            })();
            """;
}
