package io.quire.mount.daemon;

import io.quire.cluster.Volume;
import io.quire.mount.Errno;
import io.quire.mount.PosixException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Confined to the JUnit thread (the grow thread is the object's own). Room checks and growth. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VolumeSpaceTest {
    static final Duration WAIT = Duration.ofSeconds(20);

    static Volume volume(long size, long max) {
        return new Volume(7, "vol", 65536, 3, 2, size, max, Volume.ACTIVE, 1, null, 0, 0, 0);
    }

    @Test
    void writesPastTheMaximumSizeAreRefusedWithEnospc() {
        VolumeSpace space = new VolumeSpace(volume(100, 1000), () -> null, (v, u) -> { }, 1000);
        space.checkRoom(0, 100);
        space.checkRoom(900, 100); // exactly the maximum
        PosixException e = assertThrows(PosixException.class, () -> space.checkRoom(900, 101));
        assertEquals(Errno.ENOSPC, e.errno());
        assertThrows(PosixException.class, () -> space.checkRoom(Long.MAX_VALUE - 1, 10), "no overflow");
        space.checkRoom(2000, 0); // rewrites and shrinks always pass, even over the maximum
        assertEquals(2, space.refusals());
        assertEquals(100, space.sizeBytes(), "df shows the size, not the maximum");
    }

    @Test
    void growsOnceUsagePassesTheThresholdAndDfFollowsTheMap() {
        AtomicReference<Volume> map = new AtomicReference<>(volume(100, 300));
        AtomicInteger grows = new AtomicInteger();
        AtomicLong used = new AtomicLong(50);
        try (VolumeSpace space = new VolumeSpace(map.get(), map::get, (v, u) -> {
            grows.incrementAndGet();
            map.set(volume(Math.min(v.maxSizeBytes(), v.sizeBytes() + 100), v.maxSizeBytes()));
        }, 50)) {
            space.start(used::get);
            await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> grows.get() == 0);
            used.set(80);
            await().atMost(WAIT).until(() -> space.sizeBytes() == 200);
            used.set(170);
            await().atMost(WAIT).until(() -> space.sizeBytes() == 300);
            int at = grows.get();
            used.set(299);
            await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> grows.get() == at);
        }
    }

    @Test
    void aWriteNearTheSizeWakesTheGrowThreadAtOnce() {
        AtomicReference<Volume> map = new AtomicReference<>(volume(100, 300));
        AtomicLong used = new AtomicLong(10);
        try (VolumeSpace space = new VolumeSpace(map.get(), map::get,
                (v, u) -> map.set(volume(200, v.maxSizeBytes())), 60_000)) {
            space.start(used::get);
            used.set(85);
            space.checkRoom(80, 5);
            await().atMost(WAIT).until(() -> space.sizeBytes() == 200);
        }
    }

    @Test
    void aFailingCatalogIsRetriedAndNeverStopsTheThread() {
        AtomicReference<Volume> map = new AtomicReference<>(volume(100, 300));
        AtomicInteger calls = new AtomicInteger();
        try (VolumeSpace space = new VolumeSpace(map.get(), map::get, (v, u) -> {
            if (calls.incrementAndGet() < 3) {
                throw new IllegalStateException("catalog down");
            }
            map.set(volume(200, 300));
        }, 50)) {
            space.start(() -> 90);
            await().atMost(WAIT).until(() -> space.sizeBytes() == 200);
        }
    }
}
