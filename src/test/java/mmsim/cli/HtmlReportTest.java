package mmsim.cli;

import static mmsim.cli.CliEndToEndTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import mmsim.cli.CliEndToEndTest.Run;

/**
 * The HTML report as a person sees it: written by check and explore, opened in headless Chromium
 * (Debian's chromium package; .ci/run installs it), and read from the DOM the browser built after
 * the page's script ran, and from a screenshot. Skipped only when chromium is absent and CI is not
 * set; under CI a missing browser fails.
 */
class HtmlReportTest {
    @TempDir Path dir;

    static Path chromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                Path p = Path.of(d, name);
                if (Files.isExecutable(p)) return p;
            }
        }
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        assertFalse(ci, "CI is set but chromium is not installed (.ci/run installs it with apt-get)");
        assumeTrue(false, "chromium is not installed (apt-get install chromium), and CI is not set: the browser checks are skipped");
        return null;
    }

    /** Chromium's headless run with its own profile directory, so tests in parallel do not share one. */
    private String browser(Path page, String... what) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(chromium().toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--force-color-profile=srgb", "--hide-scrollbars", "--user-data-dir=" + Files.createTempDirectory(dir, "profile")));
        cmd.addAll(List.of(what));
        cmd.add(page.toUri().toString());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish");
        assertEquals(0, p.exitValue(), "chromium failed on " + page);
        return new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void checkReportShowsTheTableTheNecessityColumnTheSwimlanesAndTheMachineAtTheFailure() throws Exception {
        Run r = run("check", "000-kpageflags", "010", "--html", dir.resolve("report").toString(), "-q", "--quiet-traces", "--color", "never");
        assertEquals(0, r.exit(), r.out() + r.err());
        Path page = dir.resolve("report/index.html");
        String source = Files.readString(page);
        // self-contained: nothing fetched at view time (the only URLs are links a person may follow)
        assertFalse(Pattern.compile("<script[^>]+src|<link |@import|url\\(|<img|<iframe").matcher(source).find(), "external resource in the page");

        String dom = browser(page, "--dump-dom");
        // the page's script ran to its end, without errors
        int failures = Integer.parseInt(CliEndToEndTest.firstMatch("; (\\d+) failing executions? found", r.out()));
        assertTrue(failures >= 3, r.out());
        assertTrue(dom.contains("data-rendered=\"swimlanes:" + failures + " failing:" + failures + "\""), "script marker missing");
        assertTrue(dom.contains("<div id=\"js-errors\"></div>"), "script errors: " + firstOr(dom, "id=\"js-errors\">([^<]*)"));

        // the verdict table: a row per scenario x variant, as the text table has them
        List<String[]> rows = new ArrayList<>();
        Matcher m = Pattern.compile("<tr class=\"row status-(\\w+)\"><td>([^<]*)</td><td>([^<]*)</td>.*?<td class=\"necessary\">([^<]*)</td><td class=\"verdict\">(?:<a [^>]*>)?([^<]*)").matcher(dom);
        while (m.find()) rows.add(new String[] {m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)});
        assertEquals(6, rows.size(), "rows: " + rows.size());
        assertRow(rows, "000-kpageflags-vs-offline", "v4.6", "ok", "-", "KASAN: use-after-free Read in page_is_idle");
        assertRow(rows, "000-kpageflags-vs-offline", "page_ext-with-memmap", "ok", "-", "holds");
        // 010 declares question locks: its rows name the lock its holding variants need
        assertRow(rows, "010-buddy-alloc-free", "mainline", "ok", "zone-&gt;lock", "holds");
        assertRow(rows, "010-buddy-alloc-free", "v4.6", "ok", "zone-&gt;lock", "holds");
        for (String[] row : rows) assertTrue(r.out().contains(row[2]), "variant " + row[2] + " not in the text table");

        // each failure: a swimlane per CPU, the failing step highlighted inside the race window, and
        // the race window showing both sides (accesses to the failing object by each CPU)
        List<String> findings = List.of(dom.split("<section class=\"finding\"")).subList(1, failures + 1);
        String v46 = findings.get(0);
        assertTrue(v46.contains("<h2>KASAN: use-after-free Read in page_is_idle</h2>"), v46.substring(0, 200));
        String lanes = between(v46, "<table class=\"swimlanes\">", "</table>");
        assertEquals(List.of("CPU A", "CPU B"), all(lanes, "<th class=\"lane\">([^<]*)</th>"));
        List<String> failing = all(lanes, "(<tr class=\"[^\"]*failing[^\"]*\">.*?</tr>)");
        assertEquals(1, failing.size());
        assertTrue(failing.get(0).contains("race") && failing.get(0).contains("KASAN"), failing.get(0));
        assertEquals(1, column(failing.get(0)), "the KASAN report is CPU A's (the reader)");
        List<Integer> conflictColumns = new ArrayList<>();
        for (String row : all(lanes, "(<tr class=\"[^\"]*race[^\"]*conflict[^\"]*\">.*?</tr>)")) conflictColumns.add(column(row));
        assertTrue(conflictColumns.contains(1) && conflictColumns.contains(2), "race window shows one CPU: " + conflictColumns);
        assertTrue(lanes.contains("free_page_ext:free the table"), "the free side of the race is in the window");
        // each step links to its kernel function in the era's source
        assertTrue(lanes.contains("href=\"https://elixir.bootlin.com/linux/v4.6/C/ident/lookup_page_ext\""), "no elixir link");
        String mainline = findings.get(findings.size() - 1);
        assertTrue(mainline.contains("https://elixir.bootlin.com/linux/v6.12/C/ident/"), "mainline links to v6.12");
        // mainline's reader checked the section before it was preempted: that check opens the window,
        // and the offlining that poisons the memmap lies inside it
        String mainlineRace = String.join("\n", all(between(mainline, "<table class=\"swimlanes\">", "</table>"),
                "(<tr class=\"[^\"]*race[^\"]*\">.*?</tr>)"));
        assertTrue(mainlineRace.contains("pfn_to_online_page:usage-&gt;subsection_map") && mainlineRace.contains("page_init_poison"),
                "mainline race window: " + mainlineRace.lines().limit(5).toList());
        // the kernel's report, the condensed and the full traces
        assertTrue(between(v46, "<pre class=\"report\">", "</pre>").contains("BUG: KASAN: use-after-free in page_is_idle"));
        assertTrue(between(v46, "<pre class=\"condensed\">", "</pre>").contains("CPU A"));
        assertTrue(between(v46, "<pre class=\"full\">", "</pre>").lines().count() > between(v46, "<pre class=\"condensed\">", "</pre>").lines().count());
        // the memory map is the machine at the failure, not at boot: memory1 was being offlined
        assertTrue(v46.contains("<div class=\"block state-going-offline zone-dma32\" title=\"memory1: going-offline, DMA32\">"),
                firstOr(v46, "(<div class=\"memmap\">.*?</div>)"));
        assertTrue(v46.contains("title=\"memory0: online,"), "memory0 missing");
        assertTrue(Pattern.compile("<span class=\"section sec-online\" title=\"section \\d+: online\">").matcher(v46).find()
                || v46.contains("sec-memmap"), "sections missing");
    }

    @Test
    void exploreReportAsSeenOnScreen() throws Exception {
        Path page = dir.resolve("e.html");
        Run r = run("explore", "000-kpageflags", "--variant", "v4.6", "--html", page.toString(), "-q", "--color", "never");
        assertEquals(0, r.exit(), r.out() + r.err());
        Path shot = dir.resolve("shot.png");
        browser(page, "--window-size=1200,4000", "--screenshot=" + shot);
        BufferedImage img = ImageIO.read(shot.toFile());
        // what a person sees: the failing step's red band, the race window's yellow, and the memory
        // map's going-offline and online blocks (the page's own colours, in the viewport)
        assertTrue(pixels(img, 0xf8c8c8) > 1000, "no failing-step highlight on screen");
        assertTrue(pixels(img, 0xfff4d6) > 10_000, "no race window on screen");
        // (more than the legend's swatches: a block is ~10000 pixels, a swatch ~1500)
        assertTrue(pixels(img, 0xffe2b0) > 5000, "no going-offline block on screen");
        assertTrue(pixels(img, 0xd8f0d8) > 5000, "no online block on screen");
    }

    @Test
    void anUnwritableReportIsAUsageErrorBeforeAnyExploring() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        Run check = run("check", "010", "--html", file.toString(), "-q");
        assertEquals(Main.EXIT_USAGE, check.exit(), check.out() + check.err());
        assertTrue(check.err().contains("mmsim check: --html: cannot create directory '" + file + "'"), check.err());
        assertEquals("", check.out(), "explored although the report could not be written");
        Run missing = run("explore", "010", "--html", dir.resolve("no/such/dir/r.html").toString(), "-q");
        assertEquals(Main.EXIT_USAGE, missing.exit());
        assertTrue(missing.err().contains("cannot write '" + dir.resolve("no/such/dir/r.html") + "': No such file or directory"), missing.err());
        Run isDir = run("explore", "010", "--html", dir.toString(), "-q");
        assertEquals(Main.EXIT_USAGE, isDir.exit());
        assertTrue(isDir.err().contains("is a directory"), isDir.err());
        assertEquals("x", Files.readString(file));
    }

    private static void assertRow(List<String[]> rows, String scenario, String variant, String status, String necessary, String verdict) {
        for (String[] r : rows) {
            if (r[1].equals(scenario) && r[2].equals(variant)) {
                assertEquals(List.of(status, necessary, verdict), List.of(r[0], r[3], r[4]), scenario + " / " + variant);
                return;
            }
        }
        throw new AssertionError("no row " + scenario + " / " + variant);
    }

    /** The 0-based cell (0 is the step number, 1 CPU A, ...) holding the step of a swimlane row. */
    private static int column(String row) {
        List<String> cells = all(row, "<td[^>]*>(.*?)</td>");
        for (int i = 1; i < cells.size(); i++) if (!cells.get(i).isEmpty()) return i;
        return -1;
    }

    private static long pixels(BufferedImage img, int rgb) {
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                if (Math.abs(((p >> 16) & 255) - (rgb >> 16)) <= 2 && Math.abs(((p >> 8) & 255) - ((rgb >> 8) & 255)) <= 2
                        && Math.abs((p & 255) - (rgb & 255)) <= 2) n++;
            }
        }
        return n;
    }

    private static List<String> all(String text, String regex) {
        List<String> r = new ArrayList<>();
        Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(text);
        while (m.find()) r.add(m.group(1));
        return r;
    }

    private static String firstOr(String text, String regex) {
        List<String> a = all(text, regex);
        return a.isEmpty() ? "(none)" : a.get(0);
    }

    private static String between(String text, String from, String to) {
        int a = text.indexOf(from);
        assertTrue(a >= 0, "no " + from);
        int b = text.indexOf(to, a + from.length());
        return text.substring(a + from.length(), b);
    }
}
