package io.quire.cluster;

import java.util.List;
import java.util.Optional;

/**
 * A snapshot of the cluster as the catalog published it: servers and volumes. Thread-safe
 * (immutable). Mounts and servers keep the last map they saw and keep working on it while the
 * catalog is briefly unreachable.
 *
 * @param version     grows with every catalog change (state-machine index)
 * @param catalogTimeMs the catalog's clock when it built this map
 */
public record ClusterMap(long version, long catalogTimeMs, List<ServerEntry> servers, List<Volume> volumes) {

    public static final ClusterMap EMPTY = new ClusterMap(0, 0, List.of(), List.of());

    public ClusterMap {
        servers = List.copyOf(servers);
        volumes = List.copyOf(volumes);
    }

    public Optional<Volume> volume(String name) {
        return volumes.stream().filter(v -> v.name().equals(name) && v.active()).findFirst();
    }

    public Optional<Volume> volume(long id) {
        return volumes.stream().filter(v -> v.id() == id).findFirst();
    }

    public Optional<ServerEntry> server(String id) {
        return servers.stream().filter(s -> s.id().equals(id)).findFirst();
    }

    /** Servers that take part in placement. */
    public List<ServerEntry> placedServers() {
        return servers.stream().filter(ServerEntry::placed).toList();
    }
}
