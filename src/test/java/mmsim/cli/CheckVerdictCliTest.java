package mmsim.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code mmsim check} on verdicts of the end-of-execution model check and on a scenario whose
 * static path is misspelt: exit status, table, report and JSON.
 */
class CheckVerdictCliTest {
    @TempDir Path home;
    private String savedHome;

    static final String LEAK = """
            scenario 090-leak
            title    __free_pages with a smaller order than alloc_pages: the rest of the block is lost
            layout
              arch x86_64
              cpus 2
              ram 0x100000 +127M
              reserve 0x100000 +15M
            end
            variant only
            cpu A "wrong order"
              alloc_pages 1 -> a
              free_pages $a 0
            end
            cpu B
              note b
            end
            bound 1
            """;

    @BeforeEach
    void setUp() throws Exception {
        savedHome = System.getProperty("mmsim.home");
        System.setProperty("mmsim.home", home.toString());
        Files.createDirectories(home.resolve("scenarios"));
    }

    @AfterEach
    void tearDown() {
        if (savedHome == null) System.clearProperty("mmsim.home");
        else System.setProperty("mmsim.home", savedHome);
    }

    @Test
    void aLeakIsAViolationWithItsTitleReportAndJsonKind() throws Exception {
        Files.writeString(home.resolve("scenarios/090-leak.mms"), LEAK);
        CliEndToEndTest.Run r = CliEndToEndTest.run("check", "--color=never");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("memory leak: 1 page lost to the page allocator"), r.out());
        assertTrue(r.out().contains("unreferenced pages: refcount 0, on no free list"), "the report follows the title:\n" + r.out());
        CliEndToEndTest.Run j = CliEndToEndTest.run("check", "--json");
        assertEquals(1, j.exit());
        assertTrue(j.out().contains("\"kind\":\"leak\""), j.out());
    }

    @Test
    void aMisspeltPathIsAUsageErrorNamingTheLine() throws Exception {
        Files.writeString(home.resolve("scenarios/090-leak.mms"), LEAK.replace("note b", "cat /proc/meminf"));
        CliEndToEndTest.Run r = CliEndToEndTest.run("check");
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("090-leak.mms:15:7: no such file: /proc/meminf") && r.err().contains("did you mean: /proc/meminfo?"), r.err());
    }
}
