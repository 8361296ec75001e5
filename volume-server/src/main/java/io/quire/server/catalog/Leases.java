package io.quire.server.catalog;

import io.quire.cluster.Volume;
import io.quire.proto.QuireException;
import io.quire.proto.Status;

/**
 * Thread-safe (stateless): the read-write lease rules, as pure functions of a volume and the
 * entry's timestamp.
 *
 * <p>Every grant raises the volume's epoch, and servers refuse writes from older epochs: so a
 * mount that lost its lease (paused, cut off) cannot overwrite what the next holder wrote.
 */
final class Leases {
    private Leases() {
    }

    /** Granted when nobody holds the lease, it expired ({@code nowMs >= expiresAt}), or the holder asks again. */
    static Volume acquire(Volume v, String holder, long nowMs, long ttlMs) {
        String current = v.leaseHolder();
        if (current != null && !current.equals(holder) && nowMs < v.leaseExpiresAtMs()) {
            throw new QuireException(Status.LEASE_HELD, "volume '" + v.name() + "' (id " + v.id()
                    + ") is leased by '" + current + "' until " + v.leaseExpiresAtMs() + " ms catalog time ("
                    + (v.leaseExpiresAtMs() - nowMs) + " ms from now, epoch " + v.leaseEpoch() + ")");
        }
        return VolumeChanges.lease(v, v.leaseEpoch() + 1, holder, nowMs + ttlMs);
    }

    /** Extends the current lease; allowed just after expiry too, as long as nobody took it since. */
    static Volume renew(Volume v, String holder, long epoch, long nowMs, long ttlMs) {
        requireCurrent(v, holder, epoch, "renew");
        return VolumeChanges.lease(v, epoch, holder, nowMs + ttlMs);
    }

    /** Clears the holder; the epoch stays, so the next grant fences this holder's late writes. */
    static Volume release(Volume v, String holder, long epoch) {
        requireCurrent(v, holder, epoch, "release");
        return VolumeChanges.lease(v, epoch, null, 0);
    }

    private static void requireCurrent(Volume v, String holder, long epoch, String what) {
        if (!holder.equals(v.leaseHolder()) || epoch != v.leaseEpoch()) {
            String now = v.leaseHolder() == null ? "no holder" : "held by '" + v.leaseHolder() + "'";
            throw new QuireException(Status.LEASE_EXPIRED, "cannot " + what + " lease of volume '" + v.name()
                    + "' for '" + holder + "' at epoch " + epoch + ": the lease is at epoch " + v.leaseEpoch()
                    + ", " + now);
        }
    }
}
