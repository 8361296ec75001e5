package io.quire.mount.store;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Confined to the JUnit thread. The chunked page table against a plain byte-array model: every
 * operation, at chunk boundaries and at random, reads back as the model says; and a cache of the
 * older one-value-per-page layout is moved on open.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PageTableTest {
    private static final int PAGE = 64 * 1024;
    private static final int C = PageTable.CHUNK_BYTES;

    @TempDir
    Path dir;

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] readAll(CacheEnv env, long ino, long index) {
        return env.readData(txn -> env.pages.readAll(txn, ino, index));
    }

    @Test
    void wholePagesPartialWritesAndTruncatesReadAsTheModelSays() {
        try (CacheEnv env = CacheEnv.open(dir, 64L << 20)) {
            byte[] model = bytes(PAGE, 1);
            env.write(w -> {
                env.pages.put(w.data(), 3, 7, model, 0, PAGE);
                return null;
            });
            assertArrayEquals(model, readAll(env, 3, 7));
            assertEquals(PAGE, (int) env.readData(txn -> env.pages.length(txn, 3, 7)));

            // A write across two chunk boundaries rewrites what it covers, nothing else.
            byte[] src = bytes(2 * C + 10, 2);
            int at = C - 5;
            env.write(w -> env.pages.write(w.data(), 3, 7, at, src, 0, src.length, PAGE));
            System.arraycopy(src, 0, model, at, src.length);
            assertArrayEquals(model, readAll(env, 3, 7));

            // Cut inside a chunk: the tail reads as zeros, the length follows.
            int cut = 3 * C + 17;
            env.write(w -> {
                env.pages.truncate(w.data(), 3, 7, cut);
                return null;
            });
            assertArrayEquals(Arrays.copyOf(model, cut), readAll(env, 3, 7));

            // A write past the length leaves zeros between; bytes past "keep" are dropped first.
            byte[] far = bytes(100, 3);
            env.write(w -> env.pages.write(w.data(), 3, 7, 10 * C + 1, far, 0, far.length, 2 * C));
            byte[] expect = new byte[10 * C + 1 + far.length];
            System.arraycopy(model, 0, expect, 0, 2 * C);
            System.arraycopy(far, 0, expect, 10 * C + 1, far.length);
            assertArrayEquals(expect, readAll(env, 3, 7));

            // read() of a range: what lies within the length, and nothing past it.
            byte[] dst = new byte[300];
            Arrays.fill(dst, (byte) 9);
            int n = env.readData(txn -> env.pages.read(txn, 3, 7, 10 * C - 50, dst, 0, 300));
            assertEquals(151, n);
            assertArrayEquals(Arrays.copyOfRange(expect, 10 * C - 50, 10 * C + 101), Arrays.copyOf(dst, 151));

            assertTrue((boolean) env.write(w -> env.pages.delete(w.data(), 3, 7)));
            assertNull(readAll(env, 3, 7));
            assertEquals(-1, (int) env.readData(txn -> env.pages.read(txn, 3, 7, 0, dst, 0, 10)));
            assertFalse((boolean) env.write(w -> env.pages.delete(w.data(), 3, 7)));
        }
    }

    @Test
    void randomOperationsMatchAByteArrayModel() {
        Random r = new Random(42);
        try (CacheEnv env = CacheEnv.open(dir, 256L << 20)) {
            byte[][] model = new byte[8][];
            for (int step = 0; step < 3000; step++) {
                int idx = r.nextInt(model.length);
                int op = r.nextInt(10);
                byte[] cur = model[idx];
                if (op < 2 || cur == null) {
                    byte[] page = bytes(r.nextInt(PAGE + 1), step);
                    env.write(w -> {
                        env.pages.put(w.data(), 1, idx, page, 0, page.length);
                        return null;
                    });
                    model[idx] = page;
                } else if (op < 7) {
                    int keep = r.nextInt(cur.length + 1);
                    int at = r.nextInt(PAGE);
                    int len = 1 + r.nextInt(PAGE - at);
                    byte[] src = bytes(len, -step);
                    env.write(w -> env.pages.write(w.data(), 1, idx, at, src, 0, len, keep));
                    byte[] next = new byte[Math.max(keep, at + len)];
                    System.arraycopy(cur, 0, next, 0, keep);
                    System.arraycopy(src, 0, next, at, len);
                    model[idx] = next;
                } else if (op < 9) {
                    int to = r.nextInt(cur.length + 1);
                    env.write(w -> {
                        env.pages.truncate(w.data(), 1, idx, to);
                        return null;
                    });
                    model[idx] = Arrays.copyOf(cur, to);
                } else {
                    env.write(w -> env.pages.delete(w.data(), 1, idx));
                    model[idx] = null;
                }
                int check = r.nextInt(model.length);
                assertArrayEquals(model[check], readAll(env, 1, check), "page " + check + " after step " + step);
            }
            long cached = Arrays.stream(model).filter(m -> m != null).count();
            assertEquals(cached, (long) env.readData(env.pages::count));
            long footprint = Arrays.stream(model).filter(m -> m != null).mapToLong(m -> PageTable.footprint(m.length)).sum();
            assertEquals(footprint, (long) env.readData(env.pages::totalBytes));
        }
    }

    @Test
    void rangeAndScanListPagesNotChunks() {
        try (CacheEnv env = CacheEnv.open(dir, 64L << 20)) {
            env.write(w -> {
                for (long ino = 1; ino <= 3; ino++) {
                    for (long i = 0; i < 5; i++) {
                        env.pages.put(w.data(), ino, i * 2, bytes(i == 0 ? 0 : PAGE, (int) i), 0, i == 0 ? 0 : PAGE);
                    }
                }
                return null;
            });
            List<PageTable.Key> r = env.readData(txn -> env.pages.range(txn, 2, 1, 7, 10));
            assertEquals(List.of(new PageTable.Key(2, 2, PAGE), new PageTable.Key(2, 4, PAGE), new PageTable.Key(2, 6, PAGE)), r);
            assertEquals(2, env.readData(txn -> env.pages.range(txn, 2, 0, 100, 2)).size());
            // From the middle, wrapping once to the start: every page once.
            List<PageTable.Key> all = env.readData(txn -> env.pages.scan(txn, 2, 5, 100));
            assertEquals(15, all.size());
            assertEquals(new PageTable.Key(2, 6, PAGE), all.get(0));
            assertEquals(new PageTable.Key(2, 4, PAGE), all.get(14));
            assertEquals(new PageTable.Key(1, 0, 0), all.get(7));
        }
    }

    @Test
    void aCacheOfWholePageValuesIsMovedOnOpen() {
        byte[] a = bytes(PAGE, 7);
        byte[] b = bytes(1000, 8);
        int pages = 600; // more than one move batch
        try (Env<ByteBuffer> env = Env.create().setMapSize(256L << 20).setMaxDbs(16)
                .open(dir.toFile(), EnvFlags.MDB_NOSYNC)) {
            Dbi<ByteBuffer> old = env.openDbi(CacheEnv.WHOLE_PAGE_DBI, DbiFlags.MDB_CREATE);
            try (Txn<ByteBuffer> txn = env.txnWrite()) {
                for (int i = 0; i < pages; i++) {
                    byte[] v = i % 2 == 0 ? a : b;
                    ByteBuffer val = ByteBuffer.allocateDirect(v.length).put(v).flip();
                    old.put(txn, Keys.of(9, i), val);
                }
                old.put(txn, Keys.of(10, 0), ByteBuffer.allocateDirect(1).limit(0));
                txn.commit();
            }
        }
        try (CacheEnv env = CacheEnv.open(dir, 256L << 20)) {
            for (int i = 0; i < pages; i++) {
                assertArrayEquals(i % 2 == 0 ? a : b, readAll(env, 9, i), "page " + i);
            }
            assertEquals(0, (int) env.readData(txn -> env.pages.length(txn, 10, 0)));
            assertEquals(pages + 1L, (long) env.readData(env.pages::count));
        }
        // Reopened: nothing left to move, same pages.
        try (CacheEnv env = CacheEnv.open(dir, 256L << 20)) {
            assertArrayEquals(b, readAll(env, 9, 1));
            assertEquals(pages + 1L, (long) env.readData(env.pages::count));
        }
    }
}
