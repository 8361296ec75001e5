package io.quire.server.catalog;

import io.quire.cluster.ClusterMap;
import io.quire.cluster.ClusterStatus;
import io.quire.cluster.ServerEntry;
import io.quire.cluster.Volume;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Thread-safe (immutable; pure functions of their inputs): builds what clients see (the
 * {@link ClusterMap}, the {@link ClusterStatus}) from the catalog state, the servers' reports and
 * the time.
 */
final class ClusterView {
    private final CatalogConfig config;
    private final long catalogStartMs;

    /** @param catalogStartMs stands in for the last heartbeat of a server not heard since the start */
    ClusterView(CatalogConfig config, long catalogStartMs) {
        this.config = config;
        this.catalogStartMs = catalogStartMs;
    }

    ClusterMap map(CatalogSnapshot state, Map<String, Heartbeat> beats, long nowMs) {
        List<ServerEntry> servers = servers(state, beats, nowMs);
        return new ClusterMap(state.lastAppliedIndex(), nowMs, servers, volumes(state, beats, servers, false));
    }

    /** Under-replicated pages are unknown (-1) while a live server has not finished a repair round. */
    ClusterStatus status(CatalogSnapshot state, Map<String, Heartbeat> beats, long nowMs) {
        List<ServerEntry> servers = servers(state, beats, nowMs);
        long under = 0;
        for (ServerEntry s : servers) {
            Heartbeat b = beats.get(s.id());
            if (s.live() && b != null) {
                if (b.repairRounds() == 0 || b.underReplicatedPages() < 0) {
                    under = ClusterStatus.UNKNOWN;
                    break;
                }
                under += b.underReplicatedPages();
            }
        }
        return new ClusterStatus(servers, volumes(state, beats, servers, true), under);
    }

    private List<ServerEntry> servers(CatalogSnapshot state, Map<String, Heartbeat> beats, long nowMs) {
        List<ServerEntry> out = new ArrayList<>(state.servers().size());
        for (ServerRecord s : state.servers()) {
            Heartbeat b = beats.get(s.id());
            long ageMs = Math.max(0, nowMs - (b == null ? catalogStartMs : b.receivedAtMs()));
            boolean live = b != null && ageMs < config.livenessTimeoutMs();
            boolean placed = live || ageMs < config.reReplicationGraceMs();
            out.add(new ServerEntry(s.id(), s.address(), s.zone(), s.capacityBytes(),
                    b == null ? 0 : b.usedBytes(), b == null ? 0 : b.pages(), live, placed, ageMs,
                    b == null ? 0 : b.underReplicatedPages()));
        }
        return out;
    }

    /**
     * A volume's used bytes: the placed servers' reports divided by R (one replica's worth); with no
     * report, the last figure the mount sent with GROW_VOLUME. Servers past the grace period are
     * left out: their pages are being copied elsewhere and would be counted twice.
     */
    private static List<Volume> volumes(CatalogSnapshot state, Map<String, Heartbeat> beats,
                                        List<ServerEntry> servers, boolean activeOnly) {
        Map<Long, Long> reported = new HashMap<>();
        for (ServerEntry s : servers) {
            Heartbeat b = beats.get(s.id());
            if (s.placed() && b != null) {
                b.volumeUsage().forEach((id, bytes) -> reported.merge(id, bytes, Long::sum));
            }
        }
        List<Volume> out = new ArrayList<>(state.volumes().size());
        for (Volume v : state.volumes()) {
            if (activeOnly && !v.active()) {
                continue;
            }
            Long sum = reported.get(v.id());
            out.add(sum == null ? v : VolumeChanges.usedBytes(v, sum / v.replicas()));
        }
        return out;
    }
}
