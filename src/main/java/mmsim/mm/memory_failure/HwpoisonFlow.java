package mmsim.mm.memory_failure;

import mmsim.mm.linux.KernelConfig;

/**
 * Which generation of soft offline / unpoison code runs: the era of the kernel config plus one
 * of memory-failure's variant switches (seed 002, "mm: use put_page to free page instead of
 * putback_lru_page", linux-mm, April 2016). Each differs in where PG_hwpoison is set on the
 * migrated source page and what the last reference to it does.
 */
public enum HwpoisonFlow {
    /** 4491f712606 (v4.2-rc): TestSetPageHWPoison before migrate_pages, cleared on failure; the source is put back to the LRU. */
    V4_2_RC_SET_BEFORE_MIGRATE(true),
    /** v4.3..v4.18 (da1b13ccfbebe): unmap_and_move puts the source, then test_set_page_hwpoison on the just-freed page. */
    V4_6_PUT_THEN_SET(true),
    /** The swap Vlastimil Babka asked about first: set the flag, then put the source. */
    SET_THEN_PUT(true),
    /** Vlastimil Babka's proposal: put_page_testzero; only on zero set the flag and free with free_pages_check diverting it. Never merged. */
    PUT_TESTZERO(true),
    /** d4ae9916ea29 (v4.19): pageblock MIGRATE_ISOLATE during soft offline; set_hwpoison_free_buddy_page() under zone->lock. */
    V4_19_FREE_BUDDY_ONLY(true),
    /** 79f5f8fab482 + 06be6ff3d2ec (v5.10): page_handle_poison, the final put diverted off buddy; no mf_mutex around soft offline/unpoison yet. */
    V5_10_REWORK(false),
    /** Today (v6.12): v5.10 + pcp disabled while grabbing, memory_failure takes free pages off buddy, TakenOff/put_page_back_buddy, mf_mutex. */
    MAINLINE(false);

    /** The 2016 generation: poisoned pages live in the buddy allocator, unpoison just clears the flag. */
    public final boolean pagesInBuddy;

    HwpoisonFlow(boolean pagesInBuddy) { this.pagesInBuddy = pagesInBuddy; }

    /** The flow a kernel config selects (the switches are declared in {@link MemoryFailure}). */
    public static HwpoisonFlow of(KernelConfig c) {
        if (c.era() == KernelConfig.Era.V4_6) {
            if (c.has(MemoryFailure.SET_BEFORE_MIGRATE)) return V4_2_RC_SET_BEFORE_MIGRATE;
            if (c.has(MemoryFailure.SET_BEFORE_PUT)) return SET_THEN_PUT;
            if (c.has(MemoryFailure.PUT_TESTZERO)) return PUT_TESTZERO;
            if (c.has(MemoryFailure.FREE_BUDDY_ONLY)) return V4_19_FREE_BUDDY_ONLY;
            return V4_6_PUT_THEN_SET;
        }
        return c.has(MemoryFailure.NO_MF_MUTEX) ? V5_10_REWORK : MAINLINE;
    }
}
