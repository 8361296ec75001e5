package io.quire.server;

import io.quire.client.ClusterMapCache;
import io.quire.cluster.Volume;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Answers "does this volume exist?" for page requests. Thread-safe.
 *
 * <p>A volume created a moment ago may not be in this server's map yet (maps arrive with
 * heartbeats), so a miss refreshes the map before the request is refused with NO_SUCH_VOLUME.
 * Refreshes run one at a time on a thread of their own (never on the worker pool: on the catalog
 * server a refresh must not wait for a worker that is itself waiting for the refresh), and a
 * request reuses any refresh that started after it arrived, so a flood of unknown-volume requests
 * costs one refresh at a time, not one each.
 */
final class KnownVolumes implements AutoCloseable {
    static final int PENDING_CHECKS_MAX = 4096;

    private final ClusterMapCache maps;
    private final Runnable refresh;
    private final ThreadPoolExecutor refresher = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(PENDING_CHECKS_MAX), new DefaultThreadFactory("quire-map-refresh", true));
    private long lastRefreshStartNanos = System.nanoTime(); // confined to the refresher thread

    /** @param refresh brings {@code maps} up to date (from the catalog, or the local catalog) */
    KnownVolumes(ClusterMapCache maps, Runnable refresh) {
        this.maps = maps;
        this.refresh = refresh;
    }

    /** Completes when the volume is active; fails with NO_SUCH_VOLUME otherwise. */
    CompletableFuture<Volume> require(long volumeId) {
        Optional<Volume> v = active(volumeId);
        if (v.isPresent()) {
            return CompletableFuture.completedFuture(v.get());
        }
        long arrivedNanos = System.nanoTime();
        try {
            return CompletableFuture.supplyAsync(() -> {
                if (active(volumeId).isEmpty() && lastRefreshStartNanos - arrivedNanos < 0) {
                    lastRefreshStartNanos = System.nanoTime();
                    try {
                        refresh.run();
                    } catch (RuntimeException e) {
                        // catalog unreachable: decide on the map we have
                    }
                }
                return active(volumeId).orElseThrow(() -> new QuireException(Status.NO_SUCH_VOLUME,
                        "volume id " + volumeId + " does not exist (or was deleted)"));
            }, refresher);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new QuireException(Status.OVERLOADED,
                    "too many requests for unknown volumes"));
        }
    }

    private Optional<Volume> active(long volumeId) {
        return maps.map().volume(volumeId).filter(Volume::active);
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }
}
