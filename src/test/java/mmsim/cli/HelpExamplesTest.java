package mmsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The examples that --help prints work as printed, against the repository's own catalogue. */
class HelpExamplesTest {
    private String savedHome;

    @BeforeEach
    void setUp() {
        savedHome = System.getProperty("mmsim.home");
        System.setProperty("mmsim.home", Path.of("").toAbsolutePath().toString());
    }

    @AfterEach
    void tearDown() {
        if (savedHome == null) System.clearProperty("mmsim.home");
        else System.setProperty("mmsim.home", savedHome);
    }

    @Test
    void theReplayExampleReplaysTheSeed000Crash() {
        CliEndToEndTest.Run help = CliEndToEndTest.run("replay", "--help");
        String example = Arrays.stream(help.out().split("\n")).map(String::strip)
                .filter(l -> l.startsWith("mmsim replay 0")).findFirst().orElseThrow();
        String[] args = example.substring("mmsim ".length()).split(" +");
        CliEndToEndTest.Run r = CliEndToEndTest.run(args);
        assertEquals(0, r.exit(), example + "\n" + r.out() + r.err());
        assertTrue(r.out().contains("KASAN: use-after-free in page_is_idle"), r.out());
    }
}
