package mmsim.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import mmsim.explore.Explorer;
import mmsim.iface.VirtualFs;
import mmsim.iface.sysfs.MemorySysfs;
import mmsim.mm.linux.MemSection;
import mmsim.mm.sparse.SparseMem;
import mmsim.scenario.Booted;
import mmsim.scenario.Scenario;
import mmsim.scenario.ScenarioProgram;

/**
 * The machine as a failing execution left it, for the HTML report: its memory blocks as
 * /sys/devices/system/memory shows them (state, valid_zones) and the mem_sections each spans
 * (present, memmap, online), read after replaying the failure's schedule. Nothing here decides
 * anything about the model: it reads the sysfs files a user would cat and the section flags
 * {@code kmem -n} prints.
 *
 * <p>Locking: none of its own. The files are read on the calling thread after the replay ended,
 * when no simulated CPU runs; a file whose show function cannot run on a machine stopped
 * mid-race (a lock the failing CPU still holds) reads as its error, not as a guess.
 */
public record MemoryMap(long blockSizeBytes, long pagesPerSection, List<Block> blocks) {

    /** One section: its number and the flags the map colours by. */
    public record Section(long nr, boolean present, boolean hasMemmap, boolean online) {
        public String state() {
            if (!present) return "absent";
            if (!hasMemmap) return "present";
            return online ? "online" : "memmap";
        }
    }

    /** A memory block device: memoryN, its state and zone as sysfs prints them, its sections. */
    public record Block(String name, long id, String state, String zones, List<Section> sections) { }

    /** Replays {@code schedule} of the variant and reads the map of the machine it leaves. */
    public static MemoryMap atFailure(Scenario s, Scenario.Variant v, String schedule) {
        Booted[] machine = new Booted[1];
        Explorer.replay(new ScenarioProgram(s, v).observingMachine(m -> machine[0] = m), schedule);
        return of(machine[0]);
    }

    /** The map of {@code m} as it stands, or null when the kernel has no memory block devices. */
    public static MemoryMap of(Booted m) {
        VirtualFs fs = m.fs();
        String dir = MemorySysfs.DIR;
        if (!fs.exists(dir + "/block_size_bytes")) return null;
        long blockBytes = Long.parseUnsignedLong(read(fs, dir + "/block_size_bytes").strip(), 16);
        SparseMem sparse = m.machine().sparse();
        long sectionBytes = sparse.pagesPerSection() * m.machine().arch().pageSize();
        long perBlock = Math.max(1, blockBytes / sectionBytes);
        List<Block> blocks = new ArrayList<>();
        for (String name : fs.list(dir)) {
            if (!name.matches("memory\\d+")) continue;
            String d = dir + "/" + name;
            long id = Long.parseLong(name.substring("memory".length()));
            List<Section> sections = new ArrayList<>();
            for (long nr = id * perBlock; nr < (id + 1) * perBlock; nr++) {
                MemSection ms = sparse.section(nr);
                sections.add(ms == null ? new Section(nr, false, false, false)
                        : new Section(nr, ms.present(), ms.valid(), ms.online()));
            }
            String zones = fs.exists(d + "/valid_zones") ? read(fs, d + "/valid_zones").strip() : "";
            blocks.add(new Block(name, id, read(fs, d + "/state").strip(), zones, sections));
        }
        blocks.sort((a, b) -> Long.compare(a.id(), b.id()));
        return new MemoryMap(blockBytes, sparse.pagesPerSection(), blocks);
    }

    /** cat of a sysfs file; an error reads as the errno's text in brackets. */
    private static String read(VirtualFs fs, String path) {
        try {
            return fs.readAll(path);
        } catch (RuntimeException e) {
            return String.format(Locale.ROOT, "[%s]", e.getMessage());
        }
    }
}
