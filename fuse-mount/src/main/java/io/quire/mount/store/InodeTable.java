package io.quire.mount.store;

import java.nio.ByteBuffer;
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

    public void delete(Txn<ByteBuffer> txn, long ino) {
        dbi.delete(txn, Keys.of(ino));
    }
}
