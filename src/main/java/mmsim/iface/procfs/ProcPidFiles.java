package mmsim.iface.procfs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import mmsim.iface.VirtualFs;
import mmsim.kernel.Errno;
import mmsim.kernel.Kernel;
import mmsim.mm.Machine;
import mmsim.mm.linux.PageFlag;
import mmsim.mm.linux.MmStruct;
import mmsim.mm.mmap.UserMemory;
import mmsim.mm.linux.VmArea;
import mmsim.mm.pgtable.PageTableStore;
import mmsim.mm.pgtable.PgtableAlloc;
import mmsim.mm.pgtable.PgtableArch;
import mmsim.mm.linux.SwapEntry;
import mmsim.mm.linux.VmFlags;

/**
 * /proc/PID/maps, /proc/PID/pagemap and /proc/PID/smaps_rollup (fs/proc/task_mmu.c) of the
 * model's processes; the directory appears with the process (fork, a new process) and goes
 * with exit_mmap.
 *
 * <p>Locking as fs/proc/task_mmu.c: each read takes mmap_lock for read (mmap_read_lock_killable)
 * and walks the VMAs; pagemap and smaps_rollup read PTEs under the PTE lock
 * (pte_offset_map_lock, the walk_page_range callbacks). The readers run on the calling CPU, so
 * the explorer interleaves them with faults and unmaps like any other kernel path.
 *
 * <p>pagemap entry (64 bits, Documentation/admin-guide/mm/pagemap.rst):
 * <pre>
 *  63 present  62 swapped  61 file-page or shared-anon  60..59 zero  58 guard region  57 uffd-wp
 *  56 exclusively mapped (PM_MMAP_EXCLUSIVE)  55 soft-dirty (PM_SOFT_DIRTY)
 *  54..0  present: PFN
 *         swapped: bits 4..0 swap type, bits 54..5 swap offset (for migration entries the pfn)
 * </pre>
 * The reader is taken to hold CAP_SYS_ADMIN (the model has no credentials): the PFN and swap
 * fields are always filled, never zeroed as they are for an unprivileged reader (pm->show_pfn).
 * Swap PTEs carry no soft-dirty bit in the model (pte_swp_soft_dirty is not modelled); uffd-wp
 * and guard regions do not exist in the model, so bits 57 and 58 stay clear.
 */
public final class ProcPidFiles {
    private ProcPidFiles() { }

    public static final int PM_ENTRY_BYTES = 8;
    public static final int PM_PFRAME_BITS = 55;
    public static final long PM_PFRAME_MASK = (1L << PM_PFRAME_BITS) - 1;
    public static final long PM_SOFT_DIRTY = 1L << 55;
    public static final long PM_MMAP_EXCLUSIVE = 1L << 56;
    public static final long PM_UFFD_WP = 1L << 57;
    public static final long PM_GUARD_REGION = 1L << 58;
    public static final long PM_FILE = 1L << 61;
    public static final long PM_SWAP = 1L << 62;
    public static final long PM_PRESENT = 1L << 63;
    /** MAX_SWAPFILES_SHIFT: the swap type's width in a swapped entry. */
    public static final int MAX_SWAPFILES_SHIFT = 5;
    /** PSS_SHIFT: fixed-point shift of the proportional set size sums. */
    static final int PSS_SHIFT = 12;

    /** Keeps /proc/PID of every live process of the machine's user memory. */
    public static void install(VirtualFs fs, Machine m) {
        UserMemory um = m.userMemory();
        um.addTaskListener(new UserMemory.TaskListener() {
            @Override public void added(MmStruct mm) { addPid(fs, um, mm); }
            @Override public void removed(MmStruct mm) { fs.remove("/proc/" + mm.pid); }
        });
    }

    private static void addPid(VirtualFs fs, UserMemory um, MmStruct mm) {
        String dir = "/proc/" + mm.pid;
        fs.mkdirs(dir);
        // no write in their file_operations: vfs_write refuses with EINVAL (FMODE_CAN_WRITE unset)
        fs.textFile(dir + "/maps", 0444, () -> maps(um, mm)).onWriteWithoutStore(Errno.EINVAL);
        fs.textFile(dir + "/smaps_rollup", 0444, () -> smapsRollup(um, mm)).onWriteWithoutStore(Errno.EINVAL);
        // pagemap: S_IRUSR, binary; read(2) at offset vaddr / PAGE_SIZE * 8
        fs.addFile(dir + "/pagemap", 0400, true, (off, count) -> {
            long[] e = new long[1];
            byte[] b = pagemapRead(um, mm, off, count, e);
            return b == null ? VirtualFs.ReadResult.error(Errno.of(e[0])) : VirtualFs.ReadResult.of(b);
        }, null).onWriteWithoutStore(Errno.EINVAL);
    }

