package io.quire.server.store;

import static io.quire.server.store.TestPages.assertStatus;
import static io.quire.server.store.TestPages.ok;
import static io.quire.server.store.TestPages.put;
import static io.quire.server.store.TestPages.random;
import static io.quire.server.store.TestPages.v;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quire.page.PageKey;
import io.quire.proto.Limits;
import io.quire.proto.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Confined to JUnit's thread. Usage accounting, capacity, volume deletion and map growth. */
@Timeout(60)
class LmdbPageStoreSpaceTest {
    @TempDir
    Path dir;

    @Test
    void usageFollowsPutsOverwritesAndDeletesPerVolume() {
        try (PageStore store = TestPages.open(dir, 1L << 30)) {
            ok(put(store, new PageKey(1, 1, 0), v(1, 1), random(1, 1000)));
            ok(put(store, new PageKey(1, 1, 1), v(1, 1), random(2, 2000)));
            ok(put(store, new PageKey(1, 2, 0), v(1, 1), random(3, 3000)));
            ok(put(store, new PageKey(2, 1, 0), v(1, 1), random(4, 400)));
            assertEquals(Map.of(1L, new VolumeUsage(6000, 3), 2L, new VolumeUsage(400, 1)), store.volumeUsage());
            assertEquals(6400, store.usedBytes());
            assertEquals(4, store.pageCount());

            ok(put(store, new PageKey(1, 1, 1), v(1, 2), random(5, 500)));
            assertEquals(new VolumeUsage(4500, 3), store.volumeUsage().get(1L), "an overwrite counts its new size");
            ok(put(store, new PageKey(1, 1, 1), v(1, 1), random(6, 9000)));
            assertEquals(new VolumeUsage(4500, 3), store.volumeUsage().get(1L), "a superseded write counts nothing");

            ok(store.delete(new PageKey(1, 2, 0), v(1, 2), false));
            ok(store.delete(new PageKey(1, 2, 0), v(1, 3), false));
            ok(store.delete(new PageKey(1, 9, 0), v(1, 3), false));
            assertEquals(new VolumeUsage(1500, 2), store.volumeUsage().get(1L), "tombstones count nothing");
            assertEquals(1900, store.usedBytes());
            assertEquals(3, store.pageCount());
            assertEquals(Set.of(1L, 2L), store.volumeIds());
        }
    }

    @Test
    void writesThatWouldPassCapacityFailNoSpace() {
        try (PageStore store = TestPages.open(dir, 10_000)) {
            PageKey a = new PageKey(1, 1, 0);
            ok(put(store, a, v(1, 1), random(1, 4000)));
            ok(put(store, new PageKey(1, 1, 1), v(1, 1), random(2, 4000)));
            assertStatus(Status.NO_SPACE, put(store, new PageKey(1, 1, 2), v(1, 1), random(3, 4000)));
            assertNull(store.get(new PageKey(1, 1, 2)));
            assertStatus(Status.NO_SPACE, put(store, a, v(1, 2), random(4, 6001)));
            assertEquals(8000, store.usedBytes());

            ok(put(store, a, v(1, 3), random(5, 2000)));
            ok(put(store, new PageKey(2, 1, 2), v(1, 1), random(6, 4000)));
            assertEquals(10_000, store.usedBytes(), "exactly full is allowed");
            assertStatus(Status.NO_SPACE, put(store, new PageKey(2, 1, 3), v(1, 1), random(7, 1)));

            ok(store.delete(a, v(1, 4), false));
            ok(put(store, new PageKey(2, 1, 3), v(1, 1), random(7, 1)));
            assertEquals(8001, store.usedBytes());
        }
    }

    @Test
    void deleteVolumeRemovesEveryEntryInManySteps() {
        LmdbStoreConfig config = LmdbStoreConfig.forCapacity(1L << 30).withVolumeDeleteStepPages(7);
        try (PageStore store = LmdbPageStore.open(dir, config, new SimpleMeterRegistry())) {
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                writes.add(put(store, new PageKey(5, i, i % 20), v(1, 1), random(i, 100)));
                writes.add(put(store, new PageKey(6, i, 0), v(1, 1), random(i, 10)));
            }
            writes.forEach(TestPages::ok);
            ok(store.delete(new PageKey(5, 0, 0), v(1, 2), false));
            ok(store.delete(new PageKey(5, 999, 0), v(1, 2), false));
            ok(store.raiseFence(5, 3));

            assertEquals(59L, ok(store.deleteVolume(5)), "live pages removed");

            assertEquals(Set.of(6L), store.volumeIds());
            assertEquals(600, store.usedBytes());
            assertEquals(60, store.pageCount());
            assertEquals(0, store.fenceEpoch(5), "the volume's record is gone");
            for (int g = 0; g < Limits.PAGE_GROUPS_PER_VOLUME; g++) {
                assertTrue(store.listVersions(5, g, null, 10).entries().isEmpty());
            }
            assertArrayEquals(random(3, 10), store.get(new PageKey(6, 3, 0)).data());
            assertEquals(0L, ok(store.deleteVolume(77)), "deleting an unknown volume removes nothing");
        }
        try (PageStore store = TestPages.open(dir, 1L << 30)) {
            assertEquals(Set.of(6L), store.volumeIds(), "the deletion is durable");
            assertEquals(600, store.usedBytes());
        }
    }

    @Test
    void aSmallMapGrowsWithoutLosingData() {
        LmdbStoreConfig config = LmdbStoreConfig.forCapacity(1L << 30).withInitialMapBytes(LmdbStoreConfig.MAP_BYTES_MIN);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        int pages = 600;
        try (LmdbPageStore store = LmdbPageStore.open(dir, config, registry)) {
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < pages; i++) {
                writes.add(put(store, new PageKey(1, i / 16, i % 16), v(1, i), random(i, 65536)));
            }
            writes.forEach(TestPages::ok);
            assertTrue(store.mapBytes() > LmdbStoreConfig.MAP_BYTES_MIN, "map grew to " + store.mapBytes());
            assertTrue(registry.get("quire.store.map.growths").counter().count() >= 1);
            for (int i = 0; i < pages; i += 37) {
                assertArrayEquals(random(i, 65536), store.get(new PageKey(1, i / 16, i % 16)).data());
            }
        }
        try (LmdbPageStore store = LmdbPageStore.open(dir, config, new SimpleMeterRegistry())) {
            assertEquals(pages, store.pageCount());
            for (int i = 0; i < pages; i++) {
                assertArrayEquals(random(i, 65536), store.get(new PageKey(1, i / 16, i % 16)).data());
            }
            ok(put(store, new PageKey(2, 1, 1), v(1, 1), random(1, 65536)));
        }
    }

    @Test
    void gaugesReportUsage() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PageStore store = LmdbPageStore.open(dir, LmdbStoreConfig.forCapacity(1 << 20), registry)) {
            ok(put(store, new PageKey(1, 1, 0), v(1, 1), random(1, 1234)));
            assertEquals(1234.0, registry.get("quire.store.bytes").gauge().value());
            assertEquals(1.0, registry.get("quire.store.pages").gauge().value());
            assertEquals(1 << 20, registry.get("quire.store.capacity").gauge().value());
            assertTrue(registry.get("quire.store.commit").timer().count() >= 1);
        }
        assertFalse(registry.getMeters().stream().anyMatch(m -> m.getId().getName().startsWith("quire.store")),
                "meters are removed on close");
    }
}
