package mmsim.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import mmsim.scenario.ops.OpRegistry;
import org.junit.jupiter.api.Test;

/** drop-lock=CLASS and question locks in the scenario language. */
class DropLockParseTest {
    static String scenario(String variantLine, String extra) {
        return """
                scenario t
                layout
                  arch x86_64
                  cpus 1
                end
                """ + variantLine + "\n" + """
                cpu A
                  note hello
                end
                """ + extra;
    }

    static Scenario parse(String text) {
        return ScenarioParser.parse("t.mms", text, OpRegistry.standard());
    }

    @Test
    void aKnownClassIsAnOptionOfTheVariant() {
        Scenario s = parse(scenario("variant m era=mainline drop-lock=zone->lock drop-lock=rcu_read_lock", "question locks\n"));
        assertEquals(List.of("drop-lock=zone->lock", "drop-lock=rcu_read_lock"), s.variant("m").options());
        assertEquals(List.of("zone->lock", "rcu_read_lock"),
                List.copyOf(ScenarioProgram.config(s, s.variant("m")).droppedLocks().reversed()));
        assertTrue(s.asks(Scenario.QUESTION_LOCKS));
    }

    @Test
    void anUnknownClassIsAnErrorAtItsColumnWithTheCloseMatch() {
        ScenarioError e = assertThrows(ScenarioError.class, () -> parse(scenario("variant m drop-lock=zone->lok", "")));
        assertTrue(e.getMessage().startsWith("t.mms:6:21: unknown lock class 'zone->lok' (did you mean: zone->lock?)"), e.getMessage());
        assertTrue(e.getMessage().contains("device_hotplug_lock"), "the message lists the classes: " + e.getMessage());
        ScenarioError empty = assertThrows(ScenarioError.class, () -> parse(scenario("variant m drop-lock=", "")));
        assertTrue(empty.getMessage().startsWith("t.mms:6:21: expected a lock class"), empty.getMessage());
        ScenarioError q = assertThrows(ScenarioError.class, () -> parse(scenario("variant m", "question lock\n")));
        assertTrue(q.getMessage().contains("unknown question 'lock' (did you mean: locks?)"), q.getMessage());
    }

    @Test
    void theIssuesOldSpellingPointsAtDropLock() {
        ScenarioError e = assertThrows(ScenarioError.class, () -> parse(scenario("variant m no-device-hotplug-lock", "")));
        assertTrue(e.getMessage().contains("unknown option 'no-device-hotplug-lock'") && e.getMessage().contains("drop-lock=CLASS"), e.getMessage());
    }
}
