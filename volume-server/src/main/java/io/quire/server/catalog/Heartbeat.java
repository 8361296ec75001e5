package io.quire.server.catalog;

import java.util.Map;

/**
 * Thread-safe (immutable): the last report of one server, soft state kept in memory only (servers
 * report again within seconds of a catalog restart).
 *
 * @param receivedAtMs catalog clock when the report arrived
 * @param repairRounds repair rounds the server completed since it started (0: not known yet)
 * @param volumeUsage  volume id to bytes of that volume held on this server
 */
record Heartbeat(long receivedAtMs, long usedBytes, long pages, long underReplicatedPages, long repairRounds,
                 Map<Long, Long> volumeUsage) {

    Heartbeat {
        volumeUsage = Map.copyOf(volumeUsage);
    }
}
