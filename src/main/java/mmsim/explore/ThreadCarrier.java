package mmsim.explore;

import java.util.concurrent.locks.LockSupport;

/**
 * The supported carrier: one virtual thread per simulated CPU. A volatile turn word says who
 * may run (the coroutine or the engine); the other side parks until it is its turn, so exactly
 * one side runs and every hand-off is a happens-before edge.
 */
final class ThreadCarrier implements Carrier {
    private static final int ENGINE = 0, CPU = 1, DONE = 2;

    private Co current;

    @Override public Kind kind() { return Kind.VIRTUAL_THREAD; }

    @Override
    public Coroutine create(Runnable body) {
        return new Co(body);
    }

    @Override
    public void suspend() {
        Co co = current;
        if (co.abandoned) throw Abandoned.INSTANCE;
        co.turn = ENGINE;
        LockSupport.unpark(co.engine);
        while (co.turn != CPU) LockSupport.park(this);
        if (co.abandoned) throw Abandoned.INSTANCE;
    }

    private final class Co implements Coroutine {
        private final Runnable body;
        private Thread thread;
        private Thread engine;
        private volatile int turn = ENGINE;
        private volatile boolean abandoned;

        Co(Runnable body) {
            this.body = body;
        }

        @Override
        public boolean resume() {
            engine = Thread.currentThread();
            current = this;
            turn = CPU;
            if (thread == null) {
                thread = Thread.ofVirtual().name("mmsim-cpu").start(() -> {
                    while (turn != CPU) LockSupport.park(this);
                    try {
                        body.run();
                    } catch (Abandoned a) {
                        // unwound on purpose
                    } finally {
                        turn = DONE;
                        LockSupport.unpark(engine);
                    }
                });
            } else {
                LockSupport.unpark(thread);
            }
            int t;
            while ((t = turn) == CPU) LockSupport.park(this);
            return t == DONE;
        }

        @Override
        public void abandon() {
            if (thread == null || turn == DONE) return;
            abandoned = true;
            engine = Thread.currentThread();
            current = this;
            turn = CPU;
            LockSupport.unpark(thread);
            boolean interrupted = false;
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}
