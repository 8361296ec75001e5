package io.quire.mount.store;

import io.quire.mount.Errno;
import io.quire.mount.PosixException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.lmdbjava.Dbi;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;

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

    @Test
    void dirtyPagesKeepTheTimeTheyBecameDirtyAndOldEntriesAreDueAtOnce(@TempDir Path dir) {
        try (CacheEnv env = CacheEnv.open(dir, 16L << 20)) {
            env.write(w -> {
                assertTrue(env.dirty.mark(w.txn, 1, 0, 10, 1_000));
                assertTrue(!env.dirty.mark(w.txn, 1, 0, 11, 2_000), "already dirty");
                env.dirty.mark(w.txn, 1, 1, 12, 3_000);
                env.dirty.mark(w.txn, 1, 1, 13, 0);
                env.dirty.mark(w.txn, 1, 1, 14, 4_000);
                return null;
            });
            assertEquals(List.of(new DirtyTable.Entry(1, 0, 11, 1_000), new DirtyTable.Entry(1, 1, 14, 0)),
                    env.read(txn -> env.dirty.from(txn, 0, 0, 10)), "first time kept; due-at-once sticks");
        }
        // A cache written before the time was kept holds the sequence alone.
        try (Env<ByteBuffer> raw = Env.create().setMapSize(16L << 20).setMaxDbs(32).open(dir.toFile())) {
            Dbi<ByteBuffer> dirty = raw.openDbi("dirty");
            try (Txn<ByteBuffer> txn = raw.txnWrite()) {
                dirty.put(txn, Keys.of(2, 0), Keys.of(20));
                txn.commit();
            }
        }
        try (CacheEnv env = CacheEnv.open(dir, 16L << 20)) {
            assertEquals(new DirtyTable.Entry(2, 0, 20, 0), env.read(txn -> env.dirty.range(txn, 2, 0, 1, 10)).get(0));
            env.write(w -> env.dirty.mark(w.txn, 2, 0, 21, 5_000));
            assertEquals(new DirtyTable.Entry(2, 0, 21, 0), env.read(txn -> env.dirty.range(txn, 2, 0, 1, 10)).get(0));
        }
    }
}
