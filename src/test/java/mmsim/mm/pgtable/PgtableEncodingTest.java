package mmsim.mm.pgtable;

import mmsim.mm.linux.SwapEntry;
import mmsim.mm.linux.VmFlags;

import static org.junit.jupiter.api.Assertions.*;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** The entry encodings give the values a kernel developer sees in a real page-table dump. */
class PgtableEncodingTest {
    static final PgtableArch X86 = PgtableArch.x86_64();
    static final PgtableArch ARM = PgtableArch.arm64();
    static final long PRIVATE_RW = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE;

    @Test
    void protectionMapRowsAreTheKernelsForEachArch() {
        long r = VmFlags.VM_READ, w = VmFlags.VM_WRITE, x = VmFlags.VM_EXEC, sh = VmFlags.VM_SHARED;
        assertEquals(X86Pgtable.PAGE_NONE, X86.vmGetPageProt(0));
        assertEquals(X86Pgtable.PAGE_NONE, X86.vmGetPageProt(sh));
        assertEquals(X86Pgtable.PAGE_READONLY, X86.vmGetPageProt(w), "private write-only: COW, read-only until the fault");
        assertEquals(X86Pgtable.PAGE_READONLY_EXEC, X86.vmGetPageProt(r | w | x));
        assertEquals(X86Pgtable.PAGE_SHARED, X86.vmGetPageProt(r | w | sh));
        assertEquals(X86Pgtable.PAGE_SHARED_EXEC, X86.vmGetPageProt(w | x | sh));
        assertEquals(X86Pgtable.PAGE_READONLY, X86.vmGetPageProt(r | sh | VmFlags.VM_MAYWRITE), "VM_MAY* bits do not select a row");
        assertEquals(Arm64Pgtable.PAGE_NONE, ARM.vmGetPageProt(0));
        assertEquals(Arm64Pgtable.PAGE_READONLY, ARM.vmGetPageProt(r | w));
        assertEquals(Arm64Pgtable.PAGE_READONLY_EXEC, ARM.vmGetPageProt(x | sh));
        assertEquals(Arm64Pgtable.PAGE_SHARED, ARM.vmGetPageProt(r | w | sh));
        assertEquals(Arm64Pgtable.PAGE_SHARED_EXEC, ARM.vmGetPageProt(r | w | x | sh));
    }

    @Test
    void x86AnonymousWriteFaultPteHasTheFamiliar867Pattern() {
        long prot = X86.vmGetPageProt(PRIVATE_RW);
        assertEquals(0x8000000000000025L, prot, "PAGE_COPY: P U A NX");
        long pte = X86.pteMkwrite(X86.pteMkdirty(X86.pfnPte(0x12345, prot)));
        assertEquals(0x8000000012345867L, pte);
        assertEquals(0x12345, X86.ptePfn(pte));
        assertTrue(X86.ptePresent(pte) && X86.pteWrite(pte) && X86.pteDirty(pte) && X86.pteYoung(pte));
        assertEquals("P RW U A D SD NX", X86.flagNames(pte, true));
    }

    @Test
    void arm64AnonymousWriteFaultPteHasTheFamiliarE8f43Pattern() {
        long prot = ARM.vmGetPageProt(PRIVATE_RW);
        long pte = ARM.pteMkwrite(ARM.pteMkdirty(ARM.pfnPte(0x12345, prot)));
        assertEquals(0x00e8000012345f43L, pte);
        assertTrue(ARM.ptePresent(pte) && ARM.pteWrite(pte) && ARM.pteDirty(pte));
        long ro = ARM.pteWrprotect(pte);
        assertFalse(ARM.pteWrite(ro));
        assertTrue(ARM.pteDirty(ro), "wrprotect keeps hardware dirtiness as PTE_DIRTY");
        assertNotEquals(0, ro & Arm64Pgtable.PTE_RDONLY);
    }

    @Test
    void sharedWritableMapsWritablePrivateWritableMapsReadOnlyForCow() {
        for (PgtableArch a : new PgtableArch[] {X86, ARM}) {
            assertFalse(a.pteWrite(a.pfnPte(1, a.vmGetPageProt(PRIVATE_RW))), a.name());
            assertTrue(a.pteWrite(a.pfnPte(1, a.vmGetPageProt(PRIVATE_RW | VmFlags.VM_SHARED))), a.name());
        }
    }

    @Test
    void x86ProtNoneKeepsPfnInvertedButReadsBack() {
        long pte = X86.pfnPte(0x1234, X86Pgtable.PAGE_NONE);
        assertTrue(X86.ptePresent(pte));
        assertEquals(0x1234, X86.ptePfn(pte));
        assertNotEquals(0x1234L << 12, pte & X86Pgtable.PTE_PFN_MASK, "L1TF: pfn stored inverted");
    }

