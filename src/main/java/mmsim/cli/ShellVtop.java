package mmsim.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

import mmsim.mm.Machine;
import mmsim.mm.init_mm.InitMm;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.pgtable.PageTableStore;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.pgtable.PgtableArch.Level;
import mmsim.scenario.ops.Args;

/**
 * {@code vtop ADDR [PID]}: crash's page-table walk, one line per level with the entry's address
 * and value ({@code PUD: ffff888000005010 => ...}), ending at the page or at the level where the
 * walk stops (none, swap entry). Kernel addresses walk init_mm; user addresses the process's mm.
 * The model's tables are four-level (PGD PUD PMD PTE): P4D is folded, as on a 4-level x86_64
 * kernel, where crash prints no P4D line either.
 *
 * Locking: none; entries are peeked (no preemption point), as crash reads a dump.
 */
final class ShellVtop {
    private ShellVtop() { }

    static final String USAGE = "vtop: usage: vtop ADDR [PID] (ADDR in hex, 0x optional)";

    static int vtop(Machine m, List<String> args, PrintWriter out, PrintWriter err) {
        if (args.isEmpty() || args.size() > 2) {
            err.println(USAGE);
            return 1;
        }
        String a = args.get(0);
        Long addr = Args.parseNumber(a.startsWith("0x") || a.startsWith("0X") ? a : "0x" + a);
        if (addr == null) {
            err.println("vtop: invalid address: " + a);
            return 1;
        }
        boolean kernel = addr < 0;   // upper half: the kernel's addresses
        PageTableStore store;
        long pgd;
        PgtableArch arch;
        InitMm init = null;
        if (args.size() == 2) {
            Long pid = Args.parseNumber(args.get(1));
            MmStruct mm = pid == null ? null : m.userMemory().task((int) (long) pid);
            if (mm == null) {
                String pids = m.userMemory().tasks().stream().map(t -> String.valueOf(t.pid)).collect(java.util.stream.Collectors.joining(" "));
                err.println("vtop: invalid task or pid value: " + args.get(1) + (pids.isEmpty() ? " (no user processes)" : " (processes: " + pids + ")"));
                return 1;
            }
            if (kernel || mm.pgd < 0) {
                err.println(String.format(Locale.ROOT, "vtop: %x is not a user address of pid %s", addr, args.get(1)));
                return 1;
            }
            store = m.userMemory().tables;
            arch = m.userMemory().arch;
            pgd = mm.pgd;
        } else {
            if (!kernel) {
                err.println(String.format(Locale.ROOT, "vtop: %x is a user address: give the PID (vtop ADDR PID)", addr));
                return 1;
            }
            init = m.initMm();
            if (init == null) {
                err.println("vtop: this machine has no kernel page tables modelled (arm64, or x86_64 with --config "
                        + InitMm.MODEL + ")");
                return 1;
            }
            store = init.store();
            arch = init.arch;
            pgd = init.pgd;
        }
        out.printf(Locale.ROOT, "VIRTUAL           PHYSICAL%n");
        StringBuilder walk = new StringBuilder();
        walk.append(String.format(Locale.ROOT, "PGD DIRECTORY: %016x%n", store.entryAddress(pgd, 0)));
        long table = pgd;
        long phys = -1;
        for (Level l = Level.PGD; l != null; l = l.next()) {
            int idx = l.index(addr);
            long entry = store.peekEntry(table, idx);
            walk.append(String.format(Locale.ROOT, "%6s: %016x => %s%n", l.name(), store.entryAddress(table, idx), arch.describe(entry, l)));
            if (entry == 0) break;
            boolean leaf = l == Level.PTE
                    || (init != null ? init.mmu().isBlock(entry, l) : l == Level.PMD && arch.pmdTransHuge(entry));
            if (leaf) {
                if (l == Level.PTE ? arch.isSwapPte(entry) : !arch.pmdPresent(entry)) break;
                long pfn = arch.ptePfn(entry);
                phys = (pfn << PgtableArch.PAGE_SHIFT) + (addr & ((1L << l.shift) - 1));
                walk.append(String.format(Locale.ROOT, "%6s: %x%s%n", "PAGE", pfn << PgtableArch.PAGE_SHIFT,
                        l == Level.PTE ? "" : "  (" + ((1L << l.shift) >> 20) + "MB)"));
                break;
            }
            if (!arch.isTableEntry(entry) || (l != Level.PGD && !arch.pmdPresent(entry))) break;
            table = arch.tableEntryPfn(entry);
        }
        out.printf(Locale.ROOT, "%016x  %s%n%n", addr, phys < 0 ? "(not mapped)" : Long.toHexString(phys));
        out.print(walk);
        return 0;
    }
}
