package io.quire.cluster;

/**
 * Thread-safe (immutable): the response of {@code ACQUIRE_LEASE} and {@code RENEW_LEASE}, the
 * read-write lease of a volume.
 *
 * @param volume      the volume as the catalog holds it after the grant (its id, page size, ...)
 * @param epoch       the fencing epoch to write with; servers refuse writes from older epochs
 * @param expiresAtMs catalog time at which the lease lapses unless renewed
 */
public record LeaseGrant(Volume volume, long epoch, String holder, long expiresAtMs) {
}
