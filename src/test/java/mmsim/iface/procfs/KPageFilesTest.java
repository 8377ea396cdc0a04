package mmsim.iface.procfs;

import mmsim.kernel.Errno;
import mmsim.mm.linux.KernelConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The read rules of the kpage* files: alignment, end of file per era, entry layout. */
class KPageFilesTest {

    @Test
    void misalignedPositionOrCountIsEinval() {
        KPageFixture m = new KPageFixture(KernelConfig.mainline(), 1);
        for (KPageFiles.Kind kind : KPageFiles.Kind.values()) {
            assertEquals(Errno.EINVAL, m.files.read(kind, 4, 8).errno());
            assertEquals(Errno.EINVAL, m.files.read(kind, 8, 12).errno());
            assertEquals(Errno.EINVAL, m.files.read(kind, 1L << 40 | 3, 8).errno(), "checked before the end of file");
        }
    }

    @Test
    void mainlineEndsAtMaxPfnRoundedUpToASection() {
        KPageFixture m = new KPageFixture(KernelConfig.mainline(), 2);
        m.maxPfn = m.pagesPerSection + 100;              // max_pfn inside the second section
        long end = 2 * m.pagesPerSection * 8;
        assertEquals(16, m.files.read(KPageFiles.Kind.KPAGEFLAGS, end - 16, 64).data().length);
        assertEquals(0, m.files.read(KPageFiles.Kind.KPAGEFLAGS, end, 64).data().length);
        assertEquals(0, m.files.read(KPageFiles.Kind.KPAGECOUNT, end + 8 * 1000, 8).data().length);
    }

    @Test
    void v46EndsAtMaxPfnAndAReadPastItIsNotClipped() {
        KPageFixture o = new KPageFixture(KernelConfig.v4_6(), 2);
        o.maxPfn = o.pagesPerSection + 100;
        long end = o.maxPfn * 8;
        assertEquals(16, o.files.read(KPageFiles.Kind.KPAGEFLAGS, end - 16, 64).data().length);
        assertEquals(0, o.files.read(KPageFiles.Kind.KPAGEFLAGS, end, 64).data().length);
        // past the end the unsigned clip wraps: the read goes on, pfn_valid() decides per PFN
        KPageFiles.ReadResult past = o.files.read(KPageFiles.Kind.KPAGEFLAGS, end + 8, 16);
        assertEquals(16, past.data().length);
        // a misaligned count is clipped to the end first, then checked (2016 order)
        assertEquals(8, o.files.read(KPageFiles.Kind.KPAGEFLAGS, end - 8, 12).data().length);
    }

    @Test
    void entriesAreLittleEndianU64PerPfn() {
        KPageFixture m = new KPageFixture(KernelConfig.mainline(), 1);
        m.makeFreeBlock(0x10, 0);
        byte[] d = m.files.read(KPageFiles.Kind.KPAGEFLAGS, 0x10 * 8, 16).data();
        assertEquals(0x00, d[0]);
        assertEquals(0x04, d[1]);          // 1 << KPF_BUDDY = 0x400
        for (int i = 2; i < 16; i++) assertEquals(0, d[i]);
    }
}
