package io.quire.mount.store;

import io.quire.mount.Errno;
import io.quire.mount.PosixException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
                    env.readData(txn -> env.pages.count(txn));
                    reads.incrementAndGet();
                }
            });
            AtomicInteger effects = new AtomicInteger();
            for (int i = 0; i < 100; i++) {
                long idx = i;
                env.write(w -> {
                    env.pages.put(w.data(), 1, idx, page, 0, page.length);
                    w.afterCommit(effects::incrementAndGet);
                    return null;
                });
            }
            stop.set(true);
            reader.get(30, TimeUnit.SECONDS);
            assertTrue(env.mapSizeBytes() > initial, "grew from " + initial + " to " + env.mapSizeBytes());
            assertEquals(100, effects.get(), "after-commit effects ran once per committed write");
            assertEquals(100L, env.readData(env.pages::count));
            assertEquals(100 * PageTable.footprint(PAGE), (long) env.readData(env.pages::totalBytes));
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
                assertTrue(env.dirty.mark(w.data(), 1, 0, 10, 1_000));
                assertTrue(!env.dirty.mark(w.data(), 1, 0, 11, 2_000), "already dirty");
                env.dirty.mark(w.data(), 1, 1, 12, 3_000);
                env.dirty.mark(w.data(), 1, 1, 13, 0);
                env.dirty.mark(w.data(), 1, 1, 14, 4_000);
                return null;
            });
            assertEquals(List.of(new DirtyTable.Entry(1, 0, 11, 1_000), new DirtyTable.Entry(1, 1, 14, 0)),
                    env.readData(txn -> env.dirty.from(txn, 0, 0, 10)), "first time kept; due-at-once sticks");
        }
        // A cache written before the time was kept holds the sequence alone, and (older still)
        // keeps its dirty table in the metadata environment: opened, it moves into the data one.
        try (Env<ByteBuffer> raw = Env.create().setMapSize(16L << 20).setMaxDbs(32).open(dir.toFile())) {
            Dbi<ByteBuffer> dirty = raw.openDbi("dirty", DbiFlags.MDB_CREATE);
            try (Txn<ByteBuffer> txn = raw.txnWrite()) {
                dirty.put(txn, Keys.of(2, 0), Keys.of(20));
                txn.commit();
            }
        }
        try (CacheEnv env = CacheEnv.open(dir, 16L << 20)) {
            assertEquals(new DirtyTable.Entry(2, 0, 20, 0), env.readData(txn -> env.dirty.range(txn, 2, 0, 1, 10)).get(0));
            env.write(w -> env.dirty.mark(w.data(), 2, 0, 21, 5_000));
            assertEquals(new DirtyTable.Entry(2, 0, 21, 0), env.readData(txn -> env.dirty.range(txn, 2, 0, 1, 10)).get(0));
        }
    }

    /** The LMDB pages the environment's file has used (LMDB never shrinks a file by itself). */
    private static long usedPages(Path dir) {
        try (Env<ByteBuffer> raw = Env.create().setMapSize(256L << 20).setMaxDbs(16).open(dir.toFile())) {
            return raw.info().lastPageNumber + 1;
        }
    }

    private static byte[] filled(int i) {
        byte[] b = new byte[4096];
        Arrays.fill(b, (byte) i);
        return b;
    }

    @Test
    void aCacheOfOneEnvironmentMovesItsPagesToTheDataEnvironmentAndShrinks(@TempDir Path dir) throws Exception {
        int pages = 3_000; // 12 MiB of page bytes, several move batches
        try (Env<ByteBuffer> raw = Env.create().setMapSize(256L << 20).setMaxDbs(16)
                .open(dir.toFile(), EnvFlags.MDB_NOSYNC)) {
            PageTable old = new PageTable(raw.openDbi("pages", DbiFlags.MDB_CREATE));
            Dbi<ByteBuffer> dirty = raw.openDbi("dirty", DbiFlags.MDB_CREATE);
            Dbi<ByteBuffer> meta = raw.openDbi("meta", DbiFlags.MDB_CREATE);
            try (Txn<ByteBuffer> txn = raw.txnWrite()) {
                for (int i = 0; i < pages; i++) {
                    old.put(new DataTxn(txn), 5, i, filled(i), 0, 4096);
                }
                dirty.put(txn, Keys.of(5, 7), Keys.of(99, 0));
                meta.put(txn, Keys.of("seq.next".getBytes(StandardCharsets.US_ASCII)), Keys.of(100));
                txn.commit();
            }
        }
        long before = usedPages(dir);
        try (CacheEnv env = CacheEnv.open(dir, 256L << 20)) {
            for (int i = 0; i < pages; i++) {
                int n = i;
                assertArrayEquals(filled(i), env.readData(d -> env.pages.readAll(d, 5, n)), "page " + i);
            }
            assertEquals(List.of(new DirtyTable.Entry(5, 7, 99, 0)), env.readData(d -> env.dirty.from(d, 0, 0, 10)));
            assertEquals(100L, (long) env.read(txn -> env.meta.get(txn, MetaTable.NEXT_SEQ, -1)));
        }
        long after = usedPages(dir);
        assertTrue(after < before / 100, "metadata file compacted: " + before + " -> " + after + " LMDB pages used");
        // Reopened: nothing left to move, the same pages.
        try (CacheEnv env = CacheEnv.open(dir, 256L << 20)) {
            assertEquals((long) pages, (long) env.readData(env.pages::count));
            assertArrayEquals(filled(2_999), env.readData(d -> env.pages.readAll(d, 5, 2_999)));
        }
    }
}