    @Test
    void x86SwapPteLayout() {
        long e = SwapEntry.swpEntry(3, 0x10);
        long pte = X86.swpEntryToPte(e);
        assertEquals(3, pte >>> 59);
        assertEquals(0, pte & X86Pgtable._PAGE_PRESENT);
        assertEquals(~0x10L & ((1L << 50) - 1), (pte >>> 9) & ((1L << 50) - 1), "offset inverted in bits 9..58");
        assertTrue(X86.isSwapPte(pte));
        assertEquals(e, X86.pteToSwpEntry(X86.pteSwpMkexclusive(pte)));
    }

    @Test
    void arm64SwapPteLayout() {
        long pte = ARM.swpEntryToPte(SwapEntry.swpEntry(3, 0x10));
        assertEquals((3L << 3) | (0x10L << 8), pte);
        assertTrue(ARM.isSwapPte(pte));
    }

    @Test
    void migrationEntriesCarryThePfnAndWriteness() {
        long e = SwapEntry.makeMigrationEntry(0x4242, true, false);
        assertTrue(SwapEntry.isMigrationEntry(e) && SwapEntry.isWritableMigrationEntry(e) && SwapEntry.nonSwapEntry(e));
        assertEquals(0x4242, SwapEntry.pfnSwapEntryToPfn(e));
        long r = SwapEntry.makeMigrationEntry(0x4242, false, true);
        assertEquals(SwapEntry.SWP_MIGRATION_READ_EXCLUSIVE, SwapEntry.swpType(r));
        assertFalse(SwapEntry.isMigrationEntry(SwapEntry.swpEntry(0, 5)));
    }

    @Test
    void tableEntriesAndHugePmds() {
        long x = X86.mkTableEntry(0x777);
        assertEquals(0x777067L, x);
        assertTrue(X86.isTableEntry(x) && !X86.pmdTransHuge(x));
        long xh = X86.pmdMkdirty(X86.pmdMkwrite(X86.pfnPmdHuge(0x200, X86.vmGetPageProt(PRIVATE_RW))));
        assertTrue(X86.pmdTransHuge(xh) && !X86.isTableEntry(xh));
        assertEquals(0x200, X86.pmdPfn(xh));
        long a = ARM.mkTableEntry(0x777);
        assertEquals(3, a & 3);
        assertTrue(ARM.isTableEntry(a) && !ARM.pmdTransHuge(a));
        long ah = ARM.pfnPmdHuge(0x200, ARM.vmGetPageProt(PRIVATE_RW));
        assertEquals(1, ah & 3, "block descriptor");
        assertTrue(ARM.pmdTransHuge(ah) && !ARM.isTableEntry(ah));
    }

    @Test
    void indexesSplitTheAddressNineBitsPerLevel() {
        long addr = 0x7f12_3456_7000L;
        int pgd = PgtableArch.pgdIndex(addr), pud = PgtableArch.pudIndex(addr);
        int pmd = PgtableArch.pmdIndex(addr), pte = PgtableArch.pteIndex(addr);
        long back = ((long) pgd << 39) | ((long) pud << 30) | ((long) pmd << 21) | ((long) pte << 12);
        assertEquals(addr, back);
    }

    @Property(tries = 300)
    void pfnRoundTrips(@ForAll @LongRange(min = 0, max = (1L << 36) - 1) long pfn, @ForAll boolean arm, @ForAll boolean write) {
        PgtableArch a = arm ? ARM : X86;
        long prot = a.vmGetPageProt(PRIVATE_RW | (write ? VmFlags.VM_SHARED : 0));
        long pte = a.pfnPte(pfn, prot);
        assertEquals(pfn, a.ptePfn(pte));
        assertEquals(pfn, a.ptePfn(a.pteMkold(a.pteMkclean(a.pteWrprotect(a.pteMkdirty(a.pteMkwrite(pte)))))));
        assertEquals(pfn, a.tableEntryPfn(a.mkTableEntry(pfn)));
        assertFalse(a.pteWrite(a.pteWrprotect(a.pteMkwrite(pte))));
        assertTrue(a.pteWrite(a.pteMkwrite(pte)));
        assertFalse(a.pteYoung(a.pteMkold(pte)));
    }

    @Property(tries = 300)
    void swapEntriesRoundTrip(@ForAll @IntRange(min = 0, max = 31) int type,
                              @ForAll @LongRange(min = 1, max = (1L << 36) - 1) long offset, @ForAll boolean arm) {
        // offset 0 is the swap header and never an entry (on arm64 type 0 offset 0 would read as pte_none)
        PgtableArch a = arm ? ARM : X86;
        long e = SwapEntry.swpEntry(type, offset);
        long pte = a.swpEntryToPte(e);
        assertTrue(a.isSwapPte(pte), "swap pte must be neither none nor present");
        assertEquals(e, a.pteToSwpEntry(pte));
        assertEquals(e, a.pteToSwpEntry(a.pteSwpMkexclusive(pte)));
        assertTrue(a.pteSwpExclusive(a.pteSwpMkexclusive(pte)));
    }
}
