package io.quire.mount.journal;

import io.quire.client.ReplicatedPages;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Confined to the thread that sends through it. Page writes and deletes with at most
 * {@link JournalLimits#CHECKPOINT_IN_FLIGHT_MAX} in flight: a full window is waited for (unless
 * the sender is told to stop) before more go out. A failure surfaces as the exception of the
 * wait.
 */
final class PageWindow {
    private final ReplicatedPages replicas;
    private final BooleanSupplier stopped;
    private final List<CompletableFuture<Void>> inFlight = new ArrayList<>();

    PageWindow(ReplicatedPages replicas, BooleanSupplier stopped) {
        this.replicas = replicas;
        this.stopped = stopped;
    }

    /** Sends a write; returns false when stopped while waiting for room. */
    boolean write(PageKey key, PageVersion version, byte[] bytes) {
        CompletableFuture<Void> f;
        try {
            f = replicas.write(key, version, ByteBuffer.wrap(bytes));
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return add(f);
    }

    /** Sends a delete; returns false when stopped while waiting for room. */
    boolean delete(PageKey key, PageVersion version) {
        CompletableFuture<Void> f;
        try {
            f = replicas.delete(key, version);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return add(f);
    }

    private boolean add(CompletableFuture<Void> f) {
        inFlight.add(f);
        return inFlight.size() < JournalLimits.CHECKPOINT_IN_FLIGHT_MAX || drain();
    }

    /** Waits for everything sent; returns false when stopped first. */
    boolean drain() {
        CompletableFuture<?> all = CompletableFuture.allOf(inFlight.toArray(new CompletableFuture<?>[0]));
        inFlight.clear();
        return Remote.await(all, stopped);
    }
}
