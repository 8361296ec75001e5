package io.quire.mount.store;

import java.nio.ByteBuffer;
import org.lmdbjava.Txn;

/**
 * Thread-safe (stateless over a txn). The {@code remote} DBI: inode (u64) to one past the highest
 * page index ever sent to the replicas (u64).
 *
 * <p>It is raised before an upload starts, never after, so that a page at or above it is known
 * to exist nowhere but in this cache: a cold read there is a hole without a network round trip,
 * and a truncate or unlink needs no remote delete there.
 */
public final class RemoteTable {
    private final JournaledDbi dbi;

    RemoteTable(JournaledDbi dbi) {
        this.dbi = dbi;
    }

    public long high(Txn<ByteBuffer> txn, long ino) {
        ByteBuffer v = dbi.get(txn, Keys.of(ino));
        return v == null ? 0 : v.getLong(0);
    }

    public void raise(Txn<ByteBuffer> txn, long ino, long high) {
        if (high > high(txn, ino)) {
            dbi.put(txn, Keys.of(ino), Keys.of(high));
        }
    }

    public void delete(Txn<ByteBuffer> txn, long ino) {
        dbi.delete(txn, Keys.of(ino));
    }
}
