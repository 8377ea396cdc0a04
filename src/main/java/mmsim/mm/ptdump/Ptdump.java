package mmsim.mm.ptdump;

import java.util.List;

import mmsim.kernel.Kernel;
import mmsim.mm.init_mm.InitMm;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.memory_hotplug.MemoryHotplug;
import mmsim.mm.pgtable.PgtableArch.Level;

/**
 * mm/ptdump.c: ptdump_walk_pgd(), the generic walk of a kernel page table that the arch dumpers
 * (arch/arm64/mm/ptdump.c, arch/x86/mm/dump_pagetables.c) and the W+X checks feed with their
 * note_page(). It is walk_page_range_novma() over each range: a none entry is a hole noted at its
 * level (pte_hole), a block is noted at its level, a PTE table's entries are noted one by one;
 * p4d is folded into the PGD and noted at level 1 with the PGD's value.
 *
 * <p>Locking, by era (the seed-004 thread and what followed it; the order: the mm lock tree in the
 * {@code mmsim.mm} package-info):
 * <ul>
 * <li>until v5.7 (and on x86 until 2025): no lock at all: "the arm64 ptdump code never takes the
 *     ptl, and as of this patch it will blow up if it races with a hot-remove" (Mark Rutland);</li>
 * <li>v5.7, bf2b59f60ee1: the arm64 debugfs show takes get_online_mems() around ptdump_walk()
 *     ({@link #DEBUGFS_HOTPLUG_LOCK}); ptdump_check_wx() still takes nothing;</li>
 * <li>2025, 59305202c67f (mainline here): get_online_mems() inside ptdump_walk_pgd(), which covers
 *     every caller on every arch. {@link #UNLOCKED} removes it.</li>
 * </ul>
 * init_mm's mmap_lock, which ptdump_walk_pgd also takes since v6.1, is not modelled: hot-remove
 * does not take it, so it orders nothing in these races.
 *
 * <p>Preemption points: one per table read (the use-after-free check of the table) and one per
 * table-pointing entry re-read just before the walk descends through it.
 */
public final class Ptdump {
    /** Before 59305202c67f (2025): ptdump_walk_pgd() takes no hotplug lock. */
    public static final String UNLOCKED = "ptdump-unlocked";
    /** bf2b59f60ee1 (v5.7): the arm64 debugfs kernel_page_tables show takes get_online_mems(). */
    public static final String DEBUGFS_HOTPLUG_LOCK = "ptdump-debugfs-hotplug-lock";
    public static final List<String> OPTIONS = List.of(UNLOCKED, DEBUGFS_HOTPLUG_LOCK);

    /** What an arch's dumper does with each entry: note_page(st, addr, level, val) and effective_prot. */
    public interface State {
        void notePage(long addr, int level, long val);
        default void effectiveProt(int level, long val) { }
    }

    private final Kernel k;
    private final InitMm mm;
    private final MemoryHotplug hotplug;
    private final boolean unlocked, debugfsLock;

    public Ptdump(Kernel k, KernelConfig config, InitMm mm, MemoryHotplug hotplug) {
        this.k = k;
        this.mm = mm;
        this.hotplug = hotplug;
        this.unlocked = config.has(UNLOCKED);
        this.debugfsLock = config.has(DEBUGFS_HOTPLUG_LOCK);
    }

    private boolean arm64() { return k.arch() == Kernel.Arch.ARM64; }

    private long[][] ranges() {
        return arm64() ? new long[][] {{mm.va.pageOffset(), -1L}}
                // x86: the user half, then from the end of the guard hole (GUARD_HOLE_END_ADDR)
                : new long[][] {{0, 1L << 47}, {0xffff880000000000L, -1L}};
    }

    /**
     * The text of debugfs kernel_page_tables (arm64 ptdump_show -> ptdump_walk) or
     * page_tables/kernel (x86 ptdump_walk_pgd_level_debugfs).
     */
    public String kernelPageTables() {
        StringBuilder sb = new StringBuilder();
        try (var f = k.enter("ptdump_show")) {
            boolean v57 = arm64() && debugfsLock;
            if (v57) hotplug.getOnlineMems();
            try (var w = k.enter(arm64() ? "ptdump_walk" : "ptdump_walk_pgd_level_debugfs")) {
                walkPgd(arm64() ? new Arm64Dump(sb, mm.va.markers(), false) : new X86Dump(sb, mm.va.markers(), false), ranges());
            } finally {
                if (v57) hotplug.putOnlineMems();
            }
        }
        return sb.toString();
    }

