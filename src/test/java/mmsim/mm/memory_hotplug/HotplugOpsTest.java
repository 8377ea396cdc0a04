package mmsim.mm.memory_hotplug;

import mmsim.explore.Verdict;
import mmsim.explore.Outcome;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioError;
import mmsim.scenario.ScenarioParser;
import mmsim.scenario.ScenarioRunner;
import mmsim.scenario.ops.OpRegistry;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The scenario operations add_memory, remove_memory, modprobe/rmmod with sysfs echo, run as a program. */
class HotplugOpsTest {
    static final String SCENARIO = """
            scenario 099-hotplug-ops
            title    a driver adds, onlines, offlines and removes a block; error injection vetoes an online
            thread   (test)
            layout
              arch x86_64
              cpus 1
              ram 0x1000    +0x9e000
              ram 0x100000  +511M
              reserve 0x100000 +15M
            end
            variant mainline era=mainline
            cpu A "driver"
              add_memory 0 0x40000000 128M -> add
              add_memory 0 0x40000000 128M -> again
              add_memory 0 0x50100000 128M -> unaligned
              echo online_movable > /sys/devices/system/memory/memory8/state -> on
              remove_memory 0x40000000 128M -> busy
              echo offline > /sys/devices/system/memory/memory8/state -> off
              modprobe memory-notifier-error-inject priority=0 -> mp
              echo -12 > /sys/kernel/debug/notifier-error-inject/memory/actions/MEM_GOING_ONLINE/error -> inj
              echo online > /sys/devices/system/memory/memory8/state -> vetoed
              cat /sys/devices/system/memory/memory8/state -> state
              rmmod memory-notifier-error-inject -> rm
              remove_memory 0x40000000 128M -> removed
              cat /sys/devices/system/memory/memory8/state -> gone
            end
            expect * passed ACCEPTABLE
            bound 0
            """;

    @Test
    void opsRunAsTheKernelAnswers() {
        Scenario s = ScenarioParser.parse("099-hotplug-ops.mms", SCENARIO, OpRegistry.standard());
        ScenarioRunner.VariantResult r = ScenarioRunner.run(s, s.variant("mainline"), ScenarioRunner.Settings.of(s), p -> { });
        assertEquals(1, r.outcomes().size(), r.outcomes().toString());
        Outcome o = r.outcomes().keySet().iterator().next();
        assertEquals(Verdict.Kind.PASSED, o.verdictKind(), r.verdict());
        Map<String, String> v = o.observed();
        assertEquals("ok", v.get("add"));
        assertEquals("-EEXIST", v.get("again"));
        assertEquals("-EINVAL", v.get("unaligned"));
        assertEquals("ok", v.get("on"));
        assertEquals("-EBUSY", v.get("busy"));
        assertEquals("ok", v.get("off"));
        assertEquals("ok", v.get("mp"));
        assertEquals("ok", v.get("inj"));
        assertEquals("-ENOMEM", v.get("vetoed"));
        assertEquals("offline", v.get("state"));
        assertEquals("ok", v.get("rm"));
        assertEquals("ok", v.get("removed"));
        assertEquals("-ENOENT", v.get("gone"));
    }

    @Test
    void aWrongModuleNameIsAParseError() {
        String bad = SCENARIO.replace("modprobe memory-notifier-error-inject priority=0", "modprobe memory-notifer-error-inject");
        ScenarioError e = assertThrows(ScenarioError.class, () -> ScenarioParser.parse("x.mms", bad, OpRegistry.standard()));
        assertTrue(e.getMessage().contains("unknown module 'memory-notifer-error-inject'"), e.getMessage());
    }
}
