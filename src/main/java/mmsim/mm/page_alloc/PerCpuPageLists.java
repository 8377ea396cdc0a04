package mmsim.mm.page_alloc;

import mmsim.mm.linux.MigrateType;
import mmsim.mm.linux.PerCpuPages;
import mmsim.mm.linux.PgData;
import mmsim.mm.linux.Zone;
import mmsim.kernel.Access;
import mmsim.kernel.Kernel;
import mmsim.mm.linux.Memmap;
import mmsim.mm.sparse.SparseMem;

/**
 * The per-cpu page lists of mm/page_alloc.c ({@link PerCpuPages}): order-0 frees land on the
 * running CPU's list (free_unref_page) and go back to the buddy in batches (free_pcppages_bulk);
 * order-0 allocations refill the list a batch at a time (rmqueue_pcplist, rmqueue_bulk);
 * drain_all_pages empties them; zone_batchsize/zone_highsize size them.
 *
 * <p>Locking: pcp-&gt;lock around a CPU's list; zone-&gt;lock nests inside it for the moves to and
 * from the buddy lists (the order in {@link BuddyAllocator}'s header).
 */
final class PerCpuPageLists {
    private final BuddyAllocator b;
    private final Kernel k;
    private final SparseMem sparse;
    private final PgData[] nodes;

    PerCpuPageLists(BuddyAllocator b) {
        this.b = b;
        this.k = b.kernel();
        this.sparse = b.sparse();
        this.nodes = b.nodes;
    }

    // ---- per-cpu lists ------------------------------------------------------------------------

    /** free_unref_page(): an order-0 page to this CPU's list; drains a batch when above high. */
    void freeUnrefPage(long pfn) {
        try (var f = k.enter("free_unref_page")) {
            if (!b.checks.freePagesPrepare(pfn, 0)) return;
            Zone zone = b.pageZone(pfn);
            int mt = sparse.pageblockMigratetype(pfn);
            if (mt >= MigrateType.PCPTYPES) {
                if (mt == MigrateType.ISOLATE) {
                    b.freeOnePage(zone, pfn, 0, BuddyAllocator.FPI_NONE);
                    return;
                }
                mt = MigrateType.MOVABLE;
            }
            PerCpuPages pcp = zone.pcp[k.smpProcessorId()];
            pcp.lock.lock();
            try {
                pcpAdd(pcp, pfn, mt, false);
                if (pcp.count >= pcp.high) freePcppagesBulk(zone, pcp, pcp.batch);
            } finally {
                pcp.lock.unlock();
            }
        }
    }

    private void pcpAdd(PerCpuPages pcp, long pfn, int mt, boolean tail) {
        pcp.lock.guardedPoint("list_add(pcp->lists)", pcp, Access.WRITE);
        b.listAdd(pcp.head, pcp.tail, mt, pfn, tail);
        pcp.count++;
    }

    private void pcpDel(PerCpuPages pcp, long pfn, int mt) {
        pcp.lock.guardedPoint("list_del(pcp->lists)", pcp, Access.WRITE);
        b.listDel(pcp.head, pcp.tail, mt, pfn);
        pcp.count--;
    }

    /** free_pcppages_bulk(): returns up to {@code count} pages (from the list tails) to the buddy. */
    private void freePcppagesBulk(Zone zone, PerCpuPages pcp, int count) {
        zone.lock.lock();
        try {
            int mt = 0;
            while (count > 0 && pcp.count > 0) {
                while (pcp.tail[mt] == Memmap.NIL) mt = (mt + 1) % MigrateType.PCPTYPES;
                long pfn = pcp.tail[mt];
                pcpDel(pcp, pfn, mt);
                b.freeOnePageLocked(zone, pfn, 0, sparse.pageblockMigratetype(pfn), BuddyAllocator.FPI_NONE);
                count--;
                mt = (mt + 1) % MigrateType.PCPTYPES;
            }
        } finally {
            zone.lock.unlock();
        }
    }

