package io.quire.server.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quire.cluster.ClusterMap;
import io.quire.cluster.ClusterStatus;
import io.quire.cluster.CreateVolumeRequest;
import io.quire.cluster.HeartbeatRequest;
import io.quire.cluster.RegisterServerRequest;
import io.quire.cluster.ResizeVolumeRequest;
import io.quire.cluster.ServerEntry;
import io.quire.cluster.VolumeNameRequest;
import io.quire.proto.Opcode;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Confined to the JUnit thread: liveness, placement, usage and status as the catalog publishes them, on a hand-driven clock. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClusterViewTest {
    private static final long LIVENESS_MS = 3000;
    private static final long GRACE_MS = 60_000;
    private static final long GIB = 1L << 30;

    @TempDir
    Path dir;
    private CatalogFixture f;

    @BeforeEach
    void open() throws IOException {
        f = new CatalogFixture(dir, new CatalogConfig(LIVENESS_MS, GRACE_MS));
    }

    @AfterEach
    void close() throws IOException {
        f.close();
    }

    private void register(String id) {
        f.catalog.register(new RegisterServerRequest(id, "127.0.0.1:700" + id.charAt(1), "z" + id.charAt(1), GIB));
    }

    private void beat(String id, long underReplicated, long repairRounds, Map<Long, Long> usage) {
        f.catalog.heartbeat(new HeartbeatRequest(id, 5 * GIB, 77, underReplicated, repairRounds, usage));
    }

    private ServerEntry server(String id) {
        return f.catalog.clusterMap().server(id).orElseThrow();
    }

    @Test
    void liveWithinTheTimeoutPlacedWithinTheGrace() {
        register("s1");
        ServerEntry fresh = server("s1");
        assertTrue(fresh.live() && fresh.placed());
        assertEquals(0, fresh.lastHeartbeatAgeMs());
        beat("s1", 0, 1, Map.of());
        assertEquals(5 * GIB, server("s1").usedBytes());
        assertEquals(77, server("s1").pages());
        f.advance(LIVENESS_MS - 1);
        assertTrue(server("s1").live());
        f.advance(1);
        ServerEntry late = server("s1");
        assertFalse(late.live());
        assertTrue(late.placed(), "down for less than the grace period");
        assertEquals(LIVENESS_MS, late.lastHeartbeatAgeMs());
        f.advance(GRACE_MS - LIVENESS_MS);
        assertFalse(server("s1").placed());
        assertTrue(f.catalog.clusterMap().placedServers().isEmpty());
        beat("s1", 0, 1, Map.of());
        assertTrue(server("s1").live() && server("s1").placed());
    }

    @Test
    void afterARestartUnheardServersArePlacedForTheGraceFromTheStart() throws IOException {
        register("s1");
        f.advance(10 * GRACE_MS);
        f.reopen();
        ServerEntry s = server("s1");
        assertFalse(s.live());
        assertTrue(s.placed(), "a catalog restart must not move data");
        assertEquals(0, s.usedBytes());
        f.advance(GRACE_MS);
        assertFalse(server("s1").placed());
    }

    @Test
    void heartbeatFromAnUnknownServerIsNoSuchServer() {
        QuireException e = assertThrows(QuireException.class,
                () -> f.catalog.heartbeat(new HeartbeatRequest("ghost", 0, 0, 0, 0, null)));
        assertEquals(Status.NO_SUCH_SERVER, e.status());
        register("s1");
        assertEquals(Status.INVALID_ARGUMENT, assertThrows(QuireException.class,
                () -> f.catalog.heartbeat(new HeartbeatRequest("s1", -1, 0, 0, 0, null))).status());
        assertEquals(Status.INVALID_ARGUMENT, assertThrows(QuireException.class,
                () -> f.catalog.heartbeat(new HeartbeatRequest("s1", 0, 0, 0, 0, Map.of(1L, -5L)))).status());
    }

    @Test
    void reRegisteringUnchangedIsNotLoggedButAChangeIs() {
        register("s1");
        long version = f.catalog.clusterMap().version();
        register("s1");
        assertEquals(version, f.catalog.clusterMap().version());
        f.catalog.register(new RegisterServerRequest("s1", "127.0.0.1:7999", "z1", GIB));
        assertEquals(version + 1, f.catalog.clusterMap().version());
        assertEquals("127.0.0.1:7999", server("s1").address());
        ClusterMap viaJson = f.call(Opcode.REGISTER_SERVER,
                "{\"id\":\"s2\",\"address\":\"127.0.0.1:7002\",\"capacityBytes\":5}", ClusterMap.class);
        assertEquals(CatalogLimits.ZONE_DEFAULT, viaJson.server("s2").orElseThrow().zone());
    }

    @Test
    void volumeUsageIsOneReplicasWorthOfThePlacedServersReports() {
        long id = f.catalog.createVolume(new CreateVolumeRequest("v", 10 * GIB, 0, 3, 2, 0)).id();
        for (String s : new String[] {"s1", "s2", "s3"}) {
            register(s);
            beat(s, 0, 1, Map.of(id, 3 * GIB));
        }
        assertEquals(3 * GIB, f.catalog.clusterMap().volume("v").orElseThrow().usedBytes());
        f.call(Opcode.HEARTBEAT, "{\"id\":\"s3\",\"repairRounds\":1,\"volumeUsage\":{\"" + id + "\":" + 6 * GIB + "}}");
        assertEquals(4 * GIB, f.catalog.clusterMap().volume("v").orElseThrow().usedBytes(), "(3 + 3 + 6) / 3 GiB");
        beat("s3", 0, 1, Map.of(id, 3 * GIB));
        QuireException e = assertThrows(QuireException.class,
                () -> f.catalog.resizeVolume(new ResizeVolumeRequest("v", 3 * GIB - 1)));
        assertEquals(Status.INVALID_ARGUMENT, e.status());
        assertEquals(3 * GIB, f.catalog.resizeVolume(new ResizeVolumeRequest("v", 3 * GIB)).sizeBytes());
        f.advance(GRACE_MS);
        beat("s1", 0, 1, Map.of(id, 3 * GIB));
        assertEquals(GIB, f.catalog.clusterMap().volume("v").orElseThrow().usedBytes(),
                "servers past the grace are not counted");
    }

    @Test
    void statusSumsLiveServersAndIsUnknownUntilEachFinishedARepairRound() {
        register("s1");
        register("s2");
        register("s3");
        f.catalog.createVolume(new CreateVolumeRequest("a", GIB, 0, 0, 0, 0));
        f.catalog.createVolume(new CreateVolumeRequest("gone", GIB, 0, 0, 0, 0));
        f.catalog.deleteVolume(new VolumeNameRequest("gone"));
        beat("s1", 5, 1, Map.of());
        beat("s2", 7, 2, Map.of());
        ClusterStatus unknown = f.call(Opcode.CLUSTER_STATUS, "{}", ClusterStatus.class);
        assertEquals(ClusterStatus.UNKNOWN, unknown.underReplicatedPages(), "s3 has not finished a round");
        assertEquals(3, unknown.servers().size());
        assertEquals(1, unknown.volumes().size(), "active volumes only");
        assertEquals("a", unknown.volumes().get(0).name());
        assertEquals(2, f.catalog.clusterMap().volumes().size());
        beat("s3", 1, 1, Map.of());
        assertEquals(13, f.catalog.status().underReplicatedPages());
        f.advance(LIVENESS_MS);
        beat("s1", 5, 2, Map.of());
        beat("s2", 7, 3, Map.of());
        assertEquals(12, f.catalog.status().underReplicatedPages(), "s3 is no longer live");
        register("s2");
        assertEquals(ClusterStatus.UNKNOWN, f.catalog.status().underReplicatedPages(),
                "a re-registered server starts a new process: its repair state is unknown again");
    }
}
