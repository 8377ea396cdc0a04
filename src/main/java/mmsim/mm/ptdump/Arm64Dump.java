package mmsim.mm.ptdump;

import static mmsim.mm.pgtable.Arm64Pgtable.*;

import java.util.List;
import java.util.Locale;

import mmsim.mm.init_mm.Arm64Entries;
import mmsim.mm.init_mm.KernelVa;

/**
 * arch/arm64/mm/ptdump.c: note_page() grouping entries of equal protection and level into
 * ranges, printed as {@code 0x%016lx-0x%016lx   %9lu%c %s} plus one column per pte_bits entry,
 * with the address markers as {@code ---[ name ]---}; and the W+X / non-UXN accounting of
 * ptdump_check_wx().
 */
final class Arm64Dump implements Ptdump.State {
    private record ProtBits(long mask, long val, String set, String clear) { }

    private static final List<ProtBits> PTE_BITS = List.of(
            new ProtBits(PTE_VALID, PTE_VALID, " ", "F"),
            new ProtBits(PTE_USER, PTE_USER, "USR", "   "),
            new ProtBits(PTE_RDONLY, PTE_RDONLY, "ro", "RW"),
            new ProtBits(PTE_PXN, PTE_PXN, "NX", "x "),
            new ProtBits(PTE_SHARED, PTE_SHARED, "SHD", "   "),
            new ProtBits(PTE_AF, PTE_AF, "AF", "  "),
            new ProtBits(PTE_NG, PTE_NG, "NG", "  "),
            new ProtBits(PTE_CONT, PTE_CONT, "CON", "   "),
            new ProtBits(PTE_TABLE_BIT, PTE_TABLE_BIT, "   ", "BLK"),
            new ProtBits(PTE_UXN, PTE_UXN, "UXN", "   "),
            new ProtBits(Arm64Entries.PTE_GP, Arm64Entries.PTE_GP, "GP", "  "),
            new ProtBits(Arm64Entries.PTE_ATTRINDX_MASK, (long) Arm64Entries.MT_DEVICE_nGnRnE << 2, "DEVICE/nGnRnE", null),
            new ProtBits(Arm64Entries.PTE_ATTRINDX_MASK, (long) Arm64Entries.MT_DEVICE_nGnRE << 2, "DEVICE/nGnRE", null),
            new ProtBits(Arm64Entries.PTE_ATTRINDX_MASK, (long) Arm64Entries.MT_NORMAL_NC << 2, "MEM/NORMAL-NC", null),
            new ProtBits(Arm64Entries.PTE_ATTRINDX_MASK, (long) Arm64Entries.MT_NORMAL << 2, "MEM/NORMAL", null),
            new ProtBits(Arm64Entries.PTE_ATTRINDX_MASK, (long) Arm64Entries.MT_NORMAL_TAGGED << 2, "MEM/NORMAL-TAGGED", null));
    /** pg_level[].mask: every bit some column looks at (the same for all levels). */
    private static final long MASK;
    static {
        long mk = 0;
        for (ProtBits b : PTE_BITS) mk |= b.mask;
        MASK = mk;
    }
    private static final String[] LEVEL = {"PGD", "P4D", "PUD", "PMD", "PTE"};
    private static final String UNITS = "KMGTPE";

    private final StringBuilder seq;          // null for the W+X check
    private final List<KernelVa.Marker> markers;
    private int marker;
    private long startAddress;
    private int level = -1;
    private long currentProt;
    private final boolean checkWx;
    long wxPages, uxnPages;
    final StringBuilder warnings = new StringBuilder();

    Arm64Dump(StringBuilder seq, List<KernelVa.Marker> markers, boolean checkWx) {
        this.seq = seq;
        this.markers = markers;
        this.checkWx = checkWx;
    }

    private void printf(String s) { if (seq != null) seq.append(s); }

    @Override
    public void notePage(long addr, int lvl, long val) {
        long prot = lvl >= 0 ? val & MASK : 0;
        if (level == -1) {
            level = lvl;
            currentProt = prot;
            startAddress = addr;
            printf("---[ " + markers.get(marker).name() + " ]---\n");
        } else if (prot != currentProt || lvl != level || Long.compareUnsigned(addr, markers.get(marker + 1).start()) >= 0) {
            if (currentProt != 0) {
                noteProtUxn(addr);
                noteProtWx(addr);
            }
            printf(String.format(Locale.ROOT, "0x%016x-0x%016x   ", startAddress, addr));
            long delta = (addr - startAddress) >>> 10;
            int unit = 0;
            while ((delta & 1023) == 0 && unit + 1 < UNITS.length()) {
                delta >>>= 10;
                unit++;
            }
            printf(String.format(Locale.ROOT, "%9d%c %s", delta, UNITS.charAt(unit), LEVEL[level]));
            if (currentProt != 0) dumpProt();
            printf("\n");
            if (Long.compareUnsigned(addr, markers.get(marker + 1).start()) >= 0) {
                marker++;
                printf("---[ " + markers.get(marker).name() + " ]---\n");
            }
            startAddress = addr;
            currentProt = prot;
            level = lvl;
        }
        if (lvl >= 0 && Long.compareUnsigned(addr, markers.get(marker + 1).start()) >= 0) {
            marker++;
            printf("---[ " + markers.get(marker).name() + " ]---\n");
        }
    }

    private void dumpProt() {
        for (ProtBits b : PTE_BITS) {
            String s = (currentProt & b.mask) == b.val ? b.set : b.clear;
            if (s != null) printf(" " + s);
        }
    }

    private void noteProtUxn(long addr) {
        if (!checkWx || (currentProt & PTE_UXN) == PTE_UXN) return;
        if (uxnPages == 0) warnings.append(String.format(Locale.ROOT, "arm64/mm: Found non-UXN mapping at address %016x%n", startAddress));
        uxnPages += (addr - startAddress) / 4096;
    }

    private void noteProtWx(long addr) {
        if (!checkWx || (currentProt & PTE_RDONLY) == PTE_RDONLY || (currentProt & PTE_PXN) == PTE_PXN) return;
        if (wxPages == 0) warnings.append(String.format(Locale.ROOT, "arm64/mm: Found insecure W+X mapping at address %016x%n", startAddress));
        wxPages += (addr - startAddress) / 4096;
    }
}
