package mmsim.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The per-execution step limit comes from the scenario: onlining a hot-added 128 MiB block in the
 * v4.6 era (its memmap initialised a page at a time) takes more than the old fixed 100,000 steps,
 * which made it a false livelock FORBIDDEN. A limit that is too small is "step limit", incomplete.
 */
class StepLimitTest {
    static final String ONLINE = """
            scenario online
            title    v4.6 onlines a hot-added 128 MiB block while A reads its state
            layout
              arch x86_64
              cpus 2
              ram 0x1000    +0x9e000
              ram 0x100000  +127M
              reserve 0x100000 +15M
            end
            variant v4.6 era=v4.6
            setup
              add_memory 0 0x8000000 0x8000000
            end
            cpu A "cat state"
              cat /sys/devices/system/memory/memory1/state -> s
            end
            cpu B "echo online"
              echo online > /sys/devices/system/memory/memory1/state -> r
            end
            expect * passed r!=ok FORBIDDEN "onlining a hot-added block succeeds"
            bound 0
            """;

    static ScenarioRunner.VariantResult run(String text) {
        Scenario s = ScenarioParser.parse("online.mms", text, ScenarioParserTest.OPS);
        return ScenarioRunner.run(s, s.variants().get(0), ScenarioRunner.Settings.of(s), p -> { });
    }

    @Test
    void theLimitDerivedFromTheScenarioLetsALongOnlineFinish() {
        Scenario s = ScenarioParser.parse("online.mms", ONLINE, ScenarioParserTest.OPS);
        int derived = ScenarioRunner.stepLimitOf(new ScenarioProgram(s, s.variants().get(0)));
        assertTrue(derived > ScenarioRunner.MIN_STEP_LIMIT, "derived " + derived);
        ScenarioRunner.VariantResult r = run(ONLINE);
        assertEquals(ScenarioRunner.Status.OK, r.status(), r.note());
        assertEquals("holds", r.verdict());
        assertEquals(derived, r.settings().stepLimit());
    }

    @Test
    void aLimitSetTooSmallIsReportedAsStepLimitNotAsAKernelFailure() {
        ScenarioRunner.VariantResult r = run(ONLINE.replace("bound 0", "bound 0\nstep_limit 100000"));
        assertEquals(ScenarioRunner.Status.INCOMPLETE, r.status(), r.note());
        assertEquals("step limit", r.verdict());
        assertTrue(r.note().startsWith("an execution ran past the step limit of 100000 steps"), r.note());
    }
}
