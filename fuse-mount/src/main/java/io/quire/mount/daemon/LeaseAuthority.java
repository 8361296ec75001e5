package io.quire.mount.daemon;

import io.quire.cluster.LeaseGrant;
import java.util.Optional;

/**
 * Must be thread-safe. Grants, renews and releases the read-write lease of a volume (the
 * catalog's ACQUIRE_LEASE, RENEW_LEASE and RELEASE_LEASE); fails with
 * {@link io.quire.proto.QuireException} carrying the catalog's status ({@code LEASE_HELD},
 * {@code LEASE_EXPIRED}, ...). Each call is bounded by the implementation's timeout.
 */
public interface LeaseAuthority {
    /**
     * Thread-safe (immutable). Who holds a lease and for how much longer.
     *
     * @param remainingMs catalog time left until the lease lapses unless renewed
     */
    record Holding(String holder, long epoch, long remainingMs) {
    }

    LeaseGrant acquire(String volume, String holder, long ttlMs);

    LeaseGrant renew(String volume, String holder, long epoch, long ttlMs);

    void release(String volume, String holder, long epoch);

    /** The lease of {@code volume} as the catalog publishes it now; empty when nobody holds it. */
    Optional<Holding> holding(String volume);
}
