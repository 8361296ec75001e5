package io.quire.mount.testing;

import io.quire.client.ReplicatedPages;
import io.quire.page.Page;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Thread-safe. A {@link ReplicatedPages} that keeps pages in memory, with faults as data: fail the
 * next N calls with a status, delay every completion, hold writes until released, or hold reads
 * (each answers what was stored when it was asked, but only once released: a slow replica).
 *
 * <p>Like the real servers it keeps the newest version of each page, tombstones included, and
 * acknowledges an older version without applying it. Completions run on its own thread, never
 * on the caller's, as network callbacks would.
 */
public final class InMemoryReplicatedPages implements ReplicatedPages {
    private final Map<PageKey, Stored> pages = new ConcurrentHashMap<>();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "in-memory-replicas");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger failNext = new AtomicInteger();
    private volatile Status failStatus = Status.UNAVAILABLE;
    private volatile long delayMs;
    private volatile boolean holdWrites;
    private final List<Runnable> heldWrites = new CopyOnWriteArrayList<>();
    private volatile boolean holdReads;
    private final List<Runnable> heldReads = new CopyOnWriteArrayList<>();
    public final AtomicLong writes = new AtomicLong();
    public final AtomicLong reads = new AtomicLong();
    public final AtomicLong deletes = new AtomicLong();
    private final Map<PageKey, AtomicLong> writesByKey = new ConcurrentHashMap<>();

    /** A page version as stored; {@code data} null for a tombstone. */
    public record Stored(PageVersion version, byte[] data) {
    }

    /** The next {@code n} calls (of any kind) fail with {@code status}. */
    public void failNext(int n, Status status) {
        failStatus = status;
        failNext.set(n);
    }

    /** Every completion from now on waits this long. */
    public void delay(long ms) {
        delayMs = ms;
    }

    /** Writes stay unacknowledged (and unapplied) until {@link #releaseWrites()}. */
    public void holdWrites() {
        holdWrites = true;
    }

    public void releaseWrites() {
        holdWrites = false;
        for (Runnable r : heldWrites) {
            heldWrites.remove(r);
            executor.execute(r);
        }
    }

    /**
     * Reads answer what was stored when they were asked, but complete only at
     * {@link #releaseReads()}: a replica that read the page and then was slow to answer.
     */
    public void holdReads() {
        holdReads = true;
    }

    public void releaseReads() {
        holdReads = false;
        for (Runnable r : heldReads) {
            heldReads.remove(r);
            executor.execute(r);
        }
    }

    /** Stores a page as if a previous mount had written it. */
    public void put(PageKey key, PageVersion version, byte[] data) {
        pages.put(key, new Stored(version, data.clone()));
    }

    /** How many writes of this page were asked for (acknowledged or not). */
    public long writesOf(PageKey key) {
        AtomicLong n = writesByKey.get(key);
        return n == null ? 0 : n.get();
    }

    public Optional<Stored> stored(PageKey key) {
        return Optional.ofNullable(pages.get(key));
    }

    /** Live (non-tombstone) pages of one inode, by index. */
    public Map<Long, byte[]> livePages(long volumeId, long ino) {
        return pages.entrySet().stream()
                .filter(e -> e.getKey().volumeId() == volumeId && e.getKey().inode() == ino && e.getValue().data() != null)
                .collect(Collectors.toMap(e -> e.getKey().pageIndex(), e -> e.getValue().data()));
    }

    @Override
    public CompletableFuture<Void> write(PageKey key, PageVersion version, ByteBuffer data) {
        writes.incrementAndGet();
        writesByKey.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        byte[] copy = new byte[data.remaining()];
        data.duplicate().get(copy);
        return complete(() -> {
            apply(key, new Stored(version, copy));
            return null;
        }, true);
    }

    @Override
    public CompletableFuture<Optional<Page>> read(PageKey key) {
        reads.incrementAndGet();
        Stored asked = pages.get(key);
        if (holdReads) {
            CompletableFuture<Optional<Page>> f = new CompletableFuture<>();
            heldReads.add(() -> f.complete(pageOf(key, asked)));
            return f;
        }
        return complete(() -> pageOf(key, pages.get(key)), false);
    }

    private static Optional<Page> pageOf(PageKey key, Stored s) {
        if (s == null || s.data == null) {
            return Optional.empty();
        }
        return Optional.of(new Page(key, s.version, ByteBuffer.wrap(s.data.clone()).asReadOnlyBuffer()));
    }

    @Override
    public CompletableFuture<Void> delete(PageKey key, PageVersion version) {
        deletes.incrementAndGet();
        return complete(() -> {
            apply(key, new Stored(version, null));
            return null;
        }, false);
    }

    private void apply(PageKey key, Stored s) {
        pages.merge(key, s, (old, neu) -> neu.version.isNewerThan(old.version) ? neu : old);
    }

    private <T> CompletableFuture<T> complete(Supplier<T> action, boolean isWrite) {
        CompletableFuture<T> f = new CompletableFuture<>();
        boolean fail = failNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
        Runnable r = () -> {
            if (fail) {
                f.completeExceptionally(new QuireException(failStatus, "injected fault"));
                return;
            }
            try {
                f.complete(action.get());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        };
        if (isWrite && holdWrites && !fail) {
            heldWrites.add(r);
            return f;
        }
        long d = delayMs;
        if (d > 0) {
            executor.schedule(r, d, TimeUnit.MILLISECONDS);
        } else {
            executor.execute(r);
        }
        return f;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
