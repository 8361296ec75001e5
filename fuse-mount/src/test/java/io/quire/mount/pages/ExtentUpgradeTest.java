package io.quire.mount.pages;

import io.quire.mount.Modes;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.testing.VfsFixture;
import io.quire.mount.vfs.Caller;
import io.quire.mount.vfs.Vfs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A cache written before Quire counted allocated pages: inode records of format 1, no extents,
 * usage as the sum of file sizes. Opening it counts each file's pages (those the replicas may
 * hold and those cached) and the volume's usage, and every byte still reads back.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExtentUpgradeTest {
    private static final int PAGE = 4096;
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

    private long used() {
        var f = fx.vfs.statfs();
        return (f.blocks() - f.blocksFree()) * f.fragmentSize();
    }

    @Test
    void anOlderCacheHasItsPagesCountedAtOpen() {
        fx = new VfsFixture(dir, b -> b.writebackDelayMs(60_000));
        byte[] uploaded = random(1, 5 * PAGE + 10);
        long a = fx.write("/uploaded", uploaded);
        fx.vfs.syncfs(); // 6 pages on the replicas: the remote high mark is 6
        long b = fx.write("/local", new byte[0]);
        long fh = fx.vfs.open(root, b, Modes.O_RDWR);
        fx.vfs.write(root, fh, 3L * PAGE + 1, new byte[] {9}, 0, 1); // one cached page, never uploaded
        fx.vfs.release(fh);
        long c = fx.write("/sparse", new byte[0]);
        fx.vfs.truncate(root, c, 1L << 40); // a size, no data
        fx.vfs.close();
        downgrade(dir);

        fx.vfs = Vfs.open(fx.config, fx.replicas, fx.registry);
        assertEquals(6 * PAGE / 512, fx.vfs.getattr(a).blocks());
        assertEquals(PAGE / 512, fx.vfs.getattr(b).blocks());
        assertEquals(0, fx.vfs.getattr(c).blocks());
        assertEquals(7L * PAGE, used(), "usage is the pages counted, not the sum of sizes");
        assertArrayEquals(uploaded, fx.read("/uploaded"));
        byte[] local = new byte[3 * PAGE + 2];
        local[3 * PAGE + 1] = 9;
        assertArrayEquals(local, fx.read("/local"));
        fx.reopen();
        assertEquals(7L * PAGE, used(), "counted once");
    }

    /**
     * Rewrites the metadata as an older Quire left it: inode records without their last field
     * (format 1), no extents, usage the sum of the file sizes, no marker.
     */
    private static void downgrade(Path cacheDir) {
        try (Env<ByteBuffer> raw = Env.create().setMapSize(1L << 30).setMaxDbs(32).open(cacheDir.toFile())) {
            Dbi<ByteBuffer> inodes = raw.openDbi("inode");
            Dbi<ByteBuffer> extents = raw.openDbi("extent");
            Dbi<ByteBuffer> meta = raw.openDbi("meta");
            try (Txn<ByteBuffer> txn = raw.txnWrite()) {
                long sizes = 0;
                try (Cursor<ByteBuffer> cur = inodes.openCursor(txn)) {
                    java.util.List<byte[][]> rewrites = new java.util.ArrayList<>();
                    for (boolean ok = cur.first(); ok; ok = cur.next()) {
                        byte[] k = new byte[cur.key().remaining()];
                        cur.key().duplicate().get(k);
                        byte[] v = new byte[cur.val().remaining()];
                        cur.val().duplicate().get(v);
                        if ((ByteBuffer.wrap(v).getInt(1) & Modes.S_IFMT) == Modes.S_IFREG) {
                            sizes += ByteBuffer.wrap(v).getLong(1 + 16 + 8);
                        }
                        byte[] old = Arrays.copyOf(v, v.length - 8);
                        old[0] = 1;
                        rewrites.add(new byte[][] {k, old});
                    }
                    for (byte[][] kv : rewrites) {
                        inodes.put(txn, direct(kv[0]), direct(kv[1]));
                    }
                }
                extents.drop(txn);
                meta.delete(txn, direct("extents".getBytes(StandardCharsets.US_ASCII)));
                meta.put(txn, direct("bytes.used".getBytes(StandardCharsets.US_ASCII)),
                        ByteBuffer.allocateDirect(8).putLong(0, sizes));
                txn.commit();
            }
        }
        // The cache itself is unchanged otherwise: it opens as any cache does.
        try (CacheEnv env = CacheEnv.open(cacheDir, 1L << 30)) {
            assertEquals(-1L, (long) env.read(t -> env.meta.get(t, "extents", -1)));
        }
    }

    private static ByteBuffer direct(byte[] b) {
        return ByteBuffer.allocateDirect(b.length).put(b).flip();
    }
}
