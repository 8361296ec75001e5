package io.quire.cluster;

import java.util.List;

/**
 * Thread-safe (immutable): the response of {@code CLUSTER_STATUS}, cluster health for
 * {@code quire status}.
 *
 * @param volumes              active volumes only
 * @param underReplicatedPages sum of the live servers' reports, or {@link #UNKNOWN} while a live
 *                             server has not finished its first repair round
 */
public record ClusterStatus(List<ServerEntry> servers, List<Volume> volumes, long underReplicatedPages) {

    public static final long UNKNOWN = -1;

    public ClusterStatus {
        servers = List.copyOf(servers);
        volumes = List.copyOf(volumes);
    }
}