    // ---- /proc/PID/maps -------------------------------------------------------------------------

    /** show_map() for each VMA: "start-end perms offset dev inode" (anonymous: no name). */
    public static String maps(UserMemory um, MmStruct mm) {
        Kernel k = um.k;
        StringBuilder sb = new StringBuilder();
        try (var f = k.enter("show_map")) {
            if (mm.dead) return "";
            mm.mmapLock.downRead();
            try {
                for (VmArea v : mm.vmaList()) {
                    if (v.vmFile == null) {
                        showMapVma(sb, v.vmStart, v.vmEnd, v.vmFlags, 0, 0, 0, null);
                    } else {
                        // shmem_zero_setup's file: the internal shm mount (00:01 as the first
                        // anonymous device), its inode, and the name of the unlinked "dev/zero"
                        showMapVma(sb, v.vmStart, v.vmEnd, v.vmFlags, v.vmPgoff << PgtableArch.PAGE_SHIFT, 1, v.vmFile.ino, "/dev/zero (deleted)");
                    }
                }
            } finally {
                mm.mmapLock.upRead();
            }
        }
        return sb.toString();
    }

    /**
     * show_vma_header_prefix() + the name: lowercase hex of at least 8 digits, perms with
     * 'p' or 's' (VM_MAYSHARE), the file offset, device major:minor and inode (0, 00:00, 0 for
     * anonymous memory), then,
     * for a named mapping, padding to column 73 (seq_setwidth(25 + 6 * sizeof(void *) - 1) and
     * seq_pad) and the name. An unnamed line ends in the space after the inode, as the kernel's does.
     */
    static void showMapVma(StringBuilder sb, long start, long end, long flags, long pgoff, int minor, long ino, String name) {
        int lineStart = sb.length();
        sb.append(hex8(start)).append('-').append(hex8(end)).append(' ');
        sb.append((flags & VmFlags.VM_READ) != 0 ? 'r' : '-');
        sb.append((flags & VmFlags.VM_WRITE) != 0 ? 'w' : '-');
        sb.append((flags & VmFlags.VM_EXEC) != 0 ? 'x' : '-');
        sb.append((flags & VmFlags.VM_MAYSHARE) != 0 ? 's' : 'p');
        sb.append(' ').append(hex8(pgoff)).append(String.format(" 00:%02x %d ", minor, ino));
        if (name != null) {
            int width = 25 + 8 * 6 - 1;
            while (sb.length() - lineStart < width) sb.append(' ');
            sb.append(' ').append(name);
        }
        sb.append('\n');
    }

    private static String hex8(long v) {
        String h = Long.toHexString(v);
        return h.length() >= 8 ? h : "0".repeat(8 - h.length()) + h;
    }

    // ---- /proc/PID/pagemap ----------------------------------------------------------------------

