package mmsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import mmsim.cli.CliEndToEndTest.Run;
import org.junit.jupiter.api.Test;

/** {@code mmsim locks} and {@code --drop-lock} on the real catalogue, run in-process. */
class LocksCommandTest {

    /** The words of a printed command line, honouring the single quotes the replay lines use. */
    static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("'([^']*)'|(\\S+)").matcher(line);
        while (m.find()) out.add(m.group(1) != null ? m.group(1) : m.group(2));
        return out;
    }

    @Test
    void zoneLockIsNecessaryToConcurrentAllocAndFreeAndTheReplayReproducesIt() {
        Run r = CliEndToEndTest.run("locks", "scenarios/010-buddy-alloc-free.mms", "--variant", "mainline", "-q", "--color", "never");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("zone->lock  spinlock_t"), "zone->lock listed with where it is taken:\n" + r.out());
        Matcher row = Pattern.compile("(?m)^  zone->lock\\s+necessary\\s+\\d+\\s+stopped at find\\s+(.+)$").matcher(r.out());
        assertTrue(row.find(), r.out());
        String verdict = row.group(1).strip();
        assertTrue(r.out().matches("(?s).*\\n  pcp->lock\\s+not needed\\s+\\d+\\s+exhaustive \\(bound 2\\).*"), r.out());
        assertTrue(r.out().strip().matches("(?s).*sufficient: variant mainline holds within bound 2 \\(\\d+ executions, exhaustive\\); necessary: zone->lock"),
                r.out());

        Matcher replay = Pattern.compile("(?m)^replay    (\\./mmsim replay .*--drop-lock 'zone->lock'.*)$").matcher(r.out());
        assertTrue(replay.find(), r.out());
        List<String> args = words(replay.group(1));
        Run again = CliEndToEndTest.run(args.subList(1, args.size()).toArray(String[]::new));
        assertEquals(1, again.exit(), "the replayed execution is FORBIDDEN for mainline:\n" + again.out() + again.err());
        assertEquals(verdict, again.out().lines().findFirst().orElseThrow(), again.out());
        assertTrue(again.out().contains("spin_lock(&zone->lock) (dropped)"), again.out());

        Run without = CliEndToEndTest.run(args.subList(1, args.size()).stream().filter(a -> !a.equals("--drop-lock") && !a.equals("zone->lock"))
                .toArray(String[]::new));
        assertEquals(2, without.exit(), "with the lock, that schedule is not even an execution of the scenario:\n" + without.err());
    }

    @Test
    void jsonHasOneObjectPerClassAndPairs() {
        Run r = CliEndToEndTest.run("locks", "scenarios/010-buddy-alloc-free.mms", "--variant", "mainline", "--json", "--pairs");
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        assertTrue(out.contains("\"lock\":\"zone->lock\",\"kind\":\"spinlock_t\""), out);
        assertTrue(out.matches("(?s).*\"lock\":\"zone->lock\".*?\"result\":\"necessary\".*?\"exhaustive\":false,\"replay\":\"\\./mmsim replay [^\"]*--drop-lock 'zone->lock' --schedule [A-Z0-9]+\".*"), out);
        assertTrue(out.matches("(?s).*\"lock\":\"pcp->lock\".*?\"result\":\"not-needed\".*?\"exhaustive\":true,\"replay\":null.*"), out);
        assertTrue(out.contains("\"necessary\":[\"zone->lock\"]"), out);
        assertTrue(out.matches("(?s).*\"pairs\":\\[\\{\"lock\":\"pcp->lock \\+ zone->lock\",\"locks\":\\[\"pcp->lock\",\"zone->lock\"\\],\"result\":\"necessary\".*"), out);
    }

    @Test
    void theIpiIsWhatClosesGupFastAgainstMunmap() {
        Run r = CliEndToEndTest.run("locks", "scenarios/011c-gup-fast-vs-munmap.mms", "--variant", "mainline", "-q", "--color", "never");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().matches("(?s).*\\n  local_irq_disable\\s+necessary\\s+\\d+\\s+stopped at find\\s+KASAN: use-after-free Read in gup_fast_pte_range\\n.*"), r.out());
        assertTrue(r.out().contains("local_irq_save (dropped)"), "the condensed trace shows where IRQs would have gone off:\n" + r.out());
        assertTrue(r.out().indexOf("local_irq_save (dropped)") < r.out().indexOf("-- preempted --"),
                "the dropped local_irq_save opens the race window before the preemption:\n" + r.out());
        assertTrue(r.out().strip().endsWith("necessary: local_irq_disable"), r.out());
    }

    @Test
    void dropLockOnExploreAndUnknownClasses() {
        Run r = CliEndToEndTest.run("explore", "scenarios/010-buddy-alloc-free.mms", "--variant", "mainline", "--drop-lock", "zone->lock", "-q");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("--drop-lock 'zone->lock' --schedule"), "the replay line drops the lock too:\n" + r.out());

        Run bad = CliEndToEndTest.run("explore", "scenarios/010-buddy-alloc-free.mms", "--drop-lock", "zone->lok");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("unknown lock class 'zone->lok' (did you mean: zone->lock?)"), bad.err());
    }

    @Test
    void aVariantThatBreaksIsNotSufficientAndNothingIsDropped() {
        Run r = CliEndToEndTest.run("locks", "scenarios/011c-gup-fast-vs-munmap.mms", "--variant", "no-ipi", "-q", "--color", "never");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("is declared to break (EXPECTED)"), r.out());
        assertTrue(r.out().strip().endsWith("not sufficient: variant no-ipi fails (KASAN: use-after-free Read in gup_fast_pte_range)"), r.out());
    }

    @Test
    void checkShowsTheNecessityColumnForScenariosThatAsk() {
        Run r = CliEndToEndTest.run("check", "010", "--color", "never", "-q");
        assertEquals(0, r.exit(), r.out() + r.err());
        String header = r.out().lines().findFirst().orElseThrow();
        assertTrue(header.matches(".*\\bNECESSARY\\b.*"), header);
        assertTrue(r.out().matches("(?s).*\\n010-buddy-alloc-free\\n  mainline\\s+ok\\s+-\\s+\\d+\\s+zone->lock\\s+holds\\n.*"), r.out());
        Run json = CliEndToEndTest.run("check", "010", "--json");
        assertTrue(json.out().contains("\"necessary_locks\":[\"zone->lock\"]"), json.out());
        assertNotNull(json.out());
    }
}
