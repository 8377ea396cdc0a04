/**
 * The operations of scenario programs and of {@code mmsim sh}: what a user or a driver does
 * ({@code cat}, {@code echo > }, {@code read ... at ... count}, {@code alloc_pages}, ...).
 * Each operation parses its arguments when the scenario is parsed, so a typo is a
 * {@code file:line:col} error, and returns an {@link mmsim.scenario.ops.OpRegistry.Action} that runs
 * on the simulated CPU of its program.
 *
 * <h2>Adding an operation (the 5-line affair)</h2>
 * Write a class in this package next to the others, one per kernel file group, and list it in
 * {@code OpRegistry.PROVIDERS}:
 * <pre>
 * final class MemoryHotplugOps implements OpProvider {
 *     public void register(OpRegistry r) {
 *         r.add("add_memory", "add_memory NID START SIZE [-> var]", "add_memory(): hot-add a range", true, a -> {
 *             int nid = a.integer("NID", 0, 63);
 *             long start = a.number("START", 0, Long.MAX_VALUE), size = a.number("SIZE", 1, Long.MAX_VALUE);
 *             return ctx -> String.valueOf(ctx.machine().machine().hotplug().addMemory(nid, start, size));
 *         });
 *     }
 * }
 * </pre>
 * <ul>
 *   <li>{@link mmsim.scenario.ops.Args} reads typed arguments and reports mistakes at the token
 *       with the usage string: {@code word}, {@code keyword}, {@code number} (0x.., K/M/G),
 *       {@code integer}, {@code path} (checked against the machine's files), {@code varRef}
 *       ({@code $name}, checked to be assigned earlier), {@code rest}.</li>
 *   <li>The action gets an {@link mmsim.scenario.ops.OpContext}: {@code machine()} (the booted
 *       machine, its files and {@code machine().machine()} the mm model), {@code kernel()},
 *       variables. It returns the value {@code -> var} assigns (return null for none; pass
 *       {@code yieldsValue=false} when the operation has no result). A failed call returns its
 *       errno name, {@code Args.errnoValue(Errno.EBUSY)} = {@code "-EBUSY"}, so scenarios can
 *       declare outcomes over it ({@code expect * ret=-EBUSY ACCEPTABLE}).</li>
 *   <li>Run model code through its kernel entry points only; a {@code KernelFault} thrown inside
 *       becomes the explorer's verdict (in the shell: the report is printed and the shell goes on).</li>
 * </ul>
 */
package mmsim.scenario.ops;
