package mmsim.mm.linux;

/**
 * struct vmem_altmap (include/linux/memremap.h): a range whose first pages host its own memmap
 * (memmap_on_memory, or a ZONE_DEVICE driver's reserved area). The memmap pages come from
 * [base_pfn + reserve, base_pfn + reserve + free); {@code alloc} counts those handed out and
 * {@code align} the pages skipped to align them.
 *
 * <p>Locking: owned by the caller of arch_add_memory / memremap_pages, used under
 * mem_hotplug_lock only.
 */
public final class VmemAltmap {
    public final long basePfn;
    public final long endPfn;
    public final long reserve;
    public long free;
    public long align;
    public long alloc;

    public VmemAltmap(long basePfn, long endPfn, long reserve, long free) {
        this.basePfn = basePfn;
        this.endPfn = endPfn;
        this.reserve = reserve;
        this.free = free;
    }

    /** vmem_altmap_offset(): the pfns at the start of the range the altmap uses (reserve + free). */
    public long offset() { return reserve + free; }

    /** vmem_altmap_free(): gives back {@code nrPfns} memmap pages. */
    public void release(long nrPfns) { alloc -= nrPfns; }

    @Override public String toString() {
        return "vmem_altmap{base_pfn=0x" + Long.toHexString(basePfn) + ", reserve=" + reserve + ", free=" + free + ", alloc=" + alloc + "}";
    }
}
