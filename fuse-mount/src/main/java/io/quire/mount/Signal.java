package io.quire.mount;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Thread-safe. A wake-up for one background thread: any number of {@link #raise()} calls before
 * the thread waits collapse into one.
 */
public final class Signal {
    private final Semaphore permits = new Semaphore(0);

    public void raise() {
        if (permits.availablePermits() == 0) {
            permits.release();
        }
    }

    /** Waits until raised or the timeout passes; returns early when interrupted. */
    public void await(long timeoutMs) {
        try {
            if (permits.tryAcquire(timeoutMs, TimeUnit.MILLISECONDS)) {
                permits.drainPermits();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
