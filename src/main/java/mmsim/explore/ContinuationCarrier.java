package mmsim.explore;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The fast carrier: {@code jdk.internal.vm.Continuation} reached through method handles, so the
 * build needs no compiler flag and a JVM without the export simply falls back
 * ({@link #available()} is false). Bodies must not hold a Java monitor across a point (the model
 * never uses {@code synchronized}); a pinned yield fails loudly as a model defect.
 */
final class ContinuationCarrier implements Carrier {

    private static final MethodHandle NEW_CONT;   // (Object scope, Runnable) -> Object
    private static final MethodHandle RUN;        // (Object) -> void
    private static final MethodHandle IS_DONE;    // (Object) -> boolean
    private static final MethodHandle YIELD;      // (Object scope) -> boolean
    private static final Object SCOPE;

    static {
        MethodHandle nc = null, run = null, done = null, yield = null;
        Object scope = null;
        try {
            Class<?> scopeClass = Class.forName("jdk.internal.vm.ContinuationScope");
            Class<?> contClass = Class.forName("jdk.internal.vm.Continuation");
            MethodHandles.Lookup l = MethodHandles.lookup();
            scope = l.findConstructor(scopeClass, MethodType.methodType(void.class, String.class)).invoke("mmsim-cpu");
            nc = l.findConstructor(contClass, MethodType.methodType(void.class, scopeClass, Runnable.class))
                    .asType(MethodType.methodType(Object.class, Object.class, Runnable.class));
            run = l.findVirtual(contClass, "run", MethodType.methodType(void.class))
                    .asType(MethodType.methodType(void.class, Object.class));
            done = l.findVirtual(contClass, "isDone", MethodType.methodType(boolean.class))
                    .asType(MethodType.methodType(boolean.class, Object.class));
            yield = l.findStatic(contClass, "yield", MethodType.methodType(boolean.class, scopeClass))
                    .asType(MethodType.methodType(boolean.class, Object.class));
            // Probe once: the export can be present and the feature still refuse (e.g. a pinned carrier).
            Object c = nc.invokeExact(scope, (Runnable) () -> { });
            run.invokeExact(c);
        } catch (Throwable t) {
            nc = null;
        }
        NEW_CONT = nc;
        RUN = run;
        IS_DONE = done;
        YIELD = yield;
        SCOPE = scope;
    }

    static boolean available() {
        return NEW_CONT != null && !Boolean.getBoolean("mmsim.noContinuation");
    }

    ContinuationCarrier() {
        if (!available()) throw new IllegalStateException("jdk.internal.vm.Continuation is not accessible "
                + "(run with --add-exports java.base/jdk.internal.vm=ALL-UNNAMED)");
    }

    @Override public Kind kind() { return Kind.CONTINUATION; }

    @Override
    public Coroutine create(Runnable body) {
        final Object cont;
        try {
            cont = NEW_CONT.invokeExact(SCOPE, body);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot create a continuation", t);
        }
        return new Coroutine() {
            @Override
            public boolean resume() {
                try {
                    RUN.invokeExact(cont);
                    return (boolean) IS_DONE.invokeExact(cont);
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
            }

            @Override public void abandon() { } // an unfinished continuation is garbage once dropped
        };
    }

    @Override
    public void suspend() {
        boolean ok;
        try {
            ok = (boolean) YIELD.invokeExact(SCOPE);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (!ok) throw new IllegalStateException("simulated CPU could not yield (pinned: a Java monitor or native frame on its stack)");
    }
}
