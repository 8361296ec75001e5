package io.quire.mount.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.GetOp;

/**
 * Thread-safe (stateless over a txn). The {@code pages} DBI, the page cache: a page of a file is
 * a header entry (its length) and the page's bytes in chunks of at most {@value #CHUNK_BYTES}.
 *
 * <p>Keys are (inode u64, page index u64, part u16): part 0 is the header, a u32 length; part
 * {@code k >= 1} holds the page's bytes [(k-1)·C, k·C). A chunk of {@value #CHUNK_BYTES} bytes is
 * exactly one LMDB overflow page (4096 bytes less its 16-byte header), so every allocation the
 * cache makes is a single page. A page stored as one 64 KiB value needs 17 contiguous free pages
 * instead, and LMDB's search for such runs in a large free list (after a file is deleted, or
 * once eviction runs) took up to half the daemon's CPU; a small write also had to copy the whole
 * page, where it now rewrites only the chunks it touches.
 *
 * <p>A stored page may be shorter than the page size: bytes past its length read as zeros. This
 * keeps the tail page of a small file small, and holds the invariant the data path relies on:
 * no page, cached or uploaded, has non-zero bytes past the end of its file. Within the length, a
 * missing chunk or the part past a short chunk also reads as zeros; no chunk is kept past the
 * length.
 */
public final class PageTable {
    /** Bytes per chunk: one LMDB overflow page with 4 KiB pages. */
    static final int CHUNK_BYTES = 4080;
    /**
     * What one cached page costs beyond its bytes (LMDB node headers and keys, roughly), so that
     * empty pages — cached holes — count against the cache size too.
     */
    public static final int ENTRY_OVERHEAD_BYTES = 64;
    private static final int HEADER = 0;

    private final Dbi<ByteBuffer> dbi;

    /** A page key found by a scan. Thread-safe (immutable). */
    public record Key(long ino, long index, int length) {
    }

    PageTable(Dbi<ByteBuffer> dbi) {
        this.dbi = dbi;
    }

    private static int chunks(int length) {
        return (length + CHUNK_BYTES - 1) / CHUNK_BYTES;
    }

    private static ByteBuffer key(long ino, long index, int part) {
        return Keys.of(ino, index, part);
    }

    /** Length of the cached page, or -1 when it is not cached. */
    public int length(DataTxn txn, long ino, long index) {
        ByteBuffer h = dbi.get(txn.txn, key(ino, index, HEADER));
        return h == null ? -1 : h.getInt(0);
    }

    public boolean contains(DataTxn txn, long ino, long index) {
        return dbi.get(txn.txn, key(ino, index, HEADER)) != null;
    }

    /**
     * Copies the page's bytes [from, from + len) into {@code dst}, up to the page's length;
     * returns how many bytes it wrote (0 when {@code from} is past the length), or -1 when the
     * page is not cached. The caller zero-fills the rest.
     */
    public int read(DataTxn txn, long ino, long index, int from, byte[] dst, int dstOff, int len) {
        int length = length(txn, ino, index);
        return length < 0 ? -1 : copy(txn, ino, index, length, from, dst, dstOff, len);
    }

    /** {@link #read} of a page whose length the caller has just read. */
    private int copy(DataTxn txn, long ino, long index, int length, int from, byte[] dst, int dstOff,
                     int len) {
        int end = Math.min(length, from + len);
        if (end <= from) {
            return 0;
        }
        for (int c = from / CHUNK_BYTES; c * CHUNK_BYTES < end; c++) {
            int cs = c * CHUNK_BYTES;
            int a = Math.max(from, cs);
            int b = Math.min(end, cs + CHUNK_BYTES);
            ByteBuffer v = dbi.get(txn.txn, key(ino, index, c + 1));
            int have = v == null ? 0 : Math.max(0, Math.min(b, cs + v.remaining()) - a);
            if (have > 0) {
                v.get(a - cs, dst, dstOff + (a - from), have);
            }
            Arrays.fill(dst, dstOff + (a - from) + have, dstOff + (b - from), (byte) 0);
        }
        return end - from;
    }

