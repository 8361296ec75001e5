package io.quire.server.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quire.cluster.CreateVolumeRequest;
import io.quire.cluster.LeaseGrant;
import io.quire.cluster.LeaseRequest;
import io.quire.cluster.RegisterServerRequest;
import io.quire.cluster.Volume;
import io.quire.cluster.VolumeNameRequest;
import io.quire.proto.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Confined to the JUnit thread: what survives a restart, snapshots, and refused starts. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CatalogPersistenceTest {
    private static final int SNAPSHOT_INTERVAL_ENTRIES = 5;

    @TempDir
    Path dir;

    /** Some of everything: servers, volumes (one deleted), a lease, and a refused command. */
    private static void populate(Catalog c) {
        c.register(new RegisterServerRequest("s1", "127.0.0.1:7001", "z1", 1L << 40));
        c.register(new RegisterServerRequest("s2", "127.0.0.1:7002", "z2", 1L << 40));
        c.createVolume(new CreateVolumeRequest("a", 1L << 30, 0, 0, 0, 0));
        c.createVolume(new CreateVolumeRequest("b", 1L << 30, 0, 2, 1, 4096));
        c.deleteVolume(new VolumeNameRequest("a"));
        c.acquireLease(LeaseRequest.acquire("b", "m1", 60_000));
        assertThrows(io.quire.proto.QuireException.class, () -> c.acquireLease(LeaseRequest.acquire("b", "m2", 1)));
    }

    @Test
    void serversVolumesAndLeasesSurviveARestartAndIdsAreNotReused() throws IOException {
        try (CatalogFixture f = new CatalogFixture(dir, CatalogConfig.DEFAULTS)) {
            populate(f.catalog);
            CatalogSnapshot live = f.catalog.state();
            f.reopen();
            assertEquals(live, f.catalog.state(), "replaying the log gives the live state");
            assertEquals(2, f.catalog.clusterMap().servers().size());
            Volume c = f.catalog.createVolume(new CreateVolumeRequest("a", 1L << 30, 0, 0, 0, 0));
            assertEquals(3, c.id());
            LeaseGrant g = f.catalog.acquireLease(LeaseRequest.acquire("b", "m1", 60_000));
            assertEquals(2, g.epoch(), "the fencing epoch survives the restart");
        }
    }

    @Test
    void snapshotsRestartTheLogAndRecoveryReplaysWhatFollows() throws IOException {
        CatalogConfig config = CatalogConfig.DEFAULTS.withSnapshotIntervalEntries(SNAPSHOT_INTERVAL_ENTRIES);
        try (CatalogFixture f = new CatalogFixture(dir, config)) {
            populate(f.catalog);
            f.catalog.createVolume(new CreateVolumeRequest("c", 1L << 30, 0, 0, 0, 0));
            CatalogSnapshot live = f.catalog.state();
            assertEquals(8, live.lastAppliedIndex());
            Path snapshot = dir.resolve("catalog").resolve(SnapshotFile.NAME);
            assertTrue(Files.exists(snapshot));
            assertEquals(5, Json.MAPPER.readValue(snapshot.toFile(), CatalogSnapshot.class).lastAppliedIndex());
            f.catalog.close();
            List<LogEntry> tail = new ArrayList<>();
            CatalogLog.open(f.logFile(), tail::add).close();
            assertEquals(List.of(6L, 7L, 8L), tail.stream().map(LogEntry::index).toList());
            f.open();
            assertEquals(live, f.catalog.state());
        }
    }

    @Test
    void entriesAlreadyInTheSnapshotAreSkippedAfterACrashBeforeTheLogWasEmptied() throws IOException {
        try (CatalogFixture f = new CatalogFixture(dir, CatalogConfig.DEFAULTS)) {
            populate(f.catalog);
            CatalogSnapshot live = f.catalog.state();
            f.catalog.close();
            new SnapshotFile(dir.resolve("catalog")).write(live);
            f.open();
            assertEquals(live, f.catalog.state());
        }
    }

    @Test
    void aTornTailIsCutAndTheCatalogStarts() throws IOException {
        try (CatalogFixture f = new CatalogFixture(dir, CatalogConfig.DEFAULTS)) {
            populate(f.catalog);
            CatalogSnapshot live = f.catalog.state();
            f.catalog.close();
            long goodBytes = Files.size(f.logFile());
            try (OutputStream out = Files.newOutputStream(f.logFile(), StandardOpenOption.APPEND)) {
                out.write(new byte[] {0, 0, 0, 100, 1, 2, 3, 4, '{', '"'});
            }
            f.open();
            assertEquals(live, f.catalog.state());
            assertEquals(goodBytes, Files.size(f.logFile()));
            f.catalog.createVolume(new CreateVolumeRequest("after", 1L << 30, 0, 0, 0, 0));
            f.reopen();
            assertTrue(f.catalog.clusterMap().volume("after").isPresent());
        }
    }

    @Test
    void aDamagedMiddleRecordStopsTheStart() throws IOException {
        CatalogFixture f = new CatalogFixture(dir, CatalogConfig.DEFAULTS);
        populate(f.catalog);
        f.close();
        byte[] bytes = Files.readAllBytes(f.logFile());
        bytes[CatalogLog.HEADER_BYTES + 3] ^= 0x20;
        Files.write(f.logFile(), bytes);
        IOException e = assertThrows(IOException.class, f::open);
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    void aSecondCatalogOnTheSameDirectoryIsRefused() throws IOException {
        try (CatalogFixture f = new CatalogFixture(dir, CatalogConfig.DEFAULTS)) {
            IOException e = assertThrows(IOException.class, () -> new CatalogFixture(dir, CatalogConfig.DEFAULTS));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
            f.catalog.createVolume(new CreateVolumeRequest("still-works", 1L << 30, 0, 0, 0, 0));
        }
    }

    @Test
    void aGapInTheLogStopsTheStart() throws IOException {
        Path catalogDir = Files.createDirectories(dir.resolve("catalog"));
        try (CatalogLog log = CatalogLog.open(catalogDir.resolve("log"), e -> { })) {
            log.append(new LogEntry(1, 0, Commands.volume("a")));
            log.append(new LogEntry(3, 0, Commands.volume("b")));
        }
        IOException e = assertThrows(IOException.class, () -> new CatalogFixture(dir, CatalogConfig.DEFAULTS));
        assertTrue(e.getMessage().contains("gap"), e.getMessage());
    }

    @Test
    void anUnreadableSnapshotStopsTheStart() throws IOException {
        Path catalogDir = Files.createDirectories(dir.resolve("catalog"));
        Files.writeString(catalogDir.resolve(SnapshotFile.NAME), "{\"lastAppliedIndex\": 3, ");
        IOException e = assertThrows(IOException.class, () -> new CatalogFixture(dir, CatalogConfig.DEFAULTS));
        assertTrue(e.getMessage().contains("snapshot"), e.getMessage());
        assertFalse(Files.exists(catalogDir.resolve("log")) && Files.size(catalogDir.resolve("log")) > 0);
    }
}
