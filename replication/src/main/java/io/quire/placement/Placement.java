package io.quire.placement;

import io.quire.cluster.ServerEntry;
import java.util.List;

/**
 * Where the replicas of a page group live. Implementations are pure functions of the server list
 * they were built from: no I/O, no clock. Thread-safe.
 */
public interface Placement {

    /**
     * The servers holding group {@code group} of volume {@code volumeId}, best first, at most
     * {@code replicaCount} of them (fewer only when there are fewer servers). The first live one
     * leads the group's repair.
     */
    List<ServerEntry> replicasFor(long volumeId, int group, int replicaCount);
}
