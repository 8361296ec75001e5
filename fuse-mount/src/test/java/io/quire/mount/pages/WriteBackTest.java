package io.quire.mount.pages;

import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.MountConfig;
import io.quire.mount.testing.InMemoryReplicatedPages;
import io.quire.mount.testing.VfsFixture;
import io.quire.mount.vfs.Caller;
import io.quire.mount.vfs.Names;
import io.quire.mount.vfs.Vfs;
import io.quire.page.PageKey;
import io.quire.proto.Status;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.quire.mount.testing.VfsFixture.assertErrno;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Confined to the JUnit thread (background threads only in the code under test). The data path
 * against an in-memory cluster: write-back, fsync, faults, eviction, readahead, dirty bound,
 * deletes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WriteBackTest {
    private static final int PAGE = 4096;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long DELAY_MS = 5_000;
    private final Caller root = Caller.ROOT;
    @TempDir
    Path dir;
    VfsFixture fx;

    @AfterEach
    void close() {
        if (fx != null) {
            fx.close();
        }
    }

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private long open(String path, int flags) {
        return fx.vfs.open(root, fx.ino(path), flags);
    }

    @Test
    void writesAreUploadedWithTheEpochAndMarkedClean() {
        fx = new VfsFixture(dir);
        byte[] data = random(1, 10 * PAGE + 123);
        long ino = fx.write("/f", data);
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0);
        assertArrayEquals(data, fx.remoteFile(ino, data.length));
        var stored = fx.replicas.stored(new PageKey(VfsFixture.VOLUME_ID, ino, 10)).orElseThrow();
        assertEquals(VfsFixture.EPOCH, stored.version().epoch());
        assertEquals(123, stored.data().length, "the tail page is stored short");
    }

    @Test
    void fsyncReturnsOnlyOnceTheReplicasHaveTheData() {
        fx = new VfsFixture(dir);
        fx.replicas.holdWrites();
        byte[] data = random(2, 3 * PAGE);
        long ino = fx.write("/f", data);
        long fh = open("/f", Modes.O_RDWR);
        CompletableFuture<Void> fsync = CompletableFuture.runAsync(() -> fx.vfs.fsync(fh, false));
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> !fsync.isDone());
        fx.replicas.releaseWrites();
        await().atMost(WAIT).until(fsync::isDone);
        fsync.join();
        assertArrayEquals(data, fx.remoteFile(ino, data.length));
        fx.vfs.release(fh);
    }

    @Test
    void fsyncRidesOutTransientFailures() {
        fx = new VfsFixture(dir);
        fx.replicas.failNext(5, Status.UNAVAILABLE);
        byte[] data = random(3, 4 * PAGE);
        long ino = fx.write("/f", data);
        long fh = open("/f", Modes.O_RDWR);
        fx.vfs.fsync(fh, true);
        assertArrayEquals(data, fx.remoteFile(ino, data.length));
        fx.vfs.release(fh);
    }

    @Test
    void fsyncReportsAPermanentFailureAsItsErrno() {
        fx = new VfsFixture(dir);
        fx.replicas.failNext(1_000_000, Status.FENCED);
        fx.write("/f", random(4, PAGE));
        long fh = open("/f", Modes.O_RDWR);
        assertErrno(Errno.EIO, () -> fx.vfs.fsync(fh, false));
        fx.replicas.failNext(1_000_000, Status.VOLUME_FULL);
        assertErrno(Errno.ENOSPC, () -> fx.vfs.fsync(fh, false));
        fx.replicas.failNext(0, Status.UNAVAILABLE);
        fx.vfs.fsync(fh, false);
        fx.vfs.release(fh);
    }

    @Test
    void fsyncEndsInEioAtItsDeadline() {
        fx = new VfsFixture(dir, b -> b.fsyncTimeoutMs(300));
        fx.replicas.holdWrites();
        fx.write("/f", random(5, PAGE));
        long fh = open("/f", Modes.O_RDWR);
        assertErrno(Errno.EIO, () -> fx.vfs.fsync(fh, false));
        fx.replicas.releaseWrites();
        fx.vfs.release(fh);
    }

    private static PageKey key(long ino, long index) {
        return new PageKey(VfsFixture.VOLUME_ID, ino, index);
    }

    /** A fixture with the write-back delay on; its clock moves only by hand. */
    private VfsFixture delayed(UnaryOperator<MountConfig.Builder> tune) {
        return new VfsFixture(dir, b -> tune.apply(b.writebackDelayMs(DELAY_MS)));
    }

    @Test
    void partlyWrittenPagesWaitTheWritebackDelayWholeOnesGoAtOnce() {
        fx = delayed(b -> b);
        byte[] part = random(20, 100);
        long p = fx.write("/part", part);
        byte[] whole = random(21, 2 * PAGE);
        long w = fx.write("/whole", whole);
        await().atMost(WAIT).until(() -> fx.replicas.stored(key(w, 1)).isPresent());
        assertArrayEquals(whole, fx.remoteFile(w, whole.length));
        await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> fx.replicas.stored(key(p, 0)).isEmpty());
        assertEquals(1, fx.vfs.dirtyPages(), "the partly written page waits");

        fx.clock.advance(TimeUnit.MILLISECONDS.toNanos(DELAY_MS - 1));
        await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> fx.replicas.stored(key(p, 0)).isEmpty());
        fx.clock.advance(TimeUnit.MILLISECONDS.toNanos(1));
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0);
        assertArrayEquals(part, fx.remoteFile(p, part.length));
    }

    @Test
    void rewritesWithinTheDelayCostOneUploadAndKeepTheirFirstTime() {
        fx = delayed(b -> b);
        long fh = fx.vfs.create(root, Vfs.ROOT_INO, Names.of("f"), 0644, Modes.O_RDWR | Modes.O_CREAT).fh();
        byte[] expected = new byte[PAGE - 1];
        for (int i = 0; i < 50; i++) {
            fx.vfs.write(root, fh, i * 80L, new byte[] {(byte) (i + 1)}, 0, 1);
            expected[i * 80] = (byte) (i + 1);
            if (i == 24) {
                fx.clock.advance(TimeUnit.MILLISECONDS.toNanos(DELAY_MS / 2));
            }
        }
        fx.vfs.write(root, fh, PAGE - 2, new byte[] {9}, 0, 1);
        expected[PAGE - 2] = 9;
        long ino = fx.ino("/f");
        // The delay counts from the first write: half of it again is enough, however late the last write.
        fx.clock.advance(TimeUnit.MILLISECONDS.toNanos(DELAY_MS / 2));
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0);
        assertEquals(1, fx.replicas.writesOf(key(ino, 0)), "51 writes of one page, one upload");
        assertArrayEquals(expected, fx.remoteFile(ino, expected.length));
        fx.vfs.release(fh);
    }

    @Test
    void fsyncSyncfsAndStoppingDoNotWaitForTheDelay() {
        fx = delayed(b -> b);
        byte[] a = random(22, 3 * PAGE + 5);
        long ia = fx.write("/a", a);
        long fh = open("/a", Modes.O_RDWR);
        fx.vfs.fsync(fh, true);
        assertArrayEquals(a, fx.remoteFile(ia, a.length), "fsync uploaded the partly written tail page");
        fx.vfs.release(fh);

        fx.mkdir("/d");
        byte[] c = random(24, 7);
        long ic = fx.write("/d/c", c);
        fx.vfs.fsyncdir(fx.ino("/d"));
        assertTrue(fx.replicas.stored(key(ic, 0)).isEmpty(), "another directory's fsync waits for metadata only");
        fx.vfs.fsyncdir(Vfs.ROOT_INO);
        assertArrayEquals(c, fx.remoteFile(ic, c.length), "an fsync of the root is the volume's syncfs");

        byte[] b = random(23, 10);
        long ib = fx.write("/b", b);
        fx.vfs.uploadAll();
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0);
        assertArrayEquals(b, fx.remoteFile(ib, b.length));
    }

    @Test
    void pastTheBackgroundMarkPagesGoWhateverTheirAge() {
        // 256 dirty pages at most; past 128 the delay no longer holds.
        fx = delayed(b -> b.cacheBytesMax(2L << 20).dirtyBytesMax(1L << 20));
        long fh = fx.vfs.create(root, Vfs.ROOT_INO, Names.of("f"), 0644, Modes.O_RDWR | Modes.O_CREAT).fh();
        for (int i = 0; i < 200; i++) {
            fx.vfs.write(root, fh, i * (long) PAGE + 1, new byte[] {(byte) i}, 0, 1);
        }
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() <= 128);
        await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> fx.vfs.dirtyPages() > 0);
        fx.clock.advance(TimeUnit.MILLISECONDS.toNanos(DELAY_MS));
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0);
        fx.vfs.release(fh);
    }

    @Test
    void fsyncWaitsForABacklogLongerThanItsDeadlineWhileTheReplicasProgress() {
        // One upload at a time, 40 ms each: 24 pages take about a second, the deadline is 300 ms.
        fx = new VfsFixture(dir, b -> b.fsyncTimeoutMs(300).flushInFlightMax(1));
        fx.replicas.holdWrites();
        byte[] data = random(25, 24 * PAGE);
        long ino = fx.write("/f", data);
        fx.replicas.delay(40);
        fx.replicas.releaseWrites();
        long fh = open("/f", Modes.O_RDWR);
        long start = System.nanoTime();
        fx.vfs.fsync(fh, false);
        assertTrue(System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(300), "longer than one deadline");
        assertArrayEquals(data, fx.remoteFile(ino, data.length));
        fx.vfs.release(fh);
    }

    @Test
    void everyReturnedWriteSurvivesARestartAndIsUploadedAfterIt() {
        fx = new VfsFixture(dir);
        fx.replicas.failNext(1_000_000, Status.UNAVAILABLE);
        byte[] a = random(6, 7 * PAGE + 1);
        long ino = fx.write("/a", a);
        long fh = open("/a", Modes.O_RDWR);
        for (int i = 0; i < 100; i++) {
            fx.vfs.write(root, fh, i * 37L, new byte[] {(byte) i}, 0, 1);
            a[i * 37] = (byte) i;
        }
        fx.vfs.release(fh);
        fx.reopen();
        assertTrue(fx.vfs.dirtyPages() > 0, "dirty pages are remembered");
        assertArrayEquals(a, fx.read("/a"));
        fx.replicas.failNext(0, Status.UNAVAILABLE);
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0);
        assertArrayEquals(a, fx.remoteFile(ino, a.length));
    }

    @Test
    void evictedPagesAreReadBackFromTheReplicas() {
        fx = new VfsFixture(dir, b -> b.cacheBytesMax(2L << 20).dirtyBytesMax(1L << 20));
        byte[] data = random(7, 6 << 20);
        long ino = fx.write("/big", data);
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0);
        await().atMost(WAIT).until(() -> fx.vfs.cachedBytes() <= (2L << 20));
        long readsBefore = fx.replicas.reads.get();
        assertArrayEquals(data, fx.read("/big"));
        assertTrue(fx.replicas.reads.get() > readsBefore, "cold pages came from the replicas");
        // A partial write into an evicted page keeps the rest of the page.
        await().atMost(WAIT).until(() -> fx.vfs.cachedBytes() <= (2L << 20));
        long fh = open("/big", Modes.O_RDWR);
        fx.vfs.write(root, fh, 5, new byte[] {42}, 0, 1);
        data[5] = 42;
        byte[] page0 = new byte[PAGE];
        fx.vfs.read(fh, 0, page0, 0, PAGE);
        assertArrayEquals(Arrays.copyOf(data, PAGE), page0);
        fx.vfs.release(fh);
        assertEquals(data.length, fx.vfs.getattr(ino).size());
    }

    @Test
    void slowReplicasEndColdReadsInEioAtTheDeadlineAndOnlySlowDownFsync() {
        fx = new VfsFixture(dir, b -> b.cacheBytesMax(2L << 20).dirtyBytesMax(1L << 20).readTimeoutMs(300));
        byte[] data = random(13, 6 << 20);
        fx.write("/big", data);
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0);
        await().atMost(WAIT).until(() -> fx.vfs.cachedBytes() <= (2L << 20));
        fx.replicas.delay(2_000);
        assertErrno(Errno.EIO, () -> fx.read("/big"));
        fx.replicas.delay(20);
        long fh = open("/big", Modes.O_RDWR);
        fx.vfs.write(root, fh, 0, new byte[PAGE], 0, PAGE);
        fx.vfs.fsync(fh, false);
        fx.vfs.release(fh);
        fx.replicas.delay(0);
        System.arraycopy(new byte[PAGE], 0, data, 0, PAGE);
        // Fetches still in flight from the slow phase are shared, not repeated: wait them out.
        await().atMost(WAIT).ignoreExceptions().until(() -> Arrays.equals(data, fx.read("/big")));
    }

    @Test
    void cachedHolesCountAgainstTheCacheSize() {
        fx = new VfsFixture(dir, b -> b.cacheBytesMax(1L << 20).dirtyBytesMax(512 << 10).readaheadPages(0));
        long fh = fx.vfs.create(root, Vfs.ROOT_INO, Names.of("sparse"), 0644, Modes.O_RDWR | Modes.O_CREAT).fh();
        long far = 20_000L * PAGE;
        fx.vfs.write(root, fh, far, new byte[] {1}, 0, 1);
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0);
        // Every page below the last one may exist remotely: each read fetches a hole and caches it.
        byte[] buf = new byte[PAGE];
        for (long i = 0; i < 20_000; i++) {
            fx.vfs.read(fh, i * PAGE, buf, 0, 1);
        }
        await().atMost(WAIT).until(() -> fx.vfs.cachedBytes() <= (1L << 20));
        fx.vfs.release(fh);
    }

    @Test
    void sequentialReadersGetReadahead() {
        fx = new VfsFixture(dir, b -> b.cacheBytesMax(2L << 20).dirtyBytesMax(1L << 20).readaheadPages(16));
        byte[] data = random(8, 4 << 20);
        fx.write("/big", data);
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0);
        await().atMost(WAIT).until(() -> fx.vfs.cachedBytes() <= (2L << 20));
        long fh = open("/big", Modes.O_RDONLY);
        long readsBefore = fx.replicas.reads.get();
        byte[] buf = new byte[PAGE];
        fx.vfs.read(fh, 0, buf, 0, PAGE);
        fx.vfs.read(fh, PAGE, buf, 0, PAGE);
        await().atMost(WAIT).until(() -> fx.replicas.reads.get() - readsBefore >= 10);
        fx.vfs.release(fh);
    }

    @Test
    void writersWaitForDirtyRoomThenProceed() {
        fx = new VfsFixture(dir, b -> b.cacheBytesMax(2L << 20).dirtyBytesMax(512 << 10));
        fx.replicas.holdWrites();
        long fh = fx.vfs.create(root, Vfs.ROOT_INO, Names.of("f"), 0644, Modes.O_RDWR | Modes.O_CREAT).fh();
        byte[] chunk = random(9, 64 * PAGE);
        fx.vfs.write(root, fh, 0, chunk, 0, chunk.length);
        fx.vfs.write(root, fh, chunk.length, chunk, 0, chunk.length);
        assertEquals(128, fx.vfs.dirtyPages());
        CompletableFuture<Integer> blocked = CompletableFuture.supplyAsync(
                () -> fx.vfs.write(root, fh, 2L * chunk.length, chunk, 0, PAGE));
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> !blocked.isDone());
        fx.replicas.releaseWrites();
        assertEquals(PAGE, blocked.join());
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0);
        fx.vfs.release(fh);
    }

    @Test
    void writersGiveUpWithEioAtTheDirtyDeadline() {
        fx = new VfsFixture(dir, b -> b.cacheBytesMax(2L << 20).dirtyBytesMax(512 << 10).dirtyWaitMs(200));
        fx.replicas.holdWrites();
        long fh = fx.vfs.create(root, Vfs.ROOT_INO, Names.of("f"), 0644, Modes.O_RDWR | Modes.O_CREAT).fh();
        byte[] chunk = random(10, 128 * PAGE);
        fx.vfs.write(root, fh, 0, chunk, 0, chunk.length);
        assertErrno(Errno.EIO, () -> fx.vfs.write(root, fh, chunk.length, chunk, 0, PAGE));
        fx.replicas.releaseWrites();
        fx.vfs.release(fh);
    }

    @Test
    void truncateAndUnlinkDeleteThePagesOnTheReplicas() {
        fx = new VfsFixture(dir);
        byte[] data = random(11, 10 * PAGE);
        long ino = fx.write("/f", data);
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0);
        assertEquals(10, fx.replicas.livePages(VfsFixture.VOLUME_ID, ino).size());
        fx.vfs.truncate(root, ino, 2 * PAGE + 100);
        await().atMost(WAIT).until(() -> fx.replicas.livePages(VfsFixture.VOLUME_ID, ino).size() == 3
                && fx.vfs.dirtyPages() == 0);
        assertEquals(100, fx.replicas.livePages(VfsFixture.VOLUME_ID, ino).get(2L).length, "tail page trimmed");
        fx.vfs.unlink(root, Vfs.ROOT_INO, Names.of("f"));
        await().atMost(WAIT).until(() -> fx.replicas.livePages(VfsFixture.VOLUME_ID, ino).isEmpty());
    }

    @Test
    void cutPagesNeverComeBackWhileTheirDeletesArePending() {
        fx = new VfsFixture(dir, b -> b.cacheBytesMax(2L << 20).dirtyBytesMax(1L << 20));
        byte[] data = random(12, 8 * PAGE);
        long ino = fx.write("/f", data);
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0);
        fx.replicas.failNext(1_000_000, Status.UNAVAILABLE); // deletes cannot complete
        fx.vfs.truncate(root, ino, PAGE / 2);
        fx.vfs.truncate(root, ino, 8 * PAGE);
        byte[] expect = new byte[8 * PAGE];
        System.arraycopy(data, 0, expect, 0, PAGE / 2);
        assertArrayEquals(expect, fx.read("/f"));
        // A write into the cut range brings that one page back to life, holes around it stay holes.
        long fh = open("/f", Modes.O_RDWR);
        fx.vfs.write(root, fh, 3 * PAGE + 1, new byte[] {1}, 0, 1);
        fx.vfs.release(fh);
        expect[3 * PAGE + 1] = 1;
        assertArrayEquals(expect, fx.read("/f"));
        fx.replicas.failNext(0, Status.UNAVAILABLE);
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0
                && fx.replicas.livePages(VfsFixture.VOLUME_ID, ino).size() == 2);
        assertArrayEquals(expect, fx.remoteFile(ino, expect.length));
        fx.reopen();
        assertArrayEquals(expect, fx.read("/f"));
    }

    @Test
    void manyConcurrentWritersAndReaders() throws Exception {
        fx = new VfsFixture(dir, b -> b.cacheBytesMax(4L << 20).dirtyBytesMax(1L << 20));
        int files = 4;
        CompletableFuture<?>[] all = new CompletableFuture<?>[files];
        for (int i = 0; i < files; i++) {
            int n = i;
            all[i] = CompletableFuture.runAsync(() -> {
                byte[] data = random(100 + n, 300 * PAGE + n);
                fx.write("/f" + n, data);
                assertArrayEquals(data, fx.read("/f" + n));
            });
        }
        CompletableFuture.allOf(all).get(60, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0);
        for (int i = 0; i < files; i++) {
            ByteArrayOutputStream ignored = new ByteArrayOutputStream();
            assertEquals(300 * PAGE + i, fx.read("/f" + i).length, ignored.toString());
        }
    }

    @Test
    void aCacheOfAnotherVolumeIsRefused() {
        fx = new VfsFixture(dir);
        fx.vfs.close();
        InMemoryReplicatedPages other = new InMemoryReplicatedPages();
        try {
            var cfg = MountConfig.builder(99, "other", 1, dir).pageSizeBytes(PAGE)
                    .cacheBytesMax(64L << 20).dirtyBytesMax(16L << 20).build();
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> Vfs.open(cfg, other, fx.registry));
            assertTrue(e.getMessage().contains("not volume 99"), e.getMessage());
        } finally {
            other.close();
            fx.vfs = Vfs.open(fx.config, fx.replicas, fx.registry);
        }
    }
}