    /**
     * pagemap_read(): entries for [offset/8, offset/8 + count/8) virtual pages, or null with
     * {@code errOut[0]} = -EINVAL when offset or count is not a multiple of 8. Past TASK_SIZE, or
     * for an exited process, the read returns no data (EOF).
     */
    public static byte[] pagemapRead(UserMemory um, MmStruct mm, long offset, int count, long[] errOut) {
        Kernel k = um.k;
        try (var f = k.enter("pagemap_read")) {
            if (offset % PM_ENTRY_BYTES != 0 || count % PM_ENTRY_BYTES != 0) {
                errOut[0] = Errno.EINVAL.neg();
                return null;
            }
            if (mm.dead) return new byte[0];
            long taskPages = um.arch.taskSize() >>> PgtableArch.PAGE_SHIFT;
            long svpfn = offset / PM_ENTRY_BYTES;
            if (svpfn >= taskPages) return new byte[0];
            long n = Math.min(count / PM_ENTRY_BYTES, taskPages - svpfn);
            ByteBuffer out = ByteBuffer.allocate((int) n * PM_ENTRY_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            mm.mmapLock.downRead();
            try {
                for (long i = 0; i < n; i++) out.putLong(pagemapEntry(um, mm, (svpfn + i) << PgtableArch.PAGE_SHIFT));
            } finally {
                mm.mmapLock.upRead();
            }
            return out.array();
        }
    }

    /** One entry: pagemap_pte_hole (no VMA: 0; in a VMA without a PTE: soft-dirty only) or pte_to_pagemap_entry. */
    static long pagemapEntry(UserMemory um, MmStruct mm, long addr) {
        mm.mmapAssertLocked();
        VmArea vma = mm.vmaLookup(addr);
        if (vma == null) return 0;
        long holeFlags = (vma.vmFlags & VmFlags.VM_SOFTDIRTY) != 0 ? PM_SOFT_DIRTY : 0;
        PgtableArch a = um.arch;
        PgtableAlloc.Loc pmd = um.pgalloc.pmdLoc(mm, addr, false);
        if (pmd == null) return holeFlags;
        long pmdval = um.tables.read(pmd.table(), pmd.idx(), "pagemap_pmd_range:pmdp_get");
        if (a.pmdTransHuge(pmdval)) {
            // pagemap_pmd_range() for a huge PMD: the subpage's pfn, exclusive when the THP is mapped once
            long pfn = a.pmdPfn(pmdval) + PgtableArch.pteIndex(addr);
            long flags = PM_PRESENT | holeFlags | (pfn & PM_PFRAME_MASK);
            if (um.pageMapcount(pfn) == 1) flags |= PM_MMAP_EXCLUSIVE;
            return flags;
        }
        if (!a.isTableEntry(pmdval)) return holeFlags;
        PgtableAlloc.PteLock pte = um.pgalloc.pteOffsetMapLock(pmd, addr);
        if (pte == null) return holeFlags;
        try {
            long v = um.tables.read(pte.table(), pte.idx(), "pagemap_pte_range:ptep_get");
            return pteToPagemapEntry(um, vma, v);
        } finally {
            pte.unlock();
        }
    }

    /** pte_to_pagemap_entry(). */
    static long pteToPagemapEntry(UserMemory um, VmArea vma, long pte) {
        um.k.lockdep().assertHeldClass(um.k, PageTableStore.PTL_CLASS);
        PgtableArch a = um.arch;
        long frame = 0, flags = 0, page = -1;
        if (a.ptePresent(pte)) {
            frame = a.ptePfn(pte);
            flags |= PM_PRESENT;
            page = um.memory.vmNormalPage(pte);
            if (a.pteSoftDirty(pte)) flags |= PM_SOFT_DIRTY;
        } else if (a.isSwapPte(pte)) {
            long entry = a.pteToSwpEntry(pte);
            // a pfn swap entry (migration) shows its pfn as the offset
            long off = SwapEntry.isMigrationEntry(entry) || SwapEntry.isHwpoisonEntry(entry)
                    ? SwapEntry.pfnSwapEntryToPfn(entry) : SwapEntry.swpOffset(entry);
            frame = SwapEntry.swpType(entry) | (off << MAX_SWAPFILES_SHIFT);
            flags |= PM_SWAP;
            if (SwapEntry.isMigrationEntry(entry) || SwapEntry.isHwpoisonEntry(entry)) page = SwapEntry.pfnSwapEntryToPfn(entry);
        } else if ((vma.vmFlags & VmFlags.VM_SOFTDIRTY) == 0) {
            return 0;
        }
        if (page >= 0) {
            if (!um.pageAnon(page)) flags |= PM_FILE;
            if ((flags & PM_PRESENT) != 0 && um.pageMapcount(page) == 1) flags |= PM_MMAP_EXCLUSIVE;
        }
        if ((vma.vmFlags & VmFlags.VM_SOFTDIRTY) != 0) flags |= PM_SOFT_DIRTY;
        return (frame & PM_PFRAME_MASK) | flags;
    }

    // ---- /proc/PID/smaps_rollup -----------------------------------------------------------------

    /** mem_size_stats, in bytes (pss fields shifted by PSS_SHIFT). */
    static final class MemSizeStats {
        long resident, sharedClean, sharedDirty, privateClean, privateDirty, referenced, anonymous, lazyfree,
                anonymousThp, swap, pss, pssAnon, pssFile, pssShmem, pssDirty, pssLocked, swapPss;
    }

    /**
     * show_smaps_rollup(): the [rollup] header over the first VMA's start to the last VMA's end,
     * then __show_smap() of the sums over every VMA (smap_gather_stats).
     */
    public static String smapsRollup(UserMemory um, MmStruct mm) {
        Kernel k = um.k;
        MemSizeStats mss = new MemSizeStats();
        long start = 0, end = 0;
        try (var f = k.enter("show_smaps_rollup")) {
            if (!mm.dead) {
                mm.mmapLock.downRead();
                try {
                    var vmas = mm.vmaList();
                    if (!vmas.isEmpty()) {
                        start = vmas.get(0).vmStart;
                        end = vmas.get(vmas.size() - 1).vmEnd;
                    }
                    for (VmArea v : vmas) gather(um, v, mss);
                } finally {
                    mm.mmapLock.upRead();
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        showMapVma(sb, start, end, 0, 0, 0, 0, "[rollup]");
        showSmap(sb, mss);
        return sb.toString();
    }

    /** smap_gather_stats() for one VMA: smaps_pte_entry per PTE under the PTE lock. */
    private static void gather(UserMemory um, VmArea vma, MemSizeStats mss) {
        PgtableArch a = um.arch;
        boolean locked = (vma.vmFlags & VmFlags.VM_LOCKED) != 0;
        for (long addr = vma.vmStart; addr < vma.vmEnd; ) {
            long next = Math.min((addr & PgtableArch.PMD_MASK) + PgtableArch.PMD_SIZE, vma.vmEnd);
            PgtableAlloc.Loc pmd = um.pgalloc.pmdLoc(vma.vmMm, addr, false);
            long pmdval = pmd == null ? 0 : um.tables.read(pmd.table(), pmd.idx(), "smaps_pte_range:pmdp_get");
            if (a.pmdTransHuge(pmdval)) {
                smapsPmdEntry(um, pmdval, locked, mss);
                addr = next;
                continue;
            }
            if (!a.isTableEntry(pmdval)) {
                addr = next;
                continue;
            }
            PgtableAlloc.PteLock pte = um.pgalloc.pteOffsetMapLock(pmd, addr);
            if (pte == null) { addr = next; continue; }
            try {
                for (; addr < next; addr += PgtableArch.PAGE_SIZE) {
                    long v = um.tables.read(pte.table(), PgtableArch.pteIndex(addr), "smaps_pte_entry:ptep_get");
                    smapsPteEntry(um, v, locked, mss);
                }
            } finally {
                pte.unlock();
            }
        }
    }

    /**
     * smaps_pmd_entry() + smaps_account(compound): a PMD-mapped THP counts HPAGE_PMD_SIZE in Rss,
     * Anonymous and AnonHugePages; its PSS is shared among the PMDs mapping it. The huge zero
     * page is no normal page (vm_normal_page_pmd) and counts nothing.
     */
    private static void smapsPmdEntry(UserMemory um, long pmd, boolean locked, MemSizeStats mss) {
        if (um.hugeMemory.isHugeZeroPmd(pmd)) return;
        PgtableArch a = um.arch;
        long head = a.pmdPfn(pmd);
        long size = PgtableArch.PMD_SIZE;
        boolean dirty = a.pmdDirty(pmd);
        mss.anonymousThp += size;
        mss.anonymous += size;
        mss.resident += size;
        if (a.pmdYoung(pmd) || um.pages.peek(head, PageFlag.REFERENCED)) mss.referenced += size;
        int maps = um.pages.entireMapcount(head) + 1;
        long pss = size << PSS_SHIFT;
        if (maps >= 2) pss /= maps;
        accumulate(um, mss, head, size, pss, dirty, locked, maps < 2);
    }

    /** smaps_pte_entry() + smaps_account() for a base page. */
    private static void smapsPteEntry(UserMemory um, long pte, boolean locked, MemSizeStats mss) {
        PgtableArch a = um.arch;
        long page = -1;
        boolean present = false, young = false, dirty = false;
        long size = PgtableArch.PAGE_SIZE;
        if (a.ptePresent(pte)) {
            page = um.memory.vmNormalPage(pte);
            young = a.pteYoung(pte);
            dirty = a.pteDirty(pte);
            present = true;
        } else if (a.isSwapPte(pte)) {
            long entry = a.pteToSwpEntry(pte);
            if (!SwapEntry.nonSwapEntry(entry)) {
                mss.swap += size;
                int mapcount = um.swapState.swapCount(entry); // swp_swapcount
                mss.swapPss += mapcount >= 2 ? (size << PSS_SHIFT) / mapcount : size << PSS_SHIFT;
            } else if (SwapEntry.isMigrationEntry(entry)) {
                page = SwapEntry.pfnSwapEntryToPfn(entry);
            }
        }
        if (page < 0) return;
        boolean anon = um.pageAnon(page);
        if (anon) {
            mss.anonymous += size;
            if (!um.pages.peek(page, PageFlag.SWAPBACKED) && !dirty && !um.pages.peek(page, PageFlag.DIRTY)) mss.lazyfree += size;
        }
        mss.resident += size;
        if (young || um.pages.peek(page, PageFlag.REFERENCED)) mss.referenced += size;
        if (um.pages.refcount(page) == 1 || !present) {
            accumulate(um, mss, page, size, size << PSS_SHIFT, dirty, locked, present);
            return;
        }
        int mapcount = um.pageMapcount(page);
        long pss = size << PSS_SHIFT;
        if (mapcount >= 2) pss /= mapcount;
        accumulate(um, mss, page, size, pss, dirty, locked, mapcount < 2);
    }

    /** smaps_page_accumulate(). */
    private static void accumulate(UserMemory um, MemSizeStats mss, long page, long size, long pss, boolean dirty, boolean locked, boolean priv) {
        mss.pss += pss;
        if (um.pageAnon(page)) mss.pssAnon += pss;
        else if (um.pages.peek(page, PageFlag.SWAPBACKED)) mss.pssShmem += pss;
        else mss.pssFile += pss;
        if (locked) mss.pssLocked += pss;
        if (dirty || um.pages.peek(page, PageFlag.DIRTY)) {
            mss.pssDirty += pss;
            if (priv) mss.privateDirty += size; else mss.sharedDirty += size;
        } else {
            if (priv) mss.privateClean += size; else mss.sharedClean += size;
        }
    }

    /** __show_smap() in rollup mode: each value in kB, right-aligned in 8 columns after its label. */
    static void showSmap(StringBuilder sb, MemSizeStats mss) {
        dec(sb, "Rss:            ", mss.resident);
        dec(sb, "Pss:            ", mss.pss >> PSS_SHIFT);
        dec(sb, "Pss_Dirty:      ", mss.pssDirty >> PSS_SHIFT);
        dec(sb, "Pss_Anon:       ", mss.pssAnon >> PSS_SHIFT);
        dec(sb, "Pss_File:       ", mss.pssFile >> PSS_SHIFT);
        dec(sb, "Pss_Shmem:      ", mss.pssShmem >> PSS_SHIFT);
        dec(sb, "Shared_Clean:   ", mss.sharedClean);
        dec(sb, "Shared_Dirty:   ", mss.sharedDirty);
        dec(sb, "Private_Clean:  ", mss.privateClean);
        dec(sb, "Private_Dirty:  ", mss.privateDirty);
        dec(sb, "Referenced:     ", mss.referenced);
        dec(sb, "Anonymous:      ", mss.anonymous);
        dec(sb, "KSM:            ", 0);
        dec(sb, "LazyFree:       ", mss.lazyfree);
        dec(sb, "AnonHugePages:  ", mss.anonymousThp);
        dec(sb, "ShmemPmdMapped: ", 0);
        dec(sb, "FilePmdMapped:  ", 0);
        dec(sb, "Shared_Hugetlb: ", 0);
        sb.append(String.format("Private_Hugetlb: %7d kB\n", 0));
        dec(sb, "Swap:           ", mss.swap);
        dec(sb, "SwapPss:        ", mss.swapPss >> PSS_SHIFT);
        dec(sb, "Locked:         ", mss.pssLocked >> PSS_SHIFT);
    }

    /** SEQ_PUT_DEC(label, bytes): seq_put_decimal_ull_width(m, label, bytes >> 10, 8) then " kB". */
    private static void dec(StringBuilder sb, String label, long bytes) {
        sb.append(label).append(String.format("%8d", bytes >> 10)).append(" kB\n");
    }
}