    /** The whole page (its length in bytes), or null when it is not cached. */
    public byte[] readAll(DataTxn txn, long ino, long index) {
        int length = length(txn, ino, index);
        if (length < 0) {
            return null;
        }
        byte[] out = new byte[length];
        copy(txn, ino, index, length, 0, out, 0, length);
        return out;
    }

    /** Stores {@code data[off..off+length)} as the whole page, writing straight into the map. */
    public void put(DataTxn txn, long ino, long index, byte[] data, int off, int length) {
        int old = length(txn, ino, index);
        for (int c = chunks(length); c < chunks(Math.max(old, 0)); c++) {
            dbi.delete(txn.forWrite(), key(ino, index, c + 1));
        }
        putHeader(txn, ino, index, length);
        for (int c = 0; c < chunks(length); c++) {
            int cs = c * CHUNK_BYTES;
            int n = Math.min(CHUNK_BYTES, length - cs);
            dbi.reserve(txn.forWrite(), key(ino, index, c + 1), n).put(0, data, off + cs, n);
        }
    }

    /**
     * Writes {@code src[srcOff..srcOff+len)} at {@code at} of a cached page whose bytes from
     * {@code keep} on are dropped first (they lie past the end of the file); the page's length
     * becomes {@code max(keep, at + len)}. Only the chunks the write touches are rewritten.
     *
     * @return the page's old length
     * @throws IllegalStateException when the page is not cached (the caller checked)
     */
    public int write(DataTxn txn, long ino, long index, int at, byte[] src, int srcOff, int len, int keep) {
        int old = length(txn, ino, index);
        if (old < 0) {
            throw new IllegalStateException("page " + ino + "/" + index + " is not cached");
        }
        if (old > keep) {
            cut(txn, ino, index, old, keep);
        }
        int base = Math.min(old, keep);
        int end = at + len;
        putHeader(txn, ino, index, Math.max(base, end));
        for (int c = at / CHUNK_BYTES; c * CHUNK_BYTES < end; c++) {
            int cs = c * CHUNK_BYTES;
            int a = Math.max(at, cs);
            int b = Math.min(end, cs + CHUNK_BYTES);
            ByteBuffer cur = dbi.get(txn.txn, key(ino, index, c + 1));
            int curLen = cur == null ? 0 : cur.remaining();
            int n = Math.max(curLen, b - cs);
            byte[] chunk = new byte[n];
            if (curLen > 0 && (a > cs || b - cs < curLen)) { // old bytes survive around the write
                cur.get(0, chunk, 0, curLen);
            }
            System.arraycopy(src, srcOff + (a - at), chunk, a - cs, b - a);
            dbi.reserve(txn.forWrite(), key(ino, index, c + 1), n).put(0, chunk, 0, n);
        }
        return old;
    }

    /** Cuts a cached page to {@code length} bytes (no more than it has); bytes past it read as zeros. */
    public void truncate(DataTxn txn, long ino, long index, int length) {
        int old = length(txn, ino, index);
        if (old < 0 || length >= old) {
            return;
        }
        cut(txn, ino, index, old, length);
        putHeader(txn, ino, index, length);
    }

    /** Drops the chunks of a page of {@code old} bytes past {@code length}; the header is the caller's. */
    private void cut(DataTxn txn, long ino, long index, int old, int length) {
        for (int c = chunks(length); c < chunks(old); c++) {
            dbi.delete(txn.forWrite(), key(ino, index, c + 1));
        }
        int tail = length % CHUNK_BYTES;
        if (tail != 0) {
            int c = length / CHUNK_BYTES;
            ByteBuffer cur = dbi.get(txn.txn, key(ino, index, c + 1));
            if (cur != null && cur.remaining() > tail) {
                byte[] kept = new byte[tail];
                cur.get(0, kept, 0, tail);
                dbi.reserve(txn.forWrite(), key(ino, index, c + 1), tail).put(0, kept, 0, tail);
            }
        }
    }

