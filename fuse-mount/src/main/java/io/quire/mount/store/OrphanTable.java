package io.quire.mount.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.lmdbjava.Cursor;
import org.lmdbjava.Txn;

/**
 * Thread-safe (stateless over a txn). The {@code orphan} DBI: inodes with no name left but still
 * open when they lost it (u64 to nothing). They are purged on last release, or at the next start
 * (no handle survives a restart).
 */
public final class OrphanTable {
    private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(1).limit(0);
    private final JournaledDbi dbi;

    OrphanTable(JournaledDbi dbi) {
        this.dbi = dbi;
    }

    public void add(Txn<ByteBuffer> txn, long ino) {
        dbi.put(txn, Keys.of(ino), EMPTY.duplicate());
    }

    public boolean contains(Txn<ByteBuffer> txn, long ino) {
        return dbi.get(txn, Keys.of(ino)) != null;
    }

    public void delete(Txn<ByteBuffer> txn, long ino) {
        dbi.delete(txn, Keys.of(ino));
    }

    public List<Long> all(Txn<ByteBuffer> txn) {
        List<Long> out = new ArrayList<>();
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
            boolean ok = c.first();
            while (ok) {
                out.add(c.key().getLong(0));
                ok = c.next();
            }
        }
        return out;
    }
}
