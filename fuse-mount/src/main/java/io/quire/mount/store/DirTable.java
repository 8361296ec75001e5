package io.quire.mount.store;

import java.nio.ByteBuffer;
import org.lmdbjava.Cursor;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

/**
 * Thread-safe (stateless over a txn). Directory entries, in two DBIs kept in step.
 *
 * <ul>
 *   <li>{@code dirent}: (dir u64, name bytes) to (child u64, cookie u64, type u32) — lookups.
 *   <li>{@code dirpos}: (dir u64, cookie u64) to (child u64, type u32, name bytes) — readdir.
 * </ul>
 *
 * <p>A cookie is a directory's own counter, handed out when an entry is added and never reused,
 * so a readdir offset stays meaningful while the directory changes: entries removed behind the
 * reader do not shift the ones ahead of it.
 */
public final class DirTable {
    /** The first cookie of a directory; 0 and 1 are the offsets of "." and "..". */
    public static final long FIRST_COOKIE = 2;

    private final JournaledDbi entries;
    private final JournaledDbi positions;

    /** One entry found by name. Thread-safe (immutable). */
    public record Entry(long child, long cookie, int type) {
    }

    /** Receives listed entries; returns false to stop. */
    @FunctionalInterface
    public interface Sink {
        boolean accept(byte[] name, long child, int type, long cookie);
    }

    DirTable(JournaledDbi entries, JournaledDbi positions) {
        this.entries = entries;
        this.positions = positions;
    }

    public Entry lookup(Txn<ByteBuffer> txn, long dir, byte[] name) {
        ByteBuffer v = entries.get(txn, Keys.of(dir, name));
        return v == null ? null : new Entry(v.getLong(0), v.getLong(8), v.getInt(16));
    }

    /** Adds an entry at the directory's next cookie; the caller writes {@code dir} back. */
    public void add(Txn<ByteBuffer> txn, Inode dir, byte[] name, long child, int type) {
        long cookie = dir.nextCookie++;
        ByteBuffer v = Keys.direct(20);
        v.putLong(0, child).putLong(8, cookie).putInt(16, type);
        entries.put(txn, Keys.of(dir.ino, name), v);
        ByteBuffer p = Keys.direct(12 + name.length);
        p.putLong(0, child).putInt(8, type).put(12, name);
        positions.put(txn, Keys.of(dir.ino, cookie), p);
    }

    public void remove(Txn<ByteBuffer> txn, long dir, byte[] name, Entry e) {
        entries.delete(txn, Keys.of(dir, name));
        positions.delete(txn, Keys.of(dir, e.cookie()));
    }

    public boolean isEmpty(Txn<ByteBuffer> txn, long dir) {
        try (Cursor<ByteBuffer> c = positions.openCursor(txn)) {
            return !c.get(Keys.of(dir, 0L), GetOp.MDB_SET_RANGE) || c.key().getLong(0) != dir;
        }
    }

    /** Lists entries with cookie >= {@code fromCookie} in cookie order until the sink stops. */
    public void list(Txn<ByteBuffer> txn, long dir, long fromCookie, Sink sink) {
        try (Cursor<ByteBuffer> c = positions.openCursor(txn)) {
            boolean ok = c.get(Keys.of(dir, fromCookie), GetOp.MDB_SET_RANGE);
            while (ok && c.key().getLong(0) == dir) {
                long cookie = c.key().getLong(8);
                ByteBuffer v = c.val();
                if (!sink.accept(Keys.copyFrom(v, 12), v.getLong(0), v.getInt(8), cookie)) {
                    return;
                }
                ok = c.next();
            }
        }
    }
}
