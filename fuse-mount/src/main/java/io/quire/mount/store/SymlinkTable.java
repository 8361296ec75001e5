package io.quire.mount.store;

import java.nio.ByteBuffer;
import org.lmdbjava.Txn;

/**
 * Thread-safe (stateless over a txn). The {@code symlink} DBI: inode (u64) to target bytes.
 */
public final class SymlinkTable {
    private final JournaledDbi dbi;

    SymlinkTable(JournaledDbi dbi) {
        this.dbi = dbi;
    }

    public byte[] get(Txn<ByteBuffer> txn, long ino) {
        ByteBuffer v = dbi.get(txn, Keys.of(ino));
        return v == null ? null : Keys.copy(v);
    }

    public void put(Txn<ByteBuffer> txn, long ino, byte[] target) {
        dbi.put(txn, Keys.of(ino), Keys.of(target));
    }

    public void delete(Txn<ByteBuffer> txn, long ino) {
        dbi.delete(txn, Keys.of(ino));
    }
}
