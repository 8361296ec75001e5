package io.quire.mount.journal;

import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.vfs.Caller;
import io.quire.mount.vfs.Names;
import io.quire.mount.vfs.Vfs;
import io.quire.page.ReservedInodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.quire.mount.journal.Tree.utf8;
import static io.quire.mount.testing.VfsFixture.assertErrno;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Confined to the JUnit thread (background threads only in the code under test). The sync calls
 * return only once the metadata they depend on is durable (promise 2), and file pages reach the
 * servers only after the journal records before them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FsyncJournalTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration HELD = Duration.ofMillis(300);
    private static final Caller ROOT = Caller.ROOT;
    @TempDir
    Path dir;
    Mounts mounts;

    @BeforeEach
    void start() {
        mounts = new Mounts(dir);
    }

    @AfterEach
    void stop() {
        mounts.close();
    }

    private static boolean journalPage(io.quire.page.PageKey k) {
        return k.inode() == ReservedInodes.JOURNAL;
    }

    /** A mount with one file whose data and metadata are already on the servers. */
    private Vfs mountWithSyncedFile(long fsyncTimeoutMs) {
        Vfs v = mounts.mount("a", 3, JournalConfig.defaults().withCloseFlushMs(200), b -> b.fsyncTimeoutMs(fsyncTimeoutMs));
        Tree.write(v, "/f", utf8("data"));
        v.syncfs();
        // The dirty count follows the flusher's commit (an after-commit action), which syncfs
        // does not wait for: it waits for the page to be clean in the cache.
        await().atMost(WAIT).until(() -> v.dirtyPages() == 0);
        return v;
    }

    @Test
    void fsyncWaitsForTheJournalAfterTheData() {
        Vfs v = mountWithSyncedFile(20_000);
        long ino = Tree.ino(v, "/f");
        mounts.view(v).hold(FsyncJournalTest::journalPage);
        v.chmod(ROOT, ino, 0600); // metadata only: the file has no dirty page
        long seq = v.journal().currentSeq();
        long fh = v.open(ROOT, ino, Modes.O_RDONLY);
        CompletableFuture<Void> fsync = CompletableFuture.runAsync(() -> v.fsync(fh, false));
        await().during(HELD).atMost(WAIT).until(() -> !fsync.isDone());
        mounts.view(v).release();
        fsync.join();
        assertTrue(v.journal().durableSeq() >= seq);
        v.release(fh);
    }

    @Test
    void fsyncEndsInEioAtItsDeadlineWhenTheJournalCannotGetThere() {
        Vfs v = mountWithSyncedFile(300);
        long ino = Tree.ino(v, "/f");
        mounts.view(v).hold(FsyncJournalTest::journalPage);
        v.chmod(ROOT, ino, 0600);
        long fh = v.open(ROOT, ino, Modes.O_RDONLY);
        assertErrno(Errno.EIO, () -> v.fsync(fh, true));
        assertErrno(Errno.EIO, () -> v.fsyncdir(Vfs.ROOT_INO));
        assertErrno(Errno.EIO, v::syncfs);
        mounts.view(v).release();
        v.fsync(fh, true);
        v.release(fh);
    }

    @Test
    void fsyncdirAndSyncfsWaitForTheJournal() {
        Vfs v = mountWithSyncedFile(20_000);
        mounts.view(v).hold(FsyncJournalTest::journalPage);
        Tree.mkdir(v, "/d");
        Tree.rename(v, "/f", "/d/f", 0);
        CompletableFuture<Void> fsyncdir = CompletableFuture.runAsync(() -> v.fsyncdir(Tree.ino(v, "/d")));
        CompletableFuture<Void> syncfs = CompletableFuture.runAsync(v::syncfs);
        await().during(HELD).atMost(WAIT).until(() -> !fsyncdir.isDone() && !syncfs.isDone());
        mounts.view(v).release();
        fsyncdir.join();
        syncfs.join();
        assertEquals(v.journal().currentSeq(), v.journal().durableSeq());
    }

    @Test
    void filePagesReachTheServersOnlyAfterTheRecordsBeforeThem() {
        Vfs v = mountWithSyncedFile(20_000);
        mounts.view(v).hold(FsyncJournalTest::journalPage);
        long ino = Tree.write(v, "/g", new byte[3 * Mounts.PAGE]);
        await().during(HELD).atMost(WAIT).until(() -> mounts.cluster.livePages(Mounts.VOLUME_ID, ino).isEmpty());
        assertEquals(3, v.dirtyPages());
        mounts.view(v).release();
        await().atMost(WAIT).until(() -> v.dirtyPages() == 0);
        assertEquals(3, mounts.cluster.livePages(Mounts.VOLUME_ID, ino).size());
    }

    @Test
    void deletesWaitForTheUnlinkRecord() {
        Vfs v = mounts.mount("a", 3);
        long ino = Tree.write(v, "/f", new byte[2 * Mounts.PAGE]);
        v.syncfs();
        assertEquals(2, mounts.cluster.livePages(Mounts.VOLUME_ID, ino).size());
        mounts.view(v).hold(FsyncJournalTest::journalPage);
        v.unlink(ROOT, Vfs.ROOT_INO, Names.of("f"));
        await().during(HELD).atMost(WAIT).until(() -> mounts.cluster.livePages(Mounts.VOLUME_ID, ino).size() == 2);
        mounts.view(v).release();
        await().atMost(WAIT).until(() -> mounts.cluster.livePages(Mounts.VOLUME_ID, ino).isEmpty());
    }
}
