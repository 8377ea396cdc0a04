package mmsim.mm.mmap;

import mmsim.mm.linux.MmStruct;
import mmsim.mm.linux.VmArea;

import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.linux.VmFlags;

/**
 * The address-space syscalls (mm/mmap.c, mm/vma.c, mm/madvise.c, kernel/fork.c dup_mmap,
 * exit_mmap): anonymous private mmap, munmap, madvise, fork and exit.
 *
 * <p>Locking: mmap, munmap and fork hold mmap_lock for write; madvise(MADV_DONTNEED/COLD/PAGEOUT)
 * holds it for read, as madvise_need_mmap_write() decides. Return values are the syscall's:
 * an address, 0, or -errno.
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info. Asserted: mmap_lock by the
 * unmapped-area search, and for write by do_vmi_munmap.
 */
public final class Mmap {
    public static final int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    public static final int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20;
    public static final int MADV_NORMAL = 0, MADV_DONTNEED = 4, MADV_COLD = 20, MADV_PAGEOUT = 21,
            MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15, MADV_COLLAPSE = 25, MADV_HWPOISON = 100, MADV_SOFT_OFFLINE = 101;

    /** Handler for range advice owned by a subsystem above user memory (MADV_COLLAPSE: khugepaged): (mm, start, end) -> errno. */
    @FunctionalInterface
    public interface RangeAdviceHandler {
        int handle(MmStruct mm, long start, long end);
    }

    /** Handler for madvise advice owned by other subsystems (MADV_HWPOISON, MADV_SOFT_OFFLINE): (mm, pfn, addr) -> errno. */
    @FunctionalInterface
    public interface AdviceHandler {
        int handle(MmStruct mm, long pfn, long addr);
    }

    private final UserMemory um;
    private final Kernel k;
    private final java.util.Map<Integer, AdviceHandler> extraAdvice = new java.util.TreeMap<>();

    Mmap(UserMemory um) {
        this.um = um;
        this.k = um.k;
    }

    /** Lets memory-failure register MADV_HWPOISON / MADV_SOFT_OFFLINE (called per page, pfn resolved via GUP). */
    public void registerAdvice(int advice, AdviceHandler h) { extraAdvice.put(advice, h); }

    private final java.util.Map<Integer, RangeAdviceHandler> rangeAdvice = new java.util.TreeMap<>();

    /** Lets khugepaged register MADV_COLLAPSE (madvise_collapse takes mmap_lock itself). */
    public void registerRangeAdvice(int advice, RangeAdviceHandler h) { rangeAdvice.put(advice, h); }

    /** mmap(addr, len, prot, flags, -1, 0) for anonymous memory. */
    public long mmap(MmStruct mm, long addr, long len, int prot, int flags) {
        try (var f = k.enter("do_mmap")) {
            if ((flags & MAP_ANONYMOUS) == 0) return Errno.EINVAL.neg();
            if ((flags & (MAP_SHARED | MAP_PRIVATE)) == 0) return Errno.EINVAL.neg();
            if (len <= 0) return Errno.EINVAL.neg();
            len = (len + PgtableArch.PAGE_SIZE - 1) & PgtableArch.PAGE_MASK;
            if ((addr & ~PgtableArch.PAGE_MASK) != 0 && (flags & MAP_FIXED) != 0) return Errno.EINVAL.neg();
            long vmFlags = ((prot & PROT_READ) != 0 ? VmFlags.VM_READ : 0) | ((prot & PROT_WRITE) != 0 ? VmFlags.VM_WRITE : 0)
                    | ((prot & PROT_EXEC) != 0 ? VmFlags.VM_EXEC : 0)
                    | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE | VmFlags.VM_MAYEXEC | VmFlags.VM_ACCOUNT;
            boolean shared = (flags & MAP_SHARED) != 0;
            // do_mmap(): MAP_SHARED anonymous memory ignores pgoff and may be shared with children
            if (shared) vmFlags |= VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE;
            mm.mmapLock.downWrite();
            try {
                long start;
                if ((flags & MAP_FIXED) != 0) {
                    if (addr + len > um.arch.taskSize()) return Errno.ENOMEM.neg();
                    unmapLocked(mm, addr, len);
                    start = addr;
                } else if (hintFits(mm, addr & PgtableArch.PAGE_MASK, len)) {
                    start = addr & PgtableArch.PAGE_MASK; // arch_get_unmapped_area_topdown: a free hint is used as is
                } else {
                    start = getUnmappedArea(mm, len);
                    if (start < 0) return Errno.ENOMEM.neg();
                }
                // __mmap_region(): a new VMA is soft-dirty as a whole (CONFIG_MEM_SOFT_DIRTY, x86 only)
                if (k.arch() == Kernel.Arch.X86_64) vmFlags |= VmFlags.VM_SOFTDIRTY;
                VmArea v = new VmArea(mm, start, start + len, vmFlags, um.arch.vmGetPageProt(vmFlags), shared ? 0 : start >>> PgtableArch.PAGE_SHIFT);
                if (shared) um.shmem.shmemZeroSetup(v);
                mm.vmaStartWrite(v); // not visible to a fault under the VMA lock before it is set up
                mm.insert(v);
                um.hugeMemory.khugepagedEnterVma(v); // __mmap_region()
                mm.totalVm += len >>> PgtableArch.PAGE_SHIFT;
                return start;
            } finally {
                mm.mmapWriteUnlock();
            }
        }
    }

