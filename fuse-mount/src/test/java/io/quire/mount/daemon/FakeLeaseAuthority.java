package io.quire.mount.daemon;

import io.quire.cluster.LeaseGrant;
import io.quire.cluster.Volume;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread-safe (synchronized). The catalog's lease rules in memory, with faults as data: fail
 * renewals with a status, or let another holder take the lease.
 */
final class FakeLeaseAuthority implements LeaseAuthority {
    final AtomicInteger renewCalls = new AtomicInteger();
    final AtomicInteger releases = new AtomicInteger();
    private volatile Status failRenewals;
    private String holder;
    private long epoch;
    private long expiresAtMs;

    void failRenewals(Status status) {
        failRenewals = status;
    }

    /** Another mount takes the lease (as after this one's lapsed). */
    synchronized void steal(String other, long ttlMs) {
        holder = other;
        epoch++;
        expiresAtMs = System.currentTimeMillis() + ttlMs;
    }

    synchronized String holder() {
        return holder;
    }

    private Volume volume() {
        return new Volume(7, "vol", 65536, 3, 2, 1L << 30, 1L << 31, Volume.ACTIVE, epoch, holder, expiresAtMs, 0, 0);
    }

    @Override
    public synchronized LeaseGrant acquire(String volume, String who, long ttlMs) {
        long now = System.currentTimeMillis();
        if (holder != null && !holder.equals(who) && now < expiresAtMs) {
            throw new QuireException(Status.LEASE_HELD, "volume '" + volume + "' is leased by '" + holder + "'");
        }
        holder = who;
        epoch++;
        expiresAtMs = now + ttlMs;
        return new LeaseGrant(volume(), epoch, holder, expiresAtMs);
    }

    @Override
    public LeaseGrant renew(String volume, String who, long e, long ttlMs) {
        renewCalls.incrementAndGet();
        Status fail = failRenewals;
        if (fail != null) {
            throw new QuireException(fail, "injected");
        }
        synchronized (this) {
            if (!who.equals(holder) || e != epoch) {
                throw new QuireException(Status.LEASE_EXPIRED, "lease of " + volume + " is at epoch " + epoch);
            }
            expiresAtMs = System.currentTimeMillis() + ttlMs;
            return new LeaseGrant(volume(), epoch, holder, expiresAtMs);
        }
    }

    @Override
    public synchronized void release(String volume, String who, long e) {
        if (!who.equals(holder) || e != epoch) {
            throw new QuireException(Status.LEASE_EXPIRED, "not the holder");
        }
        holder = null;
        releases.incrementAndGet();
    }

    @Override
    public synchronized Optional<Holding> holding(String volume) {
        return holder == null ? Optional.empty()
                : Optional.of(new Holding(holder, epoch, expiresAtMs - System.currentTimeMillis()));
    }
}
