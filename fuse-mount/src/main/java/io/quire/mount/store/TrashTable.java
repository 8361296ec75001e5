package io.quire.mount.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.lmdbjava.Cursor;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

/**
 * Thread-safe (stateless over a txn). The {@code trash} DBI: page ranges cut off by a truncate or
 * an unlink, still to be dropped from this cache and deleted on the replicas. Key (inode u64, from
 * u64), value (to u64, seq u64): pages [from, to) of the inode died at sequence {@code seq}.
 *
 * <p>While a range is here its pages read as holes whatever the cache or the replicas still
 * hold. A write into a range splits it (the page lives again); the tombstones the collector
 * sends carry the range's sequence, so a newer upload of a split-off page wins on the servers.
 */
public final class TrashTable {
    private final JournaledDbi dbi;

    /** One dead range. Thread-safe (immutable). */
    public record Range(long ino, long from, long to, long seq) {
    }

    TrashTable(JournaledDbi dbi) {
        this.dbi = dbi;
    }

    /** Adds [from, to) dead at {@code seq}, merging with a range that starts at the same page. */
    public void add(Txn<ByteBuffer> txn, long ino, long from, long to, long seq) {
        if (from >= to) {
            return;
        }
        Range old = get(txn, ino, from);
        if (old != null) {
            to = Math.max(to, old.to);
            seq = Math.max(seq, old.seq);
        }
        put(txn, new Range(ino, from, to, seq));
    }

    public Range get(Txn<ByteBuffer> txn, long ino, long from) {
        ByteBuffer v = dbi.get(txn, Keys.of(ino, from));
        return v == null ? null : new Range(ino, from, v.getLong(0), v.getLong(8));
    }

    public void put(Txn<ByteBuffer> txn, Range r) {
        ByteBuffer v = Keys.direct(16);
        v.putLong(0, r.to).putLong(8, r.seq);
        dbi.put(txn, Keys.of(r.ino, r.from), v);
    }

    public void delete(Txn<ByteBuffer> txn, long ino, long from) {
        dbi.delete(txn, Keys.of(ino, from));
    }

    /** All ranges of one inode (few: one per truncate still in progress). */
    public List<Range> of(Txn<ByteBuffer> txn, long ino) {
        List<Range> out = new ArrayList<>();
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
            boolean ok = c.get(Keys.of(ino, 0L), GetOp.MDB_SET_RANGE);
            while (ok && c.key().getLong(0) == ino) {
                out.add(new Range(ino, c.key().getLong(8), c.val().getLong(0), c.val().getLong(8)));
                ok = c.next();
            }
        }
        return out;
    }

    /** True when page {@code index} of {@code ino} lies in a dead range. */
    public boolean covers(Txn<ByteBuffer> txn, long ino, long index) {
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
            boolean ok = c.get(Keys.of(ino, 0L), GetOp.MDB_SET_RANGE);
            while (ok && c.key().getLong(0) == ino && c.key().getLong(8) <= index) {
                if (index < c.val().getLong(0)) {
                    return true;
                }
                ok = c.next();
            }
        }
        return false;
    }

    /** Makes page {@code index} live again by cutting it out of every range that covers it. */
    public void split(Txn<ByteBuffer> txn, long ino, long index) {
        for (Range r : of(txn, ino)) {
            if (r.from <= index && index < r.to) {
                delete(txn, ino, r.from);
                if (r.from < index) {
                    add(txn, ino, r.from, index, r.seq);
                }
                if (index + 1 < r.to) {
                    add(txn, ino, index + 1, r.to, r.seq);
                }
            }
        }
    }

    /** The first range at or after (ino, from), wrapping to the start once; null when empty. */
    public Range next(Txn<ByteBuffer> txn, long ino, long from) {
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
            boolean ok = c.get(Keys.of(ino, from), GetOp.MDB_SET_RANGE);
            if (!ok) {
                ok = c.first();
            }
            if (!ok) {
                return null;
            }
            return new Range(c.key().getLong(0), c.key().getLong(8), c.val().getLong(0), c.val().getLong(8));
        }
    }

    public long count(Txn<ByteBuffer> txn) {
        return dbi.stat(txn).entries;
    }
}