    /** The hint of a non-fixed mmap: non-zero, below TASK_SIZE, and no VMA in [addr, addr+len). */
    private boolean hintFits(MmStruct mm, long addr, long len) {
        mm.mmapAssertLocked();
        if (addr == 0 || addr > um.arch.taskSize() - len || addr < PgtableArch.PAGE_SIZE * 16) return false; // mmap_min_addr
        VmArea next = mm.findVma(addr);
        return next == null || next.vmStart >= addr + len;
    }

    /** arch_get_unmapped_area_topdown(): the highest gap below mmap_base that fits. */
    private long getUnmappedArea(MmStruct mm, long len) {
        mm.mmapAssertLocked();
        long high = mm.mmapBase;
        for (VmArea v : mm.vmaList().reversed()) {
            if (v.vmStart >= high) continue;
            if (high - v.vmEnd >= len) return high - len;
            high = v.vmStart;
        }
        return high - len >= PgtableArch.PAGE_SIZE * 16 ? high - len : -1;
    }

    /** munmap(addr, len). */
    public int munmap(MmStruct mm, long addr, long len) {
        try (var f = k.enter("__vm_munmap")) {
            // do_vmi_munmap(): unaligned start, an empty range or one past TASK_SIZE is -EINVAL
            if ((addr & ~PgtableArch.PAGE_MASK) != 0 || len <= 0) return Errno.EINVAL.neg();
            if (addr > um.arch.taskSize() || len > um.arch.taskSize() - addr) return Errno.EINVAL.neg();
            len = (len + PgtableArch.PAGE_SIZE - 1) & PgtableArch.PAGE_MASK;
            mm.mmapLock.downWrite();
            try {
                unmapLocked(mm, addr, len);
                return 0;
            } finally {
                mm.mmapWriteUnlock();
            }
        }
    }

    /** do_vmi_munmap(): split the VMAs at the edges, zap the pages, unlink, free page tables. */
    private void unmapLocked(MmStruct mm, long start, long len) {
        mm.mmapAssertWriteLocked();
        long end = start + len;
        java.util.List<VmArea> gone = new java.util.ArrayList<>();
        for (VmArea v : mm.vmaList()) {
            if (v.vmEnd <= start || v.vmStart >= end) continue;
            mm.vmaStartWrite(v); // vms_gather_munmap_vmas / __split_vma: no fault under its lock from here
            if (v.vmStart < start) v = split(mm, v, start);
            if (v.vmEnd > end) split(mm, v, end);
            gone.add(v);
        }
        for (VmArea v : gone) {
            mm.remove(v);
            mm.totalVm -= v.pages();
        }
        for (VmArea v : gone) um.memory.zapRange(v, v.vmStart, v.vmEnd);
        for (VmArea v : gone) {
            um.rmap.unlinkAnonVmas(v);
            um.shmem.vmaClose(v); // remove_vma(): fput of a shared mapping's inode
            v.detached = true;
        }
        if (!gone.isEmpty()) um.pgalloc.freePgtables(mm, start, end);
    }

