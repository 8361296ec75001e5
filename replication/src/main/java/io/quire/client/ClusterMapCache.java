package io.quire.client;

import io.quire.cluster.ClusterMap;
import io.quire.placement.RendezvousPlacement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The newest cluster map this process has seen, with the placement built from it. Thread-safe.
 *
 * <p>A background poll keeps it fresh; while the catalog is unreachable the last map stays in use
 * (DESIGN: mounts keep working on their cached map). Servers feed it from heartbeat answers
 * instead of polling.
 */
public final class ClusterMapCache implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterMapCache.class);

    /** A map and the placement computed from it, swapped together. */
    public record Snapshot(ClusterMap map, RendezvousPlacement placement) {
    }

    private final AtomicReference<Snapshot> current =
            new AtomicReference<>(new Snapshot(ClusterMap.EMPTY, RendezvousPlacement.of(ClusterMap.EMPTY)));
    private volatile CatalogClient catalog; // null until known
    private ScheduledExecutorService poller;
    private volatile boolean catalogReachable = true;

    public ClusterMapCache(CatalogClient catalog) {
        this.catalog = catalog;
    }

    /** Sets the catalog to refresh from (a server running the catalog knows its address late). */
    public void setCatalog(CatalogClient catalog) {
        this.catalog = catalog;
    }

    public Snapshot snapshot() {
        return current.get();
    }

    public ClusterMap map() {
        return current.get().map();
    }

    /** Installs a map unless an equal or newer one is already installed; returns the current one. */
    public Snapshot offer(ClusterMap map) {
        return current.updateAndGet(old -> {
            if (old.map().version() > map.version()
                    || (old.map().version() == map.version() && old.map().equals(map))) {
                return old;
            }
            return new Snapshot(map, RendezvousPlacement.of(map));
        });
    }

    /** Fetches the map from the catalog now (blocking, bounded by the client's timeout). */
    public Snapshot refresh() {
        CatalogClient catalog = this.catalog;
        if (catalog == null) {
            throw new io.quire.proto.QuireException(io.quire.proto.Status.UNAVAILABLE, "no catalog address yet");
        }
        ClusterMap map = catalog.clusterMap();
        if (!catalogReachable) {
            log.info("catalog {} reachable again", catalog.address());
            catalogReachable = true;
        }
        return offer(map);
    }

    /** Polls the catalog every {@code intervalMs} on a daemon thread. */
    public synchronized void startPolling(long intervalMs) {
        if (poller != null) {
            return;
        }
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "quire-map-poll");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(() -> {
            try {
                refresh();
            } catch (RuntimeException e) {
                if (catalogReachable) {
                    log.warn("catalog {} unreachable, keeping cluster map version {}: {}",
                            catalog.address(), map().version(), e.getMessage());
                    catalogReachable = false;
                }
            }
        }, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.shutdownNow();
            poller = null;
        }
    }
}
