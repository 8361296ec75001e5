package io.quire.mount.pages;

import io.quire.mount.Modes;
import io.quire.mount.testing.VfsFixture;
import io.quire.mount.vfs.Caller;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A copy fetched from the replicas is only as current as the moment the replicas read it. These
 * tests hold a fetch in flight (the replicas answer what they stored when asked, but late), cut
 * the page meanwhile — truncate below it, let the trash collector delete its copies, grow the
 * file back over it — and then let the fetch land: the page must read as zeros, never as the old
 * bytes the slow answer carries.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StaleFetchTest {
    private static final int PAGE = 4096;
    private static final int FILE_BYTES = 6 << 20;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Caller ROOT = Caller.ROOT;

    @TempDir
    Path dir;
    private VfsFixture fx;

    @AfterEach
    void close() {
        if (fx != null) {
            fx.replicas.releaseReads();
            fx.close();
        }
    }

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A file mostly evicted from a 2 MiB cache: its pages live on the (in-memory) replicas. */
    private long coldFile(int readaheadPages) {
        fx = new VfsFixture(dir, b -> b.cacheBytesMax(2L << 20).dirtyBytesMax(1L << 20).readaheadPages(readaheadPages));
        fx.write("/big", random(1, FILE_BYTES));
        await().atMost(WAIT).until(() -> fx.vfs.dirtyPages() == 0);
        await().atMost(WAIT).until(() -> fx.vfs.cachedBytes() <= (2L << 20));
        return fx.vfs.open(ROOT, fx.ino("/big"), Modes.O_RDWR);
    }

    /** An operation on one page that is waiting for the replicas, and that page's index. */
    private record Stuck(long page, CompletableFuture<?> op) {
    }

    /**
     * With the replicas' answers held, runs {@code op} on page after page until one waits for
     * the replicas (the page was evicted): that one is left in flight.
     */
    private Stuck stuckOn(PageOp op) {
        fx.replicas.holdReads();
        for (long i = 0; i < FILE_BYTES / PAGE; i++) {
            long page = i;
            long readsBefore = fx.replicas.reads.get();
            CompletableFuture<?> f = CompletableFuture.runAsync(() -> op.run(page));
            await().atMost(WAIT).until(() -> f.isDone() || fx.replicas.reads.get() > readsBefore);
            if (!f.isDone()) {
                return new Stuck(page, f);
            }
            f.join();
        }
        throw new AssertionError("no page of the file was evicted");
    }

    @FunctionalInterface
    private interface PageOp {
        void run(long page);
    }

    /** Truncates below the page, waits until its copies are deleted remotely, grows the file back. */
    private void cutAndRegrow(long fh, long page) {
        fx.vfs.ftruncate(ROOT, fh, page * PAGE);
        await("the trash deleted the dead pages on the replicas").atMost(WAIT).until(() -> fx.vfs.trashRanges() == 0);
        fx.vfs.ftruncate(ROOT, fh, FILE_BYTES);
    }

    private byte[] readPage(long fh, long page) {
        byte[] b = new byte[PAGE];
        fx.vfs.read(fh, page * PAGE, b, 0, PAGE);
        return b;
    }

    @Test
    void aReadWhoseFetchOverlapsATruncateAndRegrowthNeverCachesTheOldBytes() {
        long fh = coldFile(0);
        Stuck s = stuckOn(page -> readPage(fh, page));
        cutAndRegrow(fh, s.page());
        fx.replicas.releaseReads();
        s.op().orTimeout(30, TimeUnit.SECONDS).join(); // what a read racing the truncate returns is either state
        assertArrayEquals(new byte[PAGE], readPage(fh, s.page()), "a page past a truncate reads as zeros");
        fx.reopen();
        long again = fx.vfs.open(ROOT, fx.ino("/big"), Modes.O_RDONLY);
        assertArrayEquals(new byte[PAGE], readPage(again, s.page()), "and the cache did not keep the old bytes");
    }

    @Test
    void aPartialWriteWhoseFetchOverlapsATruncateKeepsZerosAroundItsBytes() {
        long fh = coldFile(0);
        byte[] one = {42};
        Stuck s = stuckOn(page -> fx.vfs.write(ROOT, fh, page * PAGE + 100, one, 0, 1));
        cutAndRegrow(fh, s.page());
        fx.replicas.releaseReads();
        s.op().orTimeout(30, TimeUnit.SECONDS).join();
        byte[] want = new byte[PAGE];
        want[100] = 42;
        assertArrayEquals(want, readPage(fh, s.page()), "the write's byte, zeros around it");
    }

    @Test
    void aTruncateWhoseTailFetchOverlapsAnotherTruncateAndRegrowthKeepsZeros() {
        long fh = coldFile(0);
        Stuck s = stuckOn(page -> fx.vfs.ftruncate(ROOT, fh, page * PAGE + 100));
        cutAndRegrow(fh, s.page());
        fx.replicas.releaseReads();
        s.op().orTimeout(30, TimeUnit.SECONDS).join();
        byte[] got = new byte[100];
        fx.vfs.read(fh, s.page() * PAGE, got, 0, 100);
        assertArrayEquals(new byte[100], got, "the tail kept by the last truncate is the regrown file's zeros");
    }

    @Test
    void aHoleLeftByATruncateIsReadWithoutAskingTheReplicas() {
        long fh = coldFile(0);
        long from = 10;
        fx.vfs.ftruncate(ROOT, fh, from * PAGE);
        fx.vfs.ftruncate(ROOT, fh, FILE_BYTES); // the replicas may still hold the cut pages
        long readsBefore = fx.replicas.reads.get();
        byte[] got = new byte[FILE_BYTES - (int) (from * PAGE)];
        fx.vfs.read(fh, from * PAGE, got, 0, got.length);
        assertArrayEquals(new byte[got.length], got);
        assertEquals(readsBefore, fx.replicas.reads.get(), "a hole is known here: no fetch");
    }
}
