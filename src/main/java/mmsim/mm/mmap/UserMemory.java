package mmsim.mm.mmap;

import mmsim.mm.linux.MmCore;

import mmsim.mm.linux.MmPages;
import mmsim.mm.linux.MmStruct;

import java.util.TreeMap;

import mmsim.kernel.Kernel;
import mmsim.mm.linux.KernelConfig;
import mmsim.mm.memory.Memory;
import mmsim.mm.pgtable.PageTableStore;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;
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
 * <p>Lock ordering of user memory: the mm lock tree in the {@code mmsim.mm} package-info
 * (mmap_lock, page lock, anon_vma rwsem, PTE lock, then the swap cache's and page cache's
 * xa_lock and lru_lock).
 * GUP-fast takes none of these: it walks with IRQs disabled, which holds off the TLB-flush IPI
 * that precedes freeing a page table.
 */
public final class UserMemory extends MmCore {
    public final PgtableArch arch;
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
    /** Transparent huge pages (mm/huge_memory.c): the PMD level of faults, zaps and fork. */
    public final mmsim.mm.huge_memory.HugeMemory hugeMemory;
    public final mmsim.mm.huge_memory.SplitHugePage splitHugePage;
    private final TreeMap<Integer, MmStruct> tasks = new TreeMap<>();
    private int nextPid = 1000;
    private final java.util.List<TaskListener> taskListeners = new java.util.ArrayList<>();

    /** Told when a process (an mm) appears and after it exited: procfs keeps /proc/PID with it. */
    public interface TaskListener {
        void added(MmStruct mm);
        void removed(MmStruct mm);
    }

    /**
     * Creates the user-memory files bottom-up, each handed the ones below it (pgtable, swap,
     * swap_state, shmem, rmap, huge_memory, memory, vmscan, migrate, gup, mmap); none reaches another
     * through this object's fields, which are for the outer layers (procfs, scenario ops, checks).
     */
    public UserMemory(Kernel k, KernelConfig config, PgtableArch arch, MmPages pages) {
        super(k, config, pages);
        this.arch = arch;
        this.tables = new PageTableStore(k, arch);
        this.pgalloc = new PgtableAlloc(this, tables, arch);
        this.swap = new Swap(this);
        this.swapState = new SwapState(this, swap);
        this.shmem = new mmsim.mm.shmem.Shmem(this, swap);
        this.rmap = new Rmap(this, arch, tables, pgalloc, swapState, shmem);
        this.hugeMemory = new mmsim.mm.huge_memory.HugeMemory(this, arch, tables, pgalloc, swap, rmap);
        this.memory = new Memory(this, arch, tables, pgalloc, swap, swapState, shmem, rmap, hugeMemory);
        this.splitHugePage = new mmsim.mm.huge_memory.SplitHugePage(this, rmap, hugeMemory);
        this.vmscan = new Vmscan(this, arch, tables, pgalloc, swap, swapState, rmap, memory, splitHugePage);
        this.migrate = new Migrate(this, swap, swapState, shmem, rmap, vmscan, splitHugePage);
        this.gup = new Gup(this, arch, tables, pgalloc, memory, hugeMemory, migrate, vmscan, swap);
        this.mmap = new Mmap(this);
    }

    /** A new process with an empty address space (execve of a fresh binary); returns its mm. */
    public MmStruct newProcess(String comm) {
        int pid = nextPid++;
        MmStruct mm = new MmStruct(k, pid, comm, arch.taskSize() & ~0xffffffffL, config.has(MmStruct.CONFIG_PER_VMA_LOCK));
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

}
