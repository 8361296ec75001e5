package io.quire.mount.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.lmdbjava.Cursor;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

/**
 * Thread-safe (stateless over a txn). The {@code xattr} DBI: (inode u64, name bytes) to value
 * bytes.
 */
public final class XattrTable {
    private final JournaledDbi dbi;

    XattrTable(JournaledDbi dbi) {
        this.dbi = dbi;
    }

    public byte[] get(Txn<ByteBuffer> txn, long ino, byte[] name) {
        ByteBuffer v = dbi.get(txn, Keys.of(ino, name));
        return v == null ? null : Keys.copy(v);
    }

    public void put(Txn<ByteBuffer> txn, long ino, byte[] name, byte[] value) {
        dbi.put(txn, Keys.of(ino, name), Keys.of(value));
    }

    public boolean delete(Txn<ByteBuffer> txn, long ino, byte[] name) {
        return dbi.delete(txn, Keys.of(ino, name));
    }

    /** Names of the inode's attributes, in byte order. */
    public List<byte[]> names(Txn<ByteBuffer> txn, long ino) {
        List<byte[]> out = new ArrayList<>();
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
            boolean ok = c.get(Keys.of(ino), GetOp.MDB_SET_RANGE);
            while (ok && c.key().getLong(0) == ino) {
                out.add(Keys.copyFrom(c.key(), 8));
                ok = c.next();
            }
        }
        return out;
    }

    public void deleteAll(Txn<ByteBuffer> txn, long ino) {
        for (byte[] name : names(txn, ino)) {
            delete(txn, ino, name);
        }
    }
}
