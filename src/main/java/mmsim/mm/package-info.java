/**
 * The memory-management model: one package per kernel file (page_alloc, sparse, memory_hotplug,
 * rmap, vmscan, ...), booted and wired by {@link mmsim.mm.Machine}.
 *
 * <h2>Lock order</h2>
 * One tree for all of mm, outermost first, as the header of mm/rmap.c keeps it for the kernel.
 * Each line names the functions that take the lock while holding the one above it. It is the
 * order the model takes (lockdep's dependency graph over the catalogue and the test suite shows
 * no other edge), and lockdep ({@link mmsim.kernel.Lockdep}) reports any acquisition against it
 * as a possible circular dependency. Each file states at its top which fields its locks protect
 * and which of its entry points take which lock, and refers here for the order; a function that
 * needs a lock its caller took asserts it (lockdep_assert_held, mmap_assert_locked, the page
 * lock's VM_BUG_ON_FOLIO).
 * <pre>
 * device_hotplug_lock              lock_device_hotplug: state/online stores, add_memory, remove_memory
 *   mem-&gt;dev.mutex                 device_online / device_offline of one memory block
 *     cpu_hotplug_lock (read)      mem_hotplug_begin (mainline: cpus_read_lock first)
 *       mem_hotplug_lock (write)   mem_hotplug_begin: online/offline_pages, add/remove_memory,
 *                                  memremap_pages (v4.6: mem_hotplug.lock, MemHotplugLegacyLock)
 *         memory_chain.rwsem       memory_notify (read) -&gt; page_ext_callback
 *         init_mm.page_table_lock  x86 kernel_physical_mapping_init / remove_pagetable around each
 *                                  entry; the seed-004 V2 variants in arm64's hot-remove. Also
 *                                  taken with no hotplug lock by pXd_alloc for vmalloc/ioremap
 *                                  (vmap_area_lock is only held around the address allocator)
 *         page lock  ...           do_migrate_range: offline_pages migrates user pages, so the
 *                                  user-memory tree below nests here from the page lock down
 *
 * mm-&gt;mmap_lock                    faults, madvise (read); mmap, munmap, fork (write)
 *   vma-&gt;vm_lock-&gt;lock              vma_start_write under mmap_lock (write): taken and released
 *                                  once per VMA per mmap_lock section (CONFIG_PER_VMA_LOCK). A fault
 *                                  under the VMA lock holds it for read *instead of* mmap_lock
 *                                  (lock_vma_under_rcu) and nests everything below under it;
 *                                  it only ever trylocks mmap_lock (vmf_anon_prepare)
 *   page lock (PG_locked)          lock_page / trylock_page: reclaim, migration, swap-in, shmem
 *                                  (a page flag: lockdep does not see it; rmap asserts it)
 *     anon_vma-&gt;rwsem (root)       anon_vma_prepare, anon_vma_fork (write); rmap_walk_anon (read)
 *     mapping-&gt;i_mmap_rwsem        rmap_walk_file (read)
 *       mm-&gt;page_table_lock        anon_vma_prepare; __pud_alloc / __pmd_alloc populating entries
 *       pmd_lockptr(ptdesc)        pmd_lock: huge PMD faults, split_huge_pmd, collapse's pmdp_collapse_flush
 *       ptlock_ptr(ptdesc)         pte_offset_map_lock: faults, zap_pte_range, rmap_one, gup
 *                                  (one lockdep class in the kernel; two here, see PageTableStore)
 *         swap_address_space xa_lock   try_to_unmap_one (swap cache), free_swap_and_cache
 *         mapping-&gt;i_pages.xa_lock     shmem_get_folio (shmem page cache)
 *         lruvec-&gt;lru_lock             lru_add_drain / folio_batch_move_lru, isolate_lru_folios
 *         ds_queue-&gt;split_queue_lock   deferred_split_folio from the rmap; split_huge_page's freeze
 *                                      (under the anon_vma rwsem); folio_undo_large_rmappable on free
 *
 * pcp-&gt;lock                        rmqueue_pcplist, free_unref_page, drain_all_pages: the page
 *   zone-&gt;lock                     allocator runs under any lock above; zone-&gt;lock is the leaf
 * </pre>
 * GUP-fast takes none of these either: it walks with IRQs off (page tables are freed only after
 * an IPI or an RCU grace period), rechecks each PTE and PMD after grabbing its page, and a FOLL_PIN
 * walk brackets itself with reads of mm-&gt;write_protect_seq, the seqcount fork's copy_page_range
 * holds odd (under mmap_lock for write) while it write-protects the parent (mm/gup.c).
 * PFN walkers (kpageflags, page-types, compaction's scanners, pfn_valid) take none of these;
 * they rely on preemption points, RCU (ms-&gt;usage, page_ext) and re-checks, as the kernel does.
 * Kernel page-table walkers (ptdump, vmalloc_to_page) take no page-table lock either: ptdump
 * holds mem_hotplug_lock for read (get_online_mems) since 2025, the others nothing.
 */
package mmsim.mm;
