package io.quire.mount.journal;

import io.quire.mount.Errno;
import io.quire.mount.PosixException;
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

import static io.quire.mount.testing.VfsFixture.assertErrno;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Confined to the JUnit thread (background threads only in the code under test). The local
 * journal is bounded: while the servers acknowledge nothing, metadata operations go on until the
 * backlog is full, then wait for room up to the mount's dirty wait and fail with EIO, changing
 * nothing; once the servers answer again, a waiting operation goes through.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalBacklogTest {
    private static final int BACKLOG = 20;
    private static final long ROOM_WAIT_MS = 400;
    private static final Duration WAIT = Duration.ofSeconds(30);
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

    @Test
    void aFullBacklogWaitsThenFailsWithEioAndGoesOnOnceTheServersAnswer() {
        Vfs v = mounts.mount("a", 3, JournalConfig.defaults().withBacklogRecordsMax(BACKLOG),
                b -> b.dirtyWaitMs(ROOM_WAIT_MS));
        v.syncfs();
        mounts.view(v).hold(k -> k.inode() == ReservedInodes.JOURNAL); // the servers stop acknowledging
        for (int i = 0; i < BACKLOG; i++) {
            Tree.mkdir(v, "/d" + i);
        }
        long before = System.nanoTime();
        assertErrno(Errno.EIO, () -> v.mkdir(Caller.ROOT, Vfs.ROOT_INO, Names.of("over"), 0755));
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
        assertTrue(waitedMs >= ROOM_WAIT_MS, "failed after " + waitedMs + " ms, before the wait");
        assertThrows(PosixException.class, () -> Tree.ino(v, "/over"), "the failed mkdir changed nothing");
        assertEquals(BACKLOG, v.journal().currentSeq() - v.journal().durableSeq());

        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> Tree.mkdir(v, "/later"));
        await().during(Duration.ofMillis(ROOM_WAIT_MS / 2)).atMost(WAIT).until(() -> !waiting.isDone());
        mounts.view(v).release(); // the servers answer again
        waiting.join();
        Tree.ino(v, "/later");
        v.syncfs();
        assertEquals(v.journal().currentSeq(), v.journal().durableSeq());
    }
}
