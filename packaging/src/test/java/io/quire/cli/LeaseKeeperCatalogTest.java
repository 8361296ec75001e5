package io.quire.cli;

import io.quire.client.CatalogClient;
import io.quire.client.ClusterMapCache;
import io.quire.cluster.Volume;
import io.quire.mount.daemon.CacheToken;
import io.quire.mount.daemon.CatalogLeaseAuthority;
import io.quire.mount.daemon.LeaseHolder;
import io.quire.mount.daemon.LeaseKeeper;
import io.quire.mount.daemon.Preflight;
import io.quire.net.ConnectionPool;
import io.quire.proto.Opcode;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import io.quire.server.ServerConfig;
import io.quire.server.VolumeServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Confined to the JUnit thread. The mount's lease keeper and pre-flight checks against a real
 * catalog: one {@code quire server --catalog} in this JVM on 127.0.0.1.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LeaseKeeperCatalogTest {
    static final long TTL_MS = 1_500;

    @TempDir
    Path tmp;
    VolumeServer server;
    ConnectionPool pool;
    CatalogClient catalog;
    ClusterMapCache maps;
    CatalogLeaseAuthority leases;

    @BeforeEach
    void start() throws Exception {
        server = VolumeServer.start(new ServerConfig(tmp.resolve("server"), "127.0.0.1", 0, "a", true, null,
                1L << 30, null, null, 200, 1000, 0, 1000, 60_000, 2));
        pool = new ConnectionPool();
        catalog = new CatalogClient(pool, server.address());
        maps = new ClusterMapCache(catalog);
        leases = new CatalogLeaseAuthority(catalog, maps);
        catalog.call(Opcode.CREATE_VOLUME, Map.of("name", "vol", "sizeBytes", 1L << 30, "maxSizeBytes", 1L << 31,
                "replicas", 1, "writeQuorum", 1, "pageSizeBytes", 65536), Volume.class);
    }

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private Volume volume() {
        return maps.refresh().map().volume("vol").orElseThrow();
    }

    @Test
    void oneReadWriteMountAtATimeEachWithANewEpoch() {
        LeaseHolder a = new LeaseHolder("hostA", 1, "/mnt/a");
        LeaseHolder b = new LeaseHolder("hostB", 2, "/mnt/b");
        long first;
        try (LeaseKeeper k = LeaseKeeper.acquire(leases, "vol", a, TTL_MS)) {
            first = k.epoch();
            assertEquals(a.toString(), volume().leaseHolder());
            await().atMost(Duration.ofSeconds(30)).until(() -> k.renewals() >= 2);
            QuireException e = assertThrows(QuireException.class, () -> LeaseKeeper.acquire(leases, "vol", b, TTL_MS));
            assertEquals(Status.LEASE_HELD, e.status());
            assertTrue(e.getMessage().contains("hostA:1:/mnt/a"), e.getMessage());
            QuireException early = assertThrows(QuireException.class,
                    () -> Preflight.checkLeaseFree(maps.refresh().map(), volume()));
            assertTrue(early.getMessage().contains("hostA:1:/mnt/a"), early.getMessage());
            assertTrue(k.held());
        }
        assertNull(volume().leaseHolder(), "released on close");
        Preflight.checkLeaseFree(maps.refresh().map(), volume());
        try (LeaseKeeper k = LeaseKeeper.acquire(leases, "vol", b, TTL_MS)) {
            assertEquals(first + 1, k.epoch());
        }
    }

    @Test
    void cacheTokensFollowTheCatalogsEpochs() {
        Path cache = tmp.resolve("cache");
        LeaseHolder a = new LeaseHolder("hostA", 1, "/mnt/a");
        Volume v = volume();
        try (LeaseKeeper k = LeaseKeeper.acquire(leases, "vol", a, TTL_MS)) {
            CacheToken.claim(cache, v.id(), v.name(), k.epoch());
        }
        try (LeaseKeeper k = LeaseKeeper.acquire(leases, "vol", a, TTL_MS)) {
            CacheToken.claim(cache, v.id(), v.name(), k.epoch()); // the next grant continues the cache
        }
        try (LeaseKeeper other = LeaseKeeper.acquire(leases, "vol", new LeaseHolder("hostB", 2, "/b"), TTL_MS)) {
            assertTrue(other.epoch() > 0); // another mount used the volume in between...
        }
        try (LeaseKeeper k = LeaseKeeper.acquire(leases, "vol", a, TTL_MS)) {
            long epoch = k.epoch();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> CacheToken.claim(cache, v.id(), v.name(), epoch)); // ...so this cache is stale
            assertTrue(e.getMessage().contains("stale"), e.getMessage());
        }
    }

    @Test
    void unknownVolumesAndUnreachableCatalogsAreOneClearLine() {
        QuireException e = assertThrows(QuireException.class, () -> Preflight.findVolume(maps, "nope", server.address()));
        assertEquals(Status.NO_SUCH_VOLUME, e.status());
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
        try (ClusterMapCache dead = new ClusterMapCache(new CatalogClient(pool, "127.0.0.1:1", 2_000))) {
            QuireException u = assertThrows(QuireException.class, () -> Preflight.findVolume(dead, "vol", "127.0.0.1:1"));
            assertTrue(u.getMessage().startsWith("cannot reach the catalog at 127.0.0.1:1"), u.getMessage());
        }
    }
}