    /**
     * ptdump_check_wx() (arm64) / ptdump_walk_pgd_level_checkwx() (x86): walks the kernel tables
     * counting W+X (and on arm64 non-UXN) pages, logs the verdict as the kernel does, and returns
     * true when none were found (debugfs check_wx_pages prints SUCCESS or FAILED from it).
     */
    public boolean checkWx() {
        try (var f = k.enter("ptdump_check_wx")) {
            var noMarkers = java.util.List.of(new mmsim.mm.init_mm.KernelVa.Marker(0, null, 0), new mmsim.mm.init_mm.KernelVa.Marker(-1L, null, 0));
            if (arm64()) {
                Arm64Dump st = new Arm64Dump(null, noMarkers, true);
                walkPgd(st, ranges());
                if (st.wxPages != 0 || st.uxnPages != 0) {
                    k.log().printk(st.warnings.toString().strip());
                    k.log().printk(String.format(java.util.Locale.ROOT,
                            "Checked W+X mappings: FAILED, %d W+X pages found, %d non-UXN pages found", st.wxPages, st.uxnPages));
                    return false;
                }
                k.log().printk("Checked W+X mappings: passed, no W+X pages found");
                return true;
            }
            X86Dump st = new X86Dump(null, mm.va.markers(), true);
            walkPgd(st, ranges());
            if (st.wxPages != 0) {
                k.log().printk(st.warnings.toString().strip());
                k.log().printk("x86/mm: Checked W+X mappings: FAILED, " + st.wxPages + " W+X pages found.");
                return false;
            }
            k.log().printk("x86/mm: Checked W+X mappings: passed, no W+X pages found.");
            return true;
        }
    }

    /** ptdump_walk_pgd(st, &init_mm, NULL) over {@code ranges} ({start, end} pairs, end exclusive, ~0 = top). */
    public void walkPgd(State st, long[][] ranges) {
        try (var f = k.enter("ptdump_walk_pgd")) {
            boolean lock = !unlocked;
            if (lock) hotplug.getOnlineMems();
            try {
                for (long[] r : ranges) {
                    try (var w = k.enter("walk_page_range_novma")) {
                        walk(st, mm.pgd, Level.PGD, r[0], r[1]);
                    }
                }
            } finally {
                if (lock) hotplug.putOnlineMems();
            }
            st.notePage(0, -1, 0);       // flush out the last range
        }
    }

    private static int depth(Level l) { return l == Level.PGD ? 0 : l.ordinal() + 1; }

    private void walk(State st, long table, Level level, long addr, long end) {
        String lname = level.name().toLowerCase();
        long[] e = mm.readTable(table, "walk_" + lname + "_range:" + lname + "_none(*" + lname + ")");
        while (addr != end) {
            long next = InitMm.addrEnd(addr, end, level);
            int idx = level.index(addr);
            long v = e[idx];
            if (level == Level.PTE) {
                st.effectiveProt(4, v);
                st.notePage(addr, 4, v);
            } else if (v == 0) {
                st.notePage(addr, depth(level), 0);                      // pte_hole
            } else {
                st.effectiveProt(depth(level), v);
                if (level == Level.PGD) st.effectiveProt(1, v);          // the folded p4d
                if (mm.mmu().isBlock(v, level)) {
                    st.notePage(addr, depth(level), v);                  // pud_leaf / pmd_leaf
                } else {
                    // the walker re-reads the entry and descends through it
                    long now = mm.read(table, idx, "walk_" + lname + "_range:READ_ONCE(*" + lname + ")");
                    if (now == 0) st.notePage(addr, depth(level), 0);
                    else if (mm.mmu().isBlock(now, level)) st.notePage(addr, depth(level), now);
                    else walk(st, mm.tablePfn(now), level.next(), addr, next);
                }
            }
            addr = next;
        }
    }
}
