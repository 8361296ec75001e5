package io.quire.mount.journal;

import io.quire.client.ReplicatedPages;
import io.quire.page.Page;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Thread-safe (requests are checked, held and sent under its monitor, so none slips past a
 * release or a crash). One mount's view of a shared cluster, with faults aimed at some pages:
 * hold the writes and deletes of the pages a predicate picks until released, or crash — every
 * write and delete from then on fails without reaching the cluster, as nothing leaves a lost host.
 */
final class FaultyReplicatedPages implements ReplicatedPages {
    private final ReplicatedPages cluster;
    private final List<Runnable> held = new ArrayList<>();
    private Predicate<PageKey> hold = k -> false;
    private boolean crashed;

    FaultyReplicatedPages(ReplicatedPages cluster) {
        this.cluster = cluster;
    }

    /** Holds the writes and deletes of pages {@code which} picks until {@link #release()}. */
    synchronized void hold(Predicate<PageKey> which) {
        hold = which;
    }

    /** Sends what was held (or fails it, after a crash) and holds nothing more. */
    void release() {
        List<Runnable> go;
        synchronized (this) {
            hold = k -> false;
            go = new ArrayList<>(held);
            held.clear();
        }
        go.forEach(Runnable::run);
    }

    synchronized int heldCount() {
        return held.size();
    }

    /** From now on nothing this mount sends reaches the cluster; what was held fails. */
    void crash() {
        synchronized (this) {
            crashed = true;
        }
        release();
    }

    @Override
    public CompletableFuture<Void> write(PageKey key, PageVersion version, ByteBuffer data) {
        ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data.duplicate()).flip();
        return send(key, () -> cluster.write(key, version, copy));
    }

    @Override
    public CompletableFuture<Optional<Page>> read(PageKey key) {
        return cluster.read(key);
    }

    @Override
    public CompletableFuture<Void> delete(PageKey key, PageVersion version) {
        return send(key, () -> cluster.delete(key, version));
    }

    /** Under the monitor: the cluster only queues the request, it never calls back inline. */
    private synchronized CompletableFuture<Void> send(PageKey key, Supplier<CompletableFuture<Void>> op) {
        if (crashed) {
            return CompletableFuture.failedFuture(new QuireException(Status.UNAVAILABLE, "host lost"));
        }
        if (key != null && hold.test(key)) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            held.add(() -> send(null, op).whenComplete((v, e) -> {
                if (e != null) {
                    f.completeExceptionally(e);
                } else {
                    f.complete(v);
                }
            }));
            return f;
        }
        return op.get();
    }

    /** Does nothing: the cluster is shared. */
    @Override
    public void close() {
    }
}
