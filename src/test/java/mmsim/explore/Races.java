package mmsim.explore;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import mmsim.kernel.Access;
import mmsim.kernel.Kernel;
import mmsim.kernel.sync.SpinLock;

/**
 * The synthetic kernel-style races the explorer is proven on (no mm): each broken and fixed.
 * Small on purpose, like the kernel's litmus and torture tests.
 */
public final class Races {
    private Races() { }

    /** A Program from a world factory and one body per CPU. */
    static <W> Program program(int nrCpus, Function<Kernel, W> world, String[] names,
                               BiConsumer<W, Integer> body, Function<W, Map<String, String>> finish) {
        return () -> {
            Kernel k = new Kernel(nrCpus, Kernel.Arch.X86_64, "6.12.0-mmsim");
            W w = world.apply(k);
            return new Program.Instance() {
                public Kernel kernel() { return k; }
                public int nrCpus() { return nrCpus; }
                public String cpuName(int cpu) { return "CPU " + (char) ('A' + cpu) + " (" + names[cpu] + ")"; }
                public void runCpu(int cpu) { body.accept(w, cpu); }
                public Map<String, String> finish() { return finish.apply(w); }
            };
        };
    }

    // ---- 1. lost refcount update without its spinlock --------------------------------------

    static final class Refcount {
        final Kernel k;
        final SpinLock lock;
        final boolean locked;
        int count = 1;
        final Object countLoc = "page->_refcount";

        Refcount(Kernel k, boolean locked) {
            this.k = k;
            this.lock = new SpinLock(k, mmsim.kernel.LockClass.spinlock("obj->lock"));
            this.locked = locked;
        }

        void get() {
            try (var _ = k.enter("obj_get")) {
                if (locked) lock.lock();
                k.point("obj_get:read refcount", countLoc, Access.READ);
                int v = count;
                k.point("obj_get:write refcount", countLoc, Access.WRITE);
                count = v + 1;
                if (locked) lock.unlock();
            }
        }
    }

    public static Program lostRefcount(boolean locked) {
        return program(2, k -> new Refcount(k, locked), new String[] {"obj_get", "obj_get"},
                (w, cpu) -> w.get(),
                w -> {
                    try (var _ = w.k.enter("obj_check")) {
                        if (w.count != 3) throw w.k.bug("lib/refcount.c", 42, "refcount " + w.count + ", expected 3: lost update");
                    }
                    Map<String, String> m = new LinkedHashMap<>();
                    m.put("refcount", Integer.toString(w.count));
                    return m;
                });
    }

    // ---- 2. ABBA deadlock ------------------------------------------------------------------

    static final class Abba {
        final Kernel k;
        final SpinLock a, b;
        final boolean sameOrder;

        Abba(Kernel k, boolean sameOrder, boolean lockdep) {
            this.k = k;
            k.lockdep().setEnabled(lockdep);
            this.a = new SpinLock(k, mmsim.kernel.LockClass.spinlock("a_lock"));
            this.b = new SpinLock(k, mmsim.kernel.LockClass.spinlock("b_lock"));
            this.sameOrder = sameOrder;
        }

        void run(int cpu) {
            SpinLock first = cpu == 0 || sameOrder ? a : b;
            SpinLock second = first == a ? b : a;
            try (var _ = k.enter(cpu == 0 ? "path_one" : "path_two")) {
                first.lock();
                k.point("work under " + first, first, Access.NONE);
                second.lock();
                second.unlock();
                first.unlock();
            }
        }
    }

    public static Program abba(boolean sameOrder, boolean lockdep) {
        return program(2, k -> new Abba(k, sameOrder, lockdep), new String[] {"a then b", sameOrder ? "a then b" : "b then a"},
                Abba::run, w -> Map.of());
    }

    // ---- 3. RCU reader sees freed memory without synchronize_rcu ----------------------------

    /** A kmalloc'ed object: freed is its KASAN shadow. */
    static final class Obj {
        int data = 42;
        boolean freed;
    }

    static final class RcuWorld {
        final Kernel k;
        final boolean sync;
        final boolean callRcu;
        Obj gp = new Obj();
        final Object gpLoc = "global_ptr";
        int seen = -1;

        RcuWorld(Kernel k, boolean sync, boolean callRcu) {
            this.k = k;
            this.sync = sync;
            this.callRcu = callRcu;
        }

