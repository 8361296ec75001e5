package io.quire.cli;

import io.quire.client.CatalogClient;
import io.quire.cluster.ClusterMap;
import io.quire.cluster.ServerEntry;
import io.quire.net.ConnectionPool;
import io.quire.server.ServerConfig;
import io.quire.server.VolumeServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Thread-safe (close is synchronized). The embedded cluster of {@code quire up}: volume servers in
 * this JVM on 127.0.0.1 with ephemeral ports, one per zone, the first also running the catalog;
 * their data stays in {@code DIR/server-N} from one run to the next.
 */
final class LocalCluster implements AutoCloseable {
    static final List<String> ZONES = List.of("a", "b", "c");
    static final long LIVE_TIMEOUT_MS = 30_000;
    private static final long POLL_MS = 100;

    private final List<VolumeServer> servers = new ArrayList<>();
    private final ConnectionPool pool = new ConnectionPool();
    private CatalogClient catalog;

    private LocalCluster() {
    }

    /** Starts the servers and waits until the catalog lists all of them live at their new addresses. */
    static LocalCluster start(Path dir) throws Exception {
        LocalCluster c = new LocalCluster();
        try {
            for (int i = 0; i < ZONES.size(); i++) {
                boolean first = i == 0;
                ServerConfig config = new ServerConfig(dir.resolve("server-" + i), "127.0.0.1", 0, ZONES.get(i),
                        first, first ? null : c.catalog.address(), ServerConfig.CAPACITY_BYTES_DEFAULT, null, null,
                        ServerConfig.HEARTBEAT_INTERVAL_MS_DEFAULT, ServerConfig.REPAIR_INTERVAL_MS_DEFAULT,
                        ServerConfig.SCRUB_PAGES_PER_SECOND_DEFAULT, ServerConfig.LIVENESS_TIMEOUT_MS_DEFAULT,
                        ServerConfig.RE_REPLICATION_GRACE_MS_DEFAULT, ServerConfig.WORKER_THREADS_DEFAULT);
                c.servers.add(VolumeServer.start(config));
                if (first) {
                    c.catalog = new CatalogClient(c.pool, c.servers.get(0).address());
                }
            }
            c.awaitLive();
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    private void awaitLive() {
        Set<String> want = servers.stream().map(VolumeServer::address).collect(Collectors.toSet());
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LIVE_TIMEOUT_MS);
        while (true) {
            ClusterMap map = catalog.clusterMap();
            Set<String> live = map.servers().stream().filter(ServerEntry::live).map(ServerEntry::address)
                    .collect(Collectors.toSet());
            if (live.containsAll(want)) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the local servers did not all register within " + LIVE_TIMEOUT_MS
                        + " ms: live " + live + ", expected " + want);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MS));
        }
    }

    CatalogClient catalog() {
        return catalog;
    }

    @Override
    public synchronized void close() {
        pool.close();
        for (int i = servers.size() - 1; i >= 0; i--) {
            servers.get(i).close();
        }
        servers.clear();
    }
}
