package mmsim.mm.memory_hotplug;

import mmsim.mm.linux.VmemAltmap;

/**
 * struct mhp_params (include/linux/memory_hotplug.h): what arch_add_memory gets besides the range.
 * {@code altmap} may be null; {@code pgmapOwner} names the dev_pagemap a ZONE_DEVICE caller adds
 * for (the kernel's params->pgmap, used by sparse_add_section for compound devmaps), or null.
 * pgprot is always PAGE_KERNEL here.
 */
public record MhpParams(VmemAltmap altmap, Object pgmapOwner) {
    /** No altmap, no pgmap: plain System RAM. */
    public static final MhpParams NONE = new MhpParams(null, null);

    public static MhpParams altmap(VmemAltmap a) { return new MhpParams(a, null); }
}