        void reader() {
            try (var _ = k.enter("reader")) {
                k.rcuReadLock();
                k.point("reader:p = rcu_dereference(gp)", gpLoc, Access.READ);
                Obj p = gp;
                if (p != null) {
                    k.point("reader:p->data", p, Access.READ);
                    if (p.freed) throw kasan(k, "reader");
                    seen = p.data;
                }
                k.rcuReadUnlock();
            }
        }

        void updater() {
            try (var _ = k.enter("updater")) {
                k.point("updater:old = gp; rcu_assign_pointer(gp, NULL)", gpLoc, Access.WRITE);
                Obj old = gp;
                gp = null;
                if (callRcu) {
                    k.callRcu(() -> kfree(old));
                    return;
                }
                if (sync) k.synchronizeRcu();
                kfree(old);
            }
        }

        void kfree(Obj o) {
            try (var _ = k.enter("kfree")) {
                k.point("kfree:poison object", o, Access.WRITE);
                o.freed = true;
            }
        }
    }

    static mmsim.kernel.KernelFault.Kasan kasan(Kernel k, String fn) {
        Kernel.Cpu c = k.cpu();
        String report = "==================================================================\n"
                + "BUG: KASAN: slab-use-after-free in " + fn + "\n"
                + "Read of size 4 at addr ffff888012345678 by task " + c.comm() + "/" + c.pid() + "\n\n"
                + k.cpuLine(c) + k.callTrace(c)
                + "==================================================================\n";
        return new mmsim.kernel.KernelFault.Kasan("slab-use-after-free", false, fn, report);
    }

    public static Program rcu(boolean sync) {
        return program(2, k -> new RcuWorld(k, sync, false), new String[] {"rcu reader", sync ? "update + synchronize_rcu" : "update, no grace period"},
                (w, cpu) -> { if (cpu == 0) w.reader(); else w.updater(); },
                w -> Map.of("seen", Integer.toString(w.seen)));
    }

    static Program rcuCallback() {
        return program(2, k -> new RcuWorld(k, false, true), new String[] {"rcu reader", "update + call_rcu"},
                (w, cpu) -> { if (cpu == 0) w.reader(); else w.updater(); },
                w -> Map.of("seen", Integer.toString(w.seen)));
    }

    // ---- 4. lockless page-table walker with IRQs off vs a freer and the TLB IPI --------------

    static final class PageTable {
        boolean freed;
        long pte = 0x1234_0067L;
    }

    static final class PtWorld {
        final Kernel k;
        final boolean waitIpi;
        PageTable pmd = new PageTable();
        final Object pmdLoc = "pmd";
        long seenPte;

        PtWorld(Kernel k, boolean waitIpi) {
            this.k = k;
            this.waitIpi = waitIpi;
        }

        /** gup_fast-style walker: IRQs off keep the page table alive (mm/gup.c). */
        void walker() {
            try (var _ = k.enter("gup_fast")) {
                long flags = k.localIrqSave();
                try (var _ = k.enter("gup_fast_pmd_range")) {
                    k.point("gup_fast_pmd_range:pmd = pmdp_get_lockless()", pmdLoc, Access.READ);
                    PageTable pt = pmd;
                    if (pt != null) {
                        try (var _ = k.enter("gup_fast_pte_range")) {
                            k.point("gup_fast_pte_range:pte = ptep_get_lockless()", pt, Access.READ);
                            if (pt.freed) throw kasan(k, "gup_fast_pte_range");
                            seenPte = pt.pte;
                        }
                    }
                }
                k.localIrqRestore(flags);
            }
        }

        /** The freer: clear the pmd, (sync with walkers by IPI), free the table (mm/mmu_gather.c). */
        void freer() {
            try (var _ = k.enter("free_pte_table")) {
                k.point("free_pte_table:pmd_clear()", pmdLoc, Access.WRITE);
                PageTable pt = pmd;
                pmd = null;
                // tlb_remove_table_sync_one(): an IPI every CPU must take, so a walker with IRQs off holds it back.
                k.smpCallFunctionMany(k.cpuOnlineMask(), () -> k.note("tlb_remove_table_smp_sync"), waitIpi);
                try (var _ = k.enter("pte_free")) {
                    k.point("pte_free:free page table page", pt, Access.WRITE);
                    pt.freed = true;
                }
            }
        }
    }

    public static Program pageTableWalk(boolean waitIpi) {
        return program(2, k -> new PtWorld(k, waitIpi), new String[] {"gup_fast walker", waitIpi ? "freer, waits for IPI" : "freer, IPI without wait"},
                (w, cpu) -> { if (cpu == 0) w.walker(); else w.freer(); },
                w -> Map.of("pte", Long.toHexString(w.seenPte)));
    }
}
