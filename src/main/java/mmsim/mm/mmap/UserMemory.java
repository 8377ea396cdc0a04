package mmsim.mm.mmap;

import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.linux.VmEvent;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.pgtable.Memory;
import mmsim.mm.pgtable.PageTableStore;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.linux.AnonVma;
import mmsim.mm.rmap.Rmap;
import mmsim.mm.swap.SwapState;
import mmsim.mm.swap.Swap;
import mmsim.mm.vmscan.Vmscan;
import mmsim.mm.migrate.Migrate;
import mmsim.mm.gup.Gup;

/**
 * The user-memory half of a machine: processes' address spaces and everything that serves them
 * (page tables, faults, rmap, LRU, reclaim, swap, migration, GUP). One per machine; the machine
 * builds it with its memmap and allocator behind {@link MmPages}.
 *
 * <p>Lock ordering of user memory (mm/rmap.c's header, the parts modelled):
 * <pre>
 * mm->mmap_lock
 *   page->flags PG_locked (lock_page)
 *     anon_vma->root->rwsem (anon_vma_lock_write / _read)
 *       mm->page_table_lock or pte_lock (ptlock_ptr(ptdesc))
 *         lruvec->lru_lock (folio_lruvec_lock_irq)
 *         swap address space xa_lock
 * </pre>
 * GUP-fast takes none of these: it walks with IRQs disabled, which holds off the TLB-flush IPI
 * that precedes freeing a page table.
 */
public final class UserMemory {
    public final Kernel k;
    public final KernelConfig config;
    public final PgtableArch arch;
    public final MmPages pages;
    public final PageTableStore tables;
    public final PgtableAlloc pgalloc;
    public final Memory memory;
    public final Rmap rmap;
    public final Swap swap;
    public final SwapState swapState;
    public final Vmscan vmscan;
    public final Migrate migrate;
    public final Gup gup;
    public final Mmap mmap;
    public final mmsim.mm.shmem.Shmem shmem;
    public final long[] events = new long[VmEvent.values().length];
    /** The shared zero page (empty_zero_page / ZERO_PAGE(0)); allocated at boot, never freed. */
    public long zeroPfn = -1;
    private final TreeMap<Integer, MmStruct> tasks = new TreeMap<>();
    private final Map<Long, AnonVma> anonVmas = new HashMap<>();
    private long nextAnonVmaAddress = 0xffff888004000000L;
    private int nextPid = 1000;
    private final java.util.List<TaskListener> taskListeners = new java.util.ArrayList<>();

    /** Told when a process (an mm) appears and after it exited: procfs keeps /proc/PID with it. */
    public interface TaskListener {
        void added(MmStruct mm);
        void removed(MmStruct mm);
    }

    public UserMemory(Kernel k, KernelConfig config, PgtableArch arch, MmPages pages) {
        this.k = k;
        this.config = config;
        this.arch = arch;
        this.pages = pages;
        this.tables = new PageTableStore(k, arch);
        this.pgalloc = new PgtableAlloc(this);
        this.rmap = new Rmap(this);
        this.swapState = new SwapState(this);
        this.swap = new Swap(this);
        this.vmscan = new Vmscan(this);
        this.memory = new Memory(this);
        this.migrate = new Migrate(this);
        this.gup = new Gup(this);
        this.mmap = new Mmap(this);
        this.shmem = new mmsim.mm.shmem.Shmem(this);
    }

    public void count(VmEvent e) { events[e.ordinal()]++; }

    public void count(VmEvent e, long n) { events[e.ordinal()] += n; }

    /** A gauge change for page {@code pfn}: the machine-wide value and, for node stats, the page's node's (mod_node_page_state). */
    public void count(long pfn, VmEvent e, long n) {
        events[e.ordinal()] += n;
        if (e.nodeStat != null) pages.modNodeStat(pfn, e.nodeStat, n);
    }

    public long event(VmEvent e) { return events[e.ordinal()]; }

    /** The zero page, allocated on first use (a boot-time allocation in the kernel). */
    public long zeroPage() {
        if (zeroPfn < 0) {
            zeroPfn = pages.allocPage(false);
            if (zeroPfn < 0) throw new IllegalStateException("no memory for the zero page");
            pages.set(zeroPfn, mmsim.mm.linux.PageFlag.RESERVED);
        }
        return zeroPfn;
    }

    /** A new process with an empty address space (execve of a fresh binary); returns its mm. */
    public MmStruct newProcess(String comm) {
        int pid = nextPid++;
        MmStruct mm = new MmStruct(k, pid, comm, arch.taskSize() & ~0xffffffffL);
        mm.pgd = pgalloc.pgdAlloc(mm);
        addTask(mm);
        return mm;
    }

    int allocPid() { return nextPid++; }

    void addTask(MmStruct mm) {
        tasks.put(mm.pid, mm);
        for (TaskListener l : taskListeners) l.added(mm);
    }

    void removeTask(MmStruct mm) {
        tasks.remove(mm.pid);
        for (TaskListener l : taskListeners) l.removed(mm);
    }

    /** Registers a listener and tells it of the processes that exist already. */
    public void addTaskListener(TaskListener l) {
        taskListeners.add(l);
        for (MmStruct mm : tasks.values()) l.added(mm);
    }

    public MmStruct task(int pid) { return tasks.get(pid); }

    /** Live processes by pid (ascending). */
    public java.util.Collection<MmStruct> tasks() { return tasks.values(); }

    /** Registers a new anon_vma under a fresh fake kernel address (anon_vma_alloc). */
    public long registerAnonVma(AnonVma av) {
        anonVmas.put(av.address, av);
        return av.address;
    }

    public long nextAnonVmaAddress() {
        long a = nextAnonVmaAddress;
        nextAnonVmaAddress += 0xc0; // sizeof(struct anon_vma) rounded to its slab
        return a;
    }

    /** The anon_vma at a fake address, or null (a stale or corrupt page->mapping). */
    public AnonVma anonVmaAt(long address) { return anonVmas.get(address); }

    public void forgetAnonVma(AnonVma av) { anonVmas.remove(av.address); }
}
