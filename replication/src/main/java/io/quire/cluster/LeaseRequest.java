package io.quire.cluster;

/**
 * Thread-safe (immutable): the body of {@code ACQUIRE_LEASE} ({@code name, holder, ttlMs}),
 * {@code RENEW_LEASE} (all four) and {@code RELEASE_LEASE} ({@code name, holder, epoch}).
 *
 * @param holder who asks (a mount's identity, e.g. "host:pid:uuid"); printable, 1..256 chars
 * @param epoch  the fencing epoch of the lease being renewed or released (&gt;= 1); ignored by acquire
 * @param ttlMs  how long the lease lasts from the catalog's time of the request; ignored by release
 */
public record LeaseRequest(String name, String holder, long epoch, long ttlMs) {

    public static LeaseRequest acquire(String name, String holder, long ttlMs) {
        return new LeaseRequest(name, holder, 0, ttlMs);
    }

    public static LeaseRequest renew(String name, String holder, long epoch, long ttlMs) {
        return new LeaseRequest(name, holder, epoch, ttlMs);
    }

    public static LeaseRequest release(String name, String holder, long epoch) {
        return new LeaseRequest(name, holder, epoch, 0);
    }
}
