package io.quire.server.catalog;

import io.quire.cluster.Volume;
import java.util.List;

/**
 * Thread-safe (immutable): the whole catalog state at one log index, what {@code snapshot.json}
 * holds and what readers of the catalog see. Two replays of the same entries give equal snapshots
 * and equal JSON (lists are ordered by server id and volume id).
 *
 * @param lastAppliedIndex       index of the last entry applied (0 for an empty catalog)
 * @param lastAppliedTimestampMs timestamp of that entry, so proposers never go back in time
 * @param nextVolumeId           the id the next volume gets; ids are never reused
 * @param volumes                active and DELETED volumes; {@code usedBytes} as last reported by GROW_VOLUME
 */
public record CatalogSnapshot(long lastAppliedIndex, long lastAppliedTimestampMs, long nextVolumeId,
                              List<ServerRecord> servers, List<Volume> volumes) {

    public static final CatalogSnapshot EMPTY = new CatalogSnapshot(0, 0, 1, List.of(), List.of());

    public CatalogSnapshot {
        servers = List.copyOf(servers);
        volumes = List.copyOf(volumes);
    }
}