    /**
     * __split_vma(): the part from {@code at} on becomes a new VMA (same anon_vmas); returns it.
     * vma_adjust_trans_huge() first: a huge PMD straddling {@code at} is split, since a PMD cannot
     * map across two VMAs.
     */
    private VmArea split(MmStruct mm, VmArea v, long at) {
        VmArea tail = new VmArea(mm, at, v.vmEnd, v.vmFlags, v.vmPageProt, v.vmPgoff + ((at - v.vmStart) >>> PgtableArch.PAGE_SHIFT));
        mm.vmaStartWrite(v);
        mm.vmaStartWrite(tail);
        um.hugeMemory.vmaAdjustTransHuge(v, at);
        anonVmaClone(tail, v);
        if (v.vmFile != null) um.shmem.vmaOpen(tail, v.vmFile);
        mm.remove(v);
        v.vmEnd = at;
        mm.insert(v);
        mm.insert(tail);
        return tail;
    }

    /**
     * madvise_update_vma() -> vma_modify_flags(): [s, e) of {@code v} gets {@code flags}, split off
     * into a VMA of its own when the range is a part of v, then merged with a neighbour that now
     * matches (vma_merge_existing_range). Returns the VMA covering [s, e). Caller holds mmap_lock
     * for write.
     */
    private VmArea updateVmaFlags(MmStruct mm, VmArea v, long s, long e, long flags) {
        mm.mmapAssertWriteLocked();
        if (flags == v.vmFlags) return v;
        if (s > v.vmStart) v = split(mm, v, s);
        if (e < v.vmEnd) split(mm, v, e);
        mm.vmaStartWrite(v); // vm_flags_reset asserts the VMA write-locked
        v.vmFlags = flags;
        VmArea prev = v.vmStart == 0 ? null : mm.vmaLookup(v.vmStart - 1);
        if (prev != null && mergeable(prev, v)) v = merge(mm, prev, v);
        VmArea next = mm.findVma(v.vmEnd);
        if (next != null && mergeable(v, next)) v = merge(mm, v, next);
        return v;
    }

    /**
     * is_mergeable_vma() + is_mergeable_anon_vma() for two anonymous private VMAs: adjacent, the
     * same flags and protection, contiguous pgoff, and the same anon_vma (or none on either side).
     */
    private static boolean mergeable(VmArea a, VmArea b) {
        return a.vmEnd == b.vmStart && a.vmFlags == b.vmFlags && a.vmPageProt == b.vmPageProt
                && a.vmFile == null && b.vmFile == null
                && b.vmPgoff == a.vmPgoff + ((b.vmStart - a.vmStart) >>> PgtableArch.PAGE_SHIFT)
                && (a.anonVma == b.anonVma || a.anonVma == null && a.anonVmaChain.isEmpty() || b.anonVma == null && b.anonVmaChain.isEmpty());
    }

    /** The merge of vma_merge_existing_range(): {@code a} grows over {@code b}, whose anon_vma links go (anon_vma_merge -> unlink_anon_vmas). */
    private VmArea merge(MmStruct mm, VmArea a, VmArea b) {
        mm.vmaStartWrite(a);
        mm.vmaStartWrite(b);
        if (a.anonVma == null && b.anonVma != null) anonVmaClone(a, b); // dup_anon_vma(): the survivor takes the other's links
        um.rmap.unlinkAnonVmas(b);
        mm.remove(b);
        mm.remove(a);
        a.vmEnd = b.vmEnd;
        mm.insert(a);
        b.detached = true;
        return a;
    }

    /** anon_vma_clone(dst, src): dst is linked to every anon_vma of src and shares its anon_vma. */
    private static void anonVmaClone(VmArea dst, VmArea src) {
        if (src.anonVmaChain.isEmpty()) return;
        var root = src.anonVmaChain.get(0).anonVma().root;
        root.rwsem.downWrite();
        for (var c : src.anonVmaChain) {
            var n = new mmsim.mm.linux.AnonVma.Chain(dst, c.anonVma());
            dst.anonVmaChain.add(n);
            c.anonVma().chains.add(n);
        }
        dst.anonVma = src.anonVma;
        root.rwsem.upWrite();
    }

