package mmsim.explore;

/**
 * What carries a simulated CPU: a coroutine the engine resumes and that suspends itself at a
 * preemption point. Exactly one coroutine (or the engine) runs at any time, so the engine and
 * the model need no Java synchronisation.
 *
 * <p>Two carriers, chosen by measuring (see {@code ExplorerBench}):
 * <ul>
 *   <li>{@link Kind#CONTINUATION}: {@code jdk.internal.vm.Continuation}, the one-shot delimited
 *       continuation under virtual threads, used through method handles. Everything runs on the
 *       caller's thread; a switch is a stack copy. Needs
 *       {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED} at run time; it is
 *       unsupported JDK API, so it is only ever a fast path.</li>
 *   <li>{@link Kind#VIRTUAL_THREAD}: one virtual thread per CPU with a park/unpark hand-off
 *       through a volatile turn word. Supported API; the fallback whenever the first is not
 *       accessible.</li>
 * </ul>
 */
public interface Carrier {

    enum Kind { CONTINUATION, VIRTUAL_THREAD }

    Kind kind();

    /** A suspended coroutine that will run {@code body} when first resumed. */
    Coroutine create(Runnable body);

    /** Called from inside a running coroutine: returns control to the {@link Coroutine#resume()} caller. */
    void suspend();

    interface Coroutine {
        /** Runs the coroutine until it suspends or its body returns; true when the body has returned. */
        boolean resume();

        /** Drops a coroutine that will never be resumed again (its body unwinds or is discarded). */
        void abandon();
    }

    /** Thrown out of {@link #suspend()} into an abandoned body so it unwinds; never seen by model code's catch (RuntimeException). */
    final class Abandoned extends Error {
        static final Abandoned INSTANCE = new Abandoned();

        private Abandoned() {
            super("simulated CPU abandoned", null, false, false);
        }
    }

    /** The fastest carrier this JVM supports. */
    static Carrier best() {
        return ContinuationCarrier.available() ? new ContinuationCarrier() : new ThreadCarrier();
    }

    /** The carrier of this kind; {@link Kind#CONTINUATION} falls back to virtual threads when not accessible. */
    static Carrier of(Kind kind) {
        return kind == Kind.CONTINUATION && ContinuationCarrier.available() ? new ContinuationCarrier() : new ThreadCarrier();
    }
}
