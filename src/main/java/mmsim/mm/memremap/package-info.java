/**
 * ZONE_DEVICE (mm/memremap.c, include/linux/memremap.h): {@link mmsim.mm.memremap.Memremap}
 * (memremap_pages, devm_memremap_pages, memunmap_pages, get_dev_pagemap,
 * pfn_zone_device_reserved, the ZONE_DEVICE answer of pfn_to_online_page) and
 * {@link mmsim.mm.linux.DevPagemap} (struct dev_pagemap). Where the rest lives, as in the kernel:
 * <ul>
 *   <li>struct vmem_altmap: {@code mmsim.mm.linux.VmemAltmap} (shared with
 *       memmap_on_memory); altmap_alloc_block_buf of mm/sparse-vmemmap.c is
 *       {@code Memremap.altmapAllocBlockBuf}.</li>
 *   <li>memmap_init_zone_device (mm/mm_init.c): {@code mmsim.mm.page_alloc.MmInit.memmapInitZoneDevice},
 *       next to memmap_init_range; the reserve skip of memmap_init_range is in
 *       {@code MemoryHotplug.movePfnRangeToZone}, with the RFC switch
 *       {@code MmInit.INIT_ZONE_DEVICE_RESERVED}.</li>
 *   <li>the PFN walkers: {@code mmsim.iface.procfs} (kpageflags, kpagecount, kpagecgroup).</li>
 * </ul>
 *
 * <p>Seed 001's variants (switches on era mainline): {@code kpage-pfn_valid} (v5.3 readers),
 * {@code init-zone-device-reserved} (Fukasawa's RFC v2), {@code pfn_zone_device_reserved} (the
 * v5.3-rc check), {@code pfn_to_online_page-no-zone-device-check} (v5.4 to v5.11). The catalogue
 * entries scenarios/001*.mms explore cases 5, 3 and 4 of David Hildenbrand's list under each.
 */
package mmsim.mm.memremap;
