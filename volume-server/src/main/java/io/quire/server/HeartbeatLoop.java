package io.quire.server;

import io.quire.client.CatalogClient;
import io.quire.client.ClusterMapCache;
import io.quire.cluster.ClusterMap;
import io.quire.cluster.HeartbeatRequest;
import io.quire.cluster.RegisterServerRequest;
import io.quire.cluster.Volume;
import io.quire.proto.Opcode;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import io.quire.server.store.PageStore;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers this server with the catalog, then reports usage and repair state every interval and
 * installs the cluster map that comes back. Confined to the server's scheduler thread.
 *
 * <p>While the catalog is unreachable the server keeps serving on its last map; it logs the loss
 * once and the recovery once, not every beat.
 */
final class HeartbeatLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(HeartbeatLoop.class);

    private final CatalogClient catalog;
    private final ClusterMapCache maps;
    private final PageStore store;
    private final RegisterServerRequest identity;
    private final Supplier<RepairStats> repairStats;
    private boolean registered;
    private boolean reachable = true;

    /** What the repair loop last reported, for heartbeats. */
    record RepairStats(long underReplicatedPages, long rounds) {
    }

    HeartbeatLoop(CatalogClient catalog, ClusterMapCache maps, PageStore store, RegisterServerRequest identity,
                  Supplier<RepairStats> repairStats) {
        this.catalog = catalog;
        this.maps = maps;
        this.store = store;
        this.identity = identity;
        this.repairStats = repairStats;
    }

    @Override
    public void run() {
        try {
            ClusterMap map;
            if (!registered) {
                map = catalog.call(Opcode.REGISTER_SERVER, identity, ClusterMap.class);
                registered = true;
                log.info("registered with catalog {} as {} (zone {}, address {})", catalog.address(),
                        identity.id(), identity.zone(), identity.address());
            } else {
                RepairStats stats = repairStats.get();
                Map<Long, Long> usage = new HashMap<>();
                store.volumeUsage().forEach((id, u) -> usage.put(id, u.bytes()));
                try {
                    map = catalog.call(Opcode.HEARTBEAT, new HeartbeatRequest(identity.id(), store.usedBytes(),
                            store.pageCount(), stats.underReplicatedPages(), stats.rounds(), usage), ClusterMap.class);
                } catch (QuireException e) {
                    if (e.status() == Status.NO_SUCH_SERVER) {
                        registered = false; // a catalog that lost us (or a new one): register again
                    }
                    throw e;
                }
            }
            maps.offer(map);
            raiseFences(map);
            if (!reachable) {
                log.info("catalog {} reachable again", catalog.address());
                reachable = true;
            }
        } catch (RuntimeException e) {
            if (reachable) {
                log.warn("catalog {} unreachable, serving on cluster map version {}: {}", catalog.address(),
                        maps.map().version(), e.getMessage());
                reachable = false;
            }
        }
    }

    /** Servers refuse writes from epochs older than a volume's newest lease epoch. */
    private void raiseFences(ClusterMap map) {
        for (Volume v : map.volumes()) {
            if (v.active() && v.leaseEpoch() > 0 && store.fenceEpoch(v.id()) < v.leaseEpoch()) {
                store.raiseFence(v.id(), v.leaseEpoch());
            }
        }
    }
}
