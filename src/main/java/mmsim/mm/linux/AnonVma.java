package mmsim.mm.linux;

import java.util.ArrayList;
import java.util.List;

import mmsim.kernel.sync.RwSem;

/**
 * struct anon_vma and struct anon_vma_chain (include/linux/rmap.h, mm/rmap.c).
 *
 * <p>Every anonymous page points at one anon_vma through page->mapping (with the
 * PAGE_MAPPING_ANON bit set). An anon_vma knows, through its chains, every VMA that may map its
 * pages: its own VMA and, after fork, the children's VMAs. A child VMA gets a new anon_vma of its
 * own (for pages it COWs later), chained under the parent's, sharing the parent's root; the root's
 * rwsem is the lock of the whole tree (anon_vma_lock_write/read take {@code root.rwsem}).
 *
 * <p>page->mapping holds a fake kernel address of the anon_vma so dump_page prints a
 * believable pointer: {@link #address} | PAGE_MAPPING_ANON; {@link Rmap#anonVmaOf} decodes it.
 *
 * <p>The interval tree (anon_vma->rb_root) is modelled as an insertion-ordered list: walks are
 * deterministic and the model has few VMAs per anon_vma.
 *
 * <p>Lock order: the mm lock tree in the {@code mmsim.mm} package-info.
 */
public final class AnonVma {
    /** One anon_vma_chain: links a VMA to an anon_vma it may find pages of. */
    public record Chain(VmArea vma, AnonVma anonVma) { }

    public final AnonVma root;
    public final AnonVma parent;
    /** Only meaningful on the root. */
    public final RwSem rwsem;
    /** anon_vma->refcount: pins the anon_vma across rmap walks that drop locks (page_get_anon_vma). */
    public int refcount = 1;
    /** anon_vma->degree: number of child anon_vmas and VMAs using this one (reuse heuristic). */
    public int degree = 1;
    /** anon_vma->rb_root: the chains of VMAs that may map pages of this anon_vma. */
    public final List<Chain> chains = new ArrayList<>();
    /** The fake address page->mapping points at (a multiple of 16, low bits free). */
    public final long address;
    public boolean freed;

    public AnonVma(RwSem rwsem, AnonVma root, AnonVma parent, long address) {
        this.rwsem = rwsem;
        this.root = root == null ? this : root;
        this.parent = parent == null ? this : parent;
        this.address = address;
    }

    @Override public String toString() { return String.format("anon_vma %016x", address); }
}
