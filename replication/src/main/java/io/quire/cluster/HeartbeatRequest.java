package io.quire.cluster;

import java.util.Map;

/**
 * Thread-safe (immutable): the body of {@code HEARTBEAT}, a server's periodic report to the
 * catalog. Every number is &gt;= 0.
 *
 * @param underReplicatedPages pages this server found with fewer than R copies in its last repair round
 * @param repairRounds         repair rounds completed since the server started; 0 means its
 *                             under-replication figure is not known yet
 * @param volumeUsage          volume id to bytes of that volume's pages held on this server
 */
public record HeartbeatRequest(String id, long usedBytes, long pages, long underReplicatedPages,
                               long repairRounds, Map<Long, Long> volumeUsage) {
}