    /** zone_pcp_disable(): see BuddyAllocator.zonePcpDisable. */
    void zonePcpDisable(Zone zone) {
        try (var f = k.enter("zone_pcp_disable")) {
            if (zone.pcpDisabled++ == 0) {
                for (PerCpuPages pcp : zone.pcp) { pcp.savedHigh = pcp.high; pcp.high = 0; }
            }
            drainAllPages(zone);
        }
    }

    /** zone_pcp_enable(). */
    void zonePcpEnable(Zone zone) {
        try (var f = k.enter("zone_pcp_enable")) {
            if (--zone.pcpDisabled == 0) {
                for (PerCpuPages pcp : zone.pcp) pcp.high = pcp.savedHigh;
            }
        }
    }

    /**
     * drain_all_pages(zone): empties every CPU's per-cpu list of the zone (all zones when null)
     * into the buddy. The kernel runs drain_local_pages on each CPU through a workqueue; the
     * model drains them from the caller, under each pcp->lock.
     */
    public void drainAllPages(Zone zone) {
        try (var f = k.enter("drain_all_pages")) {
            for (PgData pg : nodes) {
                for (Zone z : pg.zones) {
                    if (zone != null && z != zone) continue;
                    for (PerCpuPages pcp : z.pcp) {
                        if (pcp.count == 0) continue;
                        pcp.lock.lock();
                        try {
                            freePcppagesBulk(z, pcp, pcp.count);
                        } finally {
                            pcp.lock.unlock();
                        }
                    }
                }
            }
        }
    }

    /** rmqueue_pcplist(): refills the CPU's list with a batch under zone->lock when empty. */
    long rmqueuePcplist(Zone zone, int mt, int allocFlags) {
        try (var f = k.enter("rmqueue_pcplist")) {
            PerCpuPages pcp = zone.pcp[k.smpProcessorId()];
            int listMt = mt < MigrateType.PCPTYPES ? mt : MigrateType.MOVABLE;
            pcp.lock.lock();
            try {
                long pfn;
                do {
                    if (pcp.head[listMt] == Memmap.NIL) {
                        rmqueueBulk(zone, pcp, listMt, allocFlags);
                        if (pcp.head[listMt] == Memmap.NIL) return -1;
                    }
                    pfn = Integer.toUnsignedLong(pcp.head[listMt]);
                    pcpDel(pcp, pfn, listMt);
                } while (b.checks.checkNewPages(pfn, 0));
                return pfn;
            } finally {
                pcp.lock.unlock();
            }
        }
    }

    /** rmqueue_bulk(): {@code batch} order-0 pages from the buddy to the tail of a pcp list. */
    private void rmqueueBulk(Zone zone, PerCpuPages pcp, int mt, int allocFlags) {
        zone.lock.lock();
        try {
            for (int i = 0; i < Math.max(1, pcp.batch); i++) {
                long pfn = b.rmqueueLocked(zone, 0, mt, allocFlags);
                if (pfn < 0) break;
                pcpAdd(pcp, pfn, mt, true);
            }
        } finally {
            zone.lock.unlock();
        }
    }

    /** zone_batchsize() and zone_highsize() (percpu_pagelist_high_fraction = 0). */
    void zoneSetPagesetHighAndBatch(Zone z) {
        long batch = Math.min(z.managedPages >> 10, (1L << 20) / 4096) / 4;
        if (batch < 1) batch = 1;
        batch = Long.highestOneBit(batch + batch / 2) - 1;
        if (batch < 1) batch = 1;
        int cpusOnNode = 0;
        for (int c = 0; c < k.nrCpus(); c++) if (c * nodes.length / k.nrCpus() == z.nid()) cpusOnNode++;
        long high = z.lowWmark() / Math.max(1, cpusOnNode);
        high = Math.max(high, batch << 2);
        if (z.managedPages == 0) {
            batch = 1;
            high = 0;
        }
        for (PerCpuPages pcp : z.pcp) {
            pcp.batch = (int) batch;
            pcp.high = (int) high;
        }
    }
}
