package mmsim.mm.ptdump;

import static mmsim.mm.pgtable.X86Pgtable.*;

import java.util.List;
import java.util.Locale;

import mmsim.mm.init_mm.KernelVa;

/**
 * arch/x86/mm/dump_pagetables.c: note_page() with the effective protection of each level
 * (USER and RW must be set at every level, NX at any), lines
 * {@code 0x%016lx-0x%016lx   %9lu%c } + printk_prot's columns + the level name in lower case,
 * the address markers (ESPfix limited to 16 lines), and the W+X count of the W+X check.
 */
final class X86Dump implements Ptdump.State {
    private static final long PTE_FLAGS_MASK = ~PTE_PFN_MASK;
    private static final String[] LEVEL = {"pgd", "p4d", "pud", "pmd", "pte"};
    private static final String UNITS = "BKMGTPE";

    private final StringBuilder seq;
    private final List<KernelVa.Marker> markers;
    private final boolean checkWx;
    private int marker;
    private int level = -1;
    private long currentProt, effective, startAddress;
    private int lines;
    private final long[] protLevels = new long[5];
    long wxPages;
    final StringBuilder warnings = new StringBuilder();

    X86Dump(StringBuilder seq, List<KernelVa.Marker> markers, boolean checkWx) {
        this.seq = seq;
        this.markers = markers;
        this.checkWx = checkWx;
    }

    private void printf(String s) { if (seq != null) seq.append(s); }

    @Override
    public void effectiveProt(int lvl, long val) {
        long prot = val & PTE_FLAGS_MASK;
        long eff;
        if (lvl > 0) {
            long higher = protLevels[lvl - 1];
            eff = (higher & prot & (_PAGE_USER | _PAGE_RW)) | ((higher | prot) & _PAGE_NX);
        } else {
            eff = prot;
        }
        protLevels[lvl] = eff;
    }

    @Override
    public void notePage(long addr, int lvl, long val) {
        long newProt = val & PTE_FLAGS_MASK;
        long newEff = val == 0 ? 0 : protLevels[lvl];
        if (level == -1) {
            currentProt = newProt;
            effective = newEff;
            level = lvl;
            marker = 0;
            lines = 0;
            printf("---[ " + markers.get(marker).name() + " ]---\n");
        } else if (newProt != currentProt || newEff != effective || lvl != level || Long.compareUnsigned(addr, markers.get(marker + 1).start()) >= 0) {
            if (checkWx && (effective & _PAGE_RW) != 0 && (effective & _PAGE_NX) == 0) {
                long npages = (addr - startAddress) / 4096;
                if (wxPages == 0) warnings.append(String.format(Locale.ROOT, "x86/mm: Found insecure W+X mapping at address %016x%n", startAddress));
                wxPages += npages;
            }
            int max = markers.get(marker).maxLines();
            if (max == 0 || lines < max) {
                printf(String.format(Locale.ROOT, "0x%016x-0x%016x   ", startAddress, addr));
                long delta = addr - startAddress;
                int unit = 0;
                while ((delta & 1023) == 0 && unit + 1 < UNITS.length()) {
                    delta >>>= 10;
                    unit++;
                }
                printf(String.format(Locale.ROOT, "%9s%c ", Long.toUnsignedString(delta), UNITS.charAt(unit)));
                printkProt(currentProt, level);
            }
            lines++;
            if (Long.compareUnsigned(addr, markers.get(marker + 1).start()) >= 0) {
                if (max != 0 && lines > max) {
                    long nskip = lines - max;
                    printf("... " + nskip + " entr" + (nskip == 1 ? "y" : "ies") + " skipped ... \n");
                }
                marker++;
                lines = 0;
                printf("---[ " + markers.get(marker).name() + " ]---\n");
            }
            startAddress = addr;
            currentProt = newProt;
            effective = newEff;
            level = lvl;
        }
    }

    private void printkProt(long pr, int lvl) {
        if (lvl < 0) lvl = 0;
        if ((pr & _PAGE_PRESENT) == 0) {
            printf("                              ");
        } else {
            printf((pr & _PAGE_USER) != 0 ? "USR " : "    ");
            printf((pr & _PAGE_RW) != 0 ? "RW " : "ro ");
            printf((pr & _PAGE_PWT) != 0 ? "PWT " : "    ");
            printf((pr & _PAGE_PCD) != 0 ? "PCD " : "    ");
            printf(lvl <= 3 && (pr & _PAGE_PSE) != 0 ? "PSE " : "    ");
            printf(lvl == 4 && (pr & _PAGE_PAT) != 0 ? "PAT " : "    ");
            printf((pr & _PAGE_GLOBAL) != 0 ? "GLB " : "    ");
            printf((pr & _PAGE_NX) != 0 ? "NX " : "x  ");
        }
        printf(LEVEL[lvl] + "\n");
    }
}
