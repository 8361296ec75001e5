package io.quire.mount.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.GetOp;

/**
 * Thread-safe (stateless over a txn). The {@code dirty} DBI: (inode u64, page index u64) to the
 * sequence number (u64) of the newest local write of a page not yet acknowledged by W replicas,
 * then the wall-clock millisecond (u64) since which the page has been dirty, or 0 when it is due
 * for upload at once (a write filled the whole page). Caches written before the second field
 * existed hold only the sequence; their pages read as due at once.
 *
 * <p>The flusher clears an entry only if its sequence is still the one it uploaded: a write that
 * lands during the upload leaves the page dirty for the next round.
 */
public final class DirtyTable {
    private final Dbi<ByteBuffer> dbi;

    /** One dirty page; {@code sinceMs} 0 means due at once. Thread-safe (immutable). */
    public record Entry(long ino, long index, long seq, long sinceMs) {
    }

    DirtyTable(Dbi<ByteBuffer> dbi) {
        this.dbi = dbi;
    }

    /** The dirty sequence of the page, or 0 when it is clean or not cached. */
    public long seq(DataTxn txn, long ino, long index) {
        ByteBuffer v = dbi.get(txn.txn, Keys.of(ino, index));
        return v == null ? 0 : v.getLong(0);
    }

    /**
     * Marks the page dirty at {@code seq}; returns true when it was clean before. A page already
     * dirty keeps the time it became dirty, so rewriting it again and again never postpones its
     * upload; {@code sinceMs} 0 (due at once) wins over any time.
     */
    public boolean mark(DataTxn txn, long ino, long index, long seq, long sinceMs) {
        ByteBuffer old = dbi.get(txn.txn, Keys.of(ino, index));
        boolean wasClean = old == null;
        long since = wasClean || sinceMs == 0 ? sinceMs : sinceOf(old);
        dbi.put(txn.forWrite(), Keys.of(ino, index), Keys.of(seq, since));
        return wasClean;
    }

    private static long sinceOf(ByteBuffer value) {
        return value.remaining() >= 2 * Long.BYTES ? value.getLong(Long.BYTES) : 0;
    }

    /** Clears the entry if its sequence is still {@code seq}; returns whether it did. */
    public boolean clearIf(DataTxn txn, long ino, long index, long seq) {
        if (seq(txn, ino, index) != seq) {
            return false;
        }
        return dbi.delete(txn.forWrite(), Keys.of(ino, index));
    }

    public boolean delete(DataTxn txn, long ino, long index) {
        return dbi.delete(txn.forWrite(), Keys.of(ino, index));
    }

    /** Up to {@code max} dirty pages of {@code ino} with index in [from, to). */
    public List<Entry> range(DataTxn txn, long ino, long from, long to, int max) {
        List<Entry> out = new ArrayList<>();
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn.txn)) {
            boolean ok = c.get(Keys.of(ino, from), GetOp.MDB_SET_RANGE);
            while (ok && out.size() < max) {
                ByteBuffer k = c.key();
                if (k.getLong(0) != ino || k.getLong(8) >= to) {
                    break;
                }
                out.add(new Entry(ino, k.getLong(8), c.val().getLong(0), sinceOf(c.val())));
                ok = c.next();
            }
        }
        return out;
    }

    /** Up to {@code max} dirty pages at or after (ino, index) in key order (no wrap). */
    public List<Entry> from(DataTxn txn, long ino, long index, int max) {
        List<Entry> out = new ArrayList<>();
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn.txn)) {
            boolean ok = c.get(Keys.of(ino, index), GetOp.MDB_SET_RANGE);
            while (ok && out.size() < max) {
                ByteBuffer k = c.key();
                out.add(new Entry(k.getLong(0), k.getLong(8), c.val().getLong(0), sinceOf(c.val())));
                ok = c.next();
            }
        }
        return out;
    }

    public long count(DataTxn txn) {
        return dbi.stat(txn.txn).entries;
    }
}
