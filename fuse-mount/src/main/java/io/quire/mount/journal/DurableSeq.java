package io.quire.mount.journal;

import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Thread-safe (its own monitor, never held while a future completes). How far the journal is
 * durable on W replicas, and the futures waiting for it to get further.
 *
 * <p>A failure that retrying cannot cure (a newer lease epoch, a full volume) fails the futures
 * waiting at that moment, so that fsync and the data uploads ordered behind the journal report
 * it; the uploader keeps retrying, and later waiters wait again. Retryable failures are only
 * counted (closing gives up waiting after a few).
 */
final class DurableSeq {
    private final TreeMap<Long, List<CompletableFuture<Void>>> waiters = new TreeMap<>();
    private long durable;
    private boolean closed;
    /** Failed upload attempts ever; written by the uploader thread only. */
    private volatile long failures;

    DurableSeq(long durable) {
        this.durable = durable;
    }

    synchronized long get() {
        return durable;
    }

    /** Whether anyone waits for records not yet durable (then the uploader does not linger). */
    synchronized boolean hasWaiters() {
        return !waiters.isEmpty();
    }

    /** Completes once every record up to {@code seq} is durable. */
    CompletableFuture<Void> await(long seq) {
        synchronized (this) {
            if (seq <= durable) {
                return CompletableFuture.completedFuture(null);
            }
            if (!closed) {
                CompletableFuture<Void> f = new CompletableFuture<>();
                waiters.computeIfAbsent(seq, k -> new ArrayList<>(1)).add(f);
                return f;
            }
        }
        return CompletableFuture.failedFuture(new QuireException(Status.CLOSED, "metadata journal closed"));
    }

    void advance(long seq) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        synchronized (this) {
            if (seq <= durable) {
                return;
            }
            durable = seq;
            Map<Long, List<CompletableFuture<Void>>> head = waiters.headMap(seq, true);
            head.values().forEach(done::addAll);
            head.clear();
        }
        done.forEach(f -> f.complete(null));
    }

    void failed(Status status) {
        failures++;
        if (!status.isRetryable()) {
            failAll(new QuireException(status, "metadata journal upload failed"));
        }
    }

    long failures() {
        return failures;
    }

    void close() {
        synchronized (this) {
            closed = true;
        }
        failAll(new QuireException(Status.CLOSED, "metadata journal closed"));
    }

    private void failAll(Throwable t) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        synchronized (this) {
            waiters.values().forEach(all::addAll);
            waiters.clear();
        }
        all.forEach(f -> f.completeExceptionally(t));
    }
}
