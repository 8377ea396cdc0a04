/**
 * What mm/ uses from the rest of the kernel: simulated CPUs and the preemption-point hook
 * ({@link mmsim.kernel.Sched}), locks with kernel semantics, IRQ disabling and IPIs, RCU,
 * lockdep-style checks, the kernel log and the fault reports (oops, BUG, bad page, KASAN).
 *
 * <p>This package imports nothing else of mmsim. The model ({@code mmsim.mm}) calls it; the
 * explorer ({@code mmsim.explore}) implements {@link mmsim.kernel.Sched} to decide which
 * simulated CPU runs at each preemption point. Outside exploration the {@link mmsim.kernel.DirectSched}
 * runs one CPU and every point costs a field read.
 *
 * <p>Memory model: sequentially consistent. Exactly one simulated CPU runs at a time and every
 * access between two points is atomic with respect to other CPUs. Questions about barriers and
 * reordering belong to herd7 and the kernel's LKMM, not to mmsim.
 */
package mmsim.kernel;
