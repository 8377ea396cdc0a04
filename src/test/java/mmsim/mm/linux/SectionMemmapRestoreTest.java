package mmsim.mm.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/**
 * A section restored in place for every execution keeps the mapping/index array a restore drops
 * as a spare for the next first write: reads must see exactly what they would with a freshly
 * allocated array, whatever the executions in between wrote.
 */
class SectionMemmapRestoreTest {
    private static final int PAGES = 4 * WrittenBlocks.BLOCK;

    /** What setup left: two poisoned struct pages, in different written blocks. */
    private static SectionMemmap setupLeft() {
        SectionMemmap m = new SectionMemmap(0, PAGES, false);
        m.initRange(0, PAGES, 0);
        m.poison(10, 11);
        m.poison(2000, 2001);
        m.clearWritten();
        return m;
    }

    /** Memmap.setMapping's write: the mark first, then the word. */
    private static void setMapping(SectionMemmap m, int i, long v) {
        m.markWritten(i);
        m.ensureMapping()[i] = v;
    }

    @Test
    void aSpareMappingArrayReadsAsAFreshOne() {
        SectionMemmap original = setupLeft();
        SectionMemmap m = setupLeft();

        // execution 1: a migration sets a new page's mapping, which allocates the array
        setMapping(m, 5, 7);
        long[] first = m.mapping;
        m.restoreFrom(original);
        assertFalse(m.hasMappingArrays());
        assertEquals(0, m.mappingAt(5));
        assertEquals(SectionMemmap.POISON, m.mappingAt(10));

        // execution 2: pages poisoned and initialised before the array is needed again
        m.poison(1500, 1501);
        m.initRange(10, 11, 0);
        setMapping(m, 3000, 9);
        assertSame(first, m.mapping, "the spare serves the write");
        assertEquals(0, m.mapping[5], "execution 1's word was reset by the restore");
        assertEquals(SectionMemmap.POISON, m.mapping[1500], "poisoned in this execution, before the array came back");
        assertEquals(0, m.mapping[10], "initialised in this execution, before the array came back");
        assertEquals(SectionMemmap.POISON, m.mapping[2000]);
        assertEquals(9, m.mapping[3000]);

        // execution 3: the spare equals an array allocated from setup's flags
        m.restoreFrom(original);
        setMapping(m, 0, 0x1234);
        long[] fresh = new long[PAGES];
        for (int i = 0; i < PAGES; i++) fresh[i] = original.flags[i] == SectionMemmap.POISON ? SectionMemmap.POISON : 0;
        fresh[0] = 0x1234;
        assertArrayEquals(fresh, m.mapping);
        m.restoreFrom(original);
        assertEquals(null, m.differenceFrom(original));
    }
}
