package io.quire.server;

import io.quire.client.ClusterMapCache;
import io.quire.cluster.Volume;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Answers "does this volume exist?" for page requests. Thread-safe.
 *
 * <p>A volume created a moment ago may not be in this server's map yet (maps arrive with
 * heartbeats), so a miss refreshes the map from the catalog once, on a worker thread and at most
 * every {@link #REFRESH_INTERVAL_MS_MIN} ms, before the request is refused with NO_SUCH_VOLUME.
 */
final class KnownVolumes {
    static final long REFRESH_INTERVAL_MS_MIN = 100;

    private final ClusterMapCache maps;
    private final Executor workers;
    private final AtomicLong lastRefreshMs = new AtomicLong();

    KnownVolumes(ClusterMapCache maps, Executor workers) {
        this.maps = maps;
        this.workers = workers;
    }

    /** Completes when the volume is active; fails with NO_SUCH_VOLUME otherwise. */
    CompletableFuture<Volume> require(long volumeId) {
        Optional<Volume> v = active(volumeId);
        if (v.isPresent()) {
            return CompletableFuture.completedFuture(v.get());
        }
        return CompletableFuture.supplyAsync(() -> {
            long now = System.currentTimeMillis();
            long last = lastRefreshMs.get();
            if (now - last >= REFRESH_INTERVAL_MS_MIN && lastRefreshMs.compareAndSet(last, now)) {
                try {
                    maps.refresh();
                } catch (RuntimeException e) {
                    // catalog unreachable: decide on the map we have
                }
            }
            return active(volumeId).orElseThrow(() -> new QuireException(Status.NO_SUCH_VOLUME,
                    "volume id " + volumeId + " does not exist (or was deleted)"));
        }, workers);
    }

    private Optional<Volume> active(long volumeId) {
        return maps.map().volume(volumeId).filter(Volume::active);
    }
}
