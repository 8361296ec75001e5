package io.quire.mount.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

/**
 * Thread-safe (stateless over a txn). The {@code page} DBI, the page cache: (inode u64, page index
 * u64) to the page's bytes.
 *
 * <p>A stored page may be shorter than the page size: bytes past its length read as zeros. This
 * keeps the tail page of a small file small, and holds the invariant the data path relies on:
 * no page, cached or uploaded, has non-zero bytes past the end of its file.
 */
public final class PageTable {
    /**
     * What one cached page costs beyond its bytes (LMDB node header and key, roughly), so that
     * empty pages — cached holes — count against the cache size too.
     */
    public static final int ENTRY_OVERHEAD_BYTES = 64;

    private final Dbi<ByteBuffer> dbi;

    /** A page key found by a scan. Thread-safe (immutable). */
    public record Key(long ino, long index, int length) {
    }

    PageTable(Dbi<ByteBuffer> dbi) {
        this.dbi = dbi;
    }

    /** The cached page as an LMDB-owned buffer (valid until the next LMDB call), or null. */
    public ByteBuffer get(Txn<ByteBuffer> txn, long ino, long index) {
        return dbi.get(txn, Keys.of(ino, index));
    }

    /** Length of the cached page, or -1 when it is not cached. */
    public int length(Txn<ByteBuffer> txn, long ino, long index) {
        ByteBuffer v = get(txn, ino, index);
        return v == null ? -1 : v.remaining();
    }

    /** Stores {@code data[0..length)} as the page, writing straight into the map. */
    public void put(Txn<ByteBuffer> txn, long ino, long index, byte[] data, int length) {
        ByteBuffer dst = dbi.reserve(txn, Keys.of(ino, index), length);
        dst.put(0, data, 0, length);
    }

    public boolean delete(Txn<ByteBuffer> txn, long ino, long index) {
        return dbi.delete(txn, Keys.of(ino, index));
    }

    /** Up to {@code max} cached pages of {@code ino} with index in [from, to), in index order. */
    public List<Key> range(Txn<ByteBuffer> txn, long ino, long from, long to, int max) {
        List<Key> out = new ArrayList<>();
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
            boolean ok = c.get(Keys.of(ino, from), GetOp.MDB_SET_RANGE);
            while (ok && out.size() < max) {
                ByteBuffer k = c.key();
                if (k.getLong(0) != ino || k.getLong(8) >= to) {
                    break;
                }
                out.add(new Key(ino, k.getLong(8), c.val().remaining()));
                ok = c.next();
            }
        }
        return out;
    }

    /** Up to {@code max} cached pages at or after (ino, index), wrapping to the start once. */
    public List<Key> scan(Txn<ByteBuffer> txn, long ino, long index, int max) {
        List<Key> out = new ArrayList<>();
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
            boolean ok = c.get(Keys.of(ino, index), GetOp.MDB_SET_RANGE);
            boolean wrapped = false;
            while (out.size() < max) {
                if (!ok) {
                    if (wrapped) {
                        break;
                    }
                    wrapped = true;
                    ok = c.first();
                    continue;
                }
                ByteBuffer k = c.key();
                long i = k.getLong(0);
                long x = k.getLong(8);
                if (wrapped && (i > ino || (i == ino && x >= index))) {
                    break;
                }
                out.add(new Key(i, x, c.val().remaining()));
                ok = c.next();
            }
        }
        return out;
    }

    public long count(Txn<ByteBuffer> txn) {
        return dbi.stat(txn).entries;
    }

    /** What a cached page of {@code length} bytes counts against the cache size. */
    public static long footprint(int length) {
        return length + (long) ENTRY_OVERHEAD_BYTES;
    }

    /** Sum of the footprints of all cached pages (read once at start-up). */
    public long totalBytes(Txn<ByteBuffer> txn) {
        long total = 0;
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
            boolean ok = c.first();
            while (ok) {
                total += footprint(c.val().remaining());
                ok = c.next();
            }
        }
        return total;
    }
}