    /** madvise(addr, len, advice). */
    public int madvise(MmStruct mm, long addr, long len, int advice) {
        try (var f = k.enter("do_madvise")) {
            if ((addr & ~PgtableArch.PAGE_MASK) != 0 || len < 0) return Errno.EINVAL.neg();
            long end = addr + ((len + PgtableArch.PAGE_SIZE - 1) & PgtableArch.PAGE_MASK);
            RangeAdviceHandler range = rangeAdvice.get(advice);
            if (range != null) return range.handle(mm, addr, end);
            AdviceHandler extra = extraAdvice.get(advice);
            if (extra != null) {
                for (long a = addr; a < end; a += PgtableArch.PAGE_SIZE) {
                    long[] pfn = new long[1];
                    int n = um.gup.getUserPagesFast(mm, a, 1, false, pfn);
                    if (n != 1) return Errno.EFAULT.neg();
                    um.gup.handOver(pfn[0]);
                    int r = extra.handle(mm, pfn[0], a); // the handler owns the GUP reference (MF_COUNT_INCREASED)
                    if (r < 0) return r;
                }
                return 0;
            }
            boolean write = advice == MADV_HUGEPAGE || advice == MADV_NOHUGEPAGE;
            if (advice != MADV_DONTNEED && advice != MADV_NORMAL && advice != MADV_COLD && advice != MADV_PAGEOUT && !write) {
                return Errno.EINVAL.neg();
            }
            if (write) mm.mmapLock.downWrite(); else mm.mmapLock.downRead();
            try {
                int ret = 0;
                for (long a = addr; a < end; ) {
                    VmArea v = mm.vmaLookup(a);
                    if (v == null) { ret = Errno.ENOMEM.neg(); VmArea n = mm.findVma(a); if (n == null || n.vmStart >= end) break; a = n.vmStart; continue; }
                    long s = Math.max(a, v.vmStart), e = Math.min(end, v.vmEnd);
                    switch (advice) {
                        case MADV_DONTNEED -> um.memory.zapRange(v, s, e);
                        case MADV_HUGEPAGE -> {
                            v = updateVmaFlags(mm, v, s, e, (v.vmFlags | VmFlags.VM_HUGEPAGE) & ~VmFlags.VM_NOHUGEPAGE);
                            um.hugeMemory.khugepagedEnterVma(v); // hugepage_madvise()
                        }
                        case MADV_NOHUGEPAGE -> updateVmaFlags(mm, v, s, e, (v.vmFlags | VmFlags.VM_NOHUGEPAGE) & ~VmFlags.VM_HUGEPAGE);
                        case MADV_PAGEOUT, MADV_COLD -> um.vmscan.pageoutRange(v, s, e, advice == MADV_PAGEOUT);
                        default -> { }
                    }
                    a = e;
                }
                return ret;
            } finally {
                if (write) mm.mmapWriteUnlock(); else mm.mmapLock.upRead();
            }
        }
    }

    /** fork(): dup_mmap copies every VMA and its page tables into a new mm (kernel/fork.c). */
    public MmStruct fork(MmStruct parent) {
        try (var f = k.enter("dup_mmap")) {
            MmStruct child = new MmStruct(k, um.allocPid(), parent.comm, parent.mmapBase, parent.perVmaLock);
            child.pgd = um.pgalloc.pgdAlloc(child);
            parent.mmapLock.downWrite();
            child.mmapLock.downWrite();
            try {
                for (VmArea v : parent.vmaList()) {
                    parent.vmaStartWrite(v); // dup_mmap: no fault changes the parent's tables under the copy
                    if ((v.vmFlags & VmFlags.VM_DONTCOPY) != 0) continue;
                    VmArea n = new VmArea(child, v.vmStart, v.vmEnd, v.vmFlags, v.vmPageProt, v.vmPgoff);
                    um.rmap.anonVmaFork(n, v);
                    if (v.vmFile != null) um.shmem.vmaOpen(n, v.vmFile);
                    child.insert(n);
                    child.totalVm += n.pages();
                    // vma_needs_copy(): a shared mapping without anon pages is faulted in again by the child
                    if (v.anonVma != null || v.vmFile == null) um.memory.copyPageRange(n, v);
                }
            } finally {
                child.mmapWriteUnlock();
                parent.mmapWriteUnlock();
            }
            um.addTask(child);
            return child;
        }
    }

    /** exit_mmap(): unmap everything and free the page tables. */
    public void exit(MmStruct mm) {
        try (var f = k.enter("exit_mmap")) {
            mm.mmapLock.downWrite();
            try {
                unmapLocked(mm, 0, um.arch.taskSize());
                um.pgalloc.freeAll(mm);
                mm.dead = true;
            } finally {
                mm.mmapWriteUnlock();
            }
            um.removeTask(mm);
        }
    }
}
