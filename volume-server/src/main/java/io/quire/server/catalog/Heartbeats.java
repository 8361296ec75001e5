package io.quire.server.catalog;

import io.quire.cluster.HeartbeatRequest;
import io.quire.proto.Limits;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Thread-safe (a concurrent map): the servers' last reports, soft state that is not logged. Holds entries only for
 * registered servers, so it is bounded by {@link Limits#SERVERS_MAX}.
 */
final class Heartbeats {
    /** Volume ids one report may list: every volume the catalog may hold, deleted ones included. */
    static final int VOLUME_USAGE_ENTRIES_MAX = Limits.VOLUMES_MAX + CatalogLimits.DELETED_VOLUMES_KEPT_MAX;

    private final Map<String, Heartbeat> byServer = new ConcurrentHashMap<>();

    /**
     * A (re)registration counts as a heartbeat. It starts a new server process, whose repair state
     * is not known yet: repair figures reset, the last usage figures stay until its next report.
     */
    void registered(String id, long nowMs) {
        byServer.merge(id, new Heartbeat(nowMs, 0, 0, 0, 0, Map.of()),
                (old, fresh) -> new Heartbeat(nowMs, old.usedBytes(), old.pages(), 0, 0, old.volumeUsage()));
    }

    /** Records a report from a registered server; throws INVALID_ARGUMENT for out-of-range figures. */
    void report(HeartbeatRequest r, long nowMs) {
        Map<Long, Long> usage = r.volumeUsage() == null ? Map.of() : r.volumeUsage();
        if (usage.size() > VOLUME_USAGE_ENTRIES_MAX) {
            throw Arguments.invalid("volumeUsage lists " + usage.size() + " volumes, at most "
                    + VOLUME_USAGE_ENTRIES_MAX);
        }
        for (Map.Entry<Long, Long> e : usage.entrySet()) {
            Arguments.range(Arguments.required(e.getKey(), "volumeUsage key"), 0, Long.MAX_VALUE, "volume id");
            Arguments.range(Arguments.required(e.getValue(), "volumeUsage value"), 0,
                    CatalogLimits.REPORTED_VALUE_MAX, "volumeUsage of volume " + e.getKey());
        }
        Heartbeat beat = new Heartbeat(nowMs, figure(r.usedBytes(), "usedBytes"), figure(r.pages(), "pages"),
                // -1: the server has not finished a repair round yet (unknown).
                Arguments.range(r.underReplicatedPages(), -1, CatalogLimits.REPORTED_VALUE_MAX, "underReplicatedPages"),
                figure(r.repairRounds(), "repairRounds"), usage);
        byServer.put(r.id(), beat);
    }

    Map<String, Heartbeat> snapshot() {
        return Map.copyOf(byServer);
    }

    private static long figure(long value, String field) {
        return Arguments.range(value, 0, CatalogLimits.REPORTED_VALUE_MAX, field);
    }
}
