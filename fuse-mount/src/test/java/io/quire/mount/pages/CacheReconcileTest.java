package io.quire.mount.pages;

import io.quire.mount.Modes;
import io.quire.mount.PosixException;
import io.quire.mount.journal.JournalConfig;
import io.quire.mount.testing.VfsFixture;
import io.quire.mount.vfs.Caller;
import io.quire.mount.vfs.Names;
import io.quire.mount.vfs.Vfs;
import io.quire.page.PageKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Confined to the JUnit thread (background threads only in the code under test). A crash between
 * the metadata commit and the data commit of one write transaction, for each kind of operation:
 * the injected failure aborts the second commit, which leaves on disk exactly what a crash of the
 * process there leaves, and the next mount must show a file system in which every returned
 * operation holds, nothing stale shows through, and the cache's accounting is right.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CacheReconcileTest {
    private static final int PAGE = 4096;
    private static final Duration WAIT = Duration.ofSeconds(30);
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

    /** Pages stay dirty and local: nothing reaches the replicas until the test releases them. */
    private void openHoldingUploads() {
        // Closing does not wait for a journal the held writes keep from the replicas.
        fx = new VfsFixture(dir, b -> b, JournalConfig.defaults().withCloseFlushMs(0));
        fx.replicas.holdWrites();
    }

    /** Makes the test thread's next two-commit cache write fail between its commits, once. */
    private void crashNextCommit() {
        AtomicBoolean armed = new AtomicBoolean(true);
        Thread test = Thread.currentThread();
        fx.vfs.betweenCacheCommits(() -> {
            if (Thread.currentThread() == test && armed.getAndSet(false)) {
                throw new IllegalStateException("injected crash between the two commits");
            }
        });
    }

    /**
     * Writes a file in pieces smaller than a page: no page is due for upload before the write-back
     * delay, which the manual clock never reaches, so the replicas never hear of the file and
     * removing it leaves nothing to the trash: only the reconcile can drop what a crash leaves.
     */
    private long writeInPieces(String path, byte[] data) {
        Vfs.Opened o = fx.vfs.create(root, Vfs.ROOT_INO, Names.of(path.substring(1)), 0644, Modes.O_WRONLY | Modes.O_CREAT);
        for (int at = 0; at < data.length; at += 1000) {
            fx.vfs.write(root, o.fh(), at, data, at, Math.min(1000, data.length - at));
        }
        fx.vfs.release(o.fh());
        return o.attr().ino();
    }

    @Test
    void anUnlinkCutShortLeavesNoPagesOfTheRemovedFile() {
        fx = new VfsFixture(dir, b -> b.writebackDelayMs(60_000), JournalConfig.defaults().withCloseFlushMs(0));
        byte[] keep = random(1, 3 * PAGE);
        writeInPieces("/keep", keep);
        writeInPieces("/gone", random(2, 10 * PAGE + 100));
        assertEquals(14, fx.vfs.dirtyPages());
        crashNextCommit();
        assertThrows(PosixException.class, () -> fx.vfs.unlink(root, Vfs.ROOT_INO, Names.of("gone")));
        fx.crashAndReopen();

        VfsFixture.assertErrno(io.quire.mount.Errno.ENOENT, () -> fx.ino("/gone"));
        assertEquals(3, fx.vfs.dirtyPages(), "only /keep's pages are left dirty");
        assertEquals(3 * (PAGE + 64L), fx.vfs.cachedBytes(), "only /keep's pages are cached");
        assertArrayEquals(keep, fx.read("/keep"));
        fx.vfs.syncfs();
        assertEquals(0, fx.vfs.dirtyPages());
        assertArrayEquals(keep, fx.read("/keep"));
    }

    @Test
    void aTruncateCutShortDropsThePagesPastTheEndAndCutsTheLastOne() {
        openHoldingUploads();
        byte[] data = random(3, 5 * PAGE + 300);
        long ino = fx.write("/f", data);
        int size = PAGE + PAGE / 2;
        crashNextCommit();
        assertThrows(PosixException.class, () -> fx.vfs.truncate(root, ino, size));
        fx.crashAndReopen();

        // The metadata committed: the truncate happened. The data did not, and is repaired.
        assertEquals(size, fx.vfs.getattr(ino).size());
        assertEquals(2, fx.vfs.dirtyPages(), "pages past the end are gone");
        assertEquals(PAGE + 64L + PAGE / 2 + 64L, fx.vfs.cachedBytes());
        assertArrayEquals(Arrays.copyOf(data, size), fx.read("/f"));
        // Grown again, the file reads zeros past the cut, locally and once uploaded.
        fx.vfs.truncate(root, ino, 5L * PAGE);
        byte[] grown = Arrays.copyOf(Arrays.copyOf(data, size), 5 * PAGE);
        assertArrayEquals(grown, fx.read("/f"));
        fx.replicas.releaseWrites();
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0);
        byte[] page1 = fx.replicas.stored(new PageKey(VfsFixture.VOLUME_ID, ino, 1)).orElseThrow().data();
        assertArrayEquals(Arrays.copyOfRange(grown, PAGE, PAGE + page1.length), page1);
    }

    @Test
    void aWriteCutShortIsNotVisibleAndItsPagesPastTheEndAreDropped() {
        openHoldingUploads();
        byte[] data = random(4, PAGE + 10);
        long ino = fx.write("/f", data);
        long fh = fx.vfs.open(root, ino, Modes.O_RDWR);
        crashNextCommit();
        byte[] more = random(5, 3 * PAGE);
        assertThrows(PosixException.class, () -> fx.vfs.write(root, fh, PAGE + 10, more, 0, more.length));
        fx.crashAndReopen();

        // The pages committed, the new size did not: the file is as before the write.
        assertEquals(data.length, fx.vfs.getattr(ino).size());
        assertArrayEquals(data, fx.read("/f"));
        assertEquals(2, fx.vfs.dirtyPages());
        assertEquals(PAGE + 64L + 10 + 64L, fx.vfs.cachedBytes(), "the written pages past the end are gone");
        fx.vfs.truncate(root, ino, 4L * PAGE);
        assertArrayEquals(Arrays.copyOf(data, 4 * PAGE), fx.read("/f"), "zeros, not the lost write, past the end");
    }

    @Test
    void anOverwriteCutShortLeavesItsSequenceBehindTheCounter() {
        openHoldingUploads();
        long ino = fx.write("/f", random(6, 2 * PAGE));
        long fh = fx.vfs.open(root, ino, Modes.O_RDWR);
        crashNextCommit();
        byte[] first = random(7, PAGE);
        assertThrows(PosixException.class, () -> fx.vfs.write(root, fh, 0, first, 0, PAGE));
        fx.crashAndReopen();

        // The page committed (a write may land and still fail): its sequence was never handed
        // out by the metadata, which must now be past it.
        fx.replicas.releaseWrites();
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0);
        PageKey key = new PageKey(VfsFixture.VOLUME_ID, ino, 0);
        long crashedSeq = fx.replicas.stored(key).orElseThrow().version().seq();
        byte[] second = random(8, PAGE);
        long fh2 = fx.vfs.open(root, ino, Modes.O_RDWR);
        fx.vfs.write(root, fh2, 0, second, 0, PAGE);
        fx.vfs.fsync(fh2, false);
        fx.vfs.release(fh2);
        assertTrue(fx.replicas.stored(key).orElseThrow().version().seq() > crashedSeq,
                "the next write of the page has a newer version than the one the crash left");
        assertArrayEquals(second, fx.replicas.stored(key).orElseThrow().data());
        assertArrayEquals(second, Arrays.copyOf(fx.read("/f"), PAGE));
    }

    @Test
    void aWriteIntoAHoleCutShortLeavesTheHole() {
        openHoldingUploads();
        long ino = fx.write("/f", random(9, PAGE));
        fx.vfs.truncate(root, ino, 4L * PAGE); // pages 1..3 are a hole
        long fh = fx.vfs.open(root, ino, Modes.O_RDWR);
        long dirty = fx.vfs.dirtyPages();
        long cached = fx.vfs.cachedBytes();
        crashNextCommit();
        assertThrows(PosixException.class, () -> fx.vfs.write(root, fh, 2L * PAGE + 5, new byte[] {7}, 0, 1));
        fx.crashAndReopen();

        // The page committed, the metadata that allocates it did not: the write did not happen.
        assertEquals(dirty, fx.vfs.dirtyPages(), "the hole's page is not left dirty");
        assertEquals(cached, fx.vfs.cachedBytes(), "nor cached");
        byte[] hole = new byte[PAGE];
        long again = fx.vfs.open(root, ino, Modes.O_RDONLY);
        fx.vfs.read(again, 2L * PAGE, hole, 0, PAGE);
        fx.vfs.release(again);
        assertArrayEquals(new byte[PAGE], hole);
        assertEquals(PAGE / 512, fx.vfs.getattr(ino).blocks(), "one page in use");
    }
}
