package io.quire.server.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quire.cluster.LeaseGrant;
import io.quire.cluster.Volume;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import io.quire.server.catalog.CatalogCommand.AcquireLease;
import io.quire.server.catalog.CatalogCommand.DeleteVolume;
import io.quire.server.catalog.CatalogCommand.ReleaseLease;
import io.quire.server.catalog.CatalogCommand.RenewLease;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Confined to the JUnit thread: lease grants, expiry by entry timestamps, renew and release. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LeaseRulesTest {
    private final CatalogStateMachine machine = new CatalogStateMachine();
    private final Commands log = new Commands();

    @BeforeEach
    void createVolume() {
        apply(0, Commands.volume("v"));
    }

    private Object apply(long nowMs, CatalogCommand c) {
        return machine.apply(log.at(nowMs, c));
    }

    private QuireException failure(long nowMs, CatalogCommand c) {
        return assertThrows(QuireException.class, () -> apply(nowMs, c));
    }

    @Test
    void acquireGrantsEpochOneAndExpiryFromTheEntryTimestamp() {
        LeaseGrant g = (LeaseGrant) apply(100, new AcquireLease("v", "m1", 5000));
        assertEquals(1, g.epoch());
        assertEquals("m1", g.holder());
        assertEquals(5100, g.expiresAtMs());
        assertEquals(1, g.volume().leaseEpoch());
        assertEquals("m1", g.volume().leaseHolder());
    }

    @Test
    void heldByAnotherIsLeaseHeldNamingHolderAndExpiry() {
        apply(100, new AcquireLease("v", "m1", 5000));
        QuireException e = failure(5099, new AcquireLease("v", "m2", 5000));
        assertEquals(Status.LEASE_HELD, e.status());
        assertTrue(e.getMessage().contains("'m1'") && e.getMessage().contains("5100"), e.getMessage());
    }

    @Test
    void anExpiredLeaseGoesToTheNextHolderWithANewEpoch() {
        apply(100, new AcquireLease("v", "m1", 5000));
        LeaseGrant g = (LeaseGrant) apply(5100, new AcquireLease("v", "m2", 1000));
        assertEquals(2, g.epoch());
        assertEquals("m2", g.holder());
        assertEquals(6100, g.expiresAtMs());
        assertEquals(Status.LEASE_EXPIRED, failure(5200, new RenewLease("v", "m1", 1, 1000)).status());
    }

    @Test
    void theSameHolderMayAcquireAgainAndGetsANewEpoch() {
        apply(100, new AcquireLease("v", "m1", 5000));
        LeaseGrant again = (LeaseGrant) apply(200, new AcquireLease("v", "m1", 5000));
        assertEquals(2, again.epoch());
        assertEquals(5200, again.expiresAtMs());
    }

    @Test
    void renewNeedsTheCurrentHolderAndEpochEvenJustAfterExpiry() {
        apply(100, new AcquireLease("v", "m1", 1000));
        LeaseGrant renewed = (LeaseGrant) apply(900, new RenewLease("v", "m1", 1, 1000));
        assertEquals(1, renewed.epoch());
        assertEquals(1900, renewed.expiresAtMs());
        LeaseGrant late = (LeaseGrant) apply(2500, new RenewLease("v", "m1", 1, 1000));
        assertEquals(3500, late.expiresAtMs(), "expired but nobody took it: renew still works");
        assertEquals(Status.LEASE_EXPIRED, failure(2600, new RenewLease("v", "m1", 2, 1000)).status());
        assertEquals(Status.LEASE_EXPIRED, failure(2600, new RenewLease("v", "m2", 1, 1000)).status());
    }

    @Test
    void releaseClearsTheHolderKeepsTheEpochAndTheNextGrantFences() {
        apply(100, new AcquireLease("v", "m1", 60_000));
        assertEquals(Status.LEASE_EXPIRED, failure(200, new ReleaseLease("v", "m2", 1)).status());
        assertEquals(Status.LEASE_EXPIRED, failure(200, new ReleaseLease("v", "m1", 2)).status());
        Volume released = (Volume) apply(300, new ReleaseLease("v", "m1", 1));
        assertNull(released.leaseHolder());
        assertEquals(1, released.leaseEpoch());
        assertEquals(Status.LEASE_EXPIRED, failure(400, new RenewLease("v", "m1", 1, 1000)).status());
        assertEquals(Status.LEASE_EXPIRED, failure(400, new ReleaseLease("v", "m1", 1)).status());
        LeaseGrant next = (LeaseGrant) apply(500, new AcquireLease("v", "m2", 1000));
        assertEquals(2, next.epoch(), "well before the old expiry, since it was released");
    }

    @Test
    void badLeaseArgumentsAreInvalid() {
        CatalogCommand[] bad = {
            new AcquireLease("v", null, 1000), new AcquireLease("v", "", 1000), new AcquireLease("v", "a\nb", 1000),
            new AcquireLease("v", "x".repeat(CatalogLimits.HOLDER_MAX_CHARS + 1), 1000),
            new AcquireLease("v", "m", 0), new AcquireLease("v", "m", CatalogLimits.LEASE_TTL_MAX_MS + 1),
            new RenewLease("v", "m", 0, 1000), new RenewLease("v", "m", 1, 0), new ReleaseLease("v", "m", 0),
            new ReleaseLease(null, "m", 1),
        };
        for (CatalogCommand c : bad) {
            assertEquals(Status.INVALID_ARGUMENT, failure(1, c).status(), c.toString());
        }
    }

    @Test
    void deletingAVolumeDropsItsHolderButKeepsItsEpoch() {
        apply(100, new AcquireLease("v", "m1", 60_000));
        Volume deleted = (Volume) apply(200, new DeleteVolume("v"));
        assertNull(deleted.leaseHolder());
        assertEquals(1, deleted.leaseEpoch());
        assertEquals(Status.NO_SUCH_VOLUME, failure(300, new AcquireLease("v", "m1", 1000)).status());
    }
}
