package mmsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/**
 * The usage and version text {@link UsageText} prints without a command model is, byte for
 * byte, what picocli prints for the same command line: the resources the build rendered are
 * picocli's usage of this build (a stale or missing rendering fails here), and every command
 * line answered early gives picocli's output, plain and, when picocli would style it, styled.
 */
class UsageTextTest {
    private static final List<String[]> QUICK = List.of(new String[] {}, new String[] {"--help"}, new String[] {"-h"},
            new String[] {"--version"}, new String[] {"-V"});

    @Test
    void theBuildRenderedPicoclisUsageOfThisBuild() {
        assertNotNull(UsageText.resource(UsageText.PLAIN), "the build's exec step writes the usage (pom.xml, usage-text)");
        assertEquals(UsageText.render(CommandLine.Help.Ansi.OFF), UsageText.resource(UsageText.PLAIN));
        assertEquals(UsageText.render(CommandLine.Help.Ansi.ON), UsageText.resource(UsageText.STYLED));
    }

    @Test
    void everyEarlyAnswerIsWhatPicocliPrints() {
        for (String ansi : new String[] {"false", "true"}) {
            String saved = System.getProperty("picocli.ansi");
            System.setProperty("picocli.ansi", ansi);
            try {
                for (String[] args : QUICK) {
                    String quick = UsageText.quickAnswer(args);
                    assertNotNull(quick, String.join(" ", args));
                    assertEquals(picocli(args), quick, "mmsim " + String.join(" ", args) + " (picocli.ansi=" + ansi + ")");
                }
            } finally {
                if (saved == null) System.clearProperty("picocli.ansi");
                else System.setProperty("picocli.ansi", saved);
            }
        }
    }

    @Test
    void otherCommandLinesGoToPicocli() {
        assertNull(UsageText.quickAnswer(new String[] {"--help", "--version"}));
        assertNull(UsageText.quickAnswer(new String[] {"cat", "--help"}));
        assertNull(UsageText.quickAnswer(new String[] {"help"}));
        System.setProperty("picocli.usage.width", "120");
        try {
            assertNull(UsageText.quickAnswer(new String[] {"--help"}), "a chosen width is picocli's to apply");
        } finally {
            System.clearProperty("picocli.usage.width");
        }
    }

    private static String picocli(String... args) {
        PrintStream out0 = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertEquals(0, Main.executeWithPicocli(args));
        } finally {
            System.setOut(out0);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
