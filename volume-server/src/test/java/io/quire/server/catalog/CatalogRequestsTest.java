package io.quire.server.catalog;

import static io.quire.server.catalog.Commands.GIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.quire.cluster.ClusterMap;
import io.quire.cluster.LeaseGrant;
import io.quire.cluster.Volume;
import io.quire.proto.Limits;
import io.quire.proto.Opcode;
import io.quire.proto.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Confined to the JUnit thread: the catalog opcodes with JSON bodies, as the wire doc describes them. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CatalogRequestsTest {
    @TempDir
    Path dir;
    private CatalogFixture f;

    @BeforeEach
    void open() throws IOException {
        f = new CatalogFixture(dir, CatalogConfig.DEFAULTS);
    }

    @AfterEach
    void close() throws IOException {
        f.close();
    }

    @Test
    void createVolumeWithOnlyRequiredFieldsGetsDefaultsAndUnknownFieldsAreIgnored() {
        Volume v = f.call(Opcode.CREATE_VOLUME, "{\"name\":\"data\",\"sizeBytes\":1073741824,\"color\":\"blue\"}",
                Volume.class);
        assertEquals(1, v.id());
        assertEquals(GIB, v.maxSizeBytes());
        assertEquals(3, v.replicas());
        assertEquals(2, v.writeQuorum());
        assertEquals(Limits.PAGE_SIZE_DEFAULT_BYTES, v.pageSizeBytes());
        assertEquals(Volume.ACTIVE, v.state());
        assertEquals(f.clockMs.get(), v.createdAtMs());
    }

    @Test
    void malformedJsonIsBadRequestAndMissingFieldsAreInvalidArgument() {
        assertEquals(Status.BAD_REQUEST, f.failure(Opcode.CREATE_VOLUME, "{\"name\":"));
        assertEquals(Status.BAD_REQUEST, f.failure(Opcode.CREATE_VOLUME, ""));
        assertEquals(Status.BAD_REQUEST, f.failure(Opcode.GET_CLUSTER_MAP, "[1"));
        assertEquals(Status.INVALID_ARGUMENT, f.failure(Opcode.CREATE_VOLUME, "{}"));
        assertEquals(Status.INVALID_ARGUMENT, f.failure(Opcode.CREATE_VOLUME, "{\"name\":\"v\"}"));
        assertEquals(Status.INVALID_ARGUMENT, f.failure(Opcode.RESIZE_VOLUME, "{\"sizeBytes\":5}"));
        assertEquals(Status.INVALID_ARGUMENT, f.failure(Opcode.DELETE_VOLUME, "{}"));
        assertEquals(Status.INVALID_ARGUMENT, f.failure(Opcode.ACQUIRE_LEASE, "{\"name\":\"v\",\"ttlMs\":5}"));
        assertEquals(Status.INVALID_ARGUMENT, f.failure(Opcode.ACQUIRE_LEASE, "{\"name\":\"v\",\"holder\":\"m\"}"));
        assertEquals(Status.INVALID_ARGUMENT, f.failure(Opcode.RENEW_LEASE,
                "{\"name\":\"v\",\"holder\":\"m\",\"ttlMs\":5}"));
        assertEquals(Status.INVALID_ARGUMENT, f.failure(Opcode.REGISTER_SERVER, "{\"id\":\"s1\",\"capacityBytes\":1}"));
        assertEquals(Status.INVALID_ARGUMENT, f.failure(Opcode.HEARTBEAT, "{}"));
        assertEquals(Status.INVALID_ARGUMENT, f.failure(Opcode.GROW_VOLUME, "{\"usedBytes\":1}"));
        assertEquals(0, f.catalog.state().lastAppliedIndex(), "refused before reaching the log");
    }

    @Test
    void aDataPlaneOpcodeIsNotACatalogOpcode() {
        assertEquals(Status.UNKNOWN_OPCODE, f.failure(Opcode.PING, "{}"));
    }

    @Test
    void emptyBodiesAreAcceptedWhereThereAreNoFields() {
        ClusterMap map = (ClusterMap) f.catalog.handle(Opcode.GET_CLUSTER_MAP, Unpooled.EMPTY_BUFFER);
        assertEquals(0, map.version());
        assertEquals(ClusterMap.class, f.catalog.handle(Opcode.GET_CLUSTER_MAP, Unpooled.copiedBuffer(new byte[] {'{', '}'}))
                .getClass());
    }

    @Test
    void leaseOpcodesRoundTrip() {
        f.call(Opcode.CREATE_VOLUME, "{\"name\":\"v\",\"sizeBytes\":1073741824}");
        LeaseGrant g = f.call(Opcode.ACQUIRE_LEASE, "{\"name\":\"v\",\"holder\":\"m1\",\"ttlMs\":10000}",
                LeaseGrant.class);
        assertEquals(1, g.epoch());
        assertEquals(f.clockMs.get() + 10_000, g.expiresAtMs());
        assertEquals("v", g.volume().name());
        assertEquals(Status.LEASE_HELD, f.failure(Opcode.ACQUIRE_LEASE, "{\"name\":\"v\",\"holder\":\"m2\",\"ttlMs\":1}"));
        f.advance(9_000);
        LeaseGrant renewed = f.call(Opcode.RENEW_LEASE,
                "{\"name\":\"v\",\"holder\":\"m1\",\"epoch\":1,\"ttlMs\":10000}", LeaseGrant.class);
        assertEquals(f.clockMs.get() + 10_000, renewed.expiresAtMs());
        assertEquals("{}", f.call(Opcode.RELEASE_LEASE, "{\"name\":\"v\",\"holder\":\"m1\",\"epoch\":1}"));
        assertEquals(Status.LEASE_EXPIRED, f.failure(Opcode.RELEASE_LEASE, "{\"name\":\"v\",\"holder\":\"m1\",\"epoch\":1}"));
        assertEquals(2, f.call(Opcode.ACQUIRE_LEASE, "{\"name\":\"v\",\"holder\":\"m2\",\"ttlMs\":1}",
                LeaseGrant.class).epoch());
    }

    @Test
    void aClockSteppingBackNeverShortensALease() {
        f.call(Opcode.CREATE_VOLUME, "{\"name\":\"v\",\"sizeBytes\":1073741824}");
        LeaseGrant g = f.call(Opcode.ACQUIRE_LEASE, "{\"name\":\"v\",\"holder\":\"m1\",\"ttlMs\":1000}", LeaseGrant.class);
        f.advance(-60_000);
        LeaseGrant renewed = f.call(Opcode.RENEW_LEASE, "{\"name\":\"v\",\"holder\":\"m1\",\"epoch\":1,\"ttlMs\":1000}",
                LeaseGrant.class);
        assertEquals(g.expiresAtMs(), renewed.expiresAtMs(), "stamped with the last entry's time, not the clock's");
        f.advance(60_000 + 1000);
        assertEquals(g.epoch() + 1, f.call(Opcode.ACQUIRE_LEASE, "{\"name\":\"v\",\"holder\":\"m2\",\"ttlMs\":1}",
                LeaseGrant.class).epoch());
    }

    @Test
    void resizeDeleteAndGrowReturnTheVolume() {
        f.call(Opcode.CREATE_VOLUME, "{\"name\":\"v\",\"sizeBytes\":10737418240,\"maxSizeBytes\":21474836480}");
        Volume grown = f.call(Opcode.GROW_VOLUME, "{\"name\":\"v\",\"usedBytes\":9663676416}", Volume.class);
        assertEquals(10 * GIB + 10 * GIB / 4, grown.sizeBytes());
        Volume resized = f.call(Opcode.RESIZE_VOLUME, "{\"name\":\"v\",\"sizeBytes\":32212254720}", Volume.class);
        assertEquals(30 * GIB, resized.maxSizeBytes());
        assertEquals(Status.INVALID_ARGUMENT, f.failure(Opcode.RESIZE_VOLUME, "{\"name\":\"v\",\"sizeBytes\":1}"));
        Volume deleted = f.call(Opcode.DELETE_VOLUME, "{\"name\":\"v\"}", Volume.class);
        assertEquals(Volume.DELETED, deleted.state());
        assertEquals(Status.NO_SUCH_VOLUME, f.failure(Opcode.GROW_VOLUME, "{\"name\":\"v\",\"usedBytes\":1}"));
        assertTrue(f.catalog.clusterMap().volume("v").isEmpty());
        assertTrue(f.catalog.clusterMap().volume(1).isPresent(), "the map keeps deleted volumes for the servers");
    }

    @Test
    void commandsAreCountedByTypeAndStatus() {
        f.call(Opcode.CREATE_VOLUME, "{\"name\":\"v\",\"sizeBytes\":1}");
        f.failure(Opcode.CREATE_VOLUME, "{\"name\":\"v\",\"sizeBytes\":1}");
        assertEquals(1.0, f.registry.get("quire.catalog.commands").tags("command", "CreateVolume", "status", "OK")
                .counter().count());
        assertEquals(1.0, f.registry.get("quire.catalog.commands").tags("command", "CreateVolume",
                "status", "VOLUME_EXISTS").counter().count());
        assertEquals(1.0, f.registry.get("quire.catalog.volumes").gauge().value());
    }
}
