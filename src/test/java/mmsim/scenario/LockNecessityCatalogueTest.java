package mmsim.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import mmsim.scenario.LockNecessity.Analysis;
import mmsim.scenario.ops.OpRegistry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The explorer's sensitivity to the locks the catalogue's races depend on: every scenario whose
 * mainline holds names at least one lock class without which it breaks, or says why none is
 * needed. Where the answer is known from the kernel, it is asserted:
 * <pre>
 *   010  zone->lock                      both CPUs would take one block off the free list
 *   011  mm->mmap_lock                   munmap frees the page table under the fault
 *   011b anon_vma->rwsem, ptlock         kswapd's rmap walk vs munmap's unlink and zap
 *   011c local_irq_disable               GUP-fast's IRQ-off walk holds off the TLB-flush IPI
 *   000b rcu_read_lock, synchronize_rcu  pfn_valid's RCU section vs section removal (v6.8 fix)
 *   000d rcu_read_lock, synchronize_rcu  page_ext_get's RCU section vs offline_page_ext
 *   003g mm->write_protect_seq           fork's seqcount, not mmap_lock, keeps GUP-fast's pin off a page fork shares
 *   001, 001c, 012: none (no lock taken, or the race is closed by ordering and state checks)
 * </pre>
 */
class LockNecessityCatalogueTest {

    static final Map<String, List<String>> KNOWN = Map.of(
            "010-buddy-alloc-free", List.of("zone->lock"),
            "011-fault-vs-munmap", List.of("mm->mmap_lock"),
            "011b-kswapd-vs-munmap", List.of("anon_vma->rwsem", "ptlock_ptr(ptdesc)"),
            "011c-gup-fast-vs-munmap", List.of("local_irq_disable"),
            "000b-pfn-valid-vs-remove-memory", List.of("rcu_read_lock", "synchronize_rcu"),
            "000d-page-owner-vs-offline", List.of("rcu_read_lock", "synchronize_rcu"),
            "003g-gup-fast-pin-vs-fork", List.of("mm->write_protect_seq"),
            "001-kpageflags-vs-altmap-reserve", List.of(),
            "001c-kpageflags-vs-memmap-init-zone-device", List.of(),
            "012-memory-block-offline-twice", List.of());

    private static Analysis analyse(Path file) {
        Scenario s = Catalogue.load(file, OpRegistry.standard());
        Scenario.Variant mainline = s.variant("mainline");
        if (mainline == null) return null;
        return LockNecessity.analyse(s, mainline, ScenarioRunner.Settings.of(s), false, LockNecessity.Listener.NONE);
    }

    private static void check(Path file) {
        Analysis a = analyse(file);
        if (a == null || !a.holds()) return;   // only mainlines that hold are asked
        String name = a.baseline().scenario().name();
        assertTrue(!a.necessary().isEmpty() || a.whyNoneNecessary() != null, name);
        for (LockNecessity.Drop d : a.singles()) {
            assertFalse(d.result() == LockNecessity.Result.UNKNOWN, name + ": " + d.label() + " cut by the budget");
            if (d.result() == LockNecessity.Result.NECESSARY) assertNotNull(d.finding().failure().schedule(), name);
        }
        if (KNOWN.containsKey(name)) assertEquals(KNOWN.get(name), a.necessary(), name + ":\n" + a.sufficiency());
    }

    @Test
    void buddyAllocatorNeedsZoneLock() {
        check(Path.of("scenarios", "010-buddy-alloc-free.mms"));
    }

    /**
     * Seed 003, Yang Shi: "it looks acquiring pmd lock is not necessary". The PMD table's split
     * lock has its own class, so dropping it leaves the PTE locks in place: within bound 1 the
     * mainline collapse holds without it, which agrees with the variant that removes only
     * collapse's pmd_lock. In that variant, dropping mmap_lock breaks it with an inconsistency
     * the file calls INTERESTING: still a failure, so mmap_lock is necessary.
     */
    @Test
    void yangsPmdLockIsNotNeededAndTheVariantWithoutItAgrees() {
        Path f = Path.of("scenarios", "003b-collapse-without-pmd-lock.mms");
        Scenario s = Catalogue.load(f, OpRegistry.standard());
        Analysis a = LockNecessity.analyse(s, s.variant("mainline"), ScenarioRunner.Settings.of(s), false, LockNecessity.Listener.NONE);
        assertTrue(a.holds());
        LockNecessity.Drop pmd = a.singles().stream().filter(d -> d.label().equals("pmd_lockptr(ptdesc)")).findFirst().orElseThrow();
        assertEquals(LockNecessity.Result.NOT_NEEDED, pmd.result());
        assertTrue(a.singles().stream().anyMatch(d -> d.label().equals("ptlock_ptr(ptdesc)")), "the PTE locks are a class of their own");
        ScenarioRunner.VariantResult without = ScenarioRunner.run(s, s.variant("mainline-no-pmd-lock"), ScenarioRunner.Settings.of(s), p -> { });
        assertTrue(without.exhausted() && without.findings().isEmpty(), without.verdict());
        Analysis v56 = LockNecessity.analyse(s, s.variant("v5.6-no-pmd-lock"), ScenarioRunner.Settings.of(s), false, LockNecessity.Listener.NONE);
        assertEquals(List.of("mm->mmap_lock"), v56.necessary());
    }

    @Test
    void aPinAgainstForkNeedsTheWriteProtectSeqcount() {
        check(Path.of("scenarios", "003g-gup-fast-pin-vs-fork.mms"));
    }

    @Test
    void pfnValidNeedsBothHalvesOfRcu() {
        check(Path.of("scenarios", "000b-pfn-valid-vs-remove-memory.mms"));
    }

    @Test
    @Tag("slow")   // every catalogue mainline, each lock class dropped in turn: minutes
    void everyHoldingMainlineNamesALockOrWhyNone() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("scenarios"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".mms")).sorted().toList()) check(f);
        }
    }
}
