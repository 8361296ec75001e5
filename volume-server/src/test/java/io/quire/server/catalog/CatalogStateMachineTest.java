package io.quire.server.catalog;

import static io.quire.server.catalog.Commands.GIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quire.cluster.Volume;
import io.quire.proto.Limits;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import io.quire.server.catalog.CatalogCommand.CreateVolume;
import io.quire.server.catalog.CatalogCommand.DeleteVolume;
import io.quire.server.catalog.CatalogCommand.GrowVolume;
import io.quire.server.catalog.CatalogCommand.RegisterServer;
import io.quire.server.catalog.CatalogCommand.ResizeVolume;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Confined to the JUnit thread: validation, defaults and volume commands of the state machine. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CatalogStateMachineTest {
    private final CatalogStateMachine machine = new CatalogStateMachine();
    private final Commands log = new Commands();

    private Object apply(CatalogCommand c) {
        return machine.apply(log.at(1000, c));
    }

    private Status failure(CatalogCommand c) {
        return assertThrows(QuireException.class, () -> apply(c)).status();
    }

    @Test
    void createFillsDefaultsAndAssignsIdsFromOne() {
        Volume v = (Volume) apply(Commands.volume("data"));
        assertEquals(new Volume(1, "data", Limits.PAGE_SIZE_DEFAULT_BYTES, 3, 2, 10 * GIB, 10 * GIB, Volume.ACTIVE,
                0, null, 0, 0, 1000), v);
        Volume w = (Volume) apply(new CreateVolume("w", GIB, 4 * GIB, 5, 3, 4096));
        assertEquals(2, w.id());
        assertEquals(4 * GIB, w.maxSizeBytes());
        assertEquals(5, w.replicas());
        assertEquals(3, w.writeQuorum());
        assertEquals(4096, w.pageSizeBytes());
    }

    @Test
    void defaultWriteQuorumNeverExceedsAnExplicitReplicaCount() {
        Volume v = (Volume) apply(new CreateVolume("single", GIB, 0, 1, 0, 0));
        assertEquals(1, v.replicas());
        assertEquals(1, v.writeQuorum());
    }

    @Test
    void everyBadCreateArgumentIsInvalid() {
        long max = CatalogLimits.VOLUME_SIZE_MAX_BYTES;
        CatalogCommand[] bad = {
            new CreateVolume(null, GIB, 0, 0, 0, 0),
            new CreateVolume("", GIB, 0, 0, 0, 0),
            new CreateVolume("a/b", GIB, 0, 0, 0, 0),
            new CreateVolume("sp ace", GIB, 0, 0, 0, 0),
            new CreateVolume("..", GIB, 0, 0, 0, 0),
            new CreateVolume("x".repeat(Limits.NAME_MAX_CHARS + 1), GIB, 0, 0, 0, 0),
            new CreateVolume("v", 0, 0, 0, 0, 0),
            new CreateVolume("v", -1, 0, 0, 0, 0),
            new CreateVolume("v", max + 1, 0, 0, 0, 0),
            new CreateVolume("v", 2 * GIB, GIB, 0, 0, 0),
            new CreateVolume("v", GIB, 0, Limits.REPLICAS_MAX + 1, 0, 0),
            new CreateVolume("v", GIB, 0, -1, 0, 0),
            new CreateVolume("v", GIB, 0, 3, 4, 0),
            new CreateVolume("v", GIB, 0, 2, -1, 0),
            new CreateVolume("v", GIB, 0, 0, 0, 3000),
            new CreateVolume("v", GIB, 0, 0, 0, Limits.PAGE_SIZE_MIN_BYTES / 2),
            new CreateVolume("v", GIB, 0, 0, 0, Limits.PAGE_SIZE_MAX_BYTES * 2),
            new CreateVolume("v", GIB, 0, 0, 0, 12 * 1024),
        };
        for (CatalogCommand c : bad) {
            assertEquals(Status.INVALID_ARGUMENT, failure(c), c.toString());
        }
        assertTrue(machine.snapshot().volumes().isEmpty(), "a failed command changes nothing");
        assertEquals(bad.length, machine.lastAppliedIndex(), "failed entries still consume their index");
        Volume longest = (Volume) apply(new CreateVolume("x".repeat(Limits.NAME_MAX_CHARS), max, 0, 0, 0,
                Limits.PAGE_SIZE_MAX_BYTES));
        assertEquals(max, longest.sizeBytes());
    }

    @Test
    void duplicateNameIsVolumeExistsAndMessageNamesIt() {
        apply(Commands.volume("data"));
        QuireException e = assertThrows(QuireException.class, () -> apply(Commands.volume("data")));
        assertEquals(Status.VOLUME_EXISTS, e.status());
        assertTrue(e.getMessage().contains("'data'"), e.getMessage());
    }

    @Test
    void unknownVolumeIsNoSuchVolumeForEveryCommand() {
        CatalogCommand[] commands = {
            new ResizeVolume("nope", GIB), new DeleteVolume("nope"), new GrowVolume("nope", 0),
            new CatalogCommand.AcquireLease("nope", "h", 1000), new CatalogCommand.RenewLease("nope", "h", 1, 1000),
            new CatalogCommand.ReleaseLease("nope", "h", 1),
        };
        for (CatalogCommand c : commands) {
            assertEquals(Status.NO_SUCH_VOLUME, failure(c), c.toString());
        }
    }

    @Test
    void deleteKeepsTheVolumeAsDeletedAndTheNameCanBeReusedWithANewId() {
        Volume first = (Volume) apply(Commands.volume("data"));
        Volume deleted = (Volume) apply(new DeleteVolume("data"));
        assertEquals(Volume.DELETED, deleted.state());
        assertEquals(first.id(), deleted.id());
        assertEquals(Status.NO_SUCH_VOLUME, failure(new DeleteVolume("data")));
        Volume second = (Volume) apply(Commands.volume("data"));
        assertNotEquals(first.id(), second.id());
        assertEquals(2, machine.snapshot().volumes().size());
        assertEquals(Volume.DELETED, machine.snapshot().volumes().get(0).state());
    }

    @Test
    void resizeRaisesTheMaximumAndRefusesToGoBelowUsedBytes() {
        apply(new CreateVolume("v", 10 * GIB, 20 * GIB, 0, 0, 0));
        Volume bigger = (Volume) apply(new ResizeVolume("v", 30 * GIB));
        assertEquals(30 * GIB, bigger.sizeBytes());
        assertEquals(30 * GIB, bigger.maxSizeBytes());
        Volume smaller = (Volume) apply(new ResizeVolume("v", 5 * GIB));
        assertEquals(5 * GIB, smaller.sizeBytes());
        assertEquals(30 * GIB, smaller.maxSizeBytes(), "shrinking keeps the maximum");
        apply(new GrowVolume("v", 2 * GIB));
        QuireException e = assertThrows(QuireException.class, () -> apply(new ResizeVolume("v", 2 * GIB - 1)));
        assertEquals(Status.INVALID_ARGUMENT, e.status());
        assertTrue(e.getMessage().contains("used"), e.getMessage());
        assertEquals(2 * GIB, ((Volume) apply(new ResizeVolume("v", 2 * GIB))).sizeBytes());
        assertEquals(Status.INVALID_ARGUMENT, failure(new ResizeVolume("v", 0)));
    }

    @Test
    void growStepsPastTheThresholdUpToTheMaximum() {
        apply(new CreateVolume("v", 10 * GIB, 13 * GIB, 0, 0, 0));
        Volume below = (Volume) apply(new GrowVolume("v", 8 * GIB - 1));
        assertEquals(10 * GIB, below.sizeBytes());
        assertEquals(8 * GIB - 1, below.usedBytes(), "the report is recorded");
        Volume grown = (Volume) apply(new GrowVolume("v", 8 * GIB));
        assertEquals(12 * GIB + GIB / 2, grown.sizeBytes(), "10 GiB + 10/4 GiB");
        Volume capped = (Volume) apply(new GrowVolume("v", 12 * GIB));
        assertEquals(13 * GIB, capped.sizeBytes());
        Volume atMax = (Volume) apply(new GrowVolume("v", 13 * GIB));
        assertEquals(13 * GIB, atMax.sizeBytes());
        assertEquals(Status.INVALID_ARGUMENT, failure(new GrowVolume("v", -1)));
    }

    @Test
    void registerAddsOrUpdatesAServerAndDefaultsTheZone() {
        ServerRecord s = (ServerRecord) apply(new RegisterServer("s1", "127.0.0.1:7000", null, GIB));
        assertEquals(new ServerRecord("s1", "127.0.0.1:7000", CatalogLimits.ZONE_DEFAULT, GIB), s);
        apply(new RegisterServer("s1", "10.0.0.1:7001", "rack-2", 2 * GIB));
        assertEquals(new ServerRecord("s1", "10.0.0.1:7001", "rack-2", 2 * GIB), machine.snapshot().servers().get(0));
        CatalogCommand[] bad = {
            new RegisterServer(null, "h:1", "z", 1), new RegisterServer("bad id", "h:1", "z", 1),
            new RegisterServer("s", null, "z", 1), new RegisterServer("s", "nohost", "z", 1),
            new RegisterServer("s", "h:0", "z", 1), new RegisterServer("s", "h:70000", "z", 1),
            new RegisterServer("s", ":7000", "z", 1), new RegisterServer("s", "h:1", "bad zone", 1),
            new RegisterServer("s", "h:1", "z", 0),
        };
        for (CatalogCommand c : bad) {
            assertEquals(Status.INVALID_ARGUMENT, failure(c), c.toString());
        }
        assertEquals(1, machine.snapshot().servers().size());
    }

    @Test
    void outOfOrderEntriesAreABug() {
        apply(Commands.volume("a"));
        assertThrows(IllegalStateException.class, () -> machine.apply(new LogEntry(1, 0, Commands.volume("b"))));
    }

    @Test
    void deletedVolumesKeptAreBounded() {
        int rounds = CatalogLimits.DELETED_VOLUMES_KEPT_MAX + 2;
        for (int i = 0; i < rounds; i++) {
            apply(Commands.volume("v"));
            apply(new DeleteVolume("v"));
        }
        CatalogSnapshot s = machine.snapshot();
        assertEquals(CatalogLimits.DELETED_VOLUMES_KEPT_MAX, s.volumes().size());
        assertEquals(3, s.volumes().get(0).id(), "the oldest deleted volumes are forgotten first");
        assertEquals(rounds + 1, s.nextVolumeId(), "ids are never reused");
        assertFalse(s.volumes().stream().anyMatch(Volume::active));
    }

    @Test
    void aRestoredSnapshotEqualsTheOriginalAndRefusesInconsistencies() {
        apply(Commands.volume("a"));
        CatalogSnapshot s = machine.snapshot();
        assertEquals(s, new CatalogStateMachine(s).snapshot());
        Volume a = s.volumes().get(0);
        assertThrows(IllegalStateException.class, () -> new CatalogStateMachine(new CatalogSnapshot(1, 0, 1,
                s.servers(), s.volumes())));
        Volume twin = new Volume(7, "a", a.pageSizeBytes(), 3, 2, GIB, GIB, Volume.ACTIVE, 0, null, 0, 0, 0);
        assertThrows(IllegalStateException.class, () -> new CatalogStateMachine(new CatalogSnapshot(1, 0, 9,
                s.servers(), java.util.List.of(a, twin))));
    }
}
