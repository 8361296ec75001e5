package io.quire.mount.store;

import io.quire.mount.Errno;
import io.quire.mount.PosixException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Confined to the JUnit thread (background threads only in the code under test). The LMDB
 * environment: map growth under load, aborts, trash ranges.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CacheEnvTest {
    private static final int PAGE = 64 * 1024;

    @Test
    void aFullMapGrowsWhileReadersRun(@TempDir Path dir) throws Exception {
        long initial = 1L << 20;
        try (CacheEnv env = CacheEnv.open(dir, initial)) {
            byte[] page = new byte[PAGE];
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger reads = new AtomicInteger();
            CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 1_000_000 && !stop.get(); i++) {
                    env.read(txn -> env.pages.count(txn));
                    reads.incrementAndGet();
                }
            });
            AtomicInteger effects = new AtomicInteger();
            for (int i = 0; i < 100; i++) {
                long idx = i;
                env.write(w -> {
                    env.pages.put(w.txn, 1, idx, page, 0, page.length);
                    w.afterCommit(effects::incrementAndGet);
                    return null;
                });
            }
            stop.set(true);
            reader.get(30, TimeUnit.SECONDS);
            assertTrue(env.mapSizeBytes() > initial, "grew from " + initial + " to " + env.mapSizeBytes());
            assertEquals(100, effects.get(), "after-commit effects ran once per committed write");
            assertEquals(100L, env.read(env.pages::count));
            assertEquals(100 * PageTable.footprint(PAGE), (long) env.read(env.pages::totalBytes));
        }
    }

    @Test
    void anExceptionAbortsTheWholeTransaction(@TempDir Path dir) {
        try (CacheEnv env = CacheEnv.open(dir, 16L << 20)) {
            assertThrows(PosixException.class, () -> env.write(w -> {
                env.meta.put(w.txn, "x", 1);
                w.afterCommit(() -> {
                    throw new AssertionError("must not run");
                });
                throw new PosixException(Errno.EEXIST, "abort");
            }));
            assertEquals(-1L, (long) env.read(txn -> env.meta.get(txn, "x", -1)));
        }
    }

    @Test
    void closedEnvironmentAnswersEio(@TempDir Path dir) {
        CacheEnv env = CacheEnv.open(dir, 16L << 20);
        env.close();
        PosixException e = assertThrows(PosixException.class, () -> env.read(txn -> 1));
        assertEquals(Errno.EIO, e.errno());
    }

    @Test
    void trashRangesSplitAndMerge(@TempDir Path dir) {
        try (CacheEnv env = CacheEnv.open(dir, 16L << 20)) {
            env.write(w -> {
                env.trash.add(w.txn, 5, 10, 20, 100);
                env.trash.split(w.txn, 5, 15);
                env.trash.add(w.txn, 5, 16, 30, 200);
                return null;
            });
            env.read(txn -> {
                assertEquals(2, env.trash.of(txn, 5).size());
                assertEquals(new TrashTable.Range(5, 10, 15, 100), env.trash.of(txn, 5).get(0));
                assertEquals(new TrashTable.Range(5, 16, 30, 200), env.trash.of(txn, 5).get(1));
                assertTrue(env.trash.covers(txn, 5, 10));
                assertTrue(!env.trash.covers(txn, 5, 15));
                assertTrue(env.trash.covers(txn, 5, 29));
                assertTrue(!env.trash.covers(txn, 5, 30));
                assertTrue(!env.trash.covers(txn, 6, 12));
                return null;
            });
        }
    }
}
