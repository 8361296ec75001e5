package io.quire.mount.daemon;

import io.quire.cluster.LeaseGrant;
import io.quire.cluster.Volume;
import io.quire.mount.Errno;
import io.quire.mount.PosixException;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. The read-write lease of one volume for one mount: acquired once, renewed every
 * TTL/{@value #RENEWALS_PER_TTL} by its own thread, released on close.
 *
 * <p>The lease counts as held while the last successful renewal was <em>sent</em> less than a
 * TTL ago (the catalog counts from when it received it, later) and the catalog has not said it
 * is gone. A renewal refused with LEASE_EXPIRED or LEASE_HELD means another mount has the volume
 * now: that is final, logged at ERROR, and every later write fails with EIO ({@link #checkHeld}).
 * A catalog that merely does not answer is retried; the lease lapses after its TTL and comes back
 * if a later renewal succeeds (the catalog allows that while nobody else took it).
 *
 * <p>Acquiring while the holder is a dead daemon of this host (killed with -9) waits for its
 * lease to lapse instead of failing, so a restart after a crash just works.
 */
public final class LeaseKeeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);

    public static final long TTL_DEFAULT_MS = 15_000;
    /** Short TTLs are for tests; below this, renewals could not keep up with a loaded machine. */
    public static final long TTL_MIN_MS = 300;
    public static final long TTL_MAX_MS = 10 * 60_000;
    static final int RENEWALS_PER_TTL = 3;
    /** After a failed renewal the next try comes this many times sooner. */
    static final int RETRY_SPEEDUP = 3;
    /** How long acquire waits at most for a dead local holder's lease to lapse. */
    static final long DEAD_HOLDER_WAIT_MAX_MS = TTL_MAX_MS + 5_000;
    /** Added to a dead holder's remaining time, for clock steps and the catalog's own delay. */
    static final long DEAD_HOLDER_WAIT_MARGIN_MS = 1_000;
    static final long ACQUIRE_RETRY_MS = 200;
    private static final long JOIN_TIMEOUT_MS = 5_000;

    private final LeaseAuthority authority;
    private final String volume;
    private final String holder;
    private final long ttlMs;
    private final long epoch;
    private final Volume grantedVolume;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread renewer;
    private volatile long lastRenewSentNs;
    private volatile boolean lost;
    private volatile boolean lapsedLogged;
    private volatile long renewals;

    private LeaseKeeper(LeaseAuthority authority, String volume, String holder, long ttlMs, LeaseGrant grant,
                        long sentNs) {
        this.authority = authority;
        this.volume = volume;
        this.holder = holder;
        this.ttlMs = ttlMs;
        this.epoch = grant.epoch();
        this.grantedVolume = grant.volume();
        this.lastRenewSentNs = sentNs;
        this.renewer = new Thread(this::renewLoop, "quire-lease-" + volume);
        renewer.setDaemon(true);
    }

    /**
     * Acquires the lease of {@code volume} for {@code holder} and starts renewing it.
     *
     * @throws QuireException LEASE_HELD naming the holder when another live mount has it
     */
    public static LeaseKeeper acquire(LeaseAuthority authority, String volume, LeaseHolder holder, long ttlMs) {
        if (ttlMs < TTL_MIN_MS || ttlMs > TTL_MAX_MS) {
            throw new IllegalArgumentException("lease TTL " + ttlMs + " ms outside " + TTL_MIN_MS + ".." + TTL_MAX_MS);
        }
        String me = holder.toString();
        String here = holder.host();
        long waitUntilNs = 0;
        while (true) {
            long sent = System.nanoTime();
            try {
                LeaseGrant g = authority.acquire(volume, me, ttlMs);
                LeaseKeeper k = new LeaseKeeper(authority, volume, me, ttlMs, g, sent);
                k.renewer.start();
                log.info("volume {} (id {}) read-write lease taken at epoch {} by {}, TTL {} ms", volume,
                        g.volume().id(), g.epoch(), me, ttlMs);
                return k;
            } catch (QuireException e) {
                if (e.status() != Status.LEASE_HELD) {
                    throw e;
                }
                Optional<LeaseAuthority.Holding> h = authority.holding(volume);
                boolean deadHere = h.flatMap(x -> LeaseHolder.parse(x.holder())).map(x -> x.isDeadHereOn(here))
                        .orElse(false);
                if (!deadHere) {
                    throw new QuireException(Status.LEASE_HELD, "a second read-write mount is refused: " + e.getMessage()
                            + "; unmount it there first, or mount with --read-only", e);
                }
                if (waitUntilNs == 0) {
                    long waitMs = Math.min(DEAD_HOLDER_WAIT_MAX_MS, Math.max(0, h.get().remainingMs())
                            + DEAD_HOLDER_WAIT_MARGIN_MS);
                    waitUntilNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
                    log.warn("volume {} is leased by '{}', a mount daemon of this host that is no longer running;"
                            + " waiting up to {} ms for its lease to lapse", volume, h.get().holder(), waitMs);
                } else if (System.nanoTime() - waitUntilNs > 0) {
                    throw e;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ACQUIRE_RETRY_MS));
            }
        }
    }

    /** The fencing epoch every page version of this mount carries. */
    public long epoch() {
        return epoch;
    }

    /** The volume as the catalog held it when it granted the lease. */
    public Volume grantedVolume() {
        return grantedVolume;
    }

    public String holder() {
        return holder;
    }

    /** Successful renewals so far (for tests and status). */
    public long renewals() {
        return renewals;
    }

    /** True while this mount may write: renewed less than a TTL ago and not taken by another. */
    public boolean held() {
        return !lost && System.nanoTime() - lastRenewSentNs < TimeUnit.MILLISECONDS.toNanos(ttlMs);
    }

    /** Throws EIO when the lease is not held: the servers would fence this mount's writes. */
    public void checkHeld() {
        if (!held()) {
            throw new PosixException(Errno.EIO, "volume " + volume + " is not leased to this mount (epoch " + epoch
                    + (lost ? ", taken by another mount" : ", lease lapsed: the catalog does not answer") + ")");
        }
    }

    private void renewLoop() {
        long intervalMs = Math.max(1, ttlMs / RENEWALS_PER_TTL);
        boolean failing = false;
        while (!lost) {
            try {
                if (stop.await(failing ? Math.max(1, intervalMs / RETRY_SPEEDUP) : intervalMs, TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            long sent = System.nanoTime();
            try {
                authority.renew(volume, holder, epoch, ttlMs);
                lastRenewSentNs = sent;
                renewals++;
                if (failing) {
                    log.info("volume {} lease at epoch {} renewed again", volume, epoch);
                }
                failing = false;
                lapsedLogged = false;
            } catch (QuireException e) {
                failing = true;
                onRenewFailure(e);
            } catch (RuntimeException e) {
                failing = true;
                onRenewFailure(new QuireException(QuireException.statusOf(e), String.valueOf(e.getMessage()), e));
            }
        }
    }

    private void onRenewFailure(QuireException e) {
        switch (e.status()) {
            case LEASE_EXPIRED, LEASE_HELD, FENCED, NO_SUCH_VOLUME -> {
                lost = true;
                log.error("LEASE LOST: volume {} is no longer leased to this mount ({} at epoch {}): {}."
                        + " Every write now fails with EIO; unmount and mount again to continue.", volume, holder,
                        epoch, e.toString());
            }
            default -> {
                if (!held() && !lapsedLogged) {
                    lapsedLogged = true;
                    log.error("LEASE LAPSED: volume {} lease at epoch {} could not be renewed for {} ms ({});"
                            + " writes fail with EIO until a renewal succeeds", volume, epoch, ttlMs, e.toString());
                } else {
                    log.warn("volume {} lease at epoch {}: renewal failed, retrying: {}", volume, epoch, e.toString());
                }
            }
        }
    }

    /** Stops renewing and releases the lease (best effort: if that fails it lapses after its TTL). */
    @Override
    public void close() {
        stop.countDown();
        try {
            renewer.join(JOIN_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (lost) {
            return;
        }
        try {
            authority.release(volume, holder, epoch);
            log.info("volume {} read-write lease at epoch {} released", volume, epoch);
        } catch (RuntimeException e) {
            log.warn("volume {} lease at epoch {} not released ({}); it lapses within {} ms", volume, epoch,
                    e.toString(), ttlMs);
        }
    }
}
