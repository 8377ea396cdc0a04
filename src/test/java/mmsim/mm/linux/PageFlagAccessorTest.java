package mmsim.mm.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Trace labels name page-flag accessors as page-flags.h spells them (SetPageDirty, not SetPagedirty). */
class PageFlagAccessorTest {
    @Test
    void accessorsAreTheKernelsNames() {
        assertEquals("Dirty", PageFlag.DIRTY.accessor());
        assertEquals("OwnerPriv1", PageFlag.OWNER_PRIV_1.accessor());
        assertEquals("Private2", PageFlag.PRIVATE_2.accessor());
        assertEquals("LRU", PageFlag.LRU.accessor());
        assertEquals("HWPoison", PageFlag.HWPOISON.accessor());
        assertEquals("SwapBacked", PageFlag.SWAPBACKED.accessor());
        assertEquals("Uptodate", PageFlag.UPTODATE.accessor());
        for (PageFlag f : PageFlag.values()) {
            assertTrue(f.accessor().matches("[A-Z][A-Za-z0-9]*"), f + ": " + f.accessor());
        }
    }
}
