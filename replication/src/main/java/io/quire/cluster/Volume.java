package io.quire.cluster;

/**
 * A volume's catalog record. Thread-safe (immutable).
 *
 * @param state       {@code ACTIVE} or {@code DELETED} (kept so that servers free its pages)
 * @param leaseEpoch  the fencing epoch of the newest read-write lease; servers refuse writes from
 *                    older epochs
 * @param usedBytes   bytes of pages stored for this volume, one replica's worth (as last reported)
 */
public record Volume(long id, String name, int pageSizeBytes, int replicas, int writeQuorum,
                     long sizeBytes, long maxSizeBytes, String state, long leaseEpoch,
                     String leaseHolder, long leaseExpiresAtMs, long usedBytes, long createdAtMs) {

    public static final String ACTIVE = "ACTIVE";
    public static final String DELETED = "DELETED";

    public boolean active() {
        return ACTIVE.equals(state);
    }
}
