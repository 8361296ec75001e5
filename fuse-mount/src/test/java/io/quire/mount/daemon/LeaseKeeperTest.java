package io.quire.mount.daemon;

import io.quire.mount.Errno;
import io.quire.mount.PosixException;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Confined to the JUnit thread (the keeper renews on its own). The lease keeper over a fake catalog. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeaseKeeperTest {
    static final long TTL_MS = 600;
    static final Duration WAIT = Duration.ofSeconds(20);
    final FakeLeaseAuthority catalog = new FakeLeaseAuthority();
    final LeaseHolder me = LeaseHolder.of(Path.of("/mnt/test"));

    @Test
    void renewsWhileOpenAndReleasesOnClose() {
        try (LeaseKeeper k = LeaseKeeper.acquire(catalog, "vol", me, TTL_MS)) {
            assertEquals(1, k.epoch());
            assertEquals(me.toString(), catalog.holder());
            await().atMost(WAIT).until(() -> k.renewals() >= 3);
            assertTrue(k.held());
            k.checkHeld();
        }
        assertNull(catalog.holder(), "released");
        assertEquals(1, catalog.releases.get());
    }

    @Test
    void aSecondHolderIsRefusedWithTheFirstOnesName() {
        catalog.acquire("vol", "otherhost:1234:/mnt/there", 60_000);
        QuireException e = assertThrows(QuireException.class, () -> LeaseKeeper.acquire(catalog, "vol", me, TTL_MS));
        assertEquals(Status.LEASE_HELD, e.status());
        assertTrue(e.getMessage().contains("otherhost:1234:/mnt/there") && e.getMessage().contains("--read-only"),
                e.getMessage());
    }

    @Test
    void aLiveHolderOfThisHostIsNotWaitedFor() {
        catalog.acquire("vol", LeaseHolder.hostName() + ":" + ProcessHandle.current().pid() + ":/mnt/other", 60_000);
        long start = System.nanoTime();
        assertThrows(QuireException.class, () -> LeaseKeeper.acquire(catalog, "vol", me, TTL_MS));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "refused at once");
    }

    @Test
    void theLeaseOfADeadDaemonOfThisHostIsWaitedOut() throws Exception {
        Process p = new ProcessBuilder("true").start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        catalog.acquire("vol", LeaseHolder.hostName() + ":" + p.pid() + ":/mnt/test", 1_000);
        try (LeaseKeeper k = LeaseKeeper.acquire(catalog, "vol", me, TTL_MS)) {
            assertEquals(2, k.epoch(), "a new epoch fences the dead daemon");
            assertEquals(me.toString(), catalog.holder());
        }
    }

    @Test
    void aLeaseTakenByAnotherMountIsLostForGoodAndWritesFailWithEio() {
        try (LeaseKeeper k = LeaseKeeper.acquire(catalog, "vol", me, TTL_MS)) {
            catalog.steal("otherhost:1:/mnt", 60_000);
            await().atMost(WAIT).until(() -> !k.held());
            PosixException e = assertThrows(PosixException.class, k::checkHeld);
            assertEquals(Errno.EIO, e.errno());
            int calls = catalog.renewCalls.get();
            await().during(Duration.ofMillis(3 * TTL_MS)).atMost(WAIT).until(() -> catalog.renewCalls.get() == calls);
        }
        assertEquals(0, catalog.releases.get(), "a lost lease is not released");
        assertEquals("otherhost:1:/mnt", catalog.holder());
    }

    @Test
    void anUnansweredCatalogLapsesTheLeaseUntilARenewalSucceeds() {
        try (LeaseKeeper k = LeaseKeeper.acquire(catalog, "vol", me, TTL_MS)) {
            catalog.failRenewals(Status.UNAVAILABLE);
            await().atMost(WAIT).until(() -> !k.held());
            assertThrows(PosixException.class, k::checkHeld);
            catalog.failRenewals(null);
            await().atMost(WAIT).until(k::held);
            k.checkHeld();
        }
        assertEquals(1, catalog.releases.get());
    }

    @Test
    void holdersParseBack() {
        LeaseHolder h = new LeaseHolder("host", 42, "/mnt/a:b");
        assertEquals(h, LeaseHolder.parse(h.toString()).orElseThrow());
        assertTrue(LeaseHolder.parse("free text").isEmpty());
        assertTrue(new LeaseHolder("h", 1, "/" + "x".repeat(400)).toString().length() <= LeaseHolder.HOLDER_MAX_CHARS);
    }
}
