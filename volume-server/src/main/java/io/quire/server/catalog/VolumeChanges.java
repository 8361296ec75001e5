package io.quire.server.catalog;

import io.quire.cluster.Volume;

/**
 * Thread-safe (stateless): copies of an immutable {@link Volume} with one group of fields changed
 * (the shared record has no withers).
 */
final class VolumeChanges {
    private VolumeChanges() {
    }

    static Volume lease(Volume v, long epoch, String holder, long expiresAtMs) {
        return new Volume(v.id(), v.name(), v.pageSizeBytes(), v.replicas(), v.writeQuorum(), v.sizeBytes(),
                v.maxSizeBytes(), v.state(), epoch, holder, expiresAtMs, v.usedBytes(), v.createdAtMs());
    }

    static Volume size(Volume v, long sizeBytes, long maxSizeBytes) {
        return new Volume(v.id(), v.name(), v.pageSizeBytes(), v.replicas(), v.writeQuorum(), sizeBytes,
                maxSizeBytes, v.state(), v.leaseEpoch(), v.leaseHolder(), v.leaseExpiresAtMs(), v.usedBytes(),
                v.createdAtMs());
    }

    static Volume usedBytes(Volume v, long usedBytes) {
        return new Volume(v.id(), v.name(), v.pageSizeBytes(), v.replicas(), v.writeQuorum(), v.sizeBytes(),
                v.maxSizeBytes(), v.state(), v.leaseEpoch(), v.leaseHolder(), v.leaseExpiresAtMs(), usedBytes,
                v.createdAtMs());
    }

    /** DELETED, without a lease holder; the epoch stays so that fencing never goes back. */
    static Volume deleted(Volume v) {
        return new Volume(v.id(), v.name(), v.pageSizeBytes(), v.replicas(), v.writeQuorum(), v.sizeBytes(),
                v.maxSizeBytes(), Volume.DELETED, v.leaseEpoch(), null, 0, v.usedBytes(), v.createdAtMs());
    }
}
