/**
 * The concurrency explorer: deterministic, systematic interleaving of simulated CPUs at the
 * preemption points of {@link mmsim.kernel.Sched}.
 *
 * <ul>
 *   <li>{@link mmsim.explore.Explorer} runs a {@link mmsim.explore.Program} under a
 *       {@link mmsim.explore.Strategy}: bounded exhaustive DFS (CHESS), seeded random walk, or
 *       PCT; replay follows a schedule string such as {@code A24B11}.</li>
 *   <li>{@link mmsim.explore.Engine} (package-private) runs one execution: one coroutine per CPU
 *       on a {@link mmsim.explore.Carrier}, exactly one running, the strategy deciding at every
 *       point.</li>
 *   <li>{@link mmsim.explore.Verdict} is the closed family of outcomes; a Java exception from the
 *       model is a {@code ModelDefect}, never a kernel verdict.</li>
 *   <li>{@link mmsim.explore.Trace} is the failing interleaving as data, rendered one column per CPU.</li>
 * </ul>
 *
 * <p><b>Memory model: sequential consistency.</b> Exactly one simulated CPU runs at a time and
 * everything a CPU does between two points is atomic to the others; no store buffer, no
 * reordering, no torn accesses. A race that needs a weak-memory reordering (a missing
 * {@code smp_wmb()}, an unordered {@code READ_ONCE} pair) is out of reach: write a herd7/LKMM
 * litmus test for it. Likewise only the points the model places exist: code between two points
 * cannot be interrupted, and a loop without a point is not preemptible.
 *
 * <p>This package imports only {@code mmsim.kernel}.
 */
package mmsim.explore;
