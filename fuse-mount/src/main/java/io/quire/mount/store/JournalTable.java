package io.quire.mount.store;

import java.nio.ByteBuffer;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

/**
 * Thread-safe (stateless over a txn). The {@code journal} DBI: record sequence number (u64) to
 * the record's body (its mutations, encoded as in {@code docs/mount-format.md}). It holds the
 * records not yet known durable on the servers, and those of the journal page still being
 * filled (a partly filled page is rewritten whole). Local only: never journaled itself.
 */
public final class JournalTable {
    private final Dbi<ByteBuffer> dbi;

    /** Receives records; returns false to stop. */
    @FunctionalInterface
    public interface Sink {
        /** {@code body} is LMDB-owned: valid during the call only. */
        boolean accept(long seq, ByteBuffer body);
    }

    JournalTable(Dbi<ByteBuffer> dbi) {
        this.dbi = dbi;
    }

    public void put(Txn<ByteBuffer> txn, long seq, byte[] body) {
        dbi.put(txn, Keys.of(seq), Keys.of(body));
    }

    /** Records with seq >= {@code from} in seq order, until the sink stops. */
    public void scan(Txn<ByteBuffer> txn, long from, Sink sink) {
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
            boolean ok = c.get(Keys.of(from), GetOp.MDB_SET_RANGE);
            while (ok && sink.accept(c.key().getLong(0), c.val())) {
                ok = c.next();
            }
        }
    }

    /** Deletes up to {@code max} records with seq below {@code below}; returns how many. */
    public int deleteBelow(Txn<ByteBuffer> txn, long below, int max) {
        int n = 0;
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
            boolean ok = c.first();
            while (ok && n < max && c.key().getLong(0) < below) {
                c.delete();
                n++;
                ok = c.next();
            }
        }
        return n;
    }

    public void clear(Txn<ByteBuffer> txn) {
        dbi.drop(txn);
    }

    public long count(Txn<ByteBuffer> txn) {
        return dbi.stat(txn).entries;
    }
}
