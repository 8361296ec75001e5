package io.quire.mount.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.lmdbjava.Cursor;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

/**
 * Thread-safe (stateless over a txn). The {@code inode} DBI: inode number (u64) to {@link Inode}.
 */
public final class InodeTable {
    private final JournaledDbi dbi;

    InodeTable(JournaledDbi dbi) {
        this.dbi = dbi;
    }

    /** The inode, or null if there is none. */
    public Inode get(Txn<ByteBuffer> txn, long ino) {
        ByteBuffer v = dbi.get(txn, Keys.of(ino));
        return v == null ? null : Inode.decode(ino, v);
    }

    public void put(Txn<ByteBuffer> txn, Inode n) {
        ByteBuffer v = Keys.direct(Inode.ENCODED_BYTES);
        n.encode(v);
        dbi.put(txn, Keys.of(n.ino), v);
    }

    /** Up to {@code max} inodes numbered {@code from} or more, in order. */
    public List<Inode> from(Txn<ByteBuffer> txn, long from, int max) {
        List<Inode> out = new ArrayList<>();
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
            boolean ok = c.get(Keys.of(from), GetOp.MDB_SET_RANGE);
            while (ok && out.size() < max) {
                out.add(Inode.decode(c.key().getLong(0), c.val()));
                ok = c.next();
            }
        }
        return out;
    }

    public void delete(Txn<ByteBuffer> txn, long ino) {
        dbi.delete(txn, Keys.of(ino));
    }
}
