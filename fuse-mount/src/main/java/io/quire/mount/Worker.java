package io.quire.mount;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. One daemon background thread of the mount (flusher, evictor, trash collector,
 * journal uploader, checkpointer) with its wake-up {@link Signal} and stop flag: the loop runs
 * until {@link #stopped()}, sleeping in {@link #await(long)}; {@link #stop()} sets the flag, wakes
 * it and waits a bounded time for it to end.
 */
public final class Worker {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    /** How long {@link #stop()} waits for the thread. */
    public static final long JOIN_TIMEOUT_MS = 10_000;

    private final Signal signal = new Signal();
    private final Thread thread;
    private final String what;
    private volatile boolean stopped;

    /**
     * @param threadName the thread's name
     * @param what       what it is, for the log (e.g. "flusher of volume v")
     * @param loop       the thread's body; it returns once {@link #stopped()} is true
     */
    public Worker(String threadName, String what, Runnable loop) {
        this.what = what;
        this.thread = new Thread(loop, threadName);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    public void wake() {
        signal.raise();
    }

    /** Sleeps until woken, stopped or {@code timeoutMs} passes. */
    public void await(long timeoutMs) {
        signal.await(timeoutMs);
    }

    public boolean stopped() {
        return stopped;
    }

    /** Stops the loop and waits for the thread up to {@link #JOIN_TIMEOUT_MS}. */
    public void stop() {
        stopped = true;
        signal.raise();
        try {
            thread.join(JOIN_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("{} did not stop within {} ms", what, JOIN_TIMEOUT_MS);
        }
    }
}