    public boolean delete(DataTxn txn, long ino, long index) {
        int old = length(txn, ino, index);
        if (old < 0) {
            return false;
        }
        for (int c = 0; c < chunks(old); c++) {
            dbi.delete(txn.forWrite(), key(ino, index, c + 1));
        }
        dbi.delete(txn.forWrite(), key(ino, index, HEADER));
        return true;
    }

    private void putHeader(DataTxn txn, long ino, long index, int length) {
        ByteBuffer v = Keys.direct(Integer.BYTES);
        v.putInt(0, length);
        dbi.put(txn.forWrite(), key(ino, index, HEADER), v);
    }

    /** Up to {@code max} cached pages of {@code ino} with index in [from, to), in index order. */
    public List<Key> range(DataTxn txn, long ino, long from, long to, int max) {
        List<Key> out = new ArrayList<>();
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn.txn)) {
            Key k = headerAtOrAfter(c, ino, from);
            while (k != null && out.size() < max && k.ino == ino && k.index < to) {
                out.add(k);
                k = headerAtOrAfter(c, ino, k.index + 1);
            }
        }
        return out;
    }

    /** Up to {@code max} cached pages at or after (ino, index), wrapping to the start once. */
    public List<Key> scan(DataTxn txn, long ino, long index, int max) {
        List<Key> out = new ArrayList<>();
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn.txn)) {
            Key k = headerAtOrAfter(c, ino, index);
            boolean wrapped = false;
            while (out.size() < max) {
                if (k == null) {
                    if (wrapped) {
                        break;
                    }
                    wrapped = true;
                    k = headerAtOrAfter(c, 0, 0);
                    continue;
                }
                if (wrapped && (k.ino > ino || (k.ino == ino && k.index >= index))) {
                    break;
                }
                out.add(k);
                k = next(c, k);
            }
        }
        return out;
    }

    /** The first cached page at or after (ino, index), or null. */
    public Key first(DataTxn txn, long ino, long index) {
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn.txn)) {
            return headerAtOrAfter(c, ino, index);
        }
    }

    /** Number of cached pages (a walk over the headers: for tests and start-up). */
    public long count(DataTxn txn) {
        long n = 0;
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn.txn)) {
            for (Key k = headerAtOrAfter(c, 0, 0); k != null; k = next(c, k)) {
                n++;
            }
        }
        return n;
    }

    /** What a cached page of {@code length} bytes counts against the cache size. */
    public static long footprint(int length) {
        return length + (long) ENTRY_OVERHEAD_BYTES;
    }

    /** Sum of the footprints of all cached pages (read once at start-up). */
    public long totalBytes(DataTxn txn) {
        long total = 0;
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn.txn)) {
            for (Key k = headerAtOrAfter(c, 0, 0); k != null; k = next(c, k)) {
                total += footprint(k.length);
            }
        }
        return total;
    }

    private static Key next(Cursor<ByteBuffer> c, Key k) {
        return k.index == Long.MAX_VALUE ? headerAtOrAfter(c, k.ino + 1, 0) : headerAtOrAfter(c, k.ino, k.index + 1);
    }

    /** The first page header at or after (ino, index), skipping chunks, or null at the end. */
    private static Key headerAtOrAfter(Cursor<ByteBuffer> c, long ino, long index) {
        boolean ok = c.get(key(ino, index, HEADER), GetOp.MDB_SET_RANGE);
        while (ok) {
            ByteBuffer k = c.key();
            long i = k.getLong(0);
            long x = k.getLong(8);
            if (k.getShort(16) == HEADER) {
                return new Key(i, x, c.val().getInt(0));
            }
            // A chunk without its header (never written so): skip to the next page.
            if (x == Long.MAX_VALUE) {
                ok = i != Long.MAX_VALUE && c.get(key(i + 1, 0, HEADER), GetOp.MDB_SET_RANGE);
            } else {
                ok = c.get(key(i, x + 1, HEADER), GetOp.MDB_SET_RANGE);
            }
        }
        return null;
    }
}
