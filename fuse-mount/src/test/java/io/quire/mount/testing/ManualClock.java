package io.quire.mount.testing;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Thread-safe. A wall clock in nanoseconds that tests move by hand.
 */
public final class ManualClock implements LongSupplier {
    private final AtomicLong nowNs = new AtomicLong(1_700_000_000_000_000_000L);

    @Override
    public long getAsLong() {
        return nowNs.get();
    }

    public long advance(long ns) {
        return nowNs.addAndGet(ns);
    }
}
