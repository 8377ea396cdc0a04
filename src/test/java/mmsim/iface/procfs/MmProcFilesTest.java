package mmsim.iface.procfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import mmsim.mm.linux.KernelConfig;
import mmsim.mm.Machine;
import mmsim.mm.linux.MachineLayout;
import mmsim.mm.linux.Gfp;
import mmsim.mm.linux.Zone;
import mmsim.mm.linux.ZoneStat;

/**
 * /proc/buddyinfo, pagetypeinfo, zoneinfo and meminfo: the kernel's layout (mm/vmstat.c,
 * fs/proc/meminfo.c) and values that agree with the allocator's own state, before and after
 * allocations that split blocks.
 */
class MmProcFilesTest {
    static final Pattern BUDDY_LINE = Pattern.compile("Node (\\d+), zone ([ A-Za-z0-9]{8}) ((?:[ \\d]{5}\\d |\\d{7,} ){11})");

    static Machine boot() {
        return Machine.boot(MachineLayout.small(), KernelConfig.mainline().without(KernelConfig.PCP_LISTS));
    }

    /** zone name -> free blocks per order, parsed from buddyinfo text. */
    static Map<String, long[]> parseBuddyinfo(String text) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            Matcher mt = BUDDY_LINE.matcher(line);
            assertTrue(mt.matches(), "frag_show layout: 'Node %d, zone %8s ' then '%6lu ' per order: [" + line + "]");
            String[] nums = mt.group(3).trim().split(" +");
            long[] v = new long[nums.length];
            for (int i = 0; i < v.length; i++) v[i] = Long.parseLong(nums[i]);
            out.put(mt.group(2).trim(), v);
        }
        return out;
    }

    static void assertBuddyinfoMatchesZones(Machine m) {
        Map<String, long[]> parsed = parseBuddyinfo(MmProcFiles.buddyinfo(m));
        int populated = 0;
        for (Zone z : m.zones()) {
            if (z.managedPages() == 0) continue;            // populated_zone(): only zones with pages
            populated++;
            long[] v = parsed.get(z.name());
            assertTrue(v != null, "zone " + z.name() + " listed");
            long pages = 0;
            for (int o = 0; o < Zone.NR_PAGE_ORDERS; o++) {
                assertEquals(z.freeArea(o).nrFree(), v[o], z.name() + " order " + o);
                pages += v[o] << o;
            }
            assertEquals(z.stat(ZoneStat.NR_FREE_PAGES), pages, z.name() + ": buddyinfo accounts for every free page");
        }
        assertEquals(populated, parsed.size());
    }

    @Test
    void buddyinfoIsFragShowLayoutAndFollowsSplits() {
        Machine m = boot();
        assertBuddyinfoMatchesZones(m);
        Map<String, long[]> before = parseBuddyinfo(MmProcFiles.buddyinfo(m));
        long pfn = m.allocator().allocPages(Gfp.GFP_KERNEL, 3);
        assertTrue(pfn >= 0);
        Zone z = m.allocator().pageZone(pfn);
        long[] after = parseBuddyinfo(MmProcFiles.buddyinfo(m)).get(z.name());
        long[] was = before.get(z.name());
        long freedPages = 0;
        for (int o = 0; o < after.length; o++) freedPages += (was[o] - after[o]) << o;
        assertEquals(8, freedPages, "an order-3 allocation takes 8 pages off the lists, however it split");
        assertBuddyinfoMatchesZones(m);
        m.allocator().freePages(pfn, 3);
        assertEquals(java.util.Arrays.toString(was), java.util.Arrays.toString(parseBuddyinfo(MmProcFiles.buddyinfo(m)).get(z.name())),
                "freeing merges back to the same picture");
    }

    @Test
    void pagetypeinfoSplitsBuddyinfoByMigratetype() {
        Machine m = boot();
        m.allocator().allocPages(Gfp.GFP_KERNEL, 0);           // an unmovable allocation steals a block
        String text = MmProcFiles.pagetypeinfo(m);
        String[] lines = text.split("\n");
        assertEquals("Page block order: 9", lines[0]);
        assertEquals("Pages per block:  512", lines[1]);
        assertEquals("", lines[2]);
        assertTrue(lines[3].startsWith("Free pages count per migrate type at order "), lines[3]);
        Pattern row = Pattern.compile("Node {4}(\\d+), zone ([ A-Za-z0-9]{8}), type ([ A-Za-z]{12})((?: +\\d+){11}) ");
        Map<String, long[]> sums = new LinkedHashMap<>();
        List<String> types = new ArrayList<>();
        int i = 4;
        for (; i < lines.length && !lines[i].isEmpty(); i++) {
            Matcher mt = row.matcher(lines[i]);
            assertTrue(mt.matches(), "pagetypeinfo_showfree layout: [" + lines[i] + "]");
            String[] nums = mt.group(4).trim().split(" +");
            long[] s = sums.computeIfAbsent(mt.group(2).trim(), k -> new long[11]);
            for (int o = 0; o < 11; o++) s[o] += Long.parseLong(nums[o]);
            if (!types.contains(mt.group(3).trim())) types.add(mt.group(3).trim());
        }
        assertEquals(List.of("Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"), types,
                "MIGRATE_TYPES order with CONFIG_CMA");
        Map<String, long[]> buddy = parseBuddyinfo(MmProcFiles.buddyinfo(m));
        for (var e : buddy.entrySet()) {
            assertEquals(java.util.Arrays.toString(e.getValue()), java.util.Arrays.toString(sums.get(e.getKey())),
                    "zone " + e.getKey() + ": per-type counts add up to buddyinfo");
        }
        // the block counts: every pageblock of a populated zone has exactly one type
        assertTrue(lines[++i].startsWith("Number of blocks type     Unmovable      Movable"), lines[i]);
        for (Zone z : m.zones()) {
            if (z.managedPages() == 0) continue;
            String blocks = lines[++i];
            assertTrue(blocks.startsWith(String.format("Node %d, zone %8s ", z.nid(), z.name())), blocks);
            long total = 0;
            for (String n : blocks.substring(22).trim().split(" +")) total += Long.parseLong(n);
            long first = z.zoneStartPfn() & ~511L;
            long expected = (z.zoneEndPfn() - first + 511) / 512;
            assertEquals(expected, total, "pageblocks of " + z.name() + " (from the zone's first block to its end)");
        }
    }

    @Test
    void meminfoLinesHaveTheKernelWidthsAndTrackFreePages() {
        Machine m = boot();
        Map<String, String> before = meminfo(m);
        List<String> keys = new ArrayList<>(before.keySet());
        assertEquals(List.of("MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached"), keys.subList(0, 6));
        assertTrue(keys.contains("HardwareCorrupted"), "seed 002 reads HardwareCorrupted");
        assertTrue(keys.indexOf("HardwareCorrupted") < keys.indexOf("AnonHugePages"));
        assertEquals("DirectMap1G", keys.get(keys.size() - 1));
        long total = kb(before, "MemTotal");
        assertEquals(m.allocator().totalramPages() * 4, total);
        long free = kb(before, "MemFree");
        long pfn = m.allocator().allocPages(Gfp.GFP_KERNEL, 4);
        assertTrue(pfn >= 0);
        assertEquals(free - 64, kb(meminfo(m), "MemFree"), "an order-4 allocation is 64 kB less free");
    }

    /** show_val_kb(): the label padded to 16 columns, the value right-aligned in 8, " kB". */
    static Map<String, String> meminfo(Machine m) {
        Map<String, String> out = new LinkedHashMap<>();
        Pattern kbLine = Pattern.compile("([A-Za-z0-9_()]+):( *)(\\d+)( kB)?");
        for (String line : MmProcFiles.meminfo(m).split("\n")) {
            Matcher mt = kbLine.matcher(line);
            assertTrue(mt.matches(), "[" + line + "]");
            // the label with its colon padded to 16 columns (at least one space), the value %8lu
            String label = mt.group(1);
            String prefix = label + ":" + " ".repeat(Math.max(0, 15 - label.length()));
            // except HardwareCorrupted, printed on its own with "%5lu kB" (fs/proc/meminfo.c)
            String expected = label.equals("HardwareCorrupted") ? label + ": " + String.format("%5s", mt.group(3))
                    : prefix + String.format("%8s", mt.group(3));
            assertTrue(line.startsWith(expected), "16+8 columns: [" + line + "]");
            out.put(mt.group(1), mt.group(3));
        }
        return out;
    }

    static long kb(Map<String, String> mi, String key) { return Long.parseLong(mi.get(key)); }

    @Test
    void zoneinfoCountersAreTheZones() {
        Machine m = boot();
        m.allocator().allocPages(Gfp.GFP_KERNEL, 2);
        String text = MmProcFiles.zoneinfo(m);
        for (Zone z : m.zones()) {
            String header = String.format("Node %d, zone %8s", z.nid(), z.name());
            int at = text.indexOf(header + "\n");
            assertTrue(at >= 0, "zone header " + header);
            int next = text.indexOf("\nNode ", at + 1);
            String body = text.substring(at, next < 0 ? text.length() : next);
            if (z.presentPages() == 0 && z.managedPages() == 0) continue;   // unpopulated zones print little
            assertTrue(body.contains(String.format("\n  pages free     %d\n", z.stat(ZoneStat.NR_FREE_PAGES))), body);
            assertTrue(body.contains(String.format("\n        min      %d\n", z.minWmark())), body);
            assertTrue(body.contains(String.format("\n        low      %d\n", z.lowWmark())), body);
            assertTrue(body.contains(String.format("\n        high     %d\n", z.highWmark())), body);
            assertTrue(body.contains(String.format("\n        spanned  %d\n", z.spannedPages())), body);
            assertTrue(body.contains(String.format("\n        present  %d\n", z.presentPages())), body);
            assertTrue(body.contains(String.format("\n        managed  %d\n", z.managedPages())), body);
            assertTrue(body.contains(String.format("\n      nr_free_pages %d\n", z.stat(ZoneStat.NR_FREE_PAGES))), body);
        }
    }
}
