package mmsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import mmsim.explore.ProgressListener;
import mmsim.explore.Strategy;

/** The terminal progress line of check/explore: what a long exploration shows, and silence off a terminal. */
class ProgressTest {
    static ProgressListener.Progress sample() {
        return new ProgressListener.Progress(Strategy.DFS, 2, 1234, 567_890, 321.0, 0.25,
                Optional.of(Duration.ofSeconds(42)), Duration.ofSeconds(3), false);
    }

    @Test
    void onATerminalTheLineShowsExecutionsRateCoverageAndTimeLeft() {
        StringWriter out = new StringWriter();
        Progress p = new Progress(new PrintWriter(out), true, 3);
        p.start("000-kpageflags-vs-offline mainline");
        p.listener().progress(sample());
        String text = out.toString();
        assertTrue(text.startsWith("\r[1/3] 000-kpageflags-vs-offline mainline: starting"), text);
        // the second draw is throttled unless 200 ms passed; the first one always shows
        String line = text.substring(text.lastIndexOf('\r') + 1).strip();
        if (line.contains("executions")) {
            assertTrue(line.contains("1,234 executions") && line.contains("321/s") && line.contains("25.0% of the bounded space")
                    && line.contains("42s left"), line);
        }
        p.finish();
        assertTrue(out.toString().endsWith("\r\u001b[K"), "finish() wipes the line");
    }

    @Test
    void theLineIsClippedToTheTerminalWidthSoARedrawNeverWraps() {
        StringWriter out = new StringWriter();
        Progress p = new Progress(new PrintWriter(out), true, 12, () -> 40);
        p.start("001b-kpageflags-vs-partial-section-device v5.4-v5.11");
        String line = out.toString().substring(1).replace("\u001b[K", "");
        assertEquals(39, line.length(), line);
        assertTrue(line.startsWith("[1/12] 001b-kpageflags-vs-partial-sect") && line.endsWith("…"), line);
    }

    @Test
    void offATerminalNothingIsPrinted() {
        StringWriter out = new StringWriter();
        Progress p = new Progress(new PrintWriter(out), false, 1);
        p.start("x v");
        p.listener().progress(sample());
        p.finish();
        assertEquals("", out.toString());
    }

    @Test
    void theExplorersLineCarriesEveryFigure() {
        String line = sample().line();
        assertEquals("dfs bound 2: 1,234 executions, 321/s, 567,890 points, 25.0% of the bounded space, 42s left", line);
    }
}
